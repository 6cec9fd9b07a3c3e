//===- QuantOps.cpp - Quantized types and the ops on them -----------------===//
#include "Kiln/ConstantData.h"
#include "Kiln/KilnOps.h"
#include "Kiln/QuantParams.h"
#include "Kiln/ShapeRules.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;

namespace kiln {

std::optional<QuantParams> quantParamsOf(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  auto base = dyn_cast<quant::QuantizedType>(type);
  if (!base || !base.getExpressedType().isF32())
    return std::nullopt;
  QuantParams p;
  p.bits = base.getStorageTypeIntegralWidth();
  p.isSigned = base.isSigned();
  p.storageMin = base.getStorageTypeMin();
  p.storageMax = base.getStorageTypeMax();
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(type)) {
    p.scales = {uniform.getScale()};
    p.zeroPoints = {uniform.getZeroPoint()};
    return p;
  }
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type)) {
    p.axis = perAxis.getQuantizedDimension();
    p.scales.assign(perAxis.getScales().begin(), perAxis.getScales().end());
    p.zeroPoints.assign(perAxis.getZeroPoints().begin(),
                        perAxis.getZeroPoints().end());
    return p;
  }
  return std::nullopt;
}

Type makeQuantType(MLIRContext *ctx, unsigned bits, bool isSigned,
                   std::optional<int32_t> axis, ArrayRef<double> scales,
                   ArrayRef<int64_t> zeroPoints) {
  auto emitError = [&] { return mlir::emitError(UnknownLoc::get(ctx)); };
  for (double s : scales)
    if (!std::isfinite(s) || s <= 0) {
      emitError() << "quantization scale " << s << " is not positive and finite";
      return {};
    }
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  Type storage = IntegerType::get(ctx, bits);
  Type f32 = Float32Type::get(ctx);
  int64_t lo = quant::QuantizedType::getDefaultMinimumForInteger(isSigned, bits);
  int64_t hi = quant::QuantizedType::getDefaultMaximumForInteger(isSigned, bits);
  for (int64_t z : zeroPoints)
    if (z < lo || z > hi) {
      emitError() << "zero point " << z << " does not fit " << bits << "-bit "
                  << (isSigned ? "signed" : "unsigned") << " storage";
      return {};
    }
  if (!axis)
    return quant::UniformQuantizedType::getChecked(
        emitError, flags, storage, f32, scales.front(), zeroPoints.front(), lo,
        hi);
  return quant::UniformQuantizedPerAxisType::getChecked(
      emitError, flags, storage, f32, scales, zeroPoints, *axis, lo, hi);
}

int64_t sliceOfElement(ArrayRef<int64_t> shape, std::optional<int32_t> axis,
                       int64_t flat) {
  if (!axis)
    return 0;
  int64_t inner = 1;
  for (size_t d = *axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  return flat / inner % shape[*axis];
}

std::optional<SmallVector<int64_t>> quantizedConstant(Value value) {
  auto cast = value.getDefiningOp<StorageCastOp>();
  std::optional<QuantParams> p = quantParamsOf(value.getType());
  if (!cast || !p)
    return std::nullopt;
  return readIntConstant(cast.getInput(), p->isSigned);
}

bool isQuantizedConstant(Value value) {
  auto cast = value.getDefiningOp<StorageCastOp>();
  return cast && quantParamsOf(value.getType()) &&
         cast.getInput().getDefiningOp<ConstantOp>();
}

std::optional<SmallVector<int64_t>> centeredConstant(Value value) {
  std::optional<SmallVector<int64_t>> q = quantizedConstant(value);
  if (!q)
    return std::nullopt;
  QuantParams p = *quantParamsOf(value.getType());
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  for (size_t i = 0; i < q->size(); ++i)
    (*q)[i] -= p.zeroPoint(sliceOfElement(shape, p.axis, static_cast<int64_t>(i)));
  return q;
}

std::optional<SmallVector<double>> dequantizedConstant(Value value) {
  std::optional<SmallVector<int64_t>> q = centeredConstant(value);
  if (!q)
    return std::nullopt;
  QuantParams p = *quantParamsOf(value.getType());
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  SmallVector<double> real(q->size());
  for (size_t i = 0; i < q->size(); ++i)
    real[i] = (*q)[i] * p.scale(sliceOfElement(shape, p.axis, static_cast<int64_t>(i)));
  return real;
}

} // namespace kiln

using namespace kiln;

namespace {

/// Quantized and float sides of quantize/dequantize: same shape, and a
/// per-axis type's dimension indexes the tensor with one scale per slice.
LogicalResult verifyQuantizedSide(Operation *op, RankedTensorType quantized,
                                  RankedTensorType other) {
  if (quantized.getShape() != other.getShape())
    return op->emitOpError("cannot change the shape");
  std::optional<QuantParams> p = quantParamsOf(quantized);
  if (!p)
    return op->emitOpError("expects a uniform quantized type of f32, got ")
           << quantized.getElementType();
  if (p->axis) {
    if (*p->axis >= quantized.getRank())
      return op->emitOpError("quantized dimension ")
             << *p->axis << " is out of range for rank " << quantized.getRank();
    if (static_cast<int64_t>(p->scales.size()) != quantized.getDimSize(*p->axis))
      return op->emitOpError("has ")
             << p->scales.size() << " scales for dimension " << *p->axis
             << " of size " << quantized.getDimSize(*p->axis);
  }
  return success();
}

/// 8-bit, and per tensor unless `perAxisDim` names the one axis allowed.
LogicalResult verifyEightBitOperand(Operation *op, Value value, StringRef what,
                                    std::optional<int64_t> perAxisDim) {
  auto type = cast<RankedTensorType>(value.getType());
  std::optional<QuantParams> p = quantParamsOf(type);
  if (!p || p->bits != 8)
    return op->emitOpError() << what << " must be 8-bit quantized, got "
                             << type.getElementType();
  if (p->axis && (!perAxisDim || *p->axis != *perAxisDim))
    return op->emitOpError() << what << " may not be quantized per axis "
                             << *p->axis;
  if (p->axis &&
      static_cast<int64_t>(p->scales.size()) != type.getDimSize(*p->axis))
    return op->emitOpError() << what << " has " << p->scales.size()
                             << " scales for " << type.getDimSize(*p->axis)
                             << " slices";
  return success();
}

/// The result of qconv/qmatmul: `shape`, quantized 8-bit per tensor or an
/// i32 accumulator (without clamps).
LogicalResult verifyIntegerResult(Operation *op, Type resultType,
                                  ArrayRef<int64_t> shape,
                                  std::optional<APFloat> clampMin,
                                  std::optional<APFloat> clampMax) {
  auto result = cast<RankedTensorType>(resultType);
  if (result.getShape() != shape) {
    InFlightDiagnostic d = op->emitOpError("result shape should be [");
    llvm::interleave(shape, [&](int64_t v) { d << v; }, [&] { d << "x"; });
    return d << "], got " << result;
  }
  if (result.getElementType().isInteger(32)) {
    if (clampMin || clampMax)
      return op->emitOpError("an i32 accumulator result cannot be clamped");
    return success();
  }
  std::optional<QuantParams> p = quantParamsOf(result);
  if (!p || p->bits != 8 || p->axis)
    return op->emitOpError("result must be 8-bit quantized per tensor or i32");
  if (clampMin && clampMax &&
      clampMin->convertToDouble() > clampMax->convertToDouble())
    return op->emitOpError("clamp_min exceeds clamp_max");
  return success();
}

} // namespace

LogicalResult QuantizeOp::verify() {
  return verifyQuantizedSide(*this, getResult().getType(), getInput().getType());
}

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // Requantizing to the type a value already has gives it back exactly.
  if (auto dq = getInput().getDefiningOp<DequantizeOp>())
    if (dq.getInput().getType() == getType())
      return dq.getInput();
  return {};
}

LogicalResult DequantizeOp::verify() {
  return verifyQuantizedSide(*this, getInput().getType(), getResult().getType());
}

namespace {
/// dequantize(storage_cast(constant)) is an f32 constant: weights that stay
/// float are dequantized once, at compile time.
struct FoldConstantDequantize : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<double>> real = dequantizedConstant(op.getInput());
    if (!real)
      return failure();
    SmallVector<float> values(real->begin(), real->end());
    rewriter.replaceOpWithNewOp<ConstantOp>(
        op, makeF32Constant(op.getResult().getType(), values, "dequantized"));
    return success();
  }
};
} // namespace

void DequantizeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                               MLIRContext *ctx) {
  patterns.add<FoldConstantDequantize>(ctx);
}

LogicalResult StorageCastOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  if (in.getShape() != out.getShape())
    return emitOpError("cannot change the shape");
  std::optional<QuantParams> pIn = quantParamsOf(in), pOut = quantParamsOf(out);
  if (bool(pIn) == bool(pOut))
    return emitOpError("casts between a quantized type and its storage");
  const QuantParams &p = pIn ? *pIn : *pOut;
  auto storage = cast<IntegerType>((pIn ? out : in).getElementType());
  if (storage.getWidth() != p.bits || (storage.isUnsigned() && p.isSigned) ||
      storage.isSigned())
    return emitOpError("storage ")
           << storage << " does not hold " << (pIn ? in : out).getElementType();
  return success();
}

OpFoldResult StorageCastOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<StorageCastOp>())
    if (inner.getInput().getType() == getType())
      return inner.getInput();
  return {};
}

LogicalResult QConvOp::verify() {
  if (failed(verifyEightBitOperand(*this, getInput(), "input", std::nullopt)) ||
      failed(verifyEightBitOperand(*this, getWeight(), "weight", 0)))
    return failure();
  FailureOr<Shape> shape =
      inferConvShape(getLoc(), getInput(), getWeight(), getBias(), getStrides(),
                     getPads(), getDilations(), getGroup());
  if (failed(shape))
    return failure();
  return verifyIntegerResult(*this, getType(), *shape, getClampMin(),
                             getClampMax());
}

LogicalResult QMatMulOp::verify() {
  auto rhsType = cast<RankedTensorType>(getRhs().getType());
  if (failed(verifyEightBitOperand(*this, getLhs(), "lhs", std::nullopt)) ||
      failed(verifyEightBitOperand(*this, getRhs(), "rhs",
                                   rhsType.getRank() - 1)))
    return failure();
  FailureOr<Shape> shape = inferMatMulShape(getLoc(), getLhs(), getRhs());
  if (failed(shape))
    return failure();
  if (Value bias = getBias())
    if (cast<RankedTensorType>(bias.getType()).getNumElements() != shape->back())
      return emitOpError("bias must have ") << shape->back() << " elements";
  return verifyIntegerResult(*this, getType(), *shape, getClampMin(),
                             getClampMax());
}
