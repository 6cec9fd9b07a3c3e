#include "kiln/Support/Requantize.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

using namespace kiln;

namespace {
/// The double reference: numpy's rint (ties to even), then saturation.
int32_t reference(int32_t acc, double real, int32_t zp, int32_t lo, int32_t hi) {
  double r = std::nearbyint(static_cast<double>(acc) * real) + zp;
  return static_cast<int32_t>(std::min<double>(std::max<double>(r, lo), hi));
}

int32_t fixed(int32_t acc, double real, int32_t zp, int32_t lo, int32_t hi) {
  auto m = fixedPointMultiplier(real);
  REQUIRE(m.has_value());
  return requantize(acc, *m, zp, lo, hi);
}
} // namespace

TEST_CASE("fixedPointMultiplier normalizes into [2^30, 2^31)", "[requantize]") {
  for (double real : {1e-9, 0.0037, 0.25, 0.5, 0.999999999, 1.0, 3.7, 1e6}) {
    auto m = fixedPointMultiplier(real);
    REQUIRE(m.has_value());
    CHECK(m->multiplier >= (int64_t{1} << 30));
    CHECK(m->multiplier < (int64_t{1} << 31));
    CHECK(m->shift >= 1);
    CHECK(m->shift <= 62);
    CHECK(std::ldexp(static_cast<double>(m->multiplier), -m->shift) ==
          Approx(real).epsilon(1e-9));
  }
}

TEST_CASE("fixedPointMultiplier refuses scales nothing can use", "[requantize]") {
  CHECK_FALSE(fixedPointMultiplier(0.0).has_value());
  CHECK_FALSE(fixedPointMultiplier(-0.5).has_value());
  CHECK_FALSE(fixedPointMultiplier(std::nan("")).has_value());
  CHECK_FALSE(fixedPointMultiplier(std::numeric_limits<double>::infinity()).has_value());
  CHECK_FALSE(fixedPointMultiplier(std::ldexp(1.0, 31)).has_value());
  // Tiny scales are valid and send every accumulator to zero.
  auto tiny = fixedPointMultiplier(1e-30);
  REQUIRE(tiny.has_value());
  CHECK(requantize(std::numeric_limits<int32_t>::max(), *tiny, 0, -128, 127) == 0);
  CHECK(requantize(std::numeric_limits<int32_t>::min(), *tiny, 3, -128, 127) == 3);
}

TEST_CASE("ties round to even, as numpy's rint", "[requantize]") {
  // real = 0.5 is exact: acc * 0.5 lands on every tie.
  for (int32_t acc = -9; acc <= 9; ++acc)
    CHECK(fixed(acc, 0.5, 0, -128, 127) == reference(acc, 0.5, 0, -128, 127));
  CHECK(fixed(1, 0.5, 0, -128, 127) == 0);
  CHECK(fixed(3, 0.5, 0, -128, 127) == 2);
  CHECK(fixed(5, 0.5, 0, -128, 127) == 2);
  CHECK(fixed(-1, 0.5, 0, -128, 127) == 0);
  CHECK(fixed(-3, 0.5, 0, -128, 127) == -2);
  CHECK(fixed(-5, 0.5, 0, -128, 127) == -2);
  // real = 0.25: quarter steps, ties only at odd multiples of two.
  CHECK(fixed(6, 0.25, 0, -128, 127) == 2);
  CHECK(fixed(10, 0.25, 0, -128, 127) == 2);
  CHECK(fixed(7, 0.25, 0, -128, 127) == 2);
  CHECK(fixed(-7, 0.25, 0, -128, 127) == -2);
}

TEST_CASE("results saturate to the output range", "[requantize]") {
  CHECK(fixed(1000, 1.0, 0, -128, 127) == 127);
  CHECK(fixed(-1000, 1.0, 0, -128, 127) == -128);
  CHECK(fixed(200, 1.0, 100, 0, 255) == 255);
  CHECK(fixed(-200, 1.0, 100, 0, 255) == 0);
  // A fused ReLU is a tighter lower bound: the zero point.
  CHECK(fixed(-50, 1.0, 10, 10, 127) == 10);
  CHECK(fixed(std::numeric_limits<int32_t>::max(), 0.999, 0, -128, 127) == 127);
  CHECK(fixed(std::numeric_limits<int32_t>::min(), 0.999, 0, -128, 127) == -128);
}

TEST_CASE("random accumulators and scales match the double reference",
          "[requantize]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> accs(-(1 << 20), 1 << 20);
  std::uniform_real_distribution<double> logScale(-24, 2);
  std::uniform_int_distribution<int32_t> zps(-128, 127);
  int compared = 0;
  for (int i = 0; i < 200000; ++i) {
    int32_t acc = accs(rng), zp = zps(rng);
    double real = std::exp2(logScale(rng));
    double exact = acc * real;
    // The multiplier keeps 31 bits of `real`: within a hair of a tie the
    // two may round apart, and that is the only disagreement allowed.
    double frac = exact - std::floor(exact);
    if (std::abs(frac - 0.5) < 1e-6)
      continue;
    ++compared;
    INFO("acc " << acc << " real " << real << " zp " << zp);
    REQUIRE(fixed(acc, real, zp, -128, 127) == reference(acc, real, zp, -128, 127));
  }
  CHECK(compared > 199000);
}
