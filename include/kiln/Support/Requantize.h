//===- Requantize.h - Fixed-point rescaling of int32 accumulators -*- C++ -*-===//
//
// An integer conv or matmul accumulates in int32; its output is
// round(acc * real) + zero_point, saturated to the output range, where
// real = input_scale * weight_scale / output_scale. Compiled code never
// touches floats for that: real is a 31-bit multiplier and a right shift,
// acc * multiplier is exact in 64 bits (|product| < 2^62), and the shift
// rounds half to even
// (as ONNX's reference, numpy's rint, rounds). These functions are the
// arithmetic the lowering emits, so tests can check it against a double
// reference on the host.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_SUPPORT_REQUANTIZE_H
#define KILN_SUPPORT_REQUANTIZE_H

#include <cstdint>
#include <optional>

namespace kiln {

/// real ~= multiplier / 2^shift, multiplier in [2^30, 2^31) and shift in
/// [1, 62]; or multiplier 0 when real is too small to move any int32 away
/// from zero.
struct FixedPointMultiplier {
  int64_t multiplier = 0;
  int32_t shift = 0;
};

/// The multiplier of `real`; nullopt when real is not a finite value in
/// (0, 2^30) (no conv or matmul of 8-bit values needs more).
std::optional<FixedPointMultiplier> fixedPointMultiplier(double real);

/// x / 2^shift rounded to nearest, ties to even; shift in [0, 62] and
/// |x| < 2^62.
int64_t roundingShiftRight(int64_t x, int32_t shift);

/// round(acc * real) + zeroPoint, saturated to [lo, hi].
int32_t requantize(int32_t acc, FixedPointMultiplier m, int32_t zeroPoint,
                   int32_t lo, int32_t hi);

} // namespace kiln

#endif // KILN_SUPPORT_REQUANTIZE_H
