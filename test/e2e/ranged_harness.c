/* Runner for a compiled model with ranged dims, using nothing but its header.
 *
 * Build:  cc -DKILN_HEADER='"model.h"' -DKILN_NAME=model ranged_harness.c model.o -lm
 * Run:    ranged_harness SIZE0[,SIZE1...] IN0.bin ... -- OUT0.bin ...
 *
 * SIZEi is the size of ranged dim i (the header's NAME_ranged_dim order).
 * Each file holds one tensor's raw elements, row-major, at those sizes; the
 * output files get the outputs at NAME_output_dims. Exit 3 when the model
 * refuses the sizes (out of range). */
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

static size_t bytes_of(int32_t dtype, int32_t rank, const int64_t *dims) {
  size_t n = element_size(dtype);
  for (int32_t i = 0; i < rank; ++i)
    n *= (size_t)dims[i];
  return n;
}

int main(int argc, char **argv) {
  int ni = KILN_FN(_num_inputs)(), no = KILN_FN(_num_outputs)();
  int64_t sizes[16];
  int nsizes = 0;
  for (char *p = argc > 1 ? argv[1] : ""; *p && nsizes < 16;) {
    sizes[nsizes++] = strtoll(p, &p, 10);
    if (*p == ',')
      ++p;
  }
  int sep = 2;
  while (sep < argc && strcmp(argv[sep], "--") != 0)
    ++sep;
  if (argc < 2 || sep - 2 != ni || argc - sep - 1 != no) {
    fprintf(stderr, "usage: %s SIZES IN... -- OUT... (%d inputs, %d outputs)\n",
            argv[0], ni, no);
    return 2;
  }
  void **in = calloc((size_t)ni + 1, sizeof(void *));
  void **out = calloc((size_t)no + 1, sizeof(void *));
  size_t *out_bytes = calloc((size_t)no + 1, sizeof(size_t));
  for (int i = 0; i < ni; ++i) {
    const kiln_tensor_desc *d = KILN_FN(_input)(i);
    int64_t dims[16];
    for (int32_t a = 0; a < d->rank; ++a) {
      dims[a] = d->dims[a];
      for (int r = 0; r < nsizes; ++r) {
        const kiln_dim_range *range = KILN_FN(_ranged_dim)(r);
        if (range && range->input == i && range->axis == a)
          dims[a] = sizes[r];
      }
    }
    size_t bytes = bytes_of(d->dtype, d->rank, dims);
    FILE *f = fopen(argv[2 + i], "rb");
    if (!f) {
      fprintf(stderr, "error: cannot open %s\n", argv[2 + i]);
      return 2;
    }
    in[i] = malloc(bytes ? bytes : 1);
    size_t got = fread(in[i], 1, bytes, f);
    int extra = fgetc(f) != EOF;
    fclose(f);
    if (got != bytes || extra) {
      fprintf(stderr, "error: %s: input '%s' needs exactly %zu bytes\n",
              argv[2 + i], d->name, bytes);
      return 2;
    }
  }
  for (int i = 0; i < no; ++i) {
    const kiln_tensor_desc *d = KILN_FN(_output)(i);
    int64_t dims[16];
    int status = KILN_FN(_output_dims)(sizes, i, dims);
    if (status != 0) {
      fprintf(stderr, "error: output_dims returned %d\n", status);
      return status == 2 ? 3 : 1;
    }
    out_bytes[i] = bytes_of(d->dtype, d->rank, dims);
    out[i] = malloc(out_bytes[i] ? out_bytes[i] : 1);
  }
  size_t arena_bytes = KILN_FN(_arena_bytes)();
  void *arena = aligned_alloc(64, (arena_bytes + 63) / 64 * 64 + 64);
  int status = KILN_FN(_run_sized)(sizes, (const void *const *)in, out, arena, NULL);
  if (status != 0) {
    fprintf(stderr, "error: run_sized returned %d\n", status);
    return status == 2 ? 3 : 1;
  }
  for (int i = 0; i < no; ++i) {
    FILE *f = fopen(argv[sep + 1 + i], "wb");
    if (!f || fwrite(out[i], 1, out_bytes[i], f) != out_bytes[i]) {
      fprintf(stderr, "error: cannot write %s\n", argv[sep + 1 + i]);
      return 2;
    }
    fclose(f);
  }
  return 0;
}
