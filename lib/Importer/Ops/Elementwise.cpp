//===- Elementwise.cpp - Elementwise operator importers -------------------===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"
#include "Kiln/QuantParams.h"

#include <onnx/onnx_pb.h>

#include <limits>

using namespace mlir;

namespace kiln {
namespace {

template <typename OpT>
bool importBinary(GraphImporter &g) {
  Value lhs = g.input(0), rhs = g.input(1);
  if (!lhs || !rhs)
    return false;
  // Opset < 7: `broadcast=1` aligns B with A starting at `axis`.
  if (g.opset < 7 && g.attrInt("broadcast", 0) != 0) {
    auto a = cast<RankedTensorType>(lhs.getType());
    auto b = cast<RankedTensorType>(rhs.getType());
    int64_t axis = g.attrInt("axis", a.getRank() - b.getRank());
    if (axis < 0)
      axis += a.getRank();
    if (axis < 0 || axis + b.getRank() > a.getRank())
      return g.fail("legacy broadcast axis out of range");
    Dims shape = shapeOf(b);
    shape.resize(a.getRank() - axis, 1);
    rhs = g.reshape(rhs, shape);
  }
  Value result = g.make<OpT>(lhs, rhs);
  if (!result)
    return false;
  g.setOutput(0, result);
  return true;
}

template <typename OpT>
bool importUnary(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  g.setOutput(0, OpT::create(g.builder, g.loc(), x));
  return true;
}

/// Unary ops with float attributes (alpha, beta, gamma ...) by name.
template <typename OpT>
bool importUnaryWithAttrs(GraphImporter &g,
                          std::initializer_list<std::pair<const char *, float>> attrs) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  SmallVector<NamedAttribute> named;
  for (auto [name, fallback] : attrs)
    named.push_back(g.builder.getNamedAttr(name, f32(g, g.attrFloat(name, fallback))));
  g.setOutput(0, OpT::create(g.builder, g.loc(), x.getType(), ValueRange{x}, named)
                     .getResult());
  return true;
}

/// Pow with a constant scalar exponent becomes cheaper ops where exact.
/// Mixed types follow ONNX: the result has the base's type; an integer base
/// with a float exponent is computed in float and truncated.
bool importPow(GraphImporter &g) {
  Value x = g.input(0);
  if (!x)
    return false;
  auto xType = cast<RankedTensorType>(x.getType());
  if (const HostTensor *e = g.constantInput(1); e && e->numElements() == 1) {
    double p = e->asDouble()[0];
    if (p == 1.0)
      return g.produce(x);
    if (p == 2.0)
      return g.produce(g.make<MulOp>(x, x));
    if (p == 0.5 && xType.getElementType().isF32())
      return g.produce(SqrtOp::create(g.builder, g.loc(), x));
  }
  Value e = g.input(1);
  if (!e)
    return false;
  auto eType = cast<RankedTensorType>(e.getType());
  Type base = xType.getElementType(), exp = eType.getElementType();
  auto castTo = [&](Value v, Type elem) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getElementType() == elem)
      return v;
    return CastOp::create(g.builder, g.loc(), t.clone(elem), v);
  };
  if (isa<FloatType>(base) || !isa<FloatType>(exp))
    return g.produce(g.make<PowOp>(x, castTo(e, base)));
  Type f32 = g.builder.getF32Type();
  Value y = g.make<PowOp>(castTo(x, f32), castTo(e, f32));
  return y && g.produce(castTo(y, base));
}

/// Before opset 7 a 1-D slope applies along the channel dimension (1).
bool importPRelu(GraphImporter &g) {
  Value x = g.input(0), slope = g.input(1);
  if (!x || !slope || !requireFloat(g, x))
    return false;
  auto xType = cast<RankedTensorType>(x.getType());
  auto sType = cast<RankedTensorType>(slope.getType());
  if (g.opset < 7 && sType.getRank() == 1 && sType.getDimSize(0) != 1 &&
      xType.getRank() >= 2) {
    Dims shape(xType.getRank() - 1, 1);
    shape[0] = sType.getDimSize(0);
    slope = g.reshape(slope, shape);
  }
  return g.produce(g.make<PReluOp>(x, slope));
}

bool importClip(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  double lo = -std::numeric_limits<float>::infinity();
  double hi = std::numeric_limits<float>::infinity();
  if (g.opset < 11) {
    lo = g.attrFloat("min", static_cast<float>(lo));
    hi = g.attrFloat("max", static_cast<float>(hi));
  } else {
    // Bounds are optional inputs; runtime bounds become max/min ops.
    Value y = x;
    for (size_t i = 1; i <= 2; ++i) {
      if (!g.hasInput(i))
        continue;
      const HostTensor *bound = g.constantInput(i);
      if (bound && bound->numElements() == 1) {
        (i == 1 ? lo : hi) = bound->asDouble()[0];
        continue;
      }
      Value v = g.input(i);
      if (!v)
        return false;
      y = i == 1 ? g.make<MaxOp>(y, v) : g.make<MinOp>(y, v);
      if (!y)
        return false;
    }
    x = y;
  }
  if (lo > hi)
    return g.fail("min exceeds max");
  g.setOutput(0, ClipOp::create(g.builder, g.loc(), x, f32(g, lo), f32(g, hi)));
  return true;
}

bool importHardSigmoid(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  g.setOutput(0, HardSigmoidOp::create(g.builder, g.loc(), x,
                                       f32(g, g.attrFloat("alpha", 0.2f)),
                                       f32(g, g.attrFloat("beta", 0.5f))));
  return true;
}

bool importIdentity(GraphImporter &g) {
  if (const HostTensor *c = g.constantInput(0)) {
    g.setOutput(0, *c);
    return true;
  }
  Value x = g.input(0);
  if (!x)
    return false;
  g.setOutput(0, x);
  return true;
}

/// uint8 is quantized storage in Kiln: a cast to it is a quantization of
/// scale 1 after truncation toward zero, so 0..255 arrive exactly and what
/// lies outside (undefined in ONNX) saturates.
Value castToUInt8(GraphImporter &g, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  Type f32 = Float32Type::get(g.ctx);
  if (!type.getElementType().isF32())
    x = CastOp::create(g.builder, g.loc(), type.clone(f32), x);
  type = type.clone(f32);
  Value zero = scalarF32(g, 0, "zero");
  Value negative = g.make<LessOp>(x, zero);
  Value truncated =
      negative ? g.make<WhereOp>(negative, CeilOp::create(g.builder, g.loc(), x),
                                 FloorOp::create(g.builder, g.loc(), x))
               : Value();
  if (!truncated)
    return {};
  Type u8 = makeQuantType(g.ctx, 8, false, std::nullopt, {1.0}, {0});
  Value q = QuantizeOp::create(g.builder, g.loc(), type.clone(u8), truncated);
  return StorageCastOp::create(g.builder, g.loc(),
                               type.clone(IntegerType::get(g.ctx, 8, IntegerType::Unsigned)), q);
}

bool importCast(GraphImporter &g) {
  Value x = g.input(0);
  if (!x)
    return false;
  int32_t to = static_cast<int32_t>(g.attrInt("to", 0));
  Type elem = elementTypeFor(g.ctx, to);
  if (!elem)
    return g.fail(std::string("cast to unsupported data type ") + dtypeName(to));
  if (!g.requireRunTimeType(to, g.node->output(0)))
    return false;
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getElementType() == elem)
    return g.produce(x);
  if (to == kUInt8)
    return g.produce(castToUInt8(g, x));
  if (type.getElementType().isUnsignedInteger(8)) {
    // 0..255 exactly: as quantized data of scale 1, dequantized.
    Type u8 = makeQuantType(g.ctx, 8, false, std::nullopt, {1.0}, {0});
    x = StorageCastOp::create(g.builder, g.loc(), type.clone(u8), x);
    type = type.clone(Float32Type::get(g.ctx));
    x = DequantizeOp::create(g.builder, g.loc(), type, x);
    if (elem == type.getElementType())
      return g.produce(x);
  }
  return g.produce(CastOp::create(g.builder, g.loc(), type.clone(elem), x));
}

template <typename OpT>
bool importCompare(GraphImporter &g) {
  Value lhs = g.input(0), rhs = g.input(1);
  return lhs && rhs && g.produce(g.make<OpT>(lhs, rhs));
}

/// False, after reporting it, unless `v` holds booleans.
bool requireBool(GraphImporter &g, Value v) {
  if (!cast<RankedTensorType>(v.getType()).getElementType().isInteger(1))
    return g.fail("expects bool tensors");
  return true;
}

template <typename OpT>
bool importLogical(GraphImporter &g) {
  Value lhs = g.input(0), rhs = g.input(1);
  return lhs && rhs && requireBool(g, lhs) && requireBool(g, rhs) &&
         g.produce(g.make<OpT>(lhs, rhs));
}

bool importNot(GraphImporter &g) {
  Value x = g.input(0);
  return x && requireBool(g, x) && g.produce(NotOp::create(g.builder, g.loc(), x));
}

bool importSoftsign(GraphImporter &g) {
  Value x = g.input(0);
  return x && requireFloat(g, x) && g.produce(softsign(g, x));
}

bool importMod(GraphImporter &g) {
  Value lhs = g.input(0), rhs = g.input(1);
  if (!lhs || !rhs)
    return false;
  bool fmod = g.attrInt("fmod", 0) != 0;
  if (!fmod && isa<FloatType>(cast<RankedTensorType>(lhs.getType()).getElementType()))
    return g.fail("float inputs need fmod=1");
  return g.produce(g.make<ModOp>(lhs, rhs, fmod));
}

bool importWhere(GraphImporter &g) {
  Value c = g.input(0), x = g.input(1), y = g.input(2);
  return c && x && y && g.produce(g.make<WhereOp>(c, x, y));
}

/// Max, Min and Sum take any number of inputs; fold them pairwise.
template <typename OpT>
bool importVariadic(GraphImporter &g) {
  Value acc = g.input(0);
  for (size_t i = 1; acc && i < g.numInputs(); ++i) {
    Value next = g.input(i);
    acc = next ? g.make<OpT>(acc, next) : Value();
  }
  if (!acc)
    return false;
  g.setOutput(0, acc);
  return true;
}

} // namespace

Value softsign(GraphImporter &g, Value x) {
  Value denom = g.make<AddOp>(AbsOp::create(g.builder, g.loc(), x), scalarF32(g, 1, "one"));
  return denom ? g.make<DivOp>(x, denom) : Value();
}

void addElementwiseImporters(OpImporterTable &table) {
  table.try_emplace("Add", importBinary<AddOp>);
  table.try_emplace("Sub", importBinary<SubOp>);
  table.try_emplace("Mul", importBinary<MulOp>);
  table.try_emplace("Div", importBinary<DivOp>);
  table.try_emplace("Relu", importUnary<ReluOp>);
  table.try_emplace("Sigmoid", importUnary<SigmoidOp>);
  table.try_emplace("Clip", importClip);
  table.try_emplace("HardSigmoid", importHardSigmoid);
  table.try_emplace("Identity", importIdentity);
  table.try_emplace("Cast", importCast);
  table.try_emplace("Equal", importCompare<EqualOp>);
  table.try_emplace("Less", importCompare<LessOp>);
  table.try_emplace("LessOrEqual", importCompare<LessEqualOp>);
  table.try_emplace("Greater", importCompare<GreaterOp>);
  table.try_emplace("GreaterOrEqual", importCompare<GreaterEqualOp>);
  table.try_emplace("Where", importWhere);
  table.try_emplace("Sqrt", importUnary<SqrtOp>);
  table.try_emplace("Exp", importUnary<ExpOp>);
  table.try_emplace("Log", importUnary<LogOp>);
  table.try_emplace("Tanh", importUnary<TanhOp>);
  table.try_emplace("Erf", importUnary<ErfOp>);
  table.try_emplace("Neg", importUnary<NegOp>);
  table.try_emplace("Abs", importUnary<AbsOp>);
  table.try_emplace("Reciprocal", importUnary<ReciprocalOp>);
  table.try_emplace("Floor", importUnary<FloorOp>);
  table.try_emplace("Ceil", importUnary<CeilOp>);
  table.try_emplace("Round", importUnary<RoundOp>);
  table.try_emplace("Sign", importUnary<SignOp>);
  table.try_emplace("Mod", importMod);
  table.try_emplace("And", importLogical<AndOp>);
  table.try_emplace("Or", importLogical<OrOp>);
  table.try_emplace("Xor", importLogical<XorOp>);
  table.try_emplace("Not", importNot);
  table.try_emplace("Softplus", importUnary<SoftplusOp>);
  table.try_emplace("Softsign", importSoftsign);
  table.try_emplace("HardSwish", importUnary<HardSwishOp>);
  table.try_emplace("LeakyRelu", [](GraphImporter &g) {
    return importUnaryWithAttrs<LeakyReluOp>(g, {{"alpha", 0.01f}});
  });
  table.try_emplace("Elu", [](GraphImporter &g) {
    return importUnaryWithAttrs<EluOp>(g, {{"alpha", 1.0f}});
  });
  table.try_emplace("Selu", [](GraphImporter &g) {
    return importUnaryWithAttrs<SeluOp>(
        g, {{"alpha", 1.67326319217681884765625f},
            {"gamma", 1.05070102214813232421875f}});
  });
  table.try_emplace("Pow", importPow);
  table.try_emplace("PRelu", importPRelu);
  table.try_emplace("Max", importVariadic<MaxOp>);
  table.try_emplace("Min", importVariadic<MinOp>);
  table.try_emplace("Sum", importVariadic<AddOp>);
}

} // namespace kiln
