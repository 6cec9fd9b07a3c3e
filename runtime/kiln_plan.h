/* The artifact as the runtime uses it: read and checked once at load
 * (kiln_artifact_reader.cc, over the flatbuffers verifier), then plain C
 * data whose strings point into the artifact's bytes. */
#ifndef KILN_PLAN_H
#define KILN_PLAN_H

#include "kiln_gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ArgumentKind in kiln_artifact.fbs. */
enum {
  KILN_ARG_INPUT, KILN_ARG_OUTPUT, KILN_ARG_ARENA, KILN_ARG_WEIGHTS,
  KILN_ARG_INT64, KILN_ARG_INT32, KILN_ARG_FLOAT32
};

typedef struct kiln_plan_argument {
  int kind;
  uint32_t index;
  uint64_t value;
} kiln_plan_argument;

typedef struct kiln_plan_launch {
  const char *kernel;
  uint32_t grid[3], block[3];
  uint32_t shared_bytes;
  uint32_t argument_count;
  kiln_plan_argument *arguments;
} kiln_plan_launch;

typedef struct kiln_plan {
  const char *name, *chip;
  int input_count, output_count;
  kiln_tensor_info *inputs, *outputs; /* dims point into the artifact */
  uint64_t arena_bytes;
  const uint8_t *weights;
  size_t weight_bytes;
  const char *ptx; /* NUL-terminated */
  uint32_t launch_count;
  kiln_plan_launch *launches;
} kiln_plan;

/* Verifies `size` bytes at `data` (kept alive by the caller while the plan
 * is used) and fills `plan`. On failure returns KILN_ERROR_INVALID_ARTIFACT
 * or KILN_ERROR_VERSION with `error` set, and leaves nothing allocated. */
kiln_status kiln_plan_read(const void *data, size_t size, kiln_plan *plan,
                           char *error, size_t error_size);
void kiln_plan_free(kiln_plan *plan);

/* zlib's CRC-32 of `size` bytes, continuing from `crc` (0 to start). */
uint32_t kiln_crc32(uint32_t crc, const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KILN_PLAN_H */
