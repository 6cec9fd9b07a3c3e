/* NAME_run_parallel gives bit-identical outputs to NAME_run: on the
 * libkiln_runtime pool with 2 and 3 threads, with a callback that runs the
 * chunks in reverse order on the calling thread, and with par == NULL.
 * cc -DKILN_HEADER='"m.h"' -DKILN_NAME=m -Iruntime -Itest/e2e parallel_run.c m.o libkiln_runtime.a -lm -lpthread */
#include KILN_HEADER
#include "kiln_runtime.h"
#include "model_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int reverse_calls;
static void reverse_for(void *context, int n, void (*fn)(void *, int), void *arg) {
  (void)context;
  for (int i = n - 1; i >= 0; --i)
    fn(arg, i);
  ++reverse_calls;
}

int main(void) {
  int no = KILN_FN(_num_outputs)();
  void **in = kiln_random_inputs();
  void **ref = calloc((size_t)no, sizeof(void *)), **out = calloc((size_t)no, sizeof(void *));
  for (int i = 0; i < no; ++i) {
    ref[i] = malloc(kiln_bytes_of(KILN_FN(_output)(i)));
    out[i] = malloc(kiln_bytes_of(KILN_FN(_output)(i)));
  }
  void *arena = aligned_alloc(64, (KILN_FN(_arena_bytes)() + 63) / 64 * 64 + 64);
  if (KILN_FN(_run)((const void *const *)in, ref, arena) != 0)
    return fprintf(stderr, "run failed\n"), 1;

  kiln_pool *pools[2] = {kiln_pool_create(2), kiln_pool_create(3)};
  kiln_parallel reverse = {reverse_for, NULL, 4};
  kiln_parallel cases[4] = {kiln_pool_parallel(pools[0]), kiln_pool_parallel(pools[1]),
                            reverse, {NULL, NULL, 0}};
  const char *names[4] = {"pool of 2", "pool of 3", "reverse order", "no callback"};
  int failed = 0;
  for (int c = 0; c < 5; ++c) {
    const kiln_parallel *par = c < 4 ? &cases[c] : NULL;
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < no; ++i)
        memset(out[i], 0xff, kiln_bytes_of(KILN_FN(_output)(i)));
      if (KILN_FN(_run_parallel)((const void *const *)in, out, arena, par) != 0)
        return fprintf(stderr, "run_parallel failed\n"), 1;
      for (int i = 0; i < no; ++i)
        if (memcmp(out[i], ref[i], kiln_bytes_of(KILN_FN(_output)(i))) != 0) {
          fprintf(stderr, "%s: output %d differs from NAME_run\n", c < 4 ? names[c] : "NULL", i);
          failed = 1;
        }
    }
  }
  if (reverse_calls == 0)
    return fprintf(stderr, "no kernel was split\n"), 1;
  printf("%s: identical outputs over %d split kernel runs\n", failed ? "FAIL" : "ok",
         reverse_calls);
  kiln_pool_destroy(pools[0]);
  kiln_pool_destroy(pools[1]);
  return failed;
}
