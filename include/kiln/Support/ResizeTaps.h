//===- ResizeTaps.h - Source taps of ONNX Resize along one dimension ------===//
//
// Resize is separable: along each dimension every output index reads a few
// input indices with fixed weights (1 tap for nearest, 2 for linear, 4 for
// cubic). Computing them at compile time leaves a gather-and-weigh loop.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_SUPPORT_RESIZETAPS_H
#define KILN_SUPPORT_RESIZETAPS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct ResizeOptions {
  std::string mode = "nearest";                 // nearest | linear | cubic
  std::string coordinateMode = "half_pixel";    // ONNX coordinate_transformation_mode
  std::string nearestMode = "round_prefer_floor";
  double cubicCoeffA = -0.75;
  bool excludeOutside = false;
  double extrapolationValue = 0; // tf_crop_and_resize outside the input
};

/// taps[o] lists (input index, weight) pairs for output index o; all rows
/// have the same count. outside[o] is added to the weighted sum: the
/// extrapolation value where tf_crop_and_resize samples outside the input
/// (its taps then weigh 0), else 0.
struct ResizePlan {
  std::vector<std::vector<std::pair<int64_t, double>>> taps;
  std::vector<double> outside;
};
/// roiStart/roiEnd are the normalized crop of tf_crop_and_resize. nullopt
/// for an unknown mode.
std::optional<ResizePlan> resizeTaps(int64_t inSize, int64_t outSize,
                                     double scale, const ResizeOptions &options,
                                     double roiStart = 0, double roiEnd = 1);

/// Whether the options name modes this implementation knows.
bool isSupportedResize(const ResizeOptions &options, std::string &why);

} // namespace kiln

#endif
