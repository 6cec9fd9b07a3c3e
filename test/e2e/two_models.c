/* Two compiled models in one program: both headers together, no symbol
 * clashes, each model's descriptors and results independent. */
#include "net_a.h"
#include "net_b.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_desc(const kiln_tensor_desc *d, const char *name, int rank,
                      const int64_t *dims) {
  if (!d || strcmp(d->name, name) != 0 || d->dtype != 1 || d->rank != rank)
    return 1;
  for (int i = 0; i < rank; ++i)
    if (d->dims[i] != dims[i])
      return 1;
  return 0;
}

int main(void) {
  static const int64_t a_dims[] = {1, 4}, b_in[] = {2, 3}, b_out[] = {2, 4};
  int failures = 0;
  failures += net_a_num_inputs() != 1 || net_a_num_outputs() != 1;
  failures += check_desc(net_a_input(0), "x", 2, a_dims);
  failures += check_desc(net_b_input(0), "a", 2, b_in);
  failures += check_desc(net_b_output(0), "y", 2, b_out);
  failures += net_a_input(1) != NULL || net_a_input(-1) != NULL;
  failures += net_a_arena_bytes() != NET_A_ARENA_BYTES;

  /* Relu. */
  float x[4] = {-1.0f, 2.0f, -3.0f, 4.0f}, y[4];
  static _Alignas(64) unsigned char arena_a[NET_A_ARENA_BYTES + 64];
  const void *in_a[] = {x};
  void *out_a[] = {y};
  failures += net_a_run(in_a, out_a, arena_a) != 0;
  failures += y[0] != 0.0f || y[1] != 2.0f || y[2] != 0.0f || y[3] != 4.0f;

  /* Gemm: 0.5 * A * ones(3x4) + ones(4). */
  float a[6] = {1, 2, 3, 4, 5, 6}, g[8];
  static _Alignas(64) unsigned char arena_b[NET_B_ARENA_BYTES + 64];
  const void *in_b[] = {a};
  void *out_b[] = {g};
  failures += net_b_run(in_b, out_b, arena_b) != 0;
  for (int j = 0; j < 4; ++j)
    failures += fabsf(g[j] - 4.0f) > 1e-6f || fabsf(g[4 + j] - 8.5f) > 1e-6f;

#if defined(__x86_64__)
  /* A run, which flushes denormals to zero (MXCSR FTZ|DAZ; the emitted
     code is checked in test/lit/Target/float-mode.test), gives the caller
     its own mode back, whether or not the caller had them set. */
  unsigned before = __builtin_ia32_stmxcsr();
  failures += (before & 0x8040) != 0;
  failures += net_b_run(in_b, out_b, arena_b) != 0;
  failures += __builtin_ia32_stmxcsr() != before;
  __builtin_ia32_ldmxcsr(before | 0x8040);
  failures += net_a_run(in_a, out_a, arena_a) != 0;
  failures += __builtin_ia32_stmxcsr() != (before | 0x8040);
  __builtin_ia32_ldmxcsr(before);
#endif

  /* Null buffers are refused, not dereferenced. */
  failures += net_a_run(in_a, out_a, NULL) == 0;

  printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
  return failures != 0;
}
