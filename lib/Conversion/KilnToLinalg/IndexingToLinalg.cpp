//===- IndexingToLinalg.cpp - Compare, select, cast, ArgMax, Gather* -----===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;

namespace kiln {
namespace {

template <typename Op, arith::CmpFPredicate fpred, arith::CmpIPredicate ipred>
struct CompareLowering : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildElementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        {adaptor.getLhs(), adaptor.getRhs()},
        [](OpBuilder &b, Location loc, ValueRange a) {
          Value v = isa<FloatType>(a[0].getType())
                        ? arith::CmpFOp::create(b, loc, fpred, a[0], a[1]).getResult()
                        : arith::CmpIOp::create(b, loc, ipred, a[0], a[1]).getResult();
          yieldValue(b, loc, v);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct WhereLowering : OpConversionPattern<WhereOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WhereOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildElementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        {adaptor.getCondition(), adaptor.getLhs(), adaptor.getRhs()},
        [](OpBuilder &b, Location loc, ValueRange a) {
          yieldValue(b, loc, arith::SelectOp::create(b, loc, a[0], a[1], a[2]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Scalar conversion between f32 and signless integers (i1 as 0/1).
Value convertScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (to.isInteger(1)) { // != 0
    Value zero = isa<FloatType>(from)
                     ? arith::ConstantOp::create(b, loc, b.getFloatAttr(from, 0)).getResult()
                     : arith::ConstantOp::create(b, loc, b.getIntegerAttr(from, 0)).getResult();
    return isa<FloatType>(from)
               ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero).getResult()
               : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero).getResult();
  }
  bool fromBool = from.isInteger(1);
  if (isa<FloatType>(from))
    return arith::FPToSIOp::create(b, loc, to, v);
  if (isa<FloatType>(to))
    return fromBool ? arith::UIToFPOp::create(b, loc, to, v).getResult()
                    : arith::SIToFPOp::create(b, loc, to, v).getResult();
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return fromBool ? arith::ExtUIOp::create(b, loc, to, v).getResult()
                    : arith::ExtSIOp::create(b, loc, to, v).getResult();
  return arith::TruncIOp::create(b, loc, to, v);
}

struct CastLowering : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {adaptor.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange a) {
          yieldValue(b, loc, convertScalar(b, loc, a[0], type.getElementType()));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// One reduction carrying (max, index); strict > keeps the first index.
struct ArgMaxLowering : OpConversionPattern<ArgMaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArgMaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getType());
    int64_t rank = inType.getRank(), axis = op.getAxis();
    Type elem = inType.getElementType(), i64 = rewriter.getI64Type();
    SmallVector<int64_t> reduced(inType.getShape());
    reduced.erase(reduced.begin() + axis);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap dropAxis = identity.dropResult(axis);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators[axis] = utils::IteratorType::reduction;
    Value maxInit = filledTensor(rewriter, loc, reduced, elem,
                                 rewriter.getFloatAttr(elem, -std::numeric_limits<double>::infinity()));
    Value idxInit = filledTensor(rewriter, loc, reduced, i64, rewriter.getI64IntegerAttr(0));
    bool last = op.getSelectLastIndex();
    auto generic = linalg::GenericOp::create(
        rewriter, loc,
        TypeRange{RankedTensorType::get(reduced, elem), RankedTensorType::get(reduced, i64)},
        adaptor.getInput(), ValueRange{maxInit, idxInit}, {identity, dropAxis, dropAxis},
        iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value index = arith::IndexCastOp::create(
              b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
          // The first element always wins so that all -inf rows give 0.
          Value first = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::eq, index,
              arith::ConstantOp::create(b, l, b.getI64IntegerAttr(0)));
          Value better = arith::CmpFOp::create(
              b, l, last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT,
              a[0], a[1]);
          Value take = arith::OrIOp::create(b, l, first, better);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::SelectOp::create(b, l, take, a[0], a[1]),
                               arith::SelectOp::create(b, l, take, index, a[2])});
        });
    Value result = generic.getResult(1);
    if (cast<RankedTensorType>(result.getType()) != outType)
      result = expandReducedDims(rewriter, loc, result, outType, {axis});
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// An ONNX index as an `index` in [0, extent): negative counts from the
/// end, and what is still out of range is clamped, so no read can stray.
Value clampedIndex(OpBuilder &b, Location l, Value raw, int64_t extent) {
  Value i = arith::IndexCastOp::create(b, l, b.getIndexType(), raw);
  Value n = arith::ConstantIndexOp::create(b, l, extent);
  Value zero = arith::ConstantIndexOp::create(b, l, 0);
  Value negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, zero);
  i = arith::SelectOp::create(b, l, negative, arith::AddIOp::create(b, l, i, n), i);
  i = arith::MaxSIOp::create(b, l, i, zero);
  return arith::MinSIOp::create(b, l, i,
                                arith::ConstantIndexOp::create(b, l, extent - 1));
}

/// out[pre, i, post] = data[pre, clamp(norm(indices[i])), post]
struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    auto idxType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = op.getAxis(), idxRank = idxType.getRank();
    int64_t outRank = outType.getRank(), extent = dataType.getDimSize(axis);
    SmallVector<AffineExpr> idxExprs;
    for (int64_t d = 0; d < idxRank; ++d)
      idxExprs.push_back(rewriter.getAffineDimExpr(axis + d));
    Value data = adaptor.getData();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outType, adaptor.getIndices(),
        emptyTensor(rewriter, loc, outType.getShape(), outType.getElementType()),
        {AffineMap::get(outRank, 0, idxExprs, rewriter.getContext()),
         rewriter.getMultiDimIdentityMap(outRank)},
        SmallVector<utils::IteratorType>(outRank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < axis; ++d)
            at.push_back(linalg::IndexOp::create(b, l, d));
          at.push_back(clampedIndex(b, l, a[0], extent));
          for (int64_t d = axis + idxRank; d < outRank; ++d)
            at.push_back(linalg::IndexOp::create(b, l, d));
          yieldValue(b, l, tensor::ExtractOp::create(b, l, data, at));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// out[p] = data[p with p[axis] = clamp(norm(indices[p]))]
struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis(), rank = outType.getRank();
    int64_t extent = cast<RankedTensorType>(adaptor.getData().getType()).getDimSize(axis);
    Value data = adaptor.getData();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outType, adaptor.getIndices(),
        emptyTensor(rewriter, loc, outType.getShape(), outType.getElementType()),
        {identity, identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d)
            at.push_back(d == axis ? clampedIndex(b, l, a[0], extent)
                                   : linalg::IndexOp::create(b, l, d).getResult());
          yieldValue(b, l, tensor::ExtractOp::create(b, l, data, at));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// out[p] starts as data[p]; a reduction loop over the rows u of `indices`
/// combines updates[u, p[q:]] into it wherever row u names p's leading q
/// coordinates. Rows outside data name nothing. The work is data size x
/// rows, which suits the few rows scatters carry in practice.
struct ScatterNDLowering : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t q = cast<RankedTensorType>(adaptor.getIndices().getType()).getDimSize(1);
    SmallVector<AffineExpr> updateExprs{getAffineDimExpr(rank, ctx)}, outExprs;
    for (int64_t d = 0; d < rank; ++d) {
      outExprs.push_back(getAffineDimExpr(d, ctx));
      if (d >= q)
        updateExprs.push_back(getAffineDimExpr(d, ctx));
    }
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value indices = adaptor.getIndices();
    StringRef reduction = op.getReduction();
    bool isFloat = isa<FloatType>(type.getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, adaptor.getUpdates(), adaptor.getData(),
        {AffineMap::get(rank + 1, 0, updateExprs, ctx),
         AffineMap::get(rank + 1, 0, outExprs, ctx)},
        iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value row = linalg::IndexOp::create(b, l, rank);
          Value match = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
          for (int64_t k = 0; k < q; ++k) {
            Value raw = tensor::ExtractOp::create(
                b, l, indices, ValueRange{row, arith::ConstantIndexOp::create(b, l, k)});
            Value i = arith::IndexCastOp::create(b, l, b.getIndexType(), raw);
            Value zero = arith::ConstantIndexOp::create(b, l, 0);
            Value negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, zero);
            Value wrapped = arith::AddIOp::create(
                b, l, i, arith::ConstantIndexOp::create(b, l, type.getDimSize(k)));
            i = arith::SelectOp::create(b, l, negative, wrapped, i);
            Value here = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, i,
                                               linalg::IndexOp::create(b, l, k));
            match = arith::AndIOp::create(b, l, match, here);
          }
          Value update = a[0], acc = a[1], combined = update;
          if (reduction == "add")
            combined = isFloat ? arith::AddFOp::create(b, l, acc, update).getResult()
                               : arith::AddIOp::create(b, l, acc, update).getResult();
          else if (reduction == "mul")
            combined = isFloat ? arith::MulFOp::create(b, l, acc, update).getResult()
                               : arith::MulIOp::create(b, l, acc, update).getResult();
          else if (reduction == "max")
            combined = isFloat ? arith::MaximumFOp::create(b, l, acc, update).getResult()
                               : arith::MaxSIOp::create(b, l, acc, update).getResult();
          else if (reduction == "min")
            combined = isFloat ? arith::MinimumFOp::create(b, l, acc, update).getResult()
                               : arith::MinSIOp::create(b, l, acc, update).getResult();
          yieldValue(b, l, arith::SelectOp::create(b, l, match, combined, acc));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateIndexingLoweringPatterns(RewritePatternSet &patterns) {
  using F = arith::CmpFPredicate;
  using I = arith::CmpIPredicate;
  patterns.add<CompareLowering<EqualOp, F::OEQ, I::eq>,
               CompareLowering<LessOp, F::OLT, I::slt>,
               CompareLowering<LessEqualOp, F::OLE, I::sle>,
               CompareLowering<GreaterOp, F::OGT, I::sgt>,
               CompareLowering<GreaterEqualOp, F::OGE, I::sge>, WhereLowering,
               CastLowering, ArgMaxLowering, GatherLowering,
               GatherElementsLowering, ScatterNDLowering>(patterns.getContext());
}

} // namespace kiln
