//===- ElementwiseToLinalg.cpp - Pointwise kiln ops to linalg.generic -----===//
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace kiln {
namespace {

/// Emits the scalar arithmetic of one broadcasting binary op.
template <typename KilnOp, typename FloatOp, typename IntOp>
struct BinaryLowering : OpConversionPattern<KilnOp> {
  using OpConversionPattern<KilnOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(KilnOp op, typename KilnOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto outType = cast<RankedTensorType>(op.getType());
    bool isFloat = isa<FloatType>(outType.getElementType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), outType, {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value v = isFloat ? FloatOp::create(b, loc, args[0], args[1]).getResult()
                            : IntOp::create(b, loc, args[0], args[1]).getResult();
          yieldValue(b, loc, v);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Unary ops: the subclass supplies the scalar body.
template <typename Op>
struct UnaryLowering : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  virtual Value scalar(Op op, OpBuilder &b, Location loc, Value x) const = 0;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto outType = cast<RankedTensorType>(op.getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), outType, {adaptor.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          yieldValue(b, loc, scalar(op, b, loc, args[0]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Ops that are one scalar op of the math or arith dialect.
template <typename Op, typename ScalarOp>
struct DirectUnaryLowering : UnaryLowering<Op> {
  using UnaryLowering<Op>::UnaryLowering;
  Value scalar(Op, OpBuilder &b, Location loc, Value x) const override {
    return ScalarOp::create(b, loc, x);
  }
};

/// Unary ops defined by a formula over x (and the op's attributes).
template <typename Op>
struct FormulaLowering : UnaryLowering<Op> {
  using Formula = Value (*)(Op, OpBuilder &, Location, Value);
  FormulaLowering(MLIRContext *ctx, Formula formula)
      : UnaryLowering<Op>(ctx), formula(formula) {}
  Value scalar(Op op, OpBuilder &b, Location loc, Value x) const override {
    return formula(op, b, loc, x);
  }
  Formula formula;
};

Value attrConst(OpBuilder &b, Location loc, Value like, APFloat value) {
  return floatConst(b, loc, like.getType(), value.convertToDouble());
}

Value reciprocal(OpBuilder &b, Location loc, Value x) {
  return arith::DivFOp::create(b, loc, floatConst(b, loc, x.getType(), 1), x);
}

/// x < 0 ? alpha * (e^x - 1) : x
Value expLinearUnit(OpBuilder &b, Location loc, Value x, Value alpha) {
  Value zero = floatConst(b, loc, x.getType(), 0);
  Value em1 = math::ExpM1Op::create(b, loc, x);
  Value neg = arith::MulFOp::create(b, loc, alpha, em1);
  Value isNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
  return arith::SelectOp::create(b, loc, isNeg, neg, x);
}

struct ReluLowering : UnaryLowering<ReluOp> {
  using UnaryLowering::UnaryLowering;
  Value scalar(ReluOp, OpBuilder &b, Location loc, Value x) const override {
    return arith::MaximumFOp::create(b, loc, x, floatConst(b, loc, x.getType(), 0));
  }
};

struct SigmoidLowering : UnaryLowering<SigmoidOp> {
  using UnaryLowering::UnaryLowering;
  Value scalar(SigmoidOp, OpBuilder &b, Location loc, Value x) const override {
    Value one = floatConst(b, loc, x.getType(), 1);
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
  }
};

struct ClipLowering : UnaryLowering<ClipOp> {
  using UnaryLowering::UnaryLowering;
  Value scalar(ClipOp op, OpBuilder &b, Location loc, Value x) const override {
    Type t = x.getType();
    Value lo = floatConst(b, loc, t, op.getMin().convertToDouble());
    Value hi = floatConst(b, loc, t, op.getMax().convertToDouble());
    return arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, lo), hi);
  }
};

struct HardSigmoidLowering : UnaryLowering<HardSigmoidOp> {
  using UnaryLowering::UnaryLowering;
  Value scalar(HardSigmoidOp op, OpBuilder &b, Location loc,
               Value x) const override {
    Type t = x.getType();
    Value alpha = floatConst(b, loc, t, op.getAlpha().convertToDouble());
    Value beta = floatConst(b, loc, t, op.getBeta().convertToDouble());
    Value y = math::FmaOp::create(b, loc, x, alpha, beta);
    y = arith::MinimumFOp::create(b, loc, y, floatConst(b, loc, t, 1));
    return arith::MaximumFOp::create(b, loc, y, floatConst(b, loc, t, 0));
  }
};

/// A remainder that never traps: a zero divisor (and -1, whose quotient of
/// INT_MIN overflows) divides by 1 instead, which gives the 0 both mean.
Value integerRemainder(OpBuilder &b, Location loc, Value x, Value y,
                       bool divisorSign) {
  Type t = x.getType();
  auto intConst = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, v)).getResult();
  };
  Value zero = intConst(0), one = intConst(1);
  Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, zero);
  Value isMinusOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, intConst(-1));
  Value trivial = arith::OrIOp::create(b, loc, isZero, isMinusOne);
  Value divisor = arith::SelectOp::create(b, loc, trivial, one, y);
  Value rem = arith::RemSIOp::create(b, loc, x, divisor);
  if (!divisorSign)
    return rem;
  // A non-zero remainder whose sign differs from the divisor's moves by it.
  Value nonZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem, zero);
  Value remNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, rem, zero);
  Value divNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, divisor, zero);
  Value differ = arith::XOrIOp::create(b, loc, remNeg, divNeg);
  Value adjust = arith::AndIOp::create(b, loc, nonZero, differ);
  return arith::SelectOp::create(b, loc, adjust,
                                 arith::AddIOp::create(b, loc, rem, divisor), rem);
}

struct ModLowering : OpConversionPattern<ModOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ModOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    bool fmod = op.getFmod();
    Value result = buildElementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange a) {
          Value r = isa<FloatType>(a[0].getType())
                        ? arith::RemFOp::create(b, loc, a[0], a[1]).getResult()
                        : integerRemainder(b, loc, a[0], a[1], !fmod);
          yieldValue(b, loc, r);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PReluLowering : OpConversionPattern<PReluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PReluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildElementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        {adaptor.getLhs(), adaptor.getRhs()},
        [](OpBuilder &b, Location loc, ValueRange a) {
          Value zero = floatConst(b, loc, a[0].getType(), 0);
          Value isNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                              a[0], zero);
          Value scaled = arith::MulFOp::create(b, loc, a[0], a[1]);
          yieldValue(b, loc, arith::SelectOp::create(b, loc, isNeg, scaled, a[0]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// y = (x - mean) * scale / sqrt(var + eps) + bias, parameters on dim 1.
struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = outType.getRank();
    AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<AffineMap> maps = {identity, channel, channel, channel, channel,
                                   identity};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    Value init = emptyTensor(rewriter, loc, outType.getShape(),
                             outType.getElementType());
    double eps = op.getEpsilon().convertToDouble();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outType,
        ValueRange{adaptor.getInput(), adaptor.getScale(), adaptor.getBias(),
                   adaptor.getMean(), adaptor.getVar()},
        init, maps, iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value denom = math::SqrtOp::create(
              b, l, arith::AddFOp::create(b, l, a[4], floatConst(b, l, a[4].getType(), eps)));
          Value centered = arith::SubFOp::create(b, l, a[0], a[3]);
          Value scaled = arith::DivFOp::create(
              b, l, arith::MulFOp::create(b, l, centered, a[1]), denom);
          yieldValue(b, l, arith::AddFOp::create(b, l, scaled, a[2]));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "constant is not a typed attribute");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

} // namespace

void populateElementwiseLoweringPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<BinaryLowering<AddOp, arith::AddFOp, arith::AddIOp>,
               BinaryLowering<SubOp, arith::SubFOp, arith::SubIOp>,
               BinaryLowering<MulOp, arith::MulFOp, arith::MulIOp>,
               BinaryLowering<DivOp, arith::DivFOp, arith::DivSIOp>,
               BinaryLowering<MaxOp, arith::MaximumFOp, arith::MaxSIOp>,
               BinaryLowering<MinOp, arith::MinimumFOp, arith::MinSIOp>,
               BinaryLowering<PowOp, math::PowFOp, math::IPowIOp>,
               ReluLowering, PReluLowering,
               DirectUnaryLowering<SqrtOp, math::SqrtOp>,
               DirectUnaryLowering<ExpOp, math::ExpOp>,
               DirectUnaryLowering<LogOp, math::LogOp>,
               DirectUnaryLowering<TanhOp, math::TanhOp>,
               DirectUnaryLowering<ErfOp, math::ErfOp>,
               DirectUnaryLowering<NegOp, arith::NegFOp>,
               DirectUnaryLowering<AbsOp, math::AbsFOp>,
               DirectUnaryLowering<FloorOp, math::FloorOp>,
               DirectUnaryLowering<CeilOp, math::CeilOp>,
               DirectUnaryLowering<RoundOp, math::RoundEvenOp>,
               ModLowering,
               // Booleans are never float: the integer op serves both slots.
               BinaryLowering<AndOp, arith::AndIOp, arith::AndIOp>,
               BinaryLowering<OrOp, arith::OrIOp, arith::OrIOp>,
               BinaryLowering<XorOp, arith::XOrIOp, arith::XOrIOp>,
               SigmoidLowering, ClipLowering, HardSigmoidLowering,
               BatchNormLowering, ConstantLowering>(ctx);
  patterns.add<FormulaLowering<ReciprocalOp>>(
      ctx, +[](ReciprocalOp, OpBuilder &b, Location loc, Value x) {
        return reciprocal(b, loc, x);
      });
  patterns.add<FormulaLowering<NotOp>>(
      ctx, +[](NotOp, OpBuilder &b, Location loc, Value x) -> Value {
        Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
        return arith::XOrIOp::create(b, loc, x, yes);
      });
  patterns.add<FormulaLowering<SignOp>>(
      ctx, +[](SignOp, OpBuilder &b, Location loc, Value x) -> Value {
        Type t = x.getType();
        Value zero = floatConst(b, loc, t, 0);
        Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
        Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
        // Zeros (of either sign) and NaNs pass through unchanged.
        Value y = arith::SelectOp::create(b, loc, neg, floatConst(b, loc, t, -1), x);
        return arith::SelectOp::create(b, loc, pos, floatConst(b, loc, t, 1), y);
      });
  patterns.add<FormulaLowering<SoftplusOp>>(
      ctx, +[](SoftplusOp, OpBuilder &b, Location loc, Value x) -> Value {
        // log1p(e^x) overflows for large x, where softplus(x) == x.
        Value soft = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
        Value big = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                          floatConst(b, loc, x.getType(), 20));
        return arith::SelectOp::create(b, loc, big, x, soft);
      });
  patterns.add<FormulaLowering<HardSwishOp>>(
      ctx, +[](HardSwishOp, OpBuilder &b, Location loc, Value x) -> Value {
        Type t = x.getType();
        Value gate = math::FmaOp::create(b, loc, x, floatConst(b, loc, t, 1.0 / 6),
                                         floatConst(b, loc, t, 0.5));
        gate = arith::MinimumFOp::create(b, loc, gate, floatConst(b, loc, t, 1));
        gate = arith::MaximumFOp::create(b, loc, gate, floatConst(b, loc, t, 0));
        return arith::MulFOp::create(b, loc, x, gate);
      });
  patterns.add<FormulaLowering<LeakyReluOp>>(
      ctx, +[](LeakyReluOp op, OpBuilder &b, Location loc, Value x) -> Value {
        Value zero = floatConst(b, loc, x.getType(), 0);
        Value isNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
        Value scaled = arith::MulFOp::create(b, loc, x, attrConst(b, loc, x, op.getAlpha()));
        return arith::SelectOp::create(b, loc, isNeg, scaled, x);
      });
  patterns.add<FormulaLowering<EluOp>>(
      ctx, +[](EluOp op, OpBuilder &b, Location loc, Value x) {
        return expLinearUnit(b, loc, x, attrConst(b, loc, x, op.getAlpha()));
      });
  patterns.add<FormulaLowering<SeluOp>>(
      ctx, +[](SeluOp op, OpBuilder &b, Location loc, Value x) -> Value {
        Value elu = expLinearUnit(b, loc, x, attrConst(b, loc, x, op.getAlpha()));
        // SELU uses x <= 0 for the exponential branch; at 0 both agree.
        return arith::MulFOp::create(b, loc, elu, attrConst(b, loc, x, op.getGamma()));
      });
}

} // namespace kiln
