/* Generic runner for a compiled model, using nothing but its generated header.
 *
 * Build:  cc -DKILN_HEADER='"model.h"' -DKILN_NAME=model harness.c model.o -lm
 * Run:    harness IN0.bin [IN1.bin ...] -- OUT0.bin [OUT1.bin ...]
 *
 * Each file holds one tensor's raw little-endian elements in row-major order;
 * input sizes are checked against the header's descriptors. */
#include KILN_HEADER

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KILN_CAT2(a, b) a##b
#define KILN_CAT(a, b) KILN_CAT2(a, b)
#define KILN_FN(suffix) KILN_CAT(KILN_NAME, suffix)

static size_t element_size(int32_t dtype) {
  switch (dtype) {
  case 1: case 6: return 4;
  case 7: return 8;
  case 2: case 3: case 9: return 1;
  default: return 0;
  }
}

static size_t tensor_bytes(const kiln_tensor_desc *d) {
  size_t n = element_size(d->dtype);
  for (int32_t i = 0; i < d->rank; ++i)
    n *= (size_t)d->dims[i];
  return n;
}

int main(int argc, char **argv) {
  int ni = KILN_FN(_num_inputs)(), no = KILN_FN(_num_outputs)();
  int sep = 1;
  while (sep < argc && strcmp(argv[sep], "--") != 0)
    ++sep;
  if (sep - 1 != ni || argc - sep - 1 != no) {
    fprintf(stderr, "error: expected %d input and %d output files\n", ni, no);
    return 2;
  }
  void **in = calloc((size_t)ni + 1, sizeof(void *));
  void **out = calloc((size_t)no + 1, sizeof(void *));
  for (int i = 0; i < ni; ++i) {
    const kiln_tensor_desc *d = KILN_FN(_input)(i);
    size_t bytes = tensor_bytes(d);
    FILE *f = fopen(argv[1 + i], "rb");
    if (!f) {
      fprintf(stderr, "error: cannot open %s\n", argv[1 + i]);
      return 2;
    }
    in[i] = malloc(bytes ? bytes : 1);
    size_t got = fread(in[i], 1, bytes, f);
    int extra = fgetc(f) != EOF;
    fclose(f);
    if (got != bytes || extra) {
      fprintf(stderr, "error: %s: input '%s' needs exactly %zu bytes\n",
              argv[1 + i], d->name, bytes);
      return 2;
    }
  }
  for (int i = 0; i < no; ++i) {
    size_t bytes = tensor_bytes(KILN_FN(_output)(i));
    out[i] = malloc(bytes ? bytes : 1);
  }
  size_t arena_bytes = KILN_FN(_arena_bytes)();
  void *arena = aligned_alloc(64, (arena_bytes + 63) / 64 * 64 + 64);
  if (KILN_FN(_run)((const void *const *)in, out, arena) != 0) {
    fprintf(stderr, "error: run failed\n");
    return 1;
  }
  for (int i = 0; i < no; ++i) {
    FILE *f = fopen(argv[sep + 1 + i], "wb");
    size_t bytes = tensor_bytes(KILN_FN(_output)(i));
    if (!f || fwrite(out[i], 1, bytes, f) != bytes) {
      fprintf(stderr, "error: cannot write %s\n", argv[sep + 1 + i]);
      return 2;
    }
    fclose(f);
  }
  return 0;
}
