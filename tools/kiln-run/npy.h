/* NumPy .npy files (format 1.0 to 3.0, C order, little-endian), as kiln-run
 * reads inputs and writes outputs. */
#ifndef KILN_RUN_NPY_H
#define KILN_RUN_NPY_H

#include "kiln_gpu.h"

#include <stddef.h>
#include <stdint.h>

typedef struct npy_array {
  kiln_element_type type;
  int rank;
  int64_t dims[16];
  void *data;
  size_t bytes;
} npy_array;

/* Reads `path`; 0 on success, else -1 with `error` set. */
int npy_read(const char *path, npy_array *array, char *error, size_t error_size);
/* Writes `bytes` of `type` with shape `dims`; 0 on success. */
int npy_write(const char *path, kiln_element_type type, int rank, const int64_t *dims,
              const void *data, size_t bytes, char *error, size_t error_size);

#endif
