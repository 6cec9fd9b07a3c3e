/* libkiln_runtime, GPU part: runs an artifact that
 * `kilnc MODEL.onnx --target nvptx64-nvidia-cuda -o model.kiln` wrote.
 *
 *   kiln_model *m;
 *   if (kiln_model_load_file("model.kiln", &m) != KILN_OK) {
 *     fprintf(stderr, "%s\n", kiln_last_error());
 *     return 1;
 *   }
 *   const void *in[] = {image};        // host buffers, the sizes
 *   void *out[] = {scores};            // kiln_model_input/output give
 *   if (kiln_model_run(m, in, out) != KILN_OK) ...
 *   kiln_model_free(m);
 *
 * Loading verifies the artifact (structure, checksum, version, every
 * offset) and needs no GPU. The first run (or kiln_model_prepare) opens the
 * CUDA driver with dlopen, so nothing links against CUDA: it JIT-loads the
 * PTX, makes one device allocation for the arena (and the staging buffers
 * of host runs) and one for the weights. From the second run with the same
 * buffers on, an inference is one cuGraphLaunch.
 *
 * Every call returns a status; kiln_last_error() says what went wrong, in
 * one line, for the calling thread. One model runs one inference at a time. */
#ifndef KILN_GPU_H
#define KILN_GPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kiln_status {
  KILN_OK = 0,
  KILN_ERROR_ARGUMENT,         /* a NULL pointer, an index out of range */
  KILN_ERROR_IO,               /* the artifact file cannot be read */
  KILN_ERROR_INVALID_ARTIFACT, /* truncated, corrupted or not an artifact */
  KILN_ERROR_VERSION,          /* written for another runtime version */
  KILN_ERROR_NO_DRIVER,        /* libcuda.so.1 missing or too old */
  KILN_ERROR_NO_DEVICE,        /* no GPU, or one the PTX cannot run on */
  KILN_ERROR_CUDA,             /* a driver call failed */
  KILN_ERROR_OUT_OF_MEMORY
} kiln_status;

/* The order of kiln_artifact.fbs's ElementType. */
typedef enum kiln_element_type {
  KILN_F32, KILN_F16, KILN_F64, KILN_I8, KILN_U8, KILN_I16, KILN_I32,
  KILN_I64, KILN_BOOL
} kiln_element_type;

typedef struct kiln_tensor_info {
  const char *name;
  kiln_element_type type;
  int rank;
  const int64_t *dims;
  size_t bytes; /* what the buffer for it holds */
} kiln_tensor_info;

typedef struct kiln_model kiln_model;

/* Reads and verifies an artifact. */
kiln_status kiln_model_load_file(const char *path, kiln_model **model);
/* The same from memory; the bytes are copied. */
kiln_status kiln_model_load_memory(const void *data, size_t size, kiln_model **model);
/* Releases the device memory, module and graphs. NULL is allowed. */
void kiln_model_free(kiln_model *model);

int kiln_model_input_count(const kiln_model *model);
int kiln_model_output_count(const kiln_model *model);
kiln_status kiln_model_input(const kiln_model *model, int index, kiln_tensor_info *info);
kiln_status kiln_model_output(const kiln_model *model, int index, kiln_tensor_info *info);
/* The GPU architecture the kernels were written for ("sm_80"). */
const char *kiln_model_chip(const kiln_model *model);
/* Device memory the model holds once prepared: arena and weights. */
size_t kiln_model_device_bytes(const kiln_model *model);

/* Opens the driver, loads the kernels on `device` (an ordinal) and uploads
 * the weights. Runs do it on device 0 when this was not called. */
kiln_status kiln_model_prepare(kiln_model *model, int device);

/* One inference from host buffers to host buffers; returns when the
 * outputs are written. */
kiln_status kiln_model_run(kiln_model *model, const void *const *inputs,
                           void *const *outputs);

/* One inference on device buffers (CUdeviceptr values), enqueued on
 * `stream` (a CUstream; NULL: the model's own) and not waited for. */
kiln_status kiln_model_run_device(kiln_model *model, const uint64_t *inputs,
                                  const uint64_t *outputs, void *stream);

/* Waits for the work enqueued on the model's own stream. */
kiln_status kiln_model_synchronize(kiln_model *model);

/* The device buffers host runs stage their inputs and outputs in (so a
 * benchmark can time device runs alone); valid once prepared. */
kiln_status kiln_model_staging_buffers(kiln_model *model, uint64_t *inputs,
                                       uint64_t *outputs);

/* The calling thread's last error message ("" if none). */
const char *kiln_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* KILN_GPU_H */
