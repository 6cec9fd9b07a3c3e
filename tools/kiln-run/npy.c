/* NumPy .npy reading and writing: a magic string, a version, a Python dict
 * literal as header ({'descr': '<f4', 'fortran_order': False, 'shape': (1, 3)}),
 * then the raw data. */
#include "npy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failf(char *error, size_t size, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(error, size, format, args);
  va_end(args);
  return -1;
}

static const struct {
  const char *descr;
  kiln_element_type type;
  size_t bytes;
} kDescrs[] = {
    {"<f4", KILN_F32, 4}, {"<f2", KILN_F16, 2}, {"<f8", KILN_F64, 8}, {"|i1", KILN_I8, 1},
    {"|u1", KILN_U8, 1},  {"<i2", KILN_I16, 2}, {"<i4", KILN_I32, 4}, {"<i8", KILN_I64, 8},
    {"|b1", KILN_BOOL, 1},
};

static size_t element_bytes(kiln_element_type type, const char **descr) {
  for (size_t i = 0; i < sizeof kDescrs / sizeof *kDescrs; ++i)
    if (kDescrs[i].type == type) {
      *descr = kDescrs[i].descr;
      return kDescrs[i].bytes;
    }
  return 0;
}

/* The quoted value after 'key': in the header, or NULL. */
static const char *value_of(const char *header, const char *key) {
  char quoted[32];
  snprintf(quoted, sizeof quoted, "'%s'", key);
  const char *at = strstr(header, quoted);
  if (!at)
    return NULL;
  at = strchr(at + strlen(quoted), ':');
  if (!at)
    return NULL;
  ++at;
  while (*at == ' ')
    ++at;
  return at;
}

int npy_read(const char *path, npy_array *a, char *error, size_t size) {
  memset(a, 0, sizeof *a);
  FILE *f = fopen(path, "rb");
  if (!f)
    return failf(error, size, "cannot open '%s': %s", path, strerror(errno));
  unsigned char start[10];
  char *header = NULL;
  int rc = -1;
  if (fread(start, 1, 8, f) != 8 || memcmp(start, "\x93NUMPY", 6) != 0) {
    failf(error, size, "'%s' is not a .npy file", path);
    goto done;
  }
  size_t header_bytes;
  if (start[6] == 1) {
    if (fread(start + 8, 1, 2, f) != 2)
      goto truncated;
    header_bytes = start[8] | (size_t)start[9] << 8;
  } else if (start[6] == 2 || start[6] == 3) {
    unsigned char n[4];
    if (fread(n, 1, 4, f) != 4)
      goto truncated;
    header_bytes = n[0] | (size_t)n[1] << 8 | (size_t)n[2] << 16 | (size_t)n[3] << 24;
  } else {
    failf(error, size, "'%s': .npy version %d is not supported", path, start[6]);
    goto done;
  }
  if (header_bytes > 1 << 20) {
    failf(error, size, "'%s': header of %zu bytes", path, header_bytes);
    goto done;
  }
  header = calloc(header_bytes + 1, 1);
  if (!header || fread(header, 1, header_bytes, f) != header_bytes)
    goto truncated;
  const char *descr = value_of(header, "descr");
  const char *order = value_of(header, "fortran_order");
  const char *shape = value_of(header, "shape");
  if (!descr || !order || !shape || *shape != '(') {
    failf(error, size, "'%s': malformed .npy header", path);
    goto done;
  }
  size_t element = 0;
  for (size_t i = 0; i < sizeof kDescrs / sizeof *kDescrs; ++i)
    if (!strncmp(descr + 1, kDescrs[i].descr, 3) && descr[4] == descr[0]) {
      a->type = kDescrs[i].type;
      element = kDescrs[i].bytes;
    }
  if (!element) {
    failf(error, size, "'%s': element type %.6s is not supported (little-endian "
          "float32/16/64, int8/16/32/64, uint8, bool)", path, descr);
    goto done;
  }
  if (strncmp(order, "False", 5) != 0) {
    failf(error, size, "'%s' is in Fortran order; save it in C order", path);
    goto done;
  }
  size_t count = 1;
  for (const char *p = shape + 1; *p && *p != ')';) {
    while (*p == ' ' || *p == ',')
      ++p;
    if (*p == ')')
      break;
    char *end;
    long long d = strtoll(p, &end, 10);
    if (end == p || d < 0 || a->rank == 16) {
      failf(error, size, "'%s': malformed shape", path);
      goto done;
    }
    a->dims[a->rank++] = d;
    if (d && count > SIZE_MAX / (size_t)d) {
      failf(error, size, "'%s': shape too large", path);
      goto done;
    }
    count *= (size_t)d;
    p = end;
  }
  if (count > SIZE_MAX / element) {
    failf(error, size, "'%s': shape too large", path);
    goto done;
  }
  a->bytes = count * element;
  a->data = malloc(a->bytes ? a->bytes : 1);
  if (!a->data) {
    failf(error, size, "'%s': out of memory", path);
    goto done;
  }
  if (fread(a->data, 1, a->bytes, f) != a->bytes)
    goto truncated;
  rc = 0;
  goto done;
truncated:
  failf(error, size, "'%s' is truncated", path);
done:
  if (rc != 0) {
    free(a->data);
    a->data = NULL;
  }
  free(header);
  fclose(f);
  return rc;
}

int npy_write(const char *path, kiln_element_type type, int rank, const int64_t *dims,
              const void *data, size_t bytes, char *error, size_t size) {
  const char *descr = NULL;
  if (!element_bytes(type, &descr))
    return failf(error, size, "'%s': unknown element type", path);
  char header[512];
  int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                   descr);
  for (int i = 0; i < rank && n < (int)sizeof header; ++i)
    n += snprintf(header + n, sizeof header - n, "%lld%s", (long long)dims[i],
                  rank == 1 ? "," : i + 1 < rank ? ", " : "");
  n += snprintf(header + n, sizeof header - n, "), }");
  if (n >= (int)sizeof header - 66)
    return failf(error, size, "'%s': shape too long", path);
  /* Data starts 64-byte aligned; the header ends in a newline. */
  int total = (10 + n + 1 + 63) / 64 * 64;
  while (10 + n + 1 < total)
    header[n++] = ' ';
  header[n++] = '\n';
  FILE *f = fopen(path, "wb");
  if (!f)
    return failf(error, size, "cannot write '%s': %s", path, strerror(errno));
  unsigned char start[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(n & 0xff), (unsigned char)(n >> 8)};
  int ok = fwrite(start, 1, 10, f) == 10 && fwrite(header, 1, n, f) == (size_t)n &&
           fwrite(data, 1, bytes, f) == bytes;
  ok = fclose(f) == 0 && ok;
  if (!ok) {
    remove(path);
    return failf(error, size, "cannot write '%s'", path);
  }
  return 0;
}
