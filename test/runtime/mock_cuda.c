/* A stand-in libcuda.so.1 for testing libkiln_runtime without a GPU
 * (KILN_CUDA_DRIVER=path/to/this). Device memory is host memory; kernels
 * do not run, but every call is checked the way the driver would: the
 * kernel named exists in the loaded PTX, a launch passes as many
 * parameters as the kernel declares and every pointer-sized one that looks
 * like a device address lies inside an allocation, and graphs replay what
 * was captured. At exit it prints what it saw:
 *   mock-cuda: launches D, graph launches G, captured C, allocations A, freed F
 * KILN_MOCK_CUDA_FAIL=<entry point> makes that call fail, to test the
 * runtime's error paths. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum { kMaxAllocations = 64, kMaxKernels = 4096 };

static struct {
  CUdeviceptr base;
  size_t size;
} allocations[kMaxAllocations];
static int allocation_count, freed_count;
static long direct_launches, graph_launches, captured_launches;
static int capturing, graph_size;
static const char *ptx;
static struct kernel {
  char name[128];
  int params;
} kernels[kMaxKernels];
static int kernel_count;

static void report(void) {
  fprintf(stderr, "mock-cuda: launches %ld, graph launches %ld, captured %ld, allocations %d, "
                  "freed %d\n",
          direct_launches, graph_launches, captured_launches, allocation_count, freed_count);
}

/* Whether the test asked `name` to fail. */
static int injected(const char *name) {
  const char *fail = getenv("KILN_MOCK_CUDA_FAIL");
  return fail && !strcmp(fail, name);
}

static CUresult bad(const char *what) {
  fprintf(stderr, "mock-cuda: %s\n", what);
  return 1; /* CUDA_ERROR_INVALID_VALUE */
}

CUresult cuInit(unsigned flags) {
  (void)flags;
  atexit(report);
  return 0;
}
CUresult cuDeviceGetCount(int *n) { *n = 1; return 0; }
CUresult cuDeviceGet(int *d, int ordinal) { *d = ordinal; return 0; }
CUresult cuDeviceGetAttribute(int *v, int attribute, int device) {
  (void)device;
  *v = attribute == 75 ? 9 : 0; /* sm_90 */
  return 0;
}
CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  (void)device;
  *ctx = (void *)0x1;
  return 0;
}
CUresult cuDevicePrimaryCtxRelease_v2(int device) { (void)device; return 0; }
CUresult cuCtxPushCurrent_v2(void *ctx) { (void)ctx; return 0; }
CUresult cuCtxPopCurrent_v2(void **ctx) { *ctx = (void *)0x1; return 0; }

/* Reads every `.entry NAME(` and counts its `.param`s. */
CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned n, int *options,
                            void **values) {
  (void)n;
  if (injected("cuModuleLoadDataEx")) {
    /* As the driver does: the JIT's complaint in the log buffer. */
    for (unsigned i = 0; i < n; ++i)
      if (options[i] == 5)
        strcpy(values[i], "ptxas fatal   : injected failure");
    return 218; /* CUDA_ERROR_INVALID_PTX */
  }
  ptx = image;
  for (const char *p = strstr(ptx, ".entry "); p; p = strstr(p + 1, ".entry ")) {
    if (kernel_count == kMaxKernels)
      return bad("too many kernels");
    struct kernel *k = &kernels[kernel_count++];
    const char *name = p + 7, *open = strchr(name, '(');
    if (!open || open - name >= (long)sizeof k->name)
      return bad("malformed .entry");
    memcpy(k->name, name, open - name);
    k->name[open - name] = '\0';
    const char *close = strchr(open, ')');
    for (const char *q = strstr(open, ".param"); q && q < close; q = strstr(q + 1, ".param"))
      ++k->params;
  }
  *module = (void *)0x2;
  return 0;
}
CUresult cuModuleUnload(void *module) { (void)module; return 0; }
CUresult cuModuleGetFunction(void **f, void *module, const char *name) {
  (void)module;
  for (int i = 0; i < kernel_count; ++i)
    if (!strcmp(kernels[i].name, name)) {
      *f = &kernels[i];
      return 0;
    }
  return 500; /* CUDA_ERROR_NOT_FOUND */
}
CUresult cuFuncSetAttribute(void *f, int attribute, int value) {
  (void)f, (void)attribute, (void)value;
  return 0;
}
CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t size) {
  if (injected("cuMemAlloc_v2") && allocation_count == 1)
    return 2; /* the weights do not fit */
  if (allocation_count == kMaxAllocations)
    return 2;
  void *m = calloc(1, size ? size : 1);
  if (!m)
    return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
  *p = (CUdeviceptr)(uintptr_t)m;
  allocations[allocation_count].base = *p;
  allocations[allocation_count++].size = size;
  return 0;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  ++freed_count;
  free((void *)(uintptr_t)p);
  return 0;
}
static int inside(CUdeviceptr p, size_t size) {
  for (int i = 0; i < allocation_count; ++i)
    if (p >= allocations[i].base && p + size <= allocations[i].base + allocations[i].size)
      return 1;
  return 0;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t size) {
  if (!inside(dst, size))
    return bad("HtoD outside an allocation");
  memcpy((void *)(uintptr_t)dst, src, size);
  return 0;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t size, void *stream) {
  (void)stream;
  return cuMemcpyHtoD_v2(dst, src, size);
}
CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t size, void *stream) {
  (void)stream;
  if (!inside(src, size))
    return bad("DtoH outside an allocation");
  memcpy(dst, (void *)(uintptr_t)src, size);
  return 0;
}
CUresult cuStreamCreate(void **stream, unsigned flags) {
  (void)flags;
  *stream = (void *)0x3;
  return 0;
}
CUresult cuStreamDestroy_v2(void *stream) { (void)stream; return 0; }
CUresult cuStreamSynchronize(void *stream) { (void)stream; return 0; }

/* A parameter that looks like a device address (near an allocation) must
 * be inside one; small integers are the kernels' index scalars. */
static int pointer_ok(CUdeviceptr v) {
  if (v < (1ull << 32))
    return 1;
  for (int i = 0; i < allocation_count; ++i)
    if (v >= allocations[i].base && v <= allocations[i].base + allocations[i].size)
      return 1;
  return 0;
}

CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                        unsigned by, unsigned bz, unsigned shared, void *stream,
                        void **params, void **extra) {
  (void)shared, (void)stream;
  struct kernel *k = f;
  if (injected("cuLaunchKernel"))
    return 719; /* CUDA_ERROR_LAUNCH_FAILED */
  if (!gx || !gy || !gz || !bx || !by || !bz || (uint64_t)bx * by * bz > 1024)
    return bad("bad launch dimensions");
  if (extra || (k->params && !params))
    return bad("no parameters");
  for (int i = 0; i < k->params; ++i) {
    CUdeviceptr v;
    memcpy(&v, params[i], sizeof v);
    if (!pointer_ok(v)) {
      fprintf(stderr, "mock-cuda: %s parameter %d (%#llx) points outside every allocation\n",
              k->name, i, v);
      return 1;
    }
  }
  if (capturing)
    ++captured_launches, ++graph_size;
  else
    ++direct_launches;
  return 0;
}
CUresult cuStreamBeginCapture_v2(void *stream, int mode) {
  (void)stream, (void)mode;
  capturing = 1;
  graph_size = 0;
  return 0;
}
CUresult cuStreamEndCapture(void *stream, void **graph) {
  (void)stream;
  capturing = 0;
  *graph = (void *)0x4;
  return 0;
}
CUresult cuGraphInstantiateWithFlags(void **exec, void *graph, unsigned long long flags) {
  (void)graph, (void)flags;
  *exec = (void *)0x5;
  return 0;
}
CUresult cuGraphLaunch(void *exec, void *stream) {
  (void)exec, (void)stream;
  graph_launches += graph_size;
  return 0;
}
CUresult cuGraphExecDestroy(void *exec) { (void)exec; return 0; }
CUresult cuGraphDestroy(void *graph) { (void)graph; return 0; }
CUresult cuGetErrorString(CUresult r, const char **text) {
  *text = r == 2     ? "out of memory"
          : r == 500 ? "named symbol not found"
          : r == 218 ? "a PTX JIT compilation failed"
          : r == 719 ? "unspecified launch failure"
                     : "invalid value";
  return 0;
}
