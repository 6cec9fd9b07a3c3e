//===- Ranges.h - From observed values to int8 quantization ranges -*- C++ -*-===//
//
// Each tensor that will be quantized is observed over the calibration set:
// its min and max first, then (for percentile and entropy) a histogram of
// |x| over [0, max |x|]. The chosen range always contains zero, so zero is
// exact in int8.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_QUANTIZE_RANGES_H
#define KILN_QUANTIZE_RANGES_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln {

enum class CalibrationMethod {
  MinMax,     // the observed extremes
  Percentile, // clip |x| at its 99.99th percentile
  Entropy,    // clip |x| where the int8 distribution's KL divergence is least
};

struct TensorObservation {
  static constexpr size_t kBins = 2048;
  float min = 0, max = 0; // over all values seen (zero always included)
  std::vector<double> histogram; // of |x| in kBins bins over [0, absMax()]
  bool sawNonFinite = false;

  void observeRange(const float *values, size_t count);
  /// After every observeRange call: bins |x| over the final range.
  void observeHistogram(const float *values, size_t count);
  float absMax() const;
};

struct Range {
  float lo = 0, hi = 0;
};

/// The range `method` picks. Percentile and entropy need a histogram of at
/// least 8 values per bin, else they keep the observed min and max.
Range chooseRange(const TensorObservation &observed, CalibrationMethod method);

struct Int8Params {
  double scale = 1;
  int64_t zeroPoint = 0;
};

/// Asymmetric int8 for an activation range (lo <= 0 <= hi).
Int8Params int8Asymmetric(Range range);

} // namespace kiln

#endif // KILN_QUANTIZE_RANGES_H
