/* The direction classifier on Kiln::runtime's thread pool: runs one input
 * with cls_run and with cls_run_parallel on 1 to 4 threads, and checks that
 * the scores are bit-identical, as the header promises. */
#include "cls.h"
#include "kiln_runtime.h"

#include <stdio.h>
#include <string.h>

enum { ELEMENTS = 3 * 48 * 192 };

int main(void) {
  static float input[ELEMENTS];
  static _Alignas(CLS_ARENA_ALIGN) unsigned char arena[CLS_ARENA_BYTES];
  float serial[2], parallel[2];
  /* A deterministic input in [-1, 1]. */
  unsigned state = 12345;
  for (int i = 0; i < ELEMENTS; ++i) {
    state = state * 1103515245u + 12345u;
    input[i] = (float)((state >> 8) & 0xffff) / 32767.5f - 1.0f;
  }
  const void *inputs[] = {input};
  void *serial_out[] = {serial};
  void *parallel_out[] = {parallel};
  if (cls_run(inputs, serial_out, arena) != 0) {
    fprintf(stderr, "error: cls_run failed\n");
    return 1;
  }
  for (int threads = 1; threads <= 4; ++threads) {
    kiln_pool *pool = kiln_pool_create(threads);
    if (!pool) {
      fprintf(stderr, "error: kiln_pool_create(%d) failed\n", threads);
      return 1;
    }
    kiln_parallel par = kiln_pool_parallel(pool);
    int rc = cls_run_parallel(inputs, parallel_out, arena, &par);
    kiln_pool_destroy(pool);
    if (rc != 0 || memcmp(serial, parallel, sizeof serial) != 0) {
      fprintf(stderr, "error: %d threads: rc %d, scores %g %g, one thread %g %g\n", threads, rc,
              parallel[0], parallel[1], serial[0], serial[1]);
      return 1;
    }
  }
  printf("cls_run_parallel on 1-4 threads matches cls_run: %.6f %.6f\n", serial[0], serial[1]);
  return 0;
}
