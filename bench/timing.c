/* Times NAME_run (or NAME_run_parallel on a kiln_pool of THREADS threads)
 * on random inputs: prints the median of ROUNDS runs in ms.
 * cc -O2 -DKILN_HEADER='"m.h"' -DKILN_NAME=m -Iruntime -Itest/e2e timing.c m.o libkiln_runtime.a -lm -lpthread
 * usage: timing ROUNDS [THREADS] */
#define _POSIX_C_SOURCE 199309L
#include KILN_HEADER
#include "kiln_runtime.h"
#include "model_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>


static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 10;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  kiln_pool *pool = threads > 1 ? kiln_pool_create(threads) : NULL;
  kiln_parallel par = kiln_pool_parallel(pool);
  int no = KILN_FN(_num_outputs)();
  void **in = kiln_random_inputs(), **out = calloc((size_t)no, sizeof(void *));
  for (int i = 0; i < no; ++i)
    out[i] = aligned_alloc(64, (kiln_bytes_of(KILN_FN(_output)(i)) + 63) / 64 * 64);
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
