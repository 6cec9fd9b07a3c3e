//===- DataMovementToLinalg.cpp - Reshape, transpose, concat --------------===//
//
// Reshape becomes collapse/expand (views after bufferization, no copy);
// concat writes each operand into its slice of one destination tensor.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln {
namespace {

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getType());
    Value value = adaptor.getInput();
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
    Value init = emptyTensor(rewriter, op.getLoc(), outType.getShape(),
                             outType.getElementType());
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
    Value result = emptyTensor(rewriter, loc, outType.getShape(),
                               outType.getElementType());
    int64_t offset = 0;
    for (Value input : adaptor.getInputs()) {
      auto type = cast<RankedTensorType>(input.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      offsets[axis] = rewriter.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes, strides(type.getRank(), rewriter.getIndexAttr(1));
      for (int64_t d : type.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
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
