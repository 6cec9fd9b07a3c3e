//===- Quantization.cpp - QDQ, QLinear and Integer op importers -----------===//
//
// Scales and zero points must be known at compile time: they become MLIR
// quant types, so every quantized value carries its meaning. Integer
// storage crosses into quant types through kiln.storage_cast; uint8
// constants are stored as i8 bits (the quant type says they are unsigned).
//
//===----------------------------------------------------------------------===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"
#include "Kiln/QuantParams.h"
#include "Kiln/ShapeRules.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace kiln {
namespace {

/// Storage of a quantized value: bits and signedness from its ONNX dtype.
bool storageOf(GraphImporter &g, int32_t dtype, bool allowInt32,
               const std::string &what, unsigned &bits, bool &isSigned) {
  if (dtype == kUInt8 || dtype == kInt8) {
    bits = 8;
    isSigned = dtype == kInt8;
    return true;
  }
  if (dtype == kInt32 && allowInt32) {
    bits = 32;
    isSigned = true;
    return true;
  }
  return g.fail(what + " has data type " + dtypeName(dtype) +
                "; quantized values must be uint8 or int8" +
                (allowInt32 ? " (int32 for biases)" : ""));
}

int32_t dtypeOfInput(GraphImporter &g, size_t i) {
  if (const HostTensor *t = g.constantInput(i))
    return t->dtype;
  RankedTensorType type = g.inputType(i);
  if (!type)
    return 0;
  Type elem = type.getElementType();
  if (elem.isUnsignedInteger(8))
    return kUInt8;
  return dtypeFor(elem);
}

/// The quant type of a tensor shaped `shape` from the node's scale input
/// `scaleIdx` and zero-point input `zpIdx` (absent: zero). One scale is per
/// tensor; n scales quantize along `axis`, which must have n slices.
Type readQuantType(GraphImporter &g, ArrayRef<int64_t> shape, size_t scaleIdx,
                   size_t zpIdx, int64_t axis, unsigned bits, bool isSigned,
                   const std::string &what) {
  const HostTensor *scale = g.constantInput(scaleIdx);
  if (!scale) {
    g.fail(what + " scale must be a compile-time constant (an initializer)");
    return {};
  }
  if (scale->dtype != kFloat) {
    g.fail(what + " scale must be float32, got " + dtypeName(scale->dtype));
    return {};
  }
  std::vector<double> scales = scale->asDouble();
  std::vector<int64_t> zps(scales.size(), 0);
  if (g.hasInput(zpIdx)) {
    const HostTensor *zp = g.constantInput(zpIdx);
    if (!zp) {
      g.fail(what + " zero point must be a compile-time constant (an initializer)");
      return {};
    }
    zps = zp->asInt64();
    if (zps.size() != scales.size()) {
      g.fail(what + " has " + std::to_string(scales.size()) + " scales but " +
             std::to_string(zps.size()) + " zero points");
      return {};
    }
  }
  if (scales.empty()) {
    g.fail(what + " scale is empty");
    return {};
  }
  std::optional<int32_t> quantAxis;
  if (scales.size() > 1) {
    int64_t rank = shape.size();
    int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      g.fail("axis " + std::to_string(axis) + " is out of range for rank " +
             std::to_string(rank));
      return {};
    }
    if (shape[a] != static_cast<int64_t>(scales.size())) {
      g.fail(what + " has " + std::to_string(scales.size()) +
             " scales for axis " + std::to_string(a) + " of size " +
             std::to_string(shape[a]));
      return {};
    }
    quantAxis = static_cast<int32_t>(a);
  }
  Type type;
  g.failOnDiagnostics([&] {
    type = makeQuantType(g.ctx, bits, isSigned, quantAxis, scales, zps);
    return bool(type);
  }, "invalid quantization parameters");
  return type;
}

/// Input `i` (integer storage, run time or constant) as a tensor of `quant`.
Value quantizedInput(GraphImporter &g, size_t i, Type quant) {
  Value storage;
  if (const HostTensor *t = g.constantInput(i)) {
    HostTensor bits = *t;
    if (bits.dtype == kUInt8)
      bits.dtype = kInt8; // same bytes; the quant type knows they are unsigned
    storage = g.constant(bits, g.node->input(i));
  } else {
    storage = g.input(i);
  }
  if (!storage)
    return {};
  auto type = cast<RankedTensorType>(storage.getType());
  return StorageCastOp::create(g.builder, g.loc(), type.clone(quant), storage);
}

/// A quantized result as the storage ONNX returns (uint8 or int8).
Value storageResult(GraphImporter &g, Value quantized) {
  auto type = cast<RankedTensorType>(quantized.getType());
  QuantParams p = *quantParamsOf(type);
  Type elem = p.isSigned ? IntegerType::get(g.ctx, p.bits)
                         : IntegerType::get(g.ctx, p.bits, IntegerType::Unsigned);
  return StorageCastOp::create(g.builder, g.loc(), type.clone(elem), quantized);
}

/// Builds op `OpT` of `resultType`, verifying it as this node.
template <typename OpT, typename... Args>
Value makeVerified(GraphImporter &g, Type resultType, Args &&...args) {
  OpT op = OpT::create(g.builder, g.loc(), resultType, std::forward<Args>(args)...);
  bool ok = g.failOnDiagnostics([&] { return succeeded(op.verify()); },
                                  "operands do not fit the operator");
  if (!ok) {
    op->erase();
    return {};
  }
  return op.getResult();
}

bool importQuantizeLinear(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  if (g.attrInt("block_size", 0) != 0)
    return g.fail("blocked quantization (block_size) is not supported");
  int32_t dtype = g.hasInput(2) ? dtypeOfInput(g, 2)
                                : static_cast<int32_t>(g.attrInt("output_dtype", 0));
  if (dtype == 0)
    dtype = kUInt8;
  unsigned bits;
  bool isSigned;
  if (!storageOf(g, dtype, false, "y_zero_point", bits, isSigned))
    return false;
  auto xType = cast<RankedTensorType>(x.getType());
  Type quant = readQuantType(g, xType.getShape(), 1, 2, g.attrInt("axis", 1),
                             bits, isSigned, "y");
  if (!quant)
    return false;
  Value q = makeVerified<QuantizeOp>(g, xType.clone(quant), x);
  return q && g.produce(storageResult(g, q));
}

bool importDequantizeLinear(GraphImporter &g) {
  if (g.attrInt("block_size", 0) != 0)
    return g.fail("blocked quantization (block_size) is not supported");
  RankedTensorType xType = g.inputType(0);
  if (!xType)
    return g.fail("input x has no static tensor type");
  unsigned bits;
  bool isSigned;
  if (!storageOf(g, dtypeOfInput(g, 0), true, "x", bits, isSigned))
    return false;
  if (g.hasInput(2) && dtypeOfInput(g, 2) != dtypeOfInput(g, 0))
    return g.fail("x_zero_point's data type differs from x's");
  Type quant = readQuantType(g, xType.getShape(), 1, 2, g.attrInt("axis", 1),
                             bits, isSigned, "x");
  if (!quant)
    return false;
  Value q = quantizedInput(g, 0, quant);
  return q && g.produce(makeVerified<DequantizeOp>(
                  g, xType.clone(Float32Type::get(g.ctx)), q));
}

/// The quantized operand `dataIdx` of a QLinear/Integer op, its scale at
/// `scaleIdx` (none: 1.0, the Integer ops) and zero point at `zpIdx`.
Value quantOperand(GraphImporter &g, size_t dataIdx, std::optional<size_t> scaleIdx,
                   size_t zpIdx, int64_t axis, const std::string &what) {
  RankedTensorType type = g.inputType(dataIdx);
  if (!type)
    return g.fail(what + " has no static tensor type"), Value();
  unsigned bits;
  bool isSigned;
  if (!storageOf(g, dtypeOfInput(g, dataIdx), false, what, bits, isSigned))
    return {};
  Type quant;
  if (scaleIdx) {
    quant = readQuantType(g, type.getShape(), *scaleIdx, zpIdx, axis, bits,
                          isSigned, what);
  } else {
    // ConvInteger / MatMulInteger: integers as they are, scale 1.
    std::vector<int64_t> zps = {0};
    if (g.hasInput(zpIdx)) {
      const HostTensor *zp = g.constantInput(zpIdx);
      if (!zp)
        return g.fail(what + " zero point must be a compile-time constant"), Value();
      zps = zp->asInt64();
    }
    std::optional<int32_t> quantAxis;
    if (zps.size() > 1) {
      int64_t rank = type.getRank();
      int64_t a = axis < 0 ? axis + rank : axis;
      if (a < 0 || a >= rank || type.getDimSize(a) != int64_t(zps.size()))
        return g.fail(what + " has " + std::to_string(zps.size()) +
                      " zero points, which match no axis it may be quantized on"),
               Value();
      quantAxis = static_cast<int32_t>(a);
    }
    std::vector<double> ones(zps.size(), 1.0);
    g.failOnDiagnostics([&] {
      quant = makeQuantType(g.ctx, bits, isSigned, quantAxis, ones, zps);
      return bool(quant);
    }, "invalid quantization parameters");
  }
  if (!quant)
    return {};
  return quantizedInput(g, dataIdx, quant);
}

/// The node's output quant type from y_scale / y_zero_point inputs.
Type outputQuantType(GraphImporter &g, size_t scaleIdx, size_t zpIdx) {
  int32_t dtype = g.hasInput(zpIdx) ? dtypeOfInput(g, zpIdx) : kUInt8;
  unsigned bits;
  bool isSigned;
  if (!storageOf(g, dtype, false, "y_zero_point", bits, isSigned))
    return {};
  const HostTensor *scale = g.constantInput(scaleIdx);
  if (scale && scale->numElements() != 1) {
    g.fail("per-axis output scales are not supported (y_scale must be one value)");
    return {};
  }
  return readQuantType(g, {}, scaleIdx, zpIdx, 0, bits, isSigned, "y");
}

/// QLinearConv (quantized result) and ConvInteger (i32 accumulator).
bool importIntegerConv(GraphImporter &g) {
  bool qlinear = g.node->op_type() == "QLinearConv";
  Value x = qlinear ? quantOperand(g, 0, 1, 2, 0, "x")
                    : quantOperand(g, 0, std::nullopt, 2, 0, "x");
  if (!x)
    return false;
  auto xType = cast<RankedTensorType>(x.getType());
  if (quantParamsOf(xType)->perAxis())
    return g.fail("x must be quantized per tensor");
  Value w = qlinear ? quantOperand(g, 3, 4, 5, 0, "w")
                    : quantOperand(g, 1, std::nullopt, 3, 0, "w");
  if (!w)
    return false;
  auto wType = cast<RankedTensorType>(w.getType());
  if (xType.getRank() < 3 || wType.getRank() != xType.getRank())
    return g.fail("expects input and weight of equal rank >= 3");
  Dims kernel(wType.getShape().begin() + 2, wType.getShape().end());
  if (g.attrInts("kernel_shape", kernel) != kernel)
    return g.fail("kernel_shape does not match the weight's shape");
  Window win;
  if (!readWindow(g, xType, kernel, win))
    return false;
  Value bias;
  if (qlinear && g.hasInput(8)) {
    if (dtypeOfInput(g, 8) != kInt32)
      return g.fail("bias B must be int32");
    bias = g.input(8);
    if (!bias)
      return false;
  }
  int64_t group = g.attrInt("group", 1);
  FailureOr<Shape> shape = failure();
  if (!g.failOnDiagnostics([&] {
        shape = inferConvShape(g.loc(), x, w, bias, win.strides, win.pads,
                               win.dilations, group);
        return succeeded(shape);
      }, "operands do not fit the operator"))
    return false;
  Type elem = IntegerType::get(g.ctx, 32);
  if (qlinear && !(elem = outputQuantType(g, 6, 7)))
    return false;
  Value y = makeVerified<QConvOp>(
      g, RankedTensorType::get(*shape, elem), x, w, bias,
      g.builder.getDenseI64ArrayAttr(win.strides),
      g.builder.getDenseI64ArrayAttr(win.pads),
      g.builder.getDenseI64ArrayAttr(win.dilations),
      g.builder.getI64IntegerAttr(group), FloatAttr(), FloatAttr());
  if (!y)
    return false;
  return g.produce(qlinear ? storageResult(g, y) : y);
}

/// QLinearMatMul (quantized result) and MatMulInteger (i32 accumulator).
bool importIntegerMatMul(GraphImporter &g) {
  bool qlinear = g.node->op_type() == "QLinearMatMul";
  RankedTensorType aType = g.inputType(0), bType = g.inputType(qlinear ? 3 : 1);
  if (!aType || !bType || aType.getRank() < 2 || bType.getRank() < 2)
    return g.fail("expects operands of rank >= 2 (1-D forms are not supported)");
  Value a = qlinear ? quantOperand(g, 0, 1, 2, aType.getRank() - 2, "a")
                    : quantOperand(g, 0, std::nullopt, 2, aType.getRank() - 2, "a");
  if (!a)
    return false;
  if (quantParamsOf(a.getType())->perAxis())
    return g.fail("a must be quantized per tensor (per-row scales are not supported)");
  Value b = qlinear ? quantOperand(g, 3, 4, 5, bType.getRank() - 1, "b")
                    : quantOperand(g, 1, std::nullopt, 3, bType.getRank() - 1, "b");
  if (!b)
    return false;
  FailureOr<Shape> shape = failure();
  if (!g.failOnDiagnostics([&] {
        shape = inferMatMulShape(g.loc(), a, b);
        return succeeded(shape);
      }, "operands do not fit the operator"))
    return false;
  Type elem = IntegerType::get(g.ctx, 32);
  if (qlinear && !(elem = outputQuantType(g, 6, 7)))
    return false;
  Value y = makeVerified<QMatMulOp>(g, RankedTensorType::get(*shape, elem), a,
                                    b, Value(), FloatAttr(), FloatAttr());
  if (!y)
    return false;
  return g.produce(qlinear ? storageResult(g, y) : y);
}

} // namespace

void addQuantizationImporters(OpImporterTable &table) {
  table["QuantizeLinear"] = importQuantizeLinear;
  table["DequantizeLinear"] = importDequantizeLinear;
  table["QLinearConv"] = importIntegerConv;
  table["ConvInteger"] = importIntegerConv;
  table["QLinearMatMul"] = importIntegerMatMul;
  table["MatMulInteger"] = importIntegerMatMul;
}

} // namespace kiln
