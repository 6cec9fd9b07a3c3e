//===- DataMovementToLinalg.cpp - Reshape, transpose, concat --------------===//
//
// Reshape becomes collapse/expand (views after bufferization, no copy);
// concat writes each operand into its slice of one destination tensor.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln {
namespace {

/// A reshape of a ranged (dynamic) tensor: the one dynamic result dim is
/// the element count over the static ones. A pure collapse or expansion
/// where the dims group; else through the flat 1-D form.
Value dynamicReshape(OpBuilder &b, Location loc, Value value,
                     RankedTensorType outType) {
  auto inType = cast<RankedTensorType>(value.getType());
  if (outType.getRank() < inType.getRank())
    if (auto groups = getReassociationIndicesForCollapse(inType.getShape(),
                                                         outType.getShape()))
      return tensor::CollapseShapeOp::create(b, loc, outType, value, *groups);
  // dynamic = (input dims' product) / (static result dims' product), as an
  // affine map of the input's dynamic dims so that the arena planner can
  // bound it.
  int64_t known = 1, staticIn = 1;
  for (int64_t d : outType.getShape())
    if (!ShapedType::isDynamic(d))
      known *= d;
  AffineExpr total = b.getAffineConstantExpr(1);
  SmallVector<Value> dims;
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    if (!inType.isDynamicDim(d)) {
      staticIn *= inType.getDimSize(d);
      continue;
    }
    total = total * b.getAffineSymbolExpr(dims.size());
    dims.push_back(tensor::DimOp::create(b, loc, value, d));
  }
  Value dynamic = affine::AffineApplyOp::create(
      b, loc, AffineMap::get(0, dims.size(), (total * staticIn).floorDiv(known)), dims);
  SmallVector<OpFoldResult> outSizes;
  for (int64_t d : outType.getShape())
    outSizes.push_back(ShapedType::isDynamic(d) ? OpFoldResult(dynamic)
                                                : b.getIndexAttr(d));
  if (inType.getRank() != 1) {
    auto flat = RankedTensorType::get({ShapedType::kDynamic}, inType.getElementType());
    value = tensor::CollapseShapeOp::create(
        b, loc, flat, value,
        SmallVector<ReassociationIndices>{
            llvm::to_vector(llvm::seq<int64_t>(0, inType.getRank()))});
  }
  return tensor::ExpandShapeOp::create(
      b, loc, outType, value,
      SmallVector<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, outType.getRank()))},
      outSizes);
}

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getType());
    Value value = adaptor.getInput();
    if (!inType.hasStaticShape()) {
      rewriter.replaceOp(op, dynamicReshape(rewriter, loc, value, outType));
      return success();
    }
    // Go through the flat 1-D form; rank 0 is the empty reassociation.
    if (inType.getRank() != 1 || outType.getRank() == 0) {
      auto flat = RankedTensorType::get(
          outType.getRank() == 0 ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{inType.getNumElements()},
          inType.getElementType());
      SmallVector<ReassociationIndices> reassoc;
      if (outType.getRank() != 0 && inType.getRank() != 0)
        reassoc.push_back(llvm::to_vector(llvm::seq<int64_t>(0, inType.getRank())));
      if (inType.getRank() == 0)
        value = tensor::ExpandShapeOp::create(rewriter, loc, outType, value,
                                              SmallVector<ReassociationIndices>{});
      else
        value = tensor::CollapseShapeOp::create(rewriter, loc, flat, value, reassoc);
    }
    auto current = cast<RankedTensorType>(value.getType());
    if (current != outType) {
      SmallVector<ReassociationIndices> reassoc;
      if (outType.getRank() != 0)
        reassoc.push_back(llvm::to_vector(llvm::seq<int64_t>(0, outType.getRank())));
      value = tensor::ExpandShapeOp::create(rewriter, loc, outType, value, reassoc);
    }
    rewriter.replaceOp(op, value);
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto outType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> perm = op.getPerm();
    Value init = emptyTensor(
        rewriter, op.getLoc(), outType.getShape(), outType.getElementType(),
        mappedDynamicSizes(rewriter, op.getLoc(), outType, adaptor.getInput(),
                           [&](int64_t d) { return perm[d]; }));
    auto transpose = linalg::TransposeOp::create(
        rewriter, op.getLoc(), adaptor.getInput(), init, op.getPerm());
    rewriter.replaceOp(op, transpose.getResult());
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis();
    Value result = emptyTensor(
        rewriter, loc, outType.getShape(), outType.getElementType(),
        mappedDynamicSizes(rewriter, loc, outType, adaptor.getInputs().front(),
                           [](int64_t d) { return d; }));
    int64_t offset = 0;
    for (Value input : adaptor.getInputs()) {
      auto type = cast<RankedTensorType>(input.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      offsets[axis] = rewriter.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, input),
                                strides(type.getRank(), rewriter.getIndexAttr(1));
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                             offsets, sizes, strides);
      offset += type.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (!type.hasStaticShape()) {
      // Dynamic dims are taken whole (the verifier's rule).
      SmallVector<OpFoldResult> offsets, sizes, strides;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        offsets.push_back(rewriter.getIndexAttr(op.getOffsets()[d]));
        strides.push_back(rewriter.getIndexAttr(op.getStrides()[d]));
        sizes.push_back(type.isDynamicDim(d)
                            ? OpFoldResult(tensor::DimOp::create(
                                  rewriter, op.getLoc(), adaptor.getInput(), d).getResult())
                            : rewriter.getIndexAttr(type.getDimSize(d)));
      }
      if (llvm::any_of(op.getStrides(), [](int64_t s) { return s < 0; }))
        return rewriter.notifyMatchFailure(op, "backward slices of ranged tensors");
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, type, adaptor.getInput(),
                                                          offsets, sizes, strides);
      return success();
    }
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyTensor(rewriter, op.getLoc(), type.getShape(),
                                         type.getElementType()));
      return success();
    }
    if (llvm::all_of(op.getStrides(), [](int64_t s) { return s > 0; })) {
      // A view: no copy once bufferized.
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, type, adaptor.getInput(), ValueRange{}, ValueRange{},
          ValueRange{}, op.getOffsets(), op.getSizes(), op.getStrides());
      return success();
    }
    // Backward steps: a copy reading `offset + stride * i`.
    SmallVector<AffineExpr> exprs;
    for (auto [d, offset, stride] :
         llvm::enumerate(op.getOffsets(), op.getStrides()))
      exprs.push_back(rewriter.getAffineConstantExpr(offset) +
                      rewriter.getAffineDimExpr(d) * stride);
    rewriter.replaceOp(
        op, buildCopy(rewriter, op.getLoc(), adaptor.getInput(),
                      AffineMap::get(type.getRank(), 0, exprs, rewriter.getContext()),
                      type));
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    TypedAttr value = isa<FloatType>(elem)
                          ? TypedAttr(rewriter.getFloatAttr(elem, op.getValue().convertToDouble()))
                          : TypedAttr(rewriter.getIntegerAttr(
                                elem, static_cast<int64_t>(op.getValue().convertToDouble())));
    Value padValue = arith::ConstantOp::create(rewriter, op.getLoc(), value);
    SmallVector<OpFoldResult> low, high;
    for (int64_t v : op.getLow())
      low.push_back(rewriter.getIndexAttr(v));
    for (int64_t v : op.getHigh())
      high.push_back(rewriter.getIndexAttr(v));
    rewriter.replaceOpWithNewOp<tensor::PadOp>(op, type, adaptor.getInput(), low,
                                               high, padValue);
    return success();
  }
};

} // namespace

void populateDataMovementLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, TransposeLowering, ConcatLowering,
               SliceLowering, PadLowering>(
      patterns.getContext());
}

} // namespace kiln
