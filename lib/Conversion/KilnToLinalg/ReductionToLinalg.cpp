//===- ReductionToLinalg.cpp - ReduceSum/Mean/Max to linalg.generic -------===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;

namespace kiln {
namespace {

enum class ReduceKind { Sum, Mean, Max };

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
    int64_t count = 1;
    for (int64_t d = 0; d < rank; ++d) {
      bool reduced = llvm::is_contained(axes, d);
      iterators.push_back(reduced ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
      if (reduced) {
        count *= inType.getDimSize(d);
        continue;
      }
      reducedShape.push_back(inType.getDimSize(d));
      outExprs.push_back(rewriter.getAffineDimExpr(d));
    }
    auto reducedType = RankedTensorType::get(reducedShape, elem);
    double init = kind == ReduceKind::Max
                      ? -std::numeric_limits<double>::infinity()
                      : 0.0;
    Value acc = filledTensor(rewriter, loc, reducedShape, elem,
                             rewriter.getFloatAttr(elem, init));
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, reducedType, adaptor.getInput(), acc,
            {rewriter.getMultiDimIdentityMap(rank),
             AffineMap::get(rank, 0, outExprs, rewriter.getContext())},
            iterators,
            [](OpBuilder &b, Location l, ValueRange a) {
              Value v = kind == ReduceKind::Max
                            ? arith::MaximumFOp::create(b, l, a[1], a[0]).getResult()
                            : arith::AddFOp::create(b, l, a[1], a[0]).getResult();
              yieldValue(b, l, v);
            })
            .getResult(0);
    if (kind == ReduceKind::Mean)
      result = buildElementwise(
          rewriter, loc, reducedType, {result},
          [&](OpBuilder &b, Location l, ValueRange a) {
            yieldValue(b, l, arith::DivFOp::create(
                                 b, l, a[0], floatConst(b, l, elem, count)));
          });
    if (reducedType != outType)
      result = expandReducedDims(rewriter, loc, result, outType, axes);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateReductionLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, ReduceKind::Sum>,
               ReduceLowering<ReduceMeanOp, ReduceKind::Mean>,
               ReduceLowering<ReduceMaxOp, ReduceKind::Max>>(
      patterns.getContext());
}

} // namespace kiln
