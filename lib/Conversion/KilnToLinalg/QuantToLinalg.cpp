//===- QuantToLinalg.cpp - Quantized ops to integer linalg ----------------===//
//
// Quantized tensors lower to their storage (signless i8, whatever the
// signedness: the quant type says how to widen). The scales and zero points
// are read from the original op's types, so they become constants here:
//   quantize:    saturate(roundeven(x / s) + z)
//   dequantize:  (q - z) * s
//   qconv/qmatmul: (x - zx) and (w - zw) as i16 (weights centered at
//   compile time when constant, left i8 when symmetric), an i32
//   contraction from the bias, then the fixed-point epilogue of
//   kiln/Support/Requantize.h, bit for bit. For a dot product instruction
//   (kiln.channel_group = 4) the input stays bytes, x - zx not formed:
//   sum (x - zx) w = sum x w - zx sum w, so the bias takes the second term.
//
//===----------------------------------------------------------------------===//
#include "Kiln/ConstantData.h"
#include "Kiln/KilnOps.h"
#include "Kiln/QuantParams.h"
#include "kiln/Conversion/LoweringUtils.h"
#include "kiln/Support/Requantize.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace kiln {
namespace {

/// A constant that broadcasts `values` (one per slice of `axis`) against a
/// tensor of rank `rank`: shape [n, 1, ...] from `axis` on.
Value sliceConstant(OpBuilder &b, Location loc, ArrayRef<double> values,
                    Type element, int64_t axis, int64_t rank) {
  SmallVector<int64_t> shape = {static_cast<int64_t>(values.size())};
  shape.append(rank - axis - 1, 1);
  auto type = RankedTensorType::get(shape, element);
  ElementsAttr attr =
      isa<FloatType>(element)
          ? makeF32Constant(type, llvm::map_to_vector(values, [](double v) {
                              return static_cast<float>(v);
                            }),
                            "quant_params")
          : makeIntConstant(type, llvm::map_to_vector(values, [](double v) {
                              return static_cast<int64_t>(v);
                            }),
                            "quant_params");
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr));
}

SmallVector<double> asDoubles(ArrayRef<int64_t> values) {
  return SmallVector<double>(values.begin(), values.end());
}

Value intConst(OpBuilder &b, Location loc, Type type, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

/// Storage value widened to `wide` as the signed integer it stands for.
Value widen(OpBuilder &b, Location loc, Value v, Type wide, bool isSigned) {
  if (isSigned)
    return arith::ExtSIOp::create(b, loc, wide, v);
  return arith::ExtUIOp::create(b, loc, wide, v);
}

struct StorageCastLowering : OpConversionPattern<StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    QuantParams p = *quantParamsOf(op.getType());
    RankedTensorType type = op.getType();
    Type storage = rewriter.getIntegerType(p.bits);
    SmallVector<Value> inputs = {adaptor.getInput()};
    if (p.perAxis()) {
      inputs.push_back(sliceConstant(rewriter, loc, p.scales,
                                     rewriter.getF32Type(), *p.axis,
                                     type.getRank()));
      inputs.push_back(sliceConstant(rewriter, loc, asDoubles(p.zeroPoints),
                                     rewriter.getF32Type(), *p.axis,
                                     type.getRank()));
    }
    Type f32 = rewriter.getF32Type();
    Value result = buildElementwise(
        rewriter, loc, type.clone(storage), inputs,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value scale = p.perAxis() ? a[1] : floatConst(b, l, f32, p.scales[0]);
          Value zp = p.perAxis() ? a[2] : floatConst(b, l, f32, p.zeroPoints[0]);
          Value y = arith::DivFOp::create(b, l, a[0], scale);
          y = math::RoundEvenOp::create(b, l, y);
          y = arith::AddFOp::create(b, l, y, zp);
          // NaN saturates to the low end: maxnum returns the number.
          y = arith::MaxNumFOp::create(b, l, y, floatConst(b, l, f32, p.storageMin));
          y = arith::MinNumFOp::create(b, l, y, floatConst(b, l, f32, p.storageMax));
          Value i = arith::FPToSIOp::create(b, l, b.getI32Type(), y);
          yieldValue(b, l, arith::TruncIOp::create(b, l, storage, i));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    QuantParams p = *quantParamsOf(op.getInput().getType());
    RankedTensorType type = op.getType();
    SmallVector<Value> inputs = {adaptor.getInput()};
    Type i32 = rewriter.getI32Type(), f32 = rewriter.getF32Type();
    if (p.perAxis()) {
      inputs.push_back(sliceConstant(rewriter, loc, p.scales, f32, *p.axis,
                                     type.getRank()));
      inputs.push_back(sliceConstant(rewriter, loc, asDoubles(p.zeroPoints), i32,
                                     *p.axis, type.getRank()));
    }
    Value result = buildElementwise(
        rewriter, loc, type, inputs, [&](OpBuilder &b, Location l, ValueRange a) {
          Value scale = p.perAxis() ? a[1] : floatConst(b, l, f32, p.scales[0]);
          Value zp = p.perAxis() ? a[2] : intConst(b, l, i32, p.zeroPoints[0]);
          Value q = a[0];
          if (p.bits < 32)
            q = widen(b, l, q, i32, p.isSigned);
          Value centered = arith::SubIOp::create(b, l, q, zp);
          Value f = arith::SIToFPOp::create(b, l, f32, centered);
          yieldValue(b, l, arith::MulFOp::create(b, l, f, scale));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `value` (storage of `quantType`) minus its zero points, as the narrowest
/// signed type that holds the difference: the i8 storage itself when it is
/// signed and symmetric, else i16. Constants are centered at compile time.
Value centered(OpBuilder &b, Location loc, Value original, Value value,
               Type quantType) {
  QuantParams p = *quantParamsOf(quantType);
  auto type = cast<RankedTensorType>(value.getType());
  bool symmetric = llvm::all_of(p.zeroPoints, [](int64_t z) { return z == 0; });
  if (p.isSigned && symmetric)
    return value;
  Type i16 = b.getI16Type();
  RankedTensorType outType = type.clone(i16);
  int64_t axis = p.axis.value_or(0);
  if (std::optional<SmallVector<int64_t>> q = centeredConstant(original)) {
    return arith::ConstantOp::create(
        b, loc, cast<TypedAttr>(makeIntConstant(outType, *q, "centered")));
  }
  SmallVector<Value> inputs = {value};
  if (p.perAxis())
    inputs.push_back(
        sliceConstant(b, loc, asDoubles(p.zeroPoints), i16, axis, type.getRank()));
  return buildElementwise(b, loc, outType, inputs,
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            Value zp = p.perAxis()
                                           ? a[1]
                                           : intConst(nb, l, i16, p.zeroPoints[0]);
                            Value v = widen(nb, l, a[0], i16, p.isSigned);
                            yieldValue(nb, l, arith::SubIOp::create(nb, l, v, zp));
                          });
}

/// The requantizing epilogue of an i32 accumulator `acc` into `resultType`
/// (8-bit per tensor): real scale inputScale * weightScale[c] / outScale
/// along dimension `channelDim`. Returns null with an error on `op` when a
/// scale ratio has no fixed-point form.
Value requantize(ConversionPatternRewriter &rewriter, Operation *op, Value acc,
                 Type resultType, double inputScale,
                 const QuantParams &weight, int64_t channelDim,
                 std::optional<APFloat> clampMin,
                 std::optional<APFloat> clampMax,
                 ArrayRef<int64_t> accBounds) {
  Location loc = op->getLoc();
  QuantParams out = *quantParamsOf(resultType);
  auto accType = cast<RankedTensorType>(acc.getType());
  int64_t channels = weight.perAxis() ? accType.getDimSize(channelDim) : 1;
  SmallVector<int64_t> multipliers, shifts;
  // The largest |acc * real| any channel can reach, when known.
  std::optional<double> reach;
  if (!accBounds.empty())
    reach = 0.0;
  for (int64_t c = 0; c < channels; ++c) {
    double real = inputScale * weight.scale(c) / out.scales[0];
    if (reach)
      for (size_t k = c; k < accBounds.size(); k += channels)
        reach = std::max(*reach, static_cast<double>(accBounds[k]) * real);
    std::optional<FixedPointMultiplier> m = fixedPointMultiplier(real);
    if (!m) {
      op->emitOpError("rescale factor ") << real << " of channel " << c
                                         << " has no fixed-point form";
      return {};
    }
    multipliers.push_back(m->multiplier);
    shifts.push_back(m->shift);
  }
  // Fused Relu / Clip: real bounds to quantized ones, inside the storage.
  int64_t zp = out.zeroPoints[0], lo = out.storageMin, hi = out.storageMax;
  auto bound = [&](const APFloat &v) {
    return zp + static_cast<int64_t>(
                    std::nearbyint(v.convertToDouble() / out.scales[0]));
  };
  if (clampMin)
    lo = std::clamp(bound(*clampMin), out.storageMin, out.storageMax);
  if (clampMax)
    hi = std::clamp(bound(*clampMax), lo, out.storageMax);

  Type i64 = rewriter.getI64Type(), storage = rewriter.getIntegerType(out.bits);
  Type i32 = rewriter.getI32Type();
  SmallVector<Value> inputs = {acc};
  bool perChannel = channels > 1 || weight.perAxis();
  // The multipliers fit in i32: read as such and sign-extended, the product
  // is one 32x32->64 multiply (pmuldq, smull), not an emulated 64-bit one.
  // A shift fits a byte, and the rounding terms derive from it, so a
  // channel costs the object 5 bytes, not the 28 of four 64-bit tables (a
  // recognizer's 6625-class head alone: 33 KB against 186 KB).
  if (perChannel) {
    // Exact integer values (sliceConstant goes through doubles).
    auto intConstant = [&](ArrayRef<int64_t> values, Type type) {
      SmallVector<int64_t> shape = {static_cast<int64_t>(values.size())};
      shape.append(accType.getRank() - channelDim - 1, 1);
      auto tensorType = RankedTensorType::get(shape, type);
      return arith::ConstantOp::create(
          rewriter, loc,
          cast<TypedAttr>(makeIntConstant(tensorType, values, "quant_params")));
    };
    inputs.push_back(intConstant(multipliers, i32));
    inputs.push_back(intConstant(shifts, rewriter.getI8Type()));
  }
  // Past the shift the value fits in i32 when the accumulator's bounds say
  // so: then the clamp is two i32 min/max, not 64-bit compares and blends.
  bool narrowClamp =
      reach && *reach + std::abs(zp) + 2 < static_cast<double>(INT32_MAX);
  return buildElementwise(
      rewriter, loc, accType.clone(storage), inputs,
      [&](OpBuilder &b, Location l, ValueRange a) {
        // half: 2^63 + 2^(s-1) - 1, offset: zp - 2^(63-s) (see below),
        // from the shift as the additions wrap.
        auto terms = [&](Value shift) -> std::pair<Value, Value> {
          Value one = intConst(b, l, i64, 1);
          Value bit = arith::ShLIOp::create(
              b, l, one, arith::SubIOp::create(b, l, shift, one));
          Value half = arith::AddIOp::create(
              b, l, bit, intConst(b, l, i64, std::numeric_limits<int64_t>::max()));
          Value top = arith::ShLIOp::create(
              b, l, one,
              arith::SubIOp::create(b, l, intConst(b, l, i64, 63), shift));
          Value offset =
              arith::SubIOp::create(b, l, intConst(b, l, i64, zp), top);
          return {half, offset};
        };
        Value m = perChannel ? arith::ExtSIOp::create(b, l, i64, a[1]).getResult()
                             : intConst(b, l, i64, multipliers[0]);
        Value s = perChannel ? arith::ExtSIOp::create(b, l, i64, a[2]).getResult()
                             : intConst(b, l, i64, shifts[0]);
        auto [half, offset] = terms(s);
        Value x = arith::ExtSIOp::create(b, l, i64, a[0]);
        x = arith::MulIOp::create(b, l, x, m);
        // Round half to even, floor((x + half - 1 + odd) / 2^s) with odd the
        // quotient's lowest bit (bit s of x), on x + 2^63: that sum is
        // non-negative as an unsigned value, so logical shifts (one
        // instruction everywhere) give the floor, and 2^(63-s) comes off
        // again with the zero point added.
        Value odd = arith::AndIOp::create(
            b, l, arith::ShRUIOp::create(b, l, x, s), intConst(b, l, i64, 1));
        x = arith::AddIOp::create(b, l, x, half);
        x = arith::AddIOp::create(b, l, x, odd);
        x = arith::ShRUIOp::create(b, l, x, s);
        x = arith::AddIOp::create(b, l, x, offset);
        Type clampType = narrowClamp ? i32 : i64;
        if (narrowClamp)
          x = arith::TruncIOp::create(b, l, i32, x);
        x = arith::MaxSIOp::create(b, l, x, intConst(b, l, clampType, lo));
        x = arith::MinSIOp::create(b, l, x, intConst(b, l, clampType, hi));
        yieldValue(b, l, arith::TruncIOp::create(b, l, storage, x));
      });
}

/// Per output channel, the largest |acc| a contraction of `input` with the
/// constant `weight` (output channels along `weightChannelDim`, -1 for the
/// last) and constant `bias` can reach; empty when either is not constant.
SmallVector<int64_t> accumulatorBounds(Value input, Value weight, Value bias,
                                       int64_t weightChannelDim) {
  std::optional<SmallVector<int64_t>> w = centeredConstant(weight);
  if (!w)
    return {};
  std::optional<SmallVector<int64_t>> b;
  if (bias && !(b = readIntConstant(bias)))
    return {};
  QuantParams x = *quantParamsOf(input.getType());
  int64_t reach = std::max(std::abs(x.storageMin - x.zeroPoints[0]),
                           std::abs(x.storageMax - x.zeroPoints[0]));
  ArrayRef<int64_t> shape = cast<RankedTensorType>(weight.getType()).getShape();
  int64_t dim = weightChannelDim < 0 ? shape.size() - 1 : weightChannelDim;
  int64_t channels = shape[dim], inner = 1;
  for (size_t d = dim + 1; d < shape.size(); ++d)
    inner *= shape[d];
  SmallVector<int64_t> bounds(channels, 0);
  for (size_t i = 0; i < w->size(); ++i)
    bounds[(i / inner) % channels] += std::abs((*w)[i]) * reach;
  if (b)
    for (int64_t c = 0; c < channels && c < static_cast<int64_t>(b->size()); ++c)
      bounds[c] += std::abs((*b)[c]);
  return bounds;
}

/// Replaces qconv/qmatmul `op` by its accumulator `acc` (i32 result) or by
/// the accumulator requantized along `channelDim`.
LogicalResult replaceWithResult(ConversionPatternRewriter &rewriter,
                                Operation *op, Value acc, Value input,
                                Value weight, int64_t channelDim,
                                std::optional<APFloat> clampMin,
                                std::optional<APFloat> clampMax) {
  Type outType = op->getResult(0).getType();
  Value result = acc;
  Value bias = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
  if (!getElementTypeOrSelf(outType).isInteger(32))
    result = requantize(rewriter, op, acc, outType,
                        quantParamsOf(input.getType())->scales[0],
                        *quantParamsOf(weight.getType()), channelDim, clampMin,
                        clampMax,
                        accumulatorBounds(input, weight, bias,
                                          isa<QConvOp>(op) ? 0 : -1));
  if (!result)
    return failure();
  rewriter.replaceOp(op, result);
  return success();
}

/// Signed i8 storage (symmetric, so already centered) as i16.
Value widenTo16(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return buildElementwise(b, loc, type.clone(b.getI16Type()), {value},
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            yieldValue(nb, l,
                                       arith::ExtSIOp::create(
                                           nb, l, nb.getI16Type(), a[0]));
                          });
}

/// The name suffix of weights packed in groups of `g`.
StringRef groupSuffix(int64_t g) { return g == 4 ? "_quads" : "_pairs"; }

/// Whether `op` is a 1x1, stride-1, unpadded, ungrouped 2-D qconv.
bool isPointwise(QConvOp op) {
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  return wType.getRank() == 4 && op.getGroup() == 1 && wType.getDimSize(2) == 1 &&
         wType.getDimSize(3) == 1 &&
         llvm::all_of(op.getStrides(), [](int64_t s) { return s == 1; }) &&
         llvm::all_of(op.getPads(), [](int64_t p) { return p == 0; });
}

/// A pointwise qconv over constant weights that a backend asked to pack:
/// one contraction over channel groups of `g` of the flattened image
/// (N x C x P), or null when the op is not one. `input`: i16 or i8 centered
/// values for pairs, signed bytes for quads.
Value groupPointwiseConv(OpBuilder &b, QConvOp op, Value input, Value bias,
                         ChannelGroup group, RankedTensorType accType) {
  const int64_t g = group.size;
  std::optional<PackTile> tile = packTileOf(op);
  if (!tile || accType.getRank() != 4 || !isPointwise(op))
    return {};
  std::optional<SmallVector<int64_t>> weight = centeredConstant(op.getWeight());
  if (!weight)
    return {};
  Location loc = op.getLoc();
  auto inType = cast<RankedTensorType>(input.getType());
  // The pair multiply-add takes 16-bit operands.
  if (g == 2 && inType.getElementType().isInteger(8))
    input = widenTo16(b, loc, input);
  SmallVector<ReassociationIndices> flat = {{0}, {1}, {2, 3}};
  input = tensor::CollapseShapeOp::create(b, loc, input, flat);
  auto flatAcc = RankedTensorType::get(
      {accType.getDimSize(0), accType.getDimSize(1),
       accType.getDimSize(2) * accType.getDimSize(3)},
      accType.getElementType());
  Value conv = buildPackedGroupPointwiseConv(b, loc, input, *weight, bias,
                                             flatAcc, group, *tile,
                                             packedName(op.getWeight(), groupSuffix(g)));
  if (!conv)
    return {};
  return tensor::ExpandShapeOp::create(b, loc, accType, conv, flat);
}

/// An ungrouped 2-D qconv over constant weights that a backend asked to
/// pack, on its padded `input` (as groupPointwiseConv's): one contraction
/// over channel groups of `g`, or null when the op is not one.
Value groupConv(OpBuilder &b, QConvOp op, Value input, Value bias,
                ChannelGroup group, RankedTensorType accType) {
  const int64_t g = group.size;
  std::optional<PackTile> tile = packTileOf(op);
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  if (!tile || op.getGroup() != 1 || wType.getRank() != 4)
    return {};
  std::optional<SmallVector<int64_t>> weight = centeredConstant(op.getWeight());
  if (!weight)
    return {};
  Location loc = op.getLoc();
  if (g == 2 && cast<RankedTensorType>(input.getType()).getElementType().isInteger(8))
    input = widenTo16(b, loc, input);
  return buildPackedGroupConv(b, loc, input, *weight, wType.getShape().drop_front(2),
                              bias, op.getStrides(), op.getDilations(), accType,
                              group, *tile, packedName(op.getWeight(), groupSuffix(g)));
}

/// The operands of a quad contraction: the input as the dot product's
/// bytes and the bias that takes its zero point, sum (x - z) w =
/// sum x w - z sum w.
struct QuadInput {
  Value bytes, bias;
  int64_t zeroPoint; // in the bytes' range
};

/// `input` (storage of the 8-bit per-tensor `quantType`) as signed bytes,
/// or unsigned ones when `unsignedBytes`: storage of the other signedness
/// flips its top bit (x -/+ 128, the zero point moves by 128). `opBias` is
/// the op's bias (lowered: `bias`; either may be null), and `weightSums[c]`
/// the sum of output c's weight values. Null when the input is not 8-bit
/// per tensor or a needed bias is not constant; nothing is built then.
std::optional<QuadInput> quadInput(OpBuilder &b, Location loc, Value input,
                                   Type quantType, Value opBias, Value bias,
                                   ArrayRef<int64_t> weightSums,
                                   bool unsignedBytes) {
  QuantParams p = *quantParamsOf(quantType);
  if (p.bits != 8 || p.perAxis())
    return std::nullopt;
  bool flip = p.isSigned == unsignedBytes;
  int64_t zp = p.zeroPoints[0] + (!flip ? 0 : unsignedBytes ? 128 : -128);
  if (zp != 0) {
    SmallVector<int64_t> values(weightSums.size(), 0);
    if (opBias) {
      std::optional<SmallVector<int64_t>> given = readIntConstant(opBias);
      if (!given || given->size() != values.size())
        return std::nullopt;
      values = *given;
    }
    // Modulo 2^32, as the i32 accumulator adds: the final sum is exact.
    for (auto [v, sum] : llvm::zip(values, weightSums))
      v = static_cast<int32_t>(static_cast<uint32_t>(v - zp * sum));
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                      b.getI32Type());
    bias = arith::ConstantOp::create(
        b, loc, cast<TypedAttr>(makeIntConstant(type, values, "quad_bias")));
  }
  if (flip)
    input = buildElementwise(
        b, loc, cast<RankedTensorType>(input.getType()), {input},
        [](OpBuilder &nb, Location l, ValueRange a) {
          yieldValue(nb, l, arith::XOrIOp::create(nb, l, a[0],
                                                  intConst(nb, l, nb.getI8Type(), 0x80)));
        });
  return QuadInput{input, bias, zp};
}

/// The quads a backend asked for on `op` (signed or unsigned input bytes),
/// or none when it did not or the weight values do not fit its bytes (or
/// the magnitude its sums take without saturating).
std::optional<ChannelGroup> quadsOf(Operation *op, ArrayRef<int64_t> weight) {
  auto attr = op->getAttrOfType<IntegerAttr>(kChannelGroupAttr);
  auto limit = op->getAttrOfType<IntegerAttr>(kQuadMaxWeightAttr);
  int64_t hi = limit ? std::min<int64_t>(limit.getInt(), 127) : 127;
  int64_t lo = limit ? -limit.getInt() : -128;
  if (!attr || attr.getInt() != 4 || !packTileOf(op) ||
      !llvm::all_of(weight, [&](int64_t v) { return v >= lo && v <= hi; }))
    return std::nullopt;
  return ChannelGroup(4, op->hasAttr(kUnsignedQuadsAttr));
}

/// `op` on a dot product over quads of input channels, its `input` left
/// as bytes: the i32 accumulator, or null when the op or its operands do
/// not fit (then the pair form applies).
Value quadConv(OpBuilder &b, QConvOp op, Value input, Value bias,
               RankedTensorType accType) {
  std::optional<SmallVector<int64_t>> weight = centeredConstant(op.getWeight());
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  std::optional<ChannelGroup> quads = weight ? quadsOf(op, *weight) : std::nullopt;
  if (!quads || op.getGroup() != 1 || wType.getRank() != 4 || accType.getRank() != 4)
    return {};
  Location loc = op.getLoc();
  int64_t m = wType.getDimSize(0), inner = weight->size() / m;
  SmallVector<int64_t> sums(m, 0);
  for (size_t i = 0; i < weight->size(); ++i)
    sums[i / inner] += (*weight)[i];
  std::optional<QuadInput> q = quadInput(b, loc, input, op.getInput().getType(),
                                         op.getBias(), bias, sums,
                                         quads->unsignedInput);
  if (!q)
    return {};
  if (isPointwise(op))
    return groupPointwiseConv(b, op, q->bytes, q->bias, *quads, accType);
  // Padding holds the zero point (as a byte: unsigned ones above 127 wrap).
  ArrayRef<int64_t> pads = op.getPads();
  Value padded = padSpatial(b, loc, q->bytes, pads.take_front(2), pads.drop_front(2),
                            intConst(b, loc, b.getI8Type(),
                                     static_cast<int8_t>(q->zeroPoint)));
  return groupConv(b, op, padded, q->bias, *quads, accType);
}

/// A qmatmul over a constant rhs on a dot product over quads of k, its
/// `lhs` left as bytes; null when it does not fit.
Value quadMatMul(OpBuilder &b, QMatMulOp op, Value lhs, Value bias,
                 RankedTensorType accType) {
  std::optional<SmallVector<int64_t>> rhs = centeredConstant(op.getRhs());
  auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
  std::optional<ChannelGroup> quads = rhs ? quadsOf(op, *rhs) : std::nullopt;
  if (!quads || rhsType.getRank() != 2)
    return {};
  Location loc = op.getLoc();
  int64_t n = rhsType.getDimSize(1);
  SmallVector<int64_t> sums(n, 0);
  for (size_t i = 0; i < rhs->size(); ++i)
    sums[i % n] += (*rhs)[i];
  std::optional<QuadInput> q = quadInput(b, loc, lhs, op.getLhs().getType(),
                                         op.getBias(), bias, sums,
                                         quads->unsignedInput);
  if (!q)
    return {};
  return buildPackedGroupMatMul(b, loc, q->bytes, *rhs, q->bias, accType, *quads,
                                *packTileOf(op), packedName(op.getRhs(), groupSuffix(4)));
}

struct QConvLowering : OpConversionPattern<QConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    auto accType = outType.clone(rewriter.getI32Type());
    size_t spatial = outType.getRank() - 2;
    ArrayRef<int64_t> pads = op.getPads();
    if (Value acc = quadConv(rewriter, op, adaptor.getInput(), adaptor.getBias(),
                             accType))
      return replaceWithResult(rewriter, op, acc, op.getInput(), op.getWeight(),
                               1, op.getClampMin(), op.getClampMax());
    Value input = centered(rewriter, loc, op.getInput(), adaptor.getInput(),
                           op.getInput().getType());
    if (Value acc = groupPointwiseConv(rewriter, op, input, adaptor.getBias(), 2,
                                       accType))
      return replaceWithResult(rewriter, op, acc, op.getInput(), op.getWeight(),
                               1, op.getClampMin(), op.getClampMax());
    Value weight = centered(rewriter, loc, op.getWeight(), adaptor.getWeight(),
                            op.getWeight().getType());
    // Padding holds the zero point, i.e. zero once centered.
    Type inElem = cast<RankedTensorType>(input.getType()).getElementType();
    input = padSpatial(rewriter, loc, input, pads.take_front(spatial),
                       pads.drop_front(spatial), intConst(rewriter, loc, inElem, 0));
    Value acc = groupConv(rewriter, op, input, adaptor.getBias(), 2, accType);
    if (!acc)
      acc = buildConv(rewriter, loc, input, weight, adaptor.getBias(),
                      op.getStrides(), op.getDilations(), op.getGroup(),
                      accType);
    return replaceWithResult(rewriter, op, acc, op.getInput(), op.getWeight(), 1,
                             op.getClampMin(), op.getClampMax());
  }
};

struct QMatMulLowering : OpConversionPattern<QMatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QMatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto outType = cast<RankedTensorType>(op.getType());
    auto accType = outType.clone(rewriter.getI32Type());
    if (Value acc = quadMatMul(rewriter, op, adaptor.getLhs(), adaptor.getBias(),
                               accType))
      return replaceWithResult(rewriter, op, acc, op.getLhs(), op.getRhs(),
                               outType.getRank() - 1, op.getClampMin(),
                               op.getClampMax());
    Value lhs = centered(rewriter, loc, op.getLhs(), adaptor.getLhs(),
                         op.getLhs().getType());
    Value rhs = centered(rewriter, loc, op.getRhs(), adaptor.getRhs(),
                         op.getRhs().getType());
    if (std::optional<PackTile> tile = packTileOf(op)) {
      std::optional<SmallVector<int64_t>> rhsValues = centeredConstant(op.getRhs());
      auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
      Value wide = lhs;
      auto lhsType = cast<RankedTensorType>(lhs.getType());
      if (rhsValues && rhsType.getRank() == 2 &&
          lhsType.getElementType().isInteger(8))
        wide = widenTo16(rewriter, loc, lhs);
      if (Value acc = rhsValues && rhsType.getRank() == 2
                          ? buildPackedGroupMatMul(rewriter, loc, wide, *rhsValues,
                                                   adaptor.getBias(), accType, 2,
                                                   *tile, packedName(op.getRhs(), groupSuffix(2)))
                          : Value())
        return replaceWithResult(rewriter, op, acc, op.getLhs(), op.getRhs(),
                                 outType.getRank() - 1, op.getClampMin(),
                                 op.getClampMax());
    }
    unsigned rank = outType.getRank(), numDims = rank + 1;
    unsigned m = rank - 2, n = rank - 1, k = rank;
    Value init;
    if (Value bias = adaptor.getBias()) {
      auto biasType = cast<RankedTensorType>(bias.getType());
      bias = tensor::CollapseShapeOp::create(
          rewriter, loc, RankedTensorType::get({biasType.getNumElements()},
                                               rewriter.getI32Type()),
          bias,
          SmallVector<ReassociationIndices>{
              llvm::to_vector(llvm::seq<int64_t>(0, biasType.getRank()))});
      init = buildCopy(rewriter, loc, bias,
                       AffineMap::get(rank, 0, {getAffineDimExpr(n, ctx)}, ctx),
                       accType);
    } else {
      init = filledTensor(rewriter, loc, accType.getShape(),
                          rewriter.getI32Type(), rewriter.getI32IntegerAttr(0));
    }
    SmallVector<AffineExpr> outExprs;
    for (unsigned d = 0; d < rank; ++d)
      outExprs.push_back(getAffineDimExpr(d, ctx));
    Value acc = buildContraction(rewriter, loc, {lhs, rhs}, init,
                                 {matMulOperandMap(lhs, outType, m, k),
                                  matMulOperandMap(rhs, outType, k, n),
                                  AffineMap::get(numDims, 0, outExprs, ctx)},
                                 1);
    return replaceWithResult(rewriter, op, acc, op.getLhs(), op.getRhs(), rank - 1,
                             op.getClampMin(), op.getClampMax());
  }
};

} // namespace

void populateQuantLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<StorageCastLowering, QuantizeLowering, DequantizeLowering,
               QConvLowering, QMatMulLowering>(patterns.getContext());
}

} // namespace kiln
