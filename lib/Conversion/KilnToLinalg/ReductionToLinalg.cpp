//===- ReductionToLinalg.cpp - Reduce* and CumSum to linalg.generic ------===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;

namespace kiln {
namespace {

enum class ReduceKind { Sum, Mean, Max, Min, Prod };

/// The reduction's identity: where an empty reduction starts.
double reduceInit(ReduceKind kind) {
  switch (kind) {
  case ReduceKind::Max:
    return -std::numeric_limits<double>::infinity();
  case ReduceKind::Min:
    return std::numeric_limits<double>::infinity();
  case ReduceKind::Prod:
    return 1.0;
  default:
    return 0.0;
  }
}

Value reduceStep(OpBuilder &b, Location l, ReduceKind kind, Value acc, Value x) {
  switch (kind) {
  case ReduceKind::Max:
    return arith::MaximumFOp::create(b, l, acc, x);
  case ReduceKind::Min:
    return arith::MinimumFOp::create(b, l, acc, x);
  case ReduceKind::Prod:
    return arith::MulFOp::create(b, l, acc, x);
  default:
    return arith::AddFOp::create(b, l, acc, x);
  }
}

template <typename Op, ReduceKind kind>
struct ReduceLowering : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getType());
    Type elem = inType.getElementType();
    int64_t rank = inType.getRank();
    ArrayRef<int64_t> axes = op.getAxes();

    // Reduce into the shape without the reduced dims; keepdims re-expands.
    SmallVector<int64_t> reducedShape;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iterators;
    SmallVector<Value> dynamicSizes;
    // The element count of a mean, from the run's sizes where dims are
    // dynamic (ranged inputs).
    Value count = inType.hasStaticShape() ? Value()
                                          : floatConst(rewriter, loc, elem, 1);
    int64_t staticCount = 1;
    for (int64_t d = 0; d < rank; ++d) {
      bool reduced = llvm::is_contained(axes, d);
      iterators.push_back(reduced ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
      Value dim = inType.isDynamicDim(d)
                      ? tensor::DimOp::create(rewriter, loc, adaptor.getInput(), d).getResult()
                      : Value();
      if (reduced) {
        if (dim)
          count = arith::MulFOp::create(
              rewriter, loc, count,
              arith::SIToFPOp::create(
                  rewriter, loc, elem,
                  arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), dim)));
        else
          staticCount *= inType.getDimSize(d);
        continue;
      }
      if (dim)
        dynamicSizes.push_back(dim);
      reducedShape.push_back(inType.getDimSize(d));
      outExprs.push_back(rewriter.getAffineDimExpr(d));
    }
    if (!inType.hasStaticShape())
      count = arith::MulFOp::create(rewriter, loc, count,
                                    floatConst(rewriter, loc, elem, staticCount));
    auto reducedType = RankedTensorType::get(reducedShape, elem);
    Value acc = filledTensor(rewriter, loc, reducedShape, elem,
                             rewriter.getFloatAttr(elem, reduceInit(kind)), dynamicSizes);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, reducedType, adaptor.getInput(), acc,
            {rewriter.getMultiDimIdentityMap(rank),
             AffineMap::get(rank, 0, outExprs, rewriter.getContext())},
            iterators,
            [](OpBuilder &b, Location l, ValueRange a) {
              yieldValue(b, l, reduceStep(b, l, kind, a[1], a[0]));
            })
            .getResult(0);
    if (kind == ReduceKind::Mean)
      result = buildElementwise(
          rewriter, loc, reducedType, {result},
          [&](OpBuilder &b, Location l, ValueRange a) {
            Value n = inType.hasStaticShape() ? floatConst(b, l, elem, staticCount)
                                              : count;
            yieldValue(b, l, arith::DivFOp::create(b, l, a[0], n));
          });
    if (reducedType != outType)
      result = expandReducedDims(rewriter, loc, result, outType, axes);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// out[.., i, ..] = sum over j of in[.., j, ..] where j runs over 0..i along
/// the axis (the other end with `reverse`, i itself left out with
/// `exclusive`): one reduction over an extra loop of the axis' extent. The
/// work is quadratic in that extent, which is the price of staying in
/// linalg's parallel-or-reduction form; running sums are short in practice.
struct CumSumLowering : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    int64_t rank = type.getRank(), axis = op.getAxis();
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    TypedAttr zeroAttr = isa<FloatType>(elem)
                             ? TypedAttr(rewriter.getFloatAttr(elem, 0))
                             : TypedAttr(rewriter.getIntegerAttr(elem, 0));
    Value init = filledTensor(rewriter, loc, type.getShape(), elem, zeroAttr);
    using P = arith::CmpIPredicate;
    P pred = op.getReverse() ? (op.getExclusive() ? P::sgt : P::sge)
                             : (op.getExclusive() ? P::slt : P::sle);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, adaptor.getInput(), init,
        {axisLoopMap(ctx, rank, axis, true), axisLoopMap(ctx, rank, axis, false)},
        iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value i = linalg::IndexOp::create(b, l, axis);
          Value j = linalg::IndexOp::create(b, l, rank);
          Value take = arith::CmpIOp::create(b, l, pred, j, i);
          Value zero = arith::ConstantOp::create(b, l, zeroAttr);
          Value x = arith::SelectOp::create(b, l, take, a[0], zero);
          Value sum = isa<FloatType>(elem)
                          ? arith::AddFOp::create(b, l, a[1], x).getResult()
                          : arith::AddIOp::create(b, l, a[1], x).getResult();
          yieldValue(b, l, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateReductionLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, ReduceKind::Sum>,
               ReduceLowering<ReduceMeanOp, ReduceKind::Mean>,
               ReduceLowering<ReduceMaxOp, ReduceKind::Max>,
               ReduceLowering<ReduceMinOp, ReduceKind::Min>,
               ReduceLowering<ReduceProdOp, ReduceKind::Prod>, CumSumLowering>(
      patterns.getContext());
}

} // namespace kiln
