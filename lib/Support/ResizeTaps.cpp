//===- ResizeTaps.cpp - ONNX Resize coordinate rules ----------------------===//
#include "kiln/Support/ResizeTaps.h"

#include <algorithm>
#include <cmath>

namespace kiln {

bool isSupportedResize(const ResizeOptions &o, std::string &why) {
  static const char *modes[] = {"nearest", "linear", "cubic"};
  static const char *coords[] = {"half_pixel", "pytorch_half_pixel",
                                 "align_corners", "asymmetric",
                                 "tf_half_pixel_for_nearest",
                                 "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  static const char *nearest[] = {"round_prefer_floor", "round_prefer_ceil",
                                  "floor", "ceil"};
  auto known = [](const std::string &v, auto &list) {
    return std::find(std::begin(list), std::end(list), v) != std::end(list);
  };
  if (!known(o.mode, modes))
    why = "mode '" + o.mode + "'";
  else if (!known(o.coordinateMode, coords))
    why = "coordinate_transformation_mode '" + o.coordinateMode + "'";
  else if (o.mode == "nearest" && !known(o.nearestMode, nearest))
    why = "nearest_mode '" + o.nearestMode + "'";
  else
    return true;
  return false;
}

/// Position in the input that output index `x` maps to. As in ONNX, the
/// resized length is input * scale before rounding to the output size.
static double sourceCoordinate(int64_t x, int64_t inSize, double scale,
                               const std::string &mode, double roiStart,
                               double roiEnd) {
  double resized = inSize * scale;
  if (mode == "tf_crop_and_resize") {
    resized = inSize * (roiEnd - roiStart) * scale;
    return resized > 1 ? roiStart * (inSize - 1) +
                             x * (roiEnd - roiStart) * (inSize - 1) / (resized - 1)
                       : 0.5 * (roiStart + roiEnd) * (inSize - 1);
  }
  if (mode == "align_corners")
    return resized == 1 ? 0.0 : x * static_cast<double>(inSize - 1) / (resized - 1);
  if (mode == "asymmetric")
    return x / scale;
  if (mode == "tf_half_pixel_for_nearest" || mode == "tf_half_pixel_for_nn")
    return (x + 0.5) / scale;
  if (mode == "pytorch_half_pixel")
    return resized > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  return (x + 0.5) / scale - 0.5; // half_pixel
}

static int64_t nearestIndex(double x, const std::string &mode) {
  if (mode == "floor")
    return static_cast<int64_t>(std::floor(x));
  if (mode == "ceil")
    return static_cast<int64_t>(std::ceil(x));
  double fraction = x - std::floor(x);
  if (fraction == 0.5)
    return static_cast<int64_t>(mode == "round_prefer_ceil" ? std::ceil(x)
                                                            : std::floor(x));
  return static_cast<int64_t>(std::round(x));
}

/// Keys' cubic convolution kernel with parameter a.
static double cubicWeight(double t, double a) {
  t = std::fabs(t);
  if (t <= 1)
    return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2)
    return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

std::optional<ResizePlan> resizeTaps(int64_t inSize, int64_t outSize,
                                     double scale, const ResizeOptions &o,
                                     double roiStart, double roiEnd) {
  std::string why;
  if (!isSupportedResize(o, why) || inSize <= 0 || outSize < 0 || scale <= 0)
    return std::nullopt;
  auto clampIndex = [&](int64_t i) {
    return std::clamp<int64_t>(i, 0, inSize - 1);
  };
  ResizePlan plan;
  plan.taps.resize(outSize);
  plan.outside.assign(outSize, 0.0);
  size_t tapCount = o.mode == "nearest" ? 1 : o.mode == "linear" ? 2 : 4;
  for (int64_t x = 0; x < outSize; ++x) {
    double src = sourceCoordinate(x, inSize, scale, o.coordinateMode, roiStart,
                                  roiEnd);
    auto &taps = plan.taps[x];
    if (o.coordinateMode == "tf_crop_and_resize" &&
        (src < 0 || src > inSize - 1)) {
      taps.assign(tapCount, {0, 0.0});
      plan.outside[x] = o.extrapolationValue;
      continue;
    }
    if (o.mode == "nearest") {
      taps.push_back({clampIndex(nearestIndex(src, o.nearestMode)), 1.0});
    } else if (o.mode == "linear") {
      src = std::clamp(src, 0.0, static_cast<double>(inSize - 1));
      int64_t i0 = static_cast<int64_t>(std::floor(src));
      double w1 = src - i0;
      taps.push_back({clampIndex(i0), 1.0 - w1});
      taps.push_back({clampIndex(i0 + 1), w1});
    } else { // cubic
      int64_t i0 = static_cast<int64_t>(std::floor(src));
      double t = src - i0, sum = 0;
      for (int64_t k = -1; k <= 2; ++k) {
        int64_t i = i0 + k;
        double w = cubicWeight(t - k, o.cubicCoeffA);
        if (o.excludeOutside && (i < 0 || i >= inSize))
          w = 0;
        taps.push_back({clampIndex(i), w});
        sum += w;
      }
      if (o.excludeOutside && sum != 0)
        for (auto &tap : taps)
          tap.second /= sum;
    }
  }
  return plan;
}

} // namespace kiln
