//===- KilnOps.cpp - Verifiers, shape inference and folders ---------------===//
//
// Type inference doubles as the verifier for the ops that declare it: the
// InferTypeOpInterface trait checks the written result type against what is
// inferred here, so every shape rule lives in exactly one place.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"
#include "Kiln/ShapeRules.h"
#include "kiln/Support/ResizeTaps.h"
#include "kiln/Support/ShapeArithmetic.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace kiln;

namespace {
using InferredTypes = SmallVectorImpl<Type>;

RankedTensorType rankedType(Value value) {
  return dyn_cast<RankedTensorType>(value.getType());
}

Shape shapeOf(RankedTensorType type) {
  return Shape(type.getShape().begin(), type.getShape().end());
}

bool isStatic(RankedTensorType type) { return type && type.hasStaticShape(); }

/// Static, or dynamic only in the dims from `first` on (a ranged input's
/// spatial dims: batch, channels and weights stay static).
bool isStaticBefore(RankedTensorType type, int64_t first) {
  if (!type)
    return false;
  for (int64_t d = 0; d < std::min<int64_t>(first, type.getRank()); ++d)
    if (type.isDynamicDim(d))
      return false;
  return true;
}
} // namespace

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto value = adaptor.getValue();
  if (!value)
    return emitOptionalError(loc, "requires a 'value' attribute");
  inferred.push_back(value.getType());
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Broadcasting binary ops
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcastBinary(std::optional<Location> loc,
                                          ValueRange operands,
                                          InferredTypes &inferred) {
  // Dynamic dims broadcast with 1 or with another dynamic dim, which the
  // importer's shape inference has equated with it.
  auto lhs = rankedType(operands[0]), rhs = rankedType(operands[1]);
  if (!lhs || !rhs)
    return emitOptionalError(loc, "operands must be ranked tensors");
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(loc, "operand element types differ: ",
                             lhs.getElementType(), " vs ",
                             rhs.getElementType());
  auto shape = broadcastShapes(shapeOf(lhs), shapeOf(rhs));
  if (!shape)
    return emitOptionalError(loc, "operand shapes ", lhs, " and ", rhs,
                             " are not broadcastable");
  inferred.push_back(RankedTensorType::get(*shape, lhs.getElementType()));
  return success();
}

#define KILN_BROADCAST_BINARY(Op)                                              \
  LogicalResult Op::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, ValueRange operands,         \
      DictionaryAttr, OpaqueProperties, RegionRange, InferredTypes &inferred) { \
    return inferBroadcastBinary(loc, operands, inferred);                      \
  }
KILN_BROADCAST_BINARY(AddOp)
KILN_BROADCAST_BINARY(SubOp)
KILN_BROADCAST_BINARY(MulOp)
KILN_BROADCAST_BINARY(DivOp)
KILN_BROADCAST_BINARY(MaxOp)
KILN_BROADCAST_BINARY(MinOp)
KILN_BROADCAST_BINARY(PowOp)
KILN_BROADCAST_BINARY(PReluOp)
KILN_BROADCAST_BINARY(ModOp)
KILN_BROADCAST_BINARY(AndOp)
KILN_BROADCAST_BINARY(OrOp)
KILN_BROADCAST_BINARY(XorOp)
#undef KILN_BROADCAST_BINARY

LogicalResult ModOp::verify() {
  bool isFloat = isa<FloatType>(getType().getElementType());
  if (isFloat && !getFmod())
    return emitOpError("on floats needs fmod");
  return success();
}

#define KILN_COMPARE(Op)                                                       \
  LogicalResult Op::inferReturnTypes(                                          \
      MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,      \
      DictionaryAttr, OpaqueProperties, RegionRange, InferredTypes &inferred) { \
    if (failed(inferBroadcastBinary(loc, operands, inferred)))                 \
      return failure();                                                        \
    inferred[0] = cast<RankedTensorType>(inferred[0]).clone(                   \
        IntegerType::get(ctx, 1));                                             \
    return success();                                                          \
  }
KILN_COMPARE(EqualOp)
KILN_COMPARE(LessOp)
KILN_COMPARE(LessEqualOp)
KILN_COMPARE(GreaterOp)
KILN_COMPARE(GreaterEqualOp)
#undef KILN_COMPARE

LogicalResult WhereOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange, InferredTypes &inferred) {
  if (failed(inferBroadcastBinary(loc, operands.drop_front(), inferred)))
    return failure();
  auto cond = rankedType(operands[0]);
  auto shape = cond ? broadcastShapes(shapeOf(cond),
                                                shapeOf(cast<RankedTensorType>(inferred[0])))
                              : std::nullopt;
  if (!shape)
    return emitOptionalError(loc, "condition does not broadcast with the values");
  inferred[0] = RankedTensorType::get(
      *shape, cast<RankedTensorType>(inferred[0]).getElementType());
  return success();
}

LogicalResult CastOp::verify() {
  if (getInput().getType().getShape() != getResult().getType().getShape())
    return emitOpError("cannot change the shape");
  return success();
}

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

LogicalResult ClipOp::verify() {
  if (getMin().convertToFloat() > getMax().convertToFloat())
    return emitOpError("min ") << getMin().convertToFloat()
                               << " exceeds max " << getMax().convertToFloat();
  return success();
}

//===----------------------------------------------------------------------===//
// Windowed ops
//===----------------------------------------------------------------------===//

/// Checks the per-spatial-dimension attributes of conv and pooling ops.
static LogicalResult verifyWindowAttrs(std::optional<Location> loc,
                                       size_t spatialRank,
                                       ArrayRef<int64_t> strides,
                                       ArrayRef<int64_t> pads,
                                       ArrayRef<int64_t> dilations) {
  if (strides.size() != spatialRank || dilations.size() != spatialRank ||
      pads.size() != 2 * spatialRank)
    return emitOptionalError(
        loc, "expects ", spatialRank, " strides and dilations and ",
        2 * spatialRank, " pads, got ", strides.size(), ", ",
        dilations.size(), " and ", pads.size());
  for (size_t i = 0; i < spatialRank; ++i)
    if (strides[i] <= 0 || dilations[i] <= 0)
      return emitOptionalError(loc, "strides and dilations must be positive");
  for (int64_t p : pads)
    if (p < 0)
      return emitOptionalError(loc, "pads must be non-negative");
  return success();
}

/// Shared by Conv and ConvTranspose: static operands of equal rank >= 3 and
/// valid window attributes. Sets `spatial` to the number of spatial dims.
template <typename ConvAdaptor>
static LogicalResult verifyConvOperands(std::optional<Location> loc,
                                        ConvAdaptor adaptor, size_t &spatial) {
  auto input = rankedType(adaptor.getInput());
  auto weight = rankedType(adaptor.getWeight());
  if (!isStatic(input) || !isStatic(weight))
    return emitOptionalError(loc, "operands must have static shapes");
  if (input.getRank() < 3 || weight.getRank() != input.getRank())
    return emitOptionalError(loc, "expects input and weight of equal rank >= 3",
                             ", got ", input, " and ", weight);
  spatial = input.getRank() - 2;
  return verifyWindowAttrs(loc, spatial, adaptor.getStrides(),
                           adaptor.getPads(), adaptor.getDilations());
}

static LogicalResult verifyBias(std::optional<Location> loc, Value bias,
                                int64_t filters) {
  if (!bias)
    return success();
  auto biasType = rankedType(bias);
  if (!isStatic(biasType) || biasType.getNumElements() != filters)
    return emitOptionalError(loc, "bias must have ", filters, " elements");
  return success();
}

FailureOr<Shape> kiln::inferConvShape(std::optional<Location> loc,
                                      Value inputValue, Value weightValue,
                                      Value bias, ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> pads,
                                      ArrayRef<int64_t> dilations,
                                      int64_t group) {
  auto input = rankedType(inputValue);
  auto weight = rankedType(weightValue);
  if (!isStaticBefore(input, 2) || !isStatic(weight))
    return emitOptionalError(loc, "operands must have static shapes (the "
                                  "input's spatial dims may be dynamic)");
  if (input.getRank() < 3 || weight.getRank() != input.getRank())
    return emitOptionalError(loc, "expects input and weight of equal rank >= 3",
                             ", got ", input, " and ", weight);
  size_t spatial = input.getRank() - 2;
  if (failed(verifyWindowAttrs(loc, spatial, strides, pads, dilations)))
    return failure();
  int64_t channels = input.getDimSize(1), filters = weight.getDimSize(0);
  if (group <= 0 || channels % group != 0 || filters % group != 0)
    return emitOptionalError(loc, "group ", group,
                             " must divide input channels ", channels,
                             " and output channels ", filters);
  if (weight.getDimSize(1) * group != channels)
    return emitOptionalError(loc, "weight has ", weight.getDimSize(1),
                             " channels per group, expected ",
                             channels / group);
  if (failed(verifyBias(loc, bias, filters)))
    return failure();
  Shape out = {input.getDimSize(0), filters};
  for (size_t i = 0; i < spatial; ++i) {
    if (input.isDynamicDim(2 + i)) {
      out.push_back(ShapedType::kDynamic);
      continue;
    }
    auto size = windowOutputSize(input.getDimSize(2 + i),
                                 weight.getDimSize(2 + i), strides[i], pads[i],
                                 pads[spatial + i], dilations[i], false);
    if (!size)
      return emitOptionalError(loc, "kernel does not fit spatial dimension ",
                               i, " of the padded input");
    out.push_back(*size);
  }
  return out;
}

LogicalResult ConvOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  FailureOr<Shape> out = inferConvShape(
      loc, adaptor.getInput(), adaptor.getWeight(), adaptor.getBias(),
      adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations(),
      adaptor.getGroup());
  if (failed(out))
    return failure();
  inferred.push_back(RankedTensorType::get(
      *out, rankedType(adaptor.getInput()).getElementType()));
  return success();
}

LogicalResult ConvTransposeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  size_t spatial = 0;
  if (failed(verifyConvOperands(loc, adaptor, spatial)))
    return failure();
  auto input = rankedType(adaptor.getInput());
  auto weight = rankedType(adaptor.getWeight());
  ArrayRef<int64_t> outputPadding = adaptor.getOutputPadding();
  if (outputPadding.size() != spatial)
    return emitOptionalError(loc, "expects ", spatial, " output_padding values");
  int64_t group = adaptor.getGroup();
  int64_t channels = input.getDimSize(1);
  if (group <= 0 || channels % group != 0 || weight.getDimSize(0) != channels)
    return emitOptionalError(loc, "weight must have ", channels,
                             " input channels divisible by group ", group);
  int64_t filters = weight.getDimSize(1) * group;
  if (failed(verifyBias(loc, adaptor.getBias(), filters)))
    return failure();
  Shape out = {input.getDimSize(0), filters};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t stride = adaptor.getStrides()[i], dilation = adaptor.getDilations()[i];
    int64_t size = stride * (input.getDimSize(2 + i) - 1) + outputPadding[i] +
                   dilation * (weight.getDimSize(2 + i) - 1) + 1 -
                   adaptor.getPads()[i] - adaptor.getPads()[spatial + i];
    if (outputPadding[i] < 0 || outputPadding[i] >= std::max(stride, dilation))
      return emitOptionalError(loc, "output_padding must be smaller than the "
                                    "stride or the dilation");
    if (size <= 0)
      return emitOptionalError(loc, "padding leaves no output in dimension ", i);
    out.push_back(size);
  }
  inferred.push_back(RankedTensorType::get(out, input.getElementType()));
  return success();
}

template <typename PoolAdaptor>
static LogicalResult inferPool(std::optional<Location> loc,
                               PoolAdaptor adaptor, InferredTypes &inferred) {
  auto input = rankedType(adaptor.getInput());
  if (!isStaticBefore(input, 2) || input.getRank() < 3)
    return emitOptionalError(loc, "expects an input of rank >= 3, static "
                                  "but for its spatial dims");
  size_t spatial = input.getRank() - 2;
  ArrayRef<int64_t> kernel = adaptor.getKernelShape();
  if (kernel.size() != spatial)
    return emitOptionalError(loc, "expects ", spatial, " kernel dimensions");
  if (failed(verifyWindowAttrs(loc, spatial, adaptor.getStrides(),
                               adaptor.getPads(), adaptor.getDilations())))
    return failure();
  Shape out = {input.getDimSize(0), input.getDimSize(1)};
  for (size_t i = 0; i < spatial; ++i) {
    if (adaptor.getPads()[i] >= kernel[i] ||
        adaptor.getPads()[spatial + i] >= kernel[i])
      return emitOptionalError(loc, "padding must be smaller than the kernel");
    if (input.isDynamicDim(2 + i)) {
      out.push_back(ShapedType::kDynamic);
      continue;
    }
    auto size = windowOutputSize(
        input.getDimSize(2 + i), kernel[i], adaptor.getStrides()[i],
        adaptor.getPads()[i], adaptor.getPads()[spatial + i],
        adaptor.getDilations()[i], adaptor.getCeilMode());
    if (!size)
      return emitOptionalError(loc, "kernel does not fit spatial dimension ",
                               i, " of the padded input");
    out.push_back(*size);
  }
  inferred.push_back(RankedTensorType::get(out, input.getElementType()));
  return success();
}

LogicalResult MaxPoolOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  return inferPool(loc, Adaptor(operands, attributes, properties, regions),
                   inferred);
}

LogicalResult AveragePoolOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  return inferPool(loc, Adaptor(operands, attributes, properties, regions),
                   inferred);
}

LogicalResult GlobalAveragePoolOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange, InferredTypes &inferred) {
  auto input = rankedType(operands[0]);
  if (!isStaticBefore(input, 2) || input.getRank() < 3)
    return emitOptionalError(loc, "expects an input of rank >= 3, static but "
                                  "for its spatial dims");
  Shape out = shapeOf(input);
  std::fill(out.begin() + 2, out.end(), 1);
  inferred.push_back(RankedTensorType::get(out, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

LogicalResult GemmOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto a = rankedType(adaptor.getA()), b = rankedType(adaptor.getB());
  if (!a || !isStatic(b) || a.getRank() != 2 || b.getRank() != 2 ||
      a.isDynamicDim(adaptor.getTransA() ? 0 : 1))
    return emitOptionalError(loc, "expects 2-D operands, static but for A's rows");
  int64_t m = a.getDimSize(adaptor.getTransA() ? 1 : 0);
  int64_t k = a.getDimSize(adaptor.getTransA() ? 0 : 1);
  int64_t kb = b.getDimSize(adaptor.getTransB() ? 1 : 0);
  int64_t n = b.getDimSize(adaptor.getTransB() ? 0 : 1);
  if (k != kb)
    return emitOptionalError(loc, "inner dimensions differ: ", k, " vs ", kb);
  if (Value c = adaptor.getC()) {
    auto cType = rankedType(c);
    auto shape = isStatic(cType) && cType.getRank() <= 2
                     ? broadcastShapes(shapeOf(cType), {m, n})
                     : std::nullopt;
    if (!shape || *shape != Shape{m, n})
      return emitOptionalError(loc, "C ", c.getType(),
                               " does not broadcast to ", m, "x", n);
  }
  inferred.push_back(RankedTensorType::get({m, n}, a.getElementType()));
  return success();
}

FailureOr<Shape> kiln::inferMatMulShape(std::optional<Location> loc,
                                        Value lhsValue, Value rhsValue) {
  auto lhs = rankedType(lhsValue), rhs = rankedType(rhsValue);
  if (!lhs || !rhs || lhs.getRank() < 2 || rhs.getRank() < 2)
    return emitOptionalError(loc, "expects operands of rank >= 2");
  // Dynamic dims (ranged inputs) match any size.
  Shape l = shapeOf(lhs), r = shapeOf(rhs);
  if (l.back() != r[r.size() - 2] && !ShapedType::isDynamic(l.back()) &&
      !ShapedType::isDynamic(r[r.size() - 2]))
    return emitOptionalError(loc, "contracting dimensions differ: ", l.back(),
                             " vs ", r[r.size() - 2]);
  auto batch = broadcastShapes(Shape(l.begin(), l.end() - 2),
                               Shape(r.begin(), r.end() - 2));
  if (!batch)
    return emitOptionalError(loc, "batch dimensions are not broadcastable");
  batch->push_back(l[l.size() - 2]);
  batch->push_back(r.back());
  return *batch;
}

LogicalResult MatMulOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange, InferredTypes &inferred) {
  FailureOr<Shape> out = inferMatMulShape(loc, operands[0], operands[1]);
  if (failed(out))
    return failure();
  inferred.push_back(
      RankedTensorType::get(*out, rankedType(operands[0]).getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

template <typename ReduceAdaptor>
static LogicalResult inferReduce(std::optional<Location> loc,
                                 ReduceAdaptor adaptor, InferredTypes &inferred) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return emitOptionalError(loc, "input must be a ranked tensor");
  ArrayRef<int64_t> axes = adaptor.getAxes();
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] < 0 || axes[i] >= input.getRank() || (i && axes[i] <= axes[i - 1]))
      return emitOptionalError(loc, "axes must be sorted, unique and in [0, ",
                               input.getRank(), ")");
  Shape out;
  for (int64_t d = 0; d < input.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      out.push_back(input.getDimSize(d));
    else if (adaptor.getKeepdims())
      out.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(out, input.getElementType()));
  return success();
}

LogicalResult ArgMaxOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto input = rankedType(adaptor.getInput());
  if (!isStatic(input))
    return emitOptionalError(loc, "input must have a static shape");
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= input.getRank())
    return emitOptionalError(loc, "axis ", axis, " out of range");
  Shape out = shapeOf(input);
  if (adaptor.getKeepdims())
    out[axis] = 1;
  else
    out.erase(out.begin() + axis);
  inferred.push_back(RankedTensorType::get(out, IntegerType::get(ctx, 64)));
  return success();
}

#define KILN_REDUCE(Op)                                                        \
  LogicalResult Op::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, ValueRange operands,         \
      DictionaryAttr attributes, OpaqueProperties properties,                  \
      RegionRange regions, InferredTypes &inferred) {                          \
    return inferReduce(loc, Adaptor(operands, attributes, properties, regions), \
                       inferred);                                              \
  }
KILN_REDUCE(ReduceSumOp)
KILN_REDUCE(ReduceMeanOp)
KILN_REDUCE(ReduceMaxOp)
KILN_REDUCE(ReduceMinOp)
KILN_REDUCE(ReduceProdOp)
#undef KILN_REDUCE

LogicalResult TopKOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto input = rankedType(adaptor.getInput());
  if (!isStatic(input))
    return emitOptionalError(loc, "input must have a static shape");
  int64_t axis = adaptor.getAxis(), k = adaptor.getK();
  if (axis < 0 || axis >= input.getRank())
    return emitOptionalError(loc, "axis ", axis, " out of range");
  if (k < 1 || k > input.getDimSize(axis))
    return emitOptionalError(loc, "k ", k, " out of range [1, ",
                             input.getDimSize(axis), "]");
  Shape out = shapeOf(input);
  out[axis] = k;
  inferred.push_back(RankedTensorType::get(out, input.getElementType()));
  inferred.push_back(RankedTensorType::get(out, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult CumSumOp::verify() {
  int64_t axis = getAxis(), rank = getInput().getType().getRank();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " out of range for rank " << rank;
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange, InferredTypes &inferred) {
  auto input = rankedType(operands[0]);
  if (!isStaticBefore(input, 2) || input.getRank() < 2)
    return emitOptionalError(loc, "expects an input of rank >= 2 with static "
                                  "channels");
  for (Value param : operands.drop_front()) {
    auto type = rankedType(param);
    if (!isStatic(type) || type.getRank() != 1 ||
        type.getDimSize(0) != input.getDimSize(1))
      return emitOptionalError(loc, "parameters must be 1-D with ",
                               input.getDimSize(1), " elements, got ",
                               param.getType());
  }
  inferred.push_back(input);
  return success();
}

LogicalResult SoftmaxOp::verify() {
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0 || axis >= getInput().getType().getRank())
    return emitOpError("axis ") << axis << " out of range for rank "
                                << getInput().getType().getRank();
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type");
  // Ranged inputs: the one dynamic result dim takes the rest of the
  // element count at run time.
  if (!in.hasStaticShape() || !out.hasStaticShape()) {
    if (in.hasStaticShape() || out.getNumDynamicDims() != 1)
      return emitOpError("with dynamic dims needs a dynamic input and exactly "
                         "one dynamic result dim, not ")
             << in << " to " << out;
    return success();
  }
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("element count changes from ")
           << in.getNumElements() << " to " << out.getNumElements();
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}

namespace {
/// reshape(reshape(x)) -> reshape(x): only the final shape matters.
struct ComposeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<ReshapeOp>();
    if (!producer)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(),
                                           producer.getInput());
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ComposeReshapes>(context);
}

LogicalResult TransposeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto input = rankedType(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (!input || perm.size() != static_cast<size_t>(input.getRank()))
    return emitOptionalError(loc, "perm must have one entry per dimension");
  SmallVector<bool> seen(perm.size(), false);
  Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return emitOptionalError(loc, "perm is not a permutation");
    seen[p] = true;
    out.push_back(input.getDimSize(p));
  }
  inferred.push_back(RankedTensorType::get(out, input.getElementType()));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPerm()))
    if (static_cast<int64_t>(i) != p)
      return {};
  return getInput();
}

LogicalResult SliceOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto input = rankedType(adaptor.getInput());
  ArrayRef<int64_t> offsets = adaptor.getOffsets(), sizes = adaptor.getSizes(),
                    strides = adaptor.getStrides();
  if (!input)
    return emitOptionalError(loc, "input must be a ranked tensor");
  size_t rank = input.getRank();
  if (offsets.size() != rank || sizes.size() != rank || strides.size() != rank)
    return emitOptionalError(loc, "expects one offset, size and stride per "
                                  "dimension");
  for (size_t i = 0; i < rank; ++i) {
    // A dynamic dim (ranged input) is only taken whole.
    if (input.isDynamicDim(i) || ShapedType::isDynamic(sizes[i])) {
      if (!input.isDynamicDim(i) || !ShapedType::isDynamic(sizes[i]) ||
          offsets[i] != 0 || strides[i] != 1)
        return emitOptionalError(loc, "a dynamic dimension is only sliced whole");
      continue;
    }
    if (offsets[i] < 0 || sizes[i] < 0 || strides[i] == 0)
      return emitOptionalError(loc, "offsets and sizes must be non-negative "
                                    "and strides non-zero");
    int64_t last = offsets[i] + (sizes[i] - 1) * strides[i];
    if (sizes[i] > 0 && (offsets[i] >= input.getDimSize(i) || last < 0 ||
                         last >= input.getDimSize(i)))
      return emitOptionalError(loc, "slice exceeds dimension ", i, " of ",
                               input);
  }
  inferred.push_back(RankedTensorType::get(sizes, input.getElementType()));
  return success();
}

LogicalResult PadOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  size_t rank = in.getRank();
  if (getLow().size() != rank || getHigh().size() != rank)
    return emitOpError("expects one low and one high pad per dimension");
  for (size_t d = 0; d < rank; ++d) {
    if (getLow()[d] < 0 || getHigh()[d] < 0)
      return emitOpError("pads must be non-negative");
    if (out.getDimSize(d) != in.getDimSize(d) + getLow()[d] + getHigh()[d])
      return emitOpError("result dimension ") << d << " does not match the pads";
  }
  return success();
}

LogicalResult ResizeOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (!in.hasStaticShape() || !out.hasStaticShape() || in.getRank() != out.getRank())
    return emitOpError("input and result must be static and of equal rank");
  if (getScales().size() != static_cast<size_t>(in.getRank()))
    return emitOpError("expects one scale per dimension");
  for (double scale : getScales())
    if (!(scale > 0))
      return emitOpError("scales must be positive");
  if (getRoi() && getRoi()->size() != 2 * static_cast<size_t>(in.getRank()))
    return emitOpError("roi must hold 2 * rank values");
  ResizeOptions options{getMode().str(), getCoordinateMode().str(),
                        getNearestMode().str(), getCubicCoeffA().convertToDouble(),
                        getExcludeOutside()};
  std::string why;
  if (!isSupportedResize(options, why))
    return emitOpError("unsupported ") << why;
  return success();
}

LogicalResult GatherOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto data = rankedType(adaptor.getData());
  auto indices = rankedType(adaptor.getIndices());
  if (!isStatic(data) || !isStatic(indices))
    return emitOptionalError(loc, "operands must have static shapes");
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= data.getRank())
    return emitOptionalError(loc, "axis ", axis, " out of range");
  Shape out(data.getShape().begin(), data.getShape().begin() + axis);
  out.insert(out.end(), indices.getShape().begin(), indices.getShape().end());
  out.insert(out.end(), data.getShape().begin() + axis + 1, data.getShape().end());
  inferred.push_back(RankedTensorType::get(out, data.getElementType()));
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto data = rankedType(adaptor.getData());
  auto indices = rankedType(adaptor.getIndices());
  if (!isStatic(data) || !isStatic(indices))
    return emitOptionalError(loc, "operands must have static shapes");
  if (data.getRank() != indices.getRank())
    return emitOptionalError(loc, "indices must have the rank of data (",
                             data.getRank(), ")");
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= data.getRank())
    return emitOptionalError(loc, "axis ", axis, " out of range");
  for (int64_t d = 0; d < data.getRank(); ++d)
    if (d != axis && indices.getDimSize(d) > data.getDimSize(d))
      return emitOptionalError(loc, "indices ", indices, " exceed data ", data,
                               " in dimension ", d);
  inferred.push_back(indices.clone(data.getElementType()));
  return success();
}

LogicalResult ScatterNDOp::verify() {
  auto data = getData().getType(), updates = getUpdates().getType();
  auto indices = getIndices().getType();
  if (getResult().getType() != data)
    return emitOpError("result must have the type of data");
  if (updates.getElementType() != data.getElementType())
    return emitOpError("updates must have data's element type");
  if (indices.getRank() != 2 || indices.getDimSize(1) < 1 ||
      indices.getDimSize(1) > data.getRank())
    return emitOpError("indices must be [U, q] with 1 <= q <= ") << data.getRank();
  int64_t q = indices.getDimSize(1);
  Shape expected{indices.getDimSize(0)};
  expected.insert(expected.end(), data.getShape().begin() + q, data.getShape().end());
  if (shapeOf(updates) != expected)
    return emitOpError("updates must have shape [U, data dims q...]");
  StringRef r = getReduction();
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min")
    return emitOpError("unknown reduction '") << r << "'";
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    InferredTypes &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  if (operands.empty())
    return emitOptionalError(loc, "expects at least one input");
  auto first = rankedType(operands[0]);
  if (!first)
    return emitOptionalError(loc, "inputs must be ranked tensors");
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return emitOptionalError(loc, "axis ", axis, " out of range");
  Shape out = shapeOf(first);
  out[axis] = 0;
  for (Value operand : operands) {
    auto type = rankedType(operand);
    if (!type || type.getRank() != first.getRank() ||
        type.getElementType() != first.getElementType())
      return emitOptionalError(loc, "inputs differ in rank or element type");
    // Dynamic dims (ranged inputs) are all the same size.
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != axis && type.getDimSize(d) != first.getDimSize(d))
        return emitOptionalError(loc, "inputs differ in dimension ", d);
    if (type.isDynamicDim(axis))
      return emitOptionalError(loc, "cannot concatenate along a dynamic dimension");
    out[axis] += type.getDimSize(axis);
  }
  inferred.push_back(RankedTensorType::get(out, first.getElementType()));
  return success();
}

#define GET_OP_CLASSES
#include "Kiln/KilnOps.cpp.inc"
