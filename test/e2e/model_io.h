/* Shared by the C drivers of compiled models (tests and benchmarks):
 * KILN_FN(_run) names NAME_run for -DKILN_NAME=NAME, and the byte size of a
 * tensor described by the generated header. Include after the model header. */
#ifndef KILN_MODEL_IO_H
#define KILN_MODEL_IO_H

#include <stddef.h>
#include <stdlib.h>

#define KILN_CAT2(a, b) a##b
#define KILN_CAT(a, b) KILN_CAT2(a, b)
#define KILN_FN(suffix) KILN_CAT(KILN_NAME, suffix)

static inline size_t kiln_bytes_of(const kiln_tensor_desc *d) {
  size_t n = d->dtype == 7 ? 8 : d->dtype == 3 || d->dtype == 9 ? 1 : 4;
  for (int i = 0; i < d->rank; ++i)
    n *= (size_t)d->dims[i];
  return n;
}

/* NAME's inputs, each filled with uniform [0, 1] floats (rand()). */
static inline void **kiln_random_inputs(void) {
  int ni = KILN_FN(_num_inputs)();
  void **in = (void **)calloc((size_t)ni + 1, sizeof(void *));
  for (int i = 0; i < ni; ++i) {
    size_t n = kiln_bytes_of(KILN_FN(_input)(i));
    /* 64-byte aligned, like the arena: a vector row never splits a line. */
    float *p = (float *)aligned_alloc(64, (n + 63) / 64 * 64);
    for (size_t j = 0; j < n / sizeof(float); ++j)
      p[j] = (float)rand() / (float)RAND_MAX;
    in[i] = p;
  }
  return in;
}

#endif /* KILN_MODEL_IO_H */
