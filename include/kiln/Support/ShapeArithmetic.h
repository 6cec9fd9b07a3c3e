//===- ShapeArithmetic.h - Static shape rules shared by ops and importer --===//
//
// Plain integer rules, free of MLIR, so the dialect's shape inference, the
// importer and the unit tests all use one definition.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_SUPPORT_SHAPEARITHMETIC_H
#define KILN_SUPPORT_SHAPEARITHMETIC_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

using Shape = std::vector<int64_t>;

/// Numpy-style multidirectional broadcast; nullopt when incompatible.
std::optional<Shape> broadcastShapes(const Shape &lhs, const Shape &rhs);

/// Number of elements; nullopt on overflow of int64 or negative dims.
std::optional<int64_t> numElements(const Shape &shape);

/// Output extent of one windowed (conv/pool) dimension. Follows ONNX: with
/// ceil_mode the last window must still start inside the padded-begin input.
/// Returns nullopt when the window does not fit even once.
std::optional<int64_t> windowOutputSize(int64_t input, int64_t kernel,
                                        int64_t stride, int64_t padBegin,
                                        int64_t padEnd, int64_t dilation,
                                        bool ceilMode);

/// Resolves ONNX auto_pad SAME_UPPER/SAME_LOWER into explicit begin/end pads.
void samePadding(int64_t input, int64_t kernel, int64_t stride,
                 int64_t dilation, bool upper, int64_t &padBegin,
                 int64_t &padEnd);

/// Normalizes a possibly negative axis into [0, rank); nullopt if out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Dims as messages print them: "2x3x4", "[]" for a scalar.
std::string formatDims(const Shape &dims);

/// A dynamic dim (ranged input) in shapes: MLIR's ShapedType::kDynamic.
inline constexpr int64_t kDynamicDim = INT64_MIN;
/// A dynamic dim as the value of a Shape op folded on the host: it survives
/// casts to int32 and back, which shape subgraphs exported by converters do.
inline constexpr int64_t kDynamicShapeValue = INT32_MIN;

/// Resolves an ONNX Reshape target (0 copies the input dim unless allowZero,
/// one -1 is inferred). nullopt when the element counts cannot match. With
/// dynamic input dims (kDynamicDim) the result may have one dynamic dim: a
/// copied one, or the inferred one (-1 or a kDynamicShapeValue entry), whose
/// size the run computes from the element count.
std::optional<Shape> resolveReshape(const Shape &input, const Shape &target,
                                    bool allowZero);

/// ONNX Slice with its clamping rules resolved: per dimension the first
/// index, the step and the number of elements taken.
struct SliceBounds {
  Shape begin, step, size;
};
/// `axes` and `steps` may be empty (all leading axes, unit steps). nullopt
/// for a bad axis, a zero step or mismatched list lengths.
std::optional<SliceBounds> resolveSlice(const Shape &dims, const Shape &starts,
                                        const Shape &ends, Shape axes,
                                        Shape steps);

} // namespace kiln

#endif // KILN_SUPPORT_SHAPEARITHMETIC_H
