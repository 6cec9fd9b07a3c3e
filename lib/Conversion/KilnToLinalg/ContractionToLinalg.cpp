//===- ContractionToLinalg.cpp - MatMul and Gemm to linalg.generic --------===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln {
namespace {

/// The dynamic dims of a batched product's result (ranged inputs): batch
/// dims from whichever operand has them, rows from lhs, columns from rhs.
SmallVector<Value> matMulDynamicSizes(OpBuilder &b, Location loc, Value lhs,
                                      Value rhs, RankedTensorType outType) {
  int64_t rank = outType.getRank();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    if (!outType.isDynamicDim(d))
      continue;
    Value source = d == rank - 1 ? rhs : lhs;
    auto type = cast<RankedTensorType>(source.getType());
    int64_t e = d - (rank - type.getRank());
    if (d < rank - 2 && (e < 0 || !type.isDynamicDim(e))) {
      source = rhs;
      type = cast<RankedTensorType>(rhs.getType());
      e = d - (rank - type.getRank());
    }
    sizes.push_back(tensor::DimOp::create(b, loc, source, e));
  }
  return sizes;
}

/// Loops (batch..., m, n, k); batch dims of each operand broadcast.
struct MatMulLowering : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto outType = cast<RankedTensorType>(op.getType());
    unsigned rank = outType.getRank(), numDims = rank + 1;
    unsigned m = rank - 2, n = rank - 1, k = rank;
    if (std::optional<PackTile> tile = packTileOf(op))
      if (Value packed = buildPackedMatMul(rewriter, loc, adaptor.getLhs(),
                                           false, op.getRhs(), false, outType,
                                           *tile)) {
        rewriter.replaceOp(op, packed);
        return success();
      }
    SmallVector<AffineExpr> outExprs;
    for (unsigned d = 0; d < rank; ++d)
      outExprs.push_back(getAffineDimExpr(d, ctx));
    Type elem = outType.getElementType();
    Value init = filledTensor(
        rewriter, loc, outType.getShape(), elem, rewriter.getFloatAttr(elem, 0),
        matMulDynamicSizes(rewriter, loc, adaptor.getLhs(), adaptor.getRhs(), outType));
    rewriter.replaceOp(
        op, buildContraction(rewriter, loc, {adaptor.getLhs(), adaptor.getRhs()},
                             init,
                             {matMulOperandMap(adaptor.getLhs(), outType, m, k),
                              matMulOperandMap(adaptor.getRhs(), outType, k, n),
                              AffineMap::get(numDims, 0, outExprs, ctx)},
                             1));
    return success();
  }
};

/// alpha * op(A) op(B) + beta * C as a contraction plus an epilogue.
struct GemmLowering : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto outType = cast<RankedTensorType>(op.getType());
    Type elem = outType.getElementType();
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    AffineMap aMap = AffineMap::get(3, 0,
                                    op.getTransA() ? ArrayRef<AffineExpr>{k, m}
                                                   : ArrayRef<AffineExpr>{m, k},
                                    ctx);
    AffineMap bMap = AffineMap::get(3, 0,
                                    op.getTransB() ? ArrayRef<AffineExpr>{n, k}
                                                   : ArrayRef<AffineExpr>{k, n},
                                    ctx);
    AffineMap outMap = AffineMap::get(3, 0, {m, n}, ctx);
    Value product;
    if (std::optional<PackTile> tile = packTileOf(op))
      product = buildPackedMatMul(rewriter, loc, adaptor.getA(), op.getTransA(),
                                  op.getB(), op.getTransB(), outType, *tile);
    if (!product) {
      Value init = filledTensor(
          rewriter, loc, outType.getShape(), elem, rewriter.getFloatAttr(elem, 0),
          mappedDynamicSizes(rewriter, loc, outType, adaptor.getA(),
                             [&](int64_t) { return op.getTransA() ? 1 : 0; }));
      product = buildContraction(rewriter, loc, {adaptor.getA(), adaptor.getB()},
                                 init, {aMap, bMap, outMap}, 1);
    }
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    Value c = adaptor.getC();
    if (alpha == 1.0 && (!c || beta == 0.0)) {
      rewriter.replaceOp(op, product);
      return success();
    }
    SmallVector<Value> inputs = {product};
    if (c && beta != 0.0)
      inputs.push_back(c);
    Value result = buildElementwise(
        rewriter, loc, outType, inputs,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value y = a[0];
          if (alpha != 1.0)
            y = arith::MulFOp::create(b, l, y, floatConst(b, l, elem, alpha));
          if (a.size() > 2) {
            Value cv = a[1];
            if (beta != 1.0)
              cv = arith::MulFOp::create(b, l, cv, floatConst(b, l, elem, beta));
            y = arith::AddFOp::create(b, l, y, cv);
          }
          yieldValue(b, l, y);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

AffineMap matMulOperandMap(Value operand, RankedTensorType outType,
                           unsigned row, unsigned col) {
  MLIRContext *ctx = outType.getContext();
  unsigned numDims = outType.getRank() + 1;
  // Batch dims broadcast like elementwise operands; then (row, col).
  auto shape = cast<RankedTensorType>(operand.getType()).getShape();
  AffineMap batch =
      broadcastMap(shape.drop_back(2), outType.getShape().drop_back(2), ctx);
  SmallVector<AffineExpr> exprs(batch.getResults());
  exprs.push_back(getAffineDimExpr(row, ctx));
  exprs.push_back(getAffineDimExpr(col, ctx));
  return AffineMap::get(numDims, 0, exprs, ctx);
}

void populateContractionLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering>(patterns.getContext());
}

} // namespace kiln
