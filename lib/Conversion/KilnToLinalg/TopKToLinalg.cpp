//===- TopKToLinalg.cpp - TopK as a ranking and a selection ---------------===//
//
// TopK without a sort: each element's rank along the axis is the number of
// elements that beat it (a larger value, or an equal one at a lower index),
// and output position r takes the element of rank r. Both steps are
// reductions linalg can tile and vectorize; the ranking costs n^2 per row,
// the selection n*k, which suits the short rows TopK meets in detection
// heads and beam search.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace kiln {
namespace {

struct TopKLowering : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    auto inType = cast<RankedTensorType>(x.getType());
    auto valuesType = cast<RankedTensorType>(op.getValues().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    int64_t rank = inType.getRank(), axis = op.getAxis();
    Type i64 = rewriter.getI64Type();
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    auto better = op.getLargest() ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT;

    // rank[.., i, ..] = #{ j : x[j] beats x[i] }, j the extra loop.
    Value zeros = filledTensor(rewriter, loc, inType.getShape(), i64,
                               rewriter.getI64IntegerAttr(0));
    Value ranks =
        linalg::GenericOp::create(
            rewriter, loc, zeros.getType(), ValueRange{x, x}, zeros,
            {axisLoopMap(ctx, rank, axis, false), axisLoopMap(ctx, rank, axis, true),
             axisLoopMap(ctx, rank, axis, false)},
            iterators,
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value i = linalg::IndexOp::create(b, l, axis);
              Value j = linalg::IndexOp::create(b, l, rank);
              Value wins = arith::CmpFOp::create(b, l, better, a[1], a[0]);
              Value tie = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, a[1], a[0]);
              Value earlier = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, j, i);
              Value beats = arith::OrIOp::create(
                  b, l, wins, arith::AndIOp::create(b, l, tie, earlier));
              Value one = arith::ExtUIOp::create(b, l, b.getI64Type(), beats);
              yieldValue(b, l, arith::AddIOp::create(b, l, a[2], one));
            })
            .getResult(0);

    // out[.., r, ..] = the x[i] (and i) whose rank is r, i the extra loop.
    Value valuesInit = emptyTensor(rewriter, loc, valuesType.getShape(),
                                   valuesType.getElementType());
    Value indicesInit = filledTensor(rewriter, loc, indicesType.getShape(), i64,
                                     rewriter.getI64IntegerAttr(0));
    AffineMap read = axisLoopMap(ctx, rank, axis, true);
    AffineMap write = axisLoopMap(ctx, rank, axis, false);
    auto select = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valuesType, indicesType}, ValueRange{x, ranks},
        ValueRange{valuesInit, indicesInit}, {read, read, write, write}, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value r = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                               linalg::IndexOp::create(b, l, axis));
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                               linalg::IndexOp::create(b, l, rank));
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a[1], r);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::SelectOp::create(b, l, hit, a[0], a[2]),
                               arith::SelectOp::create(b, l, hit, i, a[3])});
        });
    rewriter.replaceOp(op, select.getResults());
    return success();
  }
};

} // namespace

void populateTopKLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<TopKLowering>(patterns.getContext());
}

} // namespace kiln
