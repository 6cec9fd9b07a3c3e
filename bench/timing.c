/* Times NAME_run (or NAME_run_parallel on a kiln_pool of THREADS threads)
 * on random inputs: prints the median of ROUNDS runs in ms.
 * cc -O2 -DKILN_HEADER='"m.h"' -DKILN_NAME=m -Iruntime timing.c m.o libkiln_runtime.a -lm -lpthread
 * usage: timing ROUNDS [THREADS] */
#define _POSIX_C_SOURCE 199309L
#include KILN_HEADER
#include "kiln_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define KILN_CAT2(a, b) a##b
#define KILN_CAT(a, b) KILN_CAT2(a, b)
#define KILN_FN(suffix) KILN_CAT(KILN_NAME, suffix)

static size_t bytes_of(const kiln_tensor_desc *d) {
  size_t n = d->dtype == 7 ? 8 : d->dtype == 3 || d->dtype == 9 ? 1 : 4;
  for (int i = 0; i < d->rank; ++i)
    n *= (size_t)d->dims[i];
  return n;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 10;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  kiln_pool *pool = threads > 1 ? kiln_pool_create(threads) : NULL;
  kiln_parallel par = kiln_pool_parallel(pool);
  int ni = KILN_FN(_num_inputs)(), no = KILN_FN(_num_outputs)();
  void **in = calloc((size_t)ni, sizeof(void *)), **out = calloc((size_t)no, sizeof(void *));
  for (int i = 0; i < ni; ++i) {
    size_t n = bytes_of(KILN_FN(_input)(i));
    float *p = malloc(n);
    for (size_t j = 0; j < n / sizeof(float); ++j)
      p[j] = (float)rand() / RAND_MAX;
    in[i] = p;
  }
  for (int i = 0; i < no; ++i)
    out[i] = malloc(bytes_of(KILN_FN(_output)(i)));
  void *arena = aligned_alloc(64, (KILN_FN(_arena_bytes)() + 63) / 64 * 64 + 64);
  double *ms = malloc(sizeof(double) * (size_t)rounds);
#define RUN() (pool ? KILN_FN(_run_parallel)((const void *const *)in, out, arena, &par) \
                : KILN_FN(_run)((const void *const *)in, out, arena))
  RUN(); /* warm-up */
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
