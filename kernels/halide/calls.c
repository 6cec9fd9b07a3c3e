/* The compiler's side of the Halide kernels: one entry per kernel variant
 * that takes each buffer as (address, sizes, strides) in elements, the way
 * kiln-lower-halide-calls passes them, and wraps them in halide_buffer_t
 * descriptors on the stack. Compiled to bitcode per target when Kiln is
 * built and linked, with the kernels, into the model's object: nothing
 * here allocates, and the kernels were built without Halide's runtime.
 *
 * An NCHW image (batch 1) is the Halide buffer (x, y, c); a depthwise weight
 * C x 1 x K x K is (kx, ky, c). A channel range [c0, c1) restricts every
 * buffer to those channels, so disjoint ranges may run on different
 * threads. */
#include <HalideRuntime.h>
#include <stdint.h>

typedef intptr_t ix; /* MLIR's index type as lowered to LLVM: pointer-wide */

#define KILN_IMAGE(p)                                                         \
  ix p, ix p##_n, ix p##_c, ix p##_h, ix p##_w, ix p##_sn, ix p##_sc,         \
      ix p##_sh, ix p##_sw

/* A 3-D float buffer over `host` with extents and strides (x, y, c). */
static void describe(halide_buffer_t *buffer, halide_dimension_t dims[3],
                     float *host, ix x, ix y, ix c, ix sx, ix sy, ix sc) {
  dims[0].min = 0, dims[0].extent = (int32_t)x, dims[0].stride = (int32_t)sx;
  dims[1].min = 0, dims[1].extent = (int32_t)y, dims[1].stride = (int32_t)sy;
  dims[2].min = 0, dims[2].extent = (int32_t)c, dims[2].stride = (int32_t)sc;
  dims[0].flags = dims[1].flags = dims[2].flags = 0;
  buffer->device = 0;
  buffer->device_interface = 0;
  buffer->host = (uint8_t *)host;
  buffer->flags = 0;
  buffer->type.code = halide_type_float;
  buffer->type.bits = 32;
  buffer->type.lanes = 1;
  buffer->dimensions = 3;
  buffer->dim = dims;
  buffer->padding = 0;
}

#define KILN_DEPTHWISE(K, S, ACT)                                             \
  int kiln_hl_dw_k##K##_s##S##_##ACT(halide_buffer_t *, halide_buffer_t *,    \
                                     halide_buffer_t *, float, float,         \
                                     halide_buffer_t *);                      \
  void kiln_hl_call_dw_k##K##_s##S##_##ACT(                                   \
      KILN_IMAGE(in), KILN_IMAGE(wt), ix bias, ix bias_c, ix bias_sc,         \
      KILN_IMAGE(out), ix c0, ix c1, float lo, float hi) {                    \
    halide_buffer_t bufs[4];                                                  \
    halide_dimension_t dims[4][3];                                            \
    float *base;                                                              \
    base = (float *)(intptr_t)in + c0 * in_sc;                                \
    describe(&bufs[0], dims[0], base, in_w, in_h, c1 - c0, in_sw, in_sh,      \
             in_sc);                                                          \
    base = (float *)(intptr_t)wt + c0 * wt_sn;                                \
    describe(&bufs[1], dims[1], base, wt_w, wt_h, c1 - c0, wt_sw, wt_sh,      \
             wt_sn);                                                          \
    base = (float *)(intptr_t)bias + c0 * bias_sc;                            \
    describe(&bufs[2], dims[2], base, c1 - c0, 1, 1, bias_sc, 0, 0);          \
    bufs[2].dimensions = 1;                                                   \
    base = (float *)(intptr_t)out + c0 * out_sc;                              \
    describe(&bufs[3], dims[3], base, out_w, out_h, c1 - c0, out_sw, out_sh,  \
             out_sc);                                                         \
    (void)in_n, (void)in_c, (void)in_sn, (void)wt_n, (void)wt_c, (void)wt_sc, \
        (void)bias_c, (void)out_n, (void)out_c, (void)out_sn;                 \
    kiln_hl_dw_k##K##_s##S##_##ACT(&bufs[0], &bufs[1], &bufs[2], lo, hi,      \
                                   &bufs[3]);                                 \
  }

#define KILN_DEPTHWISE_ACTIVATIONS(K, S)                                      \
  KILN_DEPTHWISE(K, S, none)                                                  \
  KILN_DEPTHWISE(K, S, clip) KILN_DEPTHWISE(K, S, hswish)

KILN_DEPTHWISE_ACTIVATIONS(3, 1)
KILN_DEPTHWISE_ACTIVATIONS(3, 2)
KILN_DEPTHWISE_ACTIVATIONS(5, 1)
KILN_DEPTHWISE_ACTIVATIONS(5, 2)
/* Strides height x width. */
KILN_DEPTHWISE_ACTIVATIONS(3, 2x1)
KILN_DEPTHWISE_ACTIVATIONS(3, 1x2)
KILN_DEPTHWISE_ACTIVATIONS(5, 2x1)
KILN_DEPTHWISE_ACTIVATIONS(5, 1x2)
