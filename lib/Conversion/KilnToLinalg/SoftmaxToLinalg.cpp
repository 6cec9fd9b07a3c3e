//===- SoftmaxToLinalg.cpp - Numerically stable softmax -------------------===//
//
// exp(x - max) / sum(exp(x - max)) along one axis, as two reductions and two
// elementwise generics; subtracting the max keeps exp from overflowing.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;

namespace kiln {
namespace {

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    int64_t rank = type.getRank(), axis = op.getAxis();
    SmallVector<int64_t> reducedShape(type.getShape());
    reducedShape.erase(reducedShape.begin() + axis);
    auto reducedType = RankedTensorType::get(reducedShape, elem);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap dropAxis = identity.dropResult(axis);
    SmallVector<utils::IteratorType> reduceIters(rank,
                                                 utils::IteratorType::parallel);
    reduceIters[axis] = utils::IteratorType::reduction;
    SmallVector<utils::IteratorType> parallel(rank,
                                              utils::IteratorType::parallel);

    // Dynamic dims (ranged inputs) from the input.
    Value input = adaptor.getInput();
    SmallVector<Value> reducedSizes = mappedDynamicSizes(
        rewriter, loc, reducedType, input,
        [&](int64_t d) { return d < axis ? d : d + 1; });
    SmallVector<Value> sizes = mappedDynamicSizes(rewriter, loc, type, input,
                                                  [](int64_t d) { return d; });
    auto reduce = [&](Value input, double initValue, auto combine) {
      Value init = filledTensor(rewriter, loc, reducedShape, elem,
                                rewriter.getFloatAttr(elem, initValue), reducedSizes);
      return linalg::GenericOp::create(
                 rewriter, loc, reducedType, input, init, {identity, dropAxis},
                 reduceIters,
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   yieldValue(b, l, combine(b, l, a[1], a[0]));
                 })
          .getResult(0);
    };
    auto perElement = [&](Value x, Value r, auto fn) {
      Value init = emptyTensor(rewriter, loc, type.getShape(), elem, sizes);
      return linalg::GenericOp::create(
                 rewriter, loc, type, ValueRange{x, r}, init,
                 {identity, dropAxis, identity}, parallel,
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   yieldValue(b, l, fn(b, l, a[0], a[1]));
                 })
          .getResult(0);
    };

    Value max = reduce(adaptor.getInput(),
                       -std::numeric_limits<double>::infinity(),
                       [](OpBuilder &b, Location l, Value acc, Value x) -> Value {
                         return arith::MaximumFOp::create(b, l, acc, x);
                       });
    Value exps = perElement(adaptor.getInput(), max,
                            [](OpBuilder &b, Location l, Value x, Value m) -> Value {
                              return math::ExpOp::create(
                                  b, l, arith::SubFOp::create(b, l, x, m));
                            });
    Value sum = reduce(exps, 0.0,
                       [](OpBuilder &b, Location l, Value acc, Value x) -> Value {
                         return arith::AddFOp::create(b, l, acc, x);
                       });
    Value result = perElement(exps, sum,
                              [](OpBuilder &b, Location l, Value e, Value s) -> Value {
                                return arith::DivFOp::create(b, l, e, s);
                              });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateSoftmaxLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering>(patterns.getContext());
}

} // namespace kiln
