/* Times NAME_run_sized of a model with one ranged dim at SIZE (or
 * NAME_run_parallel-style on a kiln_pool of THREADS threads): prints the
 * median of ROUNDS runs in ms. Inputs are zero-filled at the maximum size.
 * cc -O2 -DKILN_HEADER='"m.h"' -DKILN_NAME=m -Iruntime ranged_timing.c m.o libkiln_runtime.a -lm -lpthread
 * usage: ranged_timing SIZE ROUNDS [THREADS] */
#define _POSIX_C_SOURCE 199309L
#include KILN_HEADER
#include "kiln_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KILN_CAT2(a, b) a##b
#define KILN_CAT(a, b) KILN_CAT2(a, b)
#define KILN_FN(suffix) KILN_CAT(KILN_NAME, suffix)

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Bytes of a descriptor with every ranged dim at its maximum (8 per element
   covers every dtype). */
static size_t max_bytes(const kiln_tensor_desc *d, const int64_t *dims) {
  size_t n = 8;
  for (int32_t i = 0; i < d->rank; ++i)
    n *= (size_t)dims[i];
  return n;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s SIZE ROUNDS [THREADS]\n", argv[0]);
    return 2;
  }
  int64_t size = atoll(argv[1]);
  int rounds = atoi(argv[2]);
  int threads = argc > 3 ? atoi(argv[3]) : 1;
  kiln_pool *pool = threads > 1 ? kiln_pool_create(threads) : NULL;
  kiln_parallel par = kiln_pool_parallel(pool);
  const kiln_dim_range *range = KILN_FN(_ranged_dim)(0);
  int64_t maxima[1] = {range->max};
  int ni = KILN_FN(_num_inputs)(), no = KILN_FN(_num_outputs)();
  void **in = calloc((size_t)ni, sizeof(void *)), **out = calloc((size_t)no, sizeof(void *));
  for (int i = 0; i < ni; ++i) {
    const kiln_tensor_desc *d = KILN_FN(_input)(i);
    int64_t dims[16];
    for (int32_t a = 0; a < d->rank; ++a)
      dims[a] = d->dims[a] < 0 ? range->max : d->dims[a];
    in[i] = calloc(1, max_bytes(d, dims));
  }
  for (int i = 0; i < no; ++i) {
    int64_t dims[16];
    KILN_FN(_output_dims)(maxima, i, dims);
    out[i] = aligned_alloc(64, (max_bytes(KILN_FN(_output)(i), dims) + 63) / 64 * 64);
  }
  void *arena = aligned_alloc(64, (KILN_FN(_arena_bytes)() + 63) / 64 * 64 + 64);
  double *ms = malloc(sizeof(double) * (size_t)rounds);
  int64_t sizes[1] = {size};
#define RUN() KILN_FN(_run_sized)(sizes, (const void *const *)in, out, arena, pool ? &par : NULL)
  if (RUN() != 0) {
    fprintf(stderr, "error: size %lld refused\n", (long long)size);
    return 1;
  }
  for (int r = 0; r < rounds; ++r) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    RUN();
    clock_gettime(CLOCK_MONOTONIC, &b);
    ms[r] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
  }
  qsort(ms, (size_t)rounds, sizeof(double), compare);
  printf("%.3f\n", ms[rounds / 2]);
  kiln_pool_destroy(pool);
  return 0;
}
