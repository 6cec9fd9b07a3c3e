#include "kiln/Quantize/Ranges.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

using namespace kiln;

namespace {
TensorObservation observeGaussian(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> v(count);
  for (float &x : v)
    x = normal(rng);
  TensorObservation o;
  o.observeRange(v.data(), v.size());
  o.observeHistogram(v.data(), v.size());
  return o;
}
} // namespace

TEST_CASE("ranges always contain zero", "[ranges]") {
  TensorObservation o;
  float positive[] = {1.0f, 2.0f, 3.0f};
  o.observeRange(positive, 3);
  Range r = chooseRange(o, CalibrationMethod::MinMax);
  CHECK(r.lo == 0.0f);
  CHECK(r.hi == 3.0f);
  Int8Params p = int8Asymmetric(r);
  CHECK(p.zeroPoint == -128);
  CHECK(p.scale == Approx(3.0 / 255));
}

TEST_CASE("int8Asymmetric maps the range onto [-128, 127]", "[ranges]") {
  Int8Params p = int8Asymmetric({-1.0f, 3.0f});
  CHECK(p.scale == Approx(4.0 / 255));
  CHECK(std::nearbyint(-1.0 / p.scale) + p.zeroPoint == -128);
  CHECK(std::nearbyint(3.0 / p.scale) + p.zeroPoint == Approx(127).margin(1));
  // Zero is exact.
  CHECK(p.zeroPoint == std::nearbyint(-128 + 1.0 / p.scale));
  Int8Params zeros = int8Asymmetric({0.0f, 0.0f});
  CHECK(zeros.scale > 0);
}

TEST_CASE("non-finite values are noticed, not folded into the range", "[ranges]") {
  TensorObservation o;
  float v[] = {1.0f, NAN, -2.0f, INFINITY};
  o.observeRange(v, 4);
  CHECK(o.sawNonFinite);
  CHECK(o.min == -2.0f);
  CHECK(o.max == 1.0f);
}

TEST_CASE("percentile and entropy clip a Gaussian's tails, not its body",
          "[ranges]") {
  TensorObservation o = observeGaussian(200000, 3);
  float absMax = o.absMax();
  REQUIRE(absMax > 4.0f);
  Range minmax = chooseRange(o, CalibrationMethod::MinMax);
  CHECK(minmax.hi == o.max);
  Range pct = chooseRange(o, CalibrationMethod::Percentile);
  // 99.99% of |x| for N(0, 1) is about 3.9.
  CHECK(pct.hi == Approx(3.9).margin(0.2));
  Range kl = chooseRange(o, CalibrationMethod::Entropy);
  CHECK(kl.hi >= 2.5f);
  CHECK(kl.hi <= absMax);
  CHECK(kl.lo == Approx(-kl.hi).margin(0.5));
}
