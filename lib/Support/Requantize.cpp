//===- Requantize.cpp - Fixed-point rescaling of int32 accumulators -------===//
#include "kiln/Support/Requantize.h"

#include <algorithm>
#include <cmath>

namespace kiln {

std::optional<FixedPointMultiplier> fixedPointMultiplier(double real) {
  if (!std::isfinite(real) || real <= 0 || real >= std::ldexp(1.0, 30))
    return std::nullopt;
  int exponent = 0;
  double mantissa = std::frexp(real, &exponent); // real = mantissa * 2^exponent
  auto multiplier = static_cast<int64_t>(std::llround(std::ldexp(mantissa, 31)));
  if (multiplier == (int64_t{1} << 31)) { // mantissa rounded up to 1.0
    multiplier /= 2;
    ++exponent;
  }
  int shift = 31 - exponent;
  // |acc * multiplier| < 2^62, so past 62 every product rounds to zero.
  if (shift > 62)
    return FixedPointMultiplier{0, 1};
  return FixedPointMultiplier{multiplier, shift};
}

int64_t roundingShiftRight(int64_t x, int32_t shift) {
  if (shift <= 0)
    return x;
  // floor((x + half - 1 + odd) / 2^shift), odd the lowest bit of the floor
  // quotient (bit `shift` of x): below half rounds down, above up, exactly
  // half to even. As the lowering computes it: on x + 2^63, which is
  // non-negative as an unsigned value for |x| < 2^62 (any int32 times a
  // 31-bit multiplier), so the floor is a logical shift; 2^(63 - shift)
  // comes off afterwards.
  auto u = static_cast<uint64_t>(x);
  uint64_t odd = (u >> shift) & 1;
  uint64_t biased = u + (uint64_t{1} << 63) + (uint64_t{1} << (shift - 1)) - 1 + odd;
  return static_cast<int64_t>(biased >> shift) -
         static_cast<int64_t>(uint64_t{1} << (63 - shift));
}

int32_t requantize(int32_t acc, FixedPointMultiplier m, int32_t zeroPoint,
                   int32_t lo, int32_t hi) {
  int64_t scaled = roundingShiftRight(int64_t{acc} * m.multiplier, m.shift);
  return static_cast<int32_t>(
      std::clamp<int64_t>(scaled + zeroPoint, lo, hi));
}

} // namespace kiln
