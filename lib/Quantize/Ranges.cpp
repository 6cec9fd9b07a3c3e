//===- Ranges.cpp - From observed values to int8 quantization ranges ------===//
#include "kiln/Quantize/Ranges.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln {

void TensorObservation::observeRange(const float *values, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    float v = values[i];
    if (!std::isfinite(v)) {
      sawNonFinite = true;
      continue;
    }
    min = std::min(min, v);
    max = std::max(max, v);
  }
}

float TensorObservation::absMax() const {
  return std::max(std::fabs(min), std::fabs(max));
}

void TensorObservation::observeHistogram(const float *values, size_t count) {
  if (histogram.empty())
    histogram.assign(kBins, 0);
  float top = absMax();
  if (top <= 0)
    return;
  double perBin = kBins / static_cast<double>(top);
  for (size_t i = 0; i < count; ++i) {
    float v = std::fabs(values[i]);
    if (!std::isfinite(v))
      continue;
    size_t bin = std::min(kBins - 1, static_cast<size_t>(v * perBin));
    histogram[bin] += 1;
  }
}

namespace {

/// |x| threshold at the `fraction` quantile of the histogram.
float percentileThreshold(const TensorObservation &o, double fraction) {
  double total = 0;
  for (double c : o.histogram)
    total += c;
  if (total == 0)
    return o.absMax();
  double seen = 0;
  for (size_t i = 0; i < o.histogram.size(); ++i) {
    seen += o.histogram[i];
    if (seen >= fraction * total)
      return o.absMax() * (i + 1) / static_cast<float>(o.histogram.size());
  }
  return o.absMax();
}

/// KL(p || q) of two unnormalized histograms.
double divergence(const std::vector<double> &p, const std::vector<double> &q) {
  double sp = 0, sq = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    sp += p[i];
    sq += q[i];
  }
  if (sp == 0 || sq == 0)
    return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0)
      continue;
    if (q[i] == 0)
      return std::numeric_limits<double>::infinity();
    kl += p[i] / sp * std::log((p[i] / sp) / (q[i] / sq));
  }
  return kl;
}

/// The threshold whose clipped distribution, squeezed into the levels int8
/// gives |x| (all 256 for a tensor that is never negative, else one half),
/// loses the least information (TensorRT's calibration).
float entropyThreshold(const TensorObservation &o) {
  const size_t kLevels = o.min >= 0 ? 256 : 128;
  const std::vector<double> &h = o.histogram;
  size_t bins = h.size();
  if (bins < kLevels)
    return o.absMax();
  double bestKl = std::numeric_limits<double>::infinity();
  size_t best = bins;
  for (size_t t = kLevels; t <= bins; t += 16) {
    // Reference: the first t bins, with everything beyond folded into the last.
    std::vector<double> p(h.begin(), h.begin() + t);
    for (size_t i = t; i < bins; ++i)
      p[t - 1] += h[i];
    // Candidate: t bins merged into kLevels levels, spread back over the
    // bins that were non-empty.
    std::vector<double> q(t, 0);
    for (size_t level = 0; level < kLevels; ++level) {
      size_t begin = level * t / kLevels, end = (level + 1) * t / kLevels;
      double sum = 0;
      size_t nonEmpty = 0;
      for (size_t i = begin; i < end; ++i) {
        sum += h[i];
        nonEmpty += h[i] != 0;
      }
      for (size_t i = begin; i < end; ++i)
        if (h[i] != 0)
          q[i] = sum / nonEmpty;
    }
    double kl = divergence(p, q);
    if (kl < bestKl) {
      bestKl = kl;
      best = t;
    }
  }
  return o.absMax() * best / static_cast<float>(bins);
}

} // namespace

Range chooseRange(const TensorObservation &o, CalibrationMethod method) {
  Range r{std::min(o.min, 0.0f), std::max(o.max, 0.0f)};
  if (method == CalibrationMethod::MinMax || o.histogram.empty())
    return r;
  // A histogram needs many values per bin to say where the tails start;
  // small tensors over a small calibration set keep their observed range.
  double total = 0;
  for (double c : o.histogram)
    total += c;
  if (total < 8.0 * o.histogram.size())
    return r;
  float t = method == CalibrationMethod::Percentile
                ? percentileThreshold(o, 0.9999)
                : entropyThreshold(o);
  r.lo = std::max(r.lo, -t);
  r.hi = std::min(r.hi, t);
  return r;
}

Int8Params int8Asymmetric(Range range) {
  double lo = std::min<double>(range.lo, 0), hi = std::max<double>(range.hi, 0);
  Int8Params p;
  if (hi - lo <= 0)
    return p; // all zeros: any scale represents them
  // A float32 value, as ONNX stores scales: the model --emit onnx writes
  // then computes exactly what the object does.
  p.scale = static_cast<float>((hi - lo) / 255.0);
  p.zeroPoint = std::clamp<int64_t>(
      static_cast<int64_t>(std::nearbyint(-128 - lo / p.scale)), -128, 127);
  return p;
}

} // namespace kiln
