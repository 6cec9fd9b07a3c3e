//===- OpImporters.cpp - One import function per ONNX operator ------------===//
//
// Each function reads the node's inputs and attributes (with the defaults
// of the opset in use), rejects attribute values Kiln does not implement,
// and emits kiln ops. Adding an operator is one function and one table row.
//
//===----------------------------------------------------------------------===//
#include "GraphImporter.h"
#include "Kiln/KilnOps.h"
#include "kiln/Support/ResizeTaps.h"
#include "kiln/Support/ShapeArithmetic.h"

#include <onnx/onnx_pb.h>

#include <limits>

using namespace mlir;

namespace kiln {
namespace {

using Dims = std::vector<int64_t>;

Dims shapeOf(RankedTensorType type) {
  return Dims(type.getShape().begin(), type.getShape().end());
}

FloatAttr f32(GraphImporter &g, double v) {
  return g.builder.getF32FloatAttr(static_cast<float>(v));
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

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

bool requireFloat(GraphImporter &g, Value v) {
  if (!cast<RankedTensorType>(v.getType()).getElementType().isF32())
    return g.fail("only float32 tensors are supported");
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

template <typename OpT>
bool importReduce(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  // Axes moved from an attribute to an input: ReduceSum at 13, others at 18.
  bool axesInput = g.node->op_type() == "ReduceSum" ? g.opset >= 13 : g.opset >= 18;
  Dims axes;
  if (axesInput) {
    if (g.hasInput(1) && !g.constantInts(1, axes, "axes"))
      return false;
  } else {
    axes = g.attrInts("axes");
  }
  if (axes.empty()) {
    if (g.attrInt("noop_with_empty_axes", 0)) {
      g.setOutput(0, x);
      return true;
    }
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  for (int64_t &a : axes) {
    auto axis = normalizeAxis(a, rank);
    if (!axis)
      return g.fail("axis " + std::to_string(a) + " out of range");
    a = *axis;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  Value y = g.make<OpT>(x, axes, g.attrInt("keepdims", 1) != 0);
  return g.produce(y);
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

//===----------------------------------------------------------------------===//
// Windowed ops
//===----------------------------------------------------------------------===//

/// Kernel geometry common to Conv and the pooling ops, with auto_pad resolved.
struct Window {
  Dims kernel, strides, pads, dilations;
};

bool readWindow(GraphImporter &g, RankedTensorType input, Dims kernel,
                Window &w) {
  size_t k = input.getRank() - 2;
  w.kernel = std::move(kernel);
  w.strides = g.attrInts("strides", Dims(k, 1));
  w.dilations = g.attrInts("dilations", Dims(k, 1));
  w.pads = g.attrInts("pads", Dims(2 * k, 0));
  if (w.kernel.size() != k || w.strides.size() != k ||
      w.dilations.size() != k || w.pads.size() != 2 * k)
    return g.fail("kernel_shape, strides, dilations or pads do not match the "
                  "input's " + std::to_string(k) + " spatial dimensions");
  std::string autoPad = g.attrString("auto_pad", "NOTSET");
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t i = 0; i < k; ++i)
      samePadding(input.getDimSize(2 + i), w.kernel[i], w.strides[i],
                  w.dilations[i], autoPad == "SAME_UPPER", w.pads[i],
                  w.pads[k + i]);
  } else if (autoPad == "VALID") {
    std::fill(w.pads.begin(), w.pads.end(), 0);
  } else if (autoPad != "NOTSET" && !autoPad.empty()) {
    return g.fail("unsupported auto_pad value '" + autoPad + "'");
  }
  return true;
}

bool importConv(GraphImporter &g) {
  Value x = g.input(0), w = g.input(1);
  if (!x || !w || !requireFloat(g, x))
    return false;
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  if (xType.getRank() < 3 || wType.getRank() != xType.getRank())
    return g.fail("expects input and weight of equal rank >= 3");
  Dims kernel(wType.getShape().begin() + 2, wType.getShape().end());
  Dims given = g.attrInts("kernel_shape", kernel);
  if (given != kernel)
    return g.fail("kernel_shape does not match the weight's shape");
  Window win;
  if (!readWindow(g, xType, kernel, win))
    return false;
  Value bias = g.hasInput(2) ? g.input(2) : Value();
  if (g.hasInput(2) && !bias)
    return false;
  Value y = g.make<ConvOp>(x, w, bias, win.strides, win.pads, win.dilations,
                           g.attrInt("group", 1));
  return g.produce(y);
}

/// Resize (opset 10+) and its predecessor Upsample: constant scales or
/// sizes, coordinate rules from the attributes (Upsample and Resize-10 use
/// asymmetric coordinates and floor for nearest).
bool importResize(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  bool legacy = g.node->op_type() == "Upsample" || g.opset < 11;
  std::vector<double> scales;
  Dims sizes;
  if (g.node->op_type() == "Upsample" && g.opset < 9) {
    for (float f : g.attr("scales") ? g.attr("scales")->floats()
                                    : google::protobuf::RepeatedField<float>())
      scales.push_back(f);
  } else {
    size_t scalesInput = legacy ? 1 : 2;
    if (const HostTensor *t = g.constantInput(scalesInput))
      scales = t->asDouble();
    else if (g.hasInput(scalesInput))
      return g.fail("scales must be a compile-time constant");
    if (!legacy && g.hasInput(3) && !g.constantInts(3, sizes, "sizes"))
      return false;
  }
  if (g.attrInt("antialias", 0) != 0)
    return g.fail("unsupported attribute value antialias=1");
  if (g.attrString("keep_aspect_ratio_policy", "stretch") != "stretch")
    return g.fail("only keep_aspect_ratio_policy 'stretch' is supported");
  Dims axes = g.attrInts("axes");
  if (!axes.empty()) {
    // Opset 18: scales/sizes cover only `axes`; spread them over all dims.
    std::vector<double> fullScales(rank, 1.0);
    Dims fullSizes(type.getShape().begin(), type.getShape().end());
    for (size_t i = 0; i < axes.size(); ++i) {
      auto axis = normalizeAxis(axes[i], rank);
      if (!axis)
        return g.fail("axis out of range");
      if (i < scales.size())
        fullScales[*axis] = scales[i];
      if (i < sizes.size())
        fullSizes[*axis] = sizes[i];
    }
    if (!scales.empty())
      scales = fullScales;
    if (!sizes.empty())
      sizes = fullSizes;
  }
  std::string coordinates = legacy ? "asymmetric"
                                   : g.attrString("coordinate_transformation_mode",
                                                  "half_pixel");
  std::vector<double> roi;
  if (coordinates == "tf_crop_and_resize") {
    const HostTensor *r = g.constantInput(1);
    if (!r || r->numElements() != 2 * rank)
      return g.fail("tf_crop_and_resize needs a constant roi with 2 * rank values");
    roi = r->asDouble();
  }
  Dims outShape;
  if (!sizes.empty()) {
    if (static_cast<int64_t>(sizes.size()) != rank)
      return g.fail("sizes must have one entry per dimension");
    scales.clear();
    for (int64_t d = 0; d < rank; ++d) {
      if (sizes[d] <= 0)
        return g.fail("sizes must be positive");
      // With a crop the scale relates the output to the cropped extent.
      double extent = roi.empty() ? 1.0 : roi[rank + d] - roi[d];
      scales.push_back(static_cast<double>(sizes[d]) / (type.getDimSize(d) * extent));
    }
    outShape = sizes;
  } else {
    if (static_cast<int64_t>(scales.size()) != rank)
      return g.fail("scales must have one entry per dimension");
    for (int64_t d = 0; d < rank; ++d) {
      if (!(scales[d] > 0))
        return g.fail("scales must be positive");
      double extent = roi.empty() ? 1.0 : roi[rank + d] - roi[d];
      outShape.push_back(static_cast<int64_t>(std::floor(
          type.getDimSize(d) * extent * static_cast<float>(scales[d]))));
    }
  }
  std::string mode = g.attrString("mode", "nearest");
  std::string nearest = legacy ? "floor" : g.attrString("nearest_mode",
                                                        "round_prefer_floor");
  if (mode == "bilinear" || mode == "trilinear") // Upsample's spelling
    mode = "linear";
  ResizeOptions options{mode, coordinates, nearest, g.attrFloat("cubic_coeff_a", -0.75f),
                        g.attrInt("exclude_outside", 0) != 0,
                        g.attrFloat("extrapolation_value", 0.0f)};
  std::string why;
  if (!isSupportedResize(options, why))
    return g.fail("unsupported " + why);
  auto outType = RankedTensorType::get(outShape, type.getElementType());
  OpBuilder &b = g.builder;
  g.setOutput(0, ResizeOp::create(b, g.loc(), outType, x,
                                  b.getDenseF64ArrayAttr(scales),
                                  b.getStringAttr(mode), b.getStringAttr(coordinates),
                                  b.getStringAttr(nearest),
                                  f32(g, options.cubicCoeffA),
                                  b.getBoolAttr(options.excludeOutside),
                                  roi.empty() ? DenseF64ArrayAttr()
                                              : b.getDenseF64ArrayAttr(roi),
                                  f32(g, options.extrapolationValue)));
  return true;
}

bool importConvTranspose(GraphImporter &g) {
  Value x = g.input(0), w = g.input(1);
  if (!x || !w || !requireFloat(g, x))
    return false;
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  if (xType.getRank() < 3 || wType.getRank() != xType.getRank())
    return g.fail("expects input and weight of equal rank >= 3");
  size_t k = xType.getRank() - 2;
  Dims kernel(wType.getShape().begin() + 2, wType.getShape().end());
  if (g.attrInts("kernel_shape", kernel) != kernel)
    return g.fail("kernel_shape does not match the weight's shape");
  Dims strides = g.attrInts("strides", Dims(k, 1));
  Dims dilations = g.attrInts("dilations", Dims(k, 1));
  Dims outPad = g.attrInts("output_padding", Dims(k, 0));
  Dims pads = g.attrInts("pads", Dims(2 * k, 0));
  Dims outShape = g.attrInts("output_shape");
  if (strides.size() != k || dilations.size() != k || outPad.size() != k ||
      pads.size() != 2 * k)
    return g.fail("strides, dilations, output_padding or pads do not match "
                  "the input's " + std::to_string(k) + " spatial dimensions");
  std::string autoPad = g.attrString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER" && !autoPad.empty())
    return g.fail("unsupported auto_pad value '" + autoPad + "'");
  if (outShape.size() > k)
    outShape.erase(outShape.begin(), outShape.end() - k); // full N,C,... form
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (same && outShape.empty())
    for (size_t i = 0; i < k; ++i)
      outShape.push_back(xType.getDimSize(2 + i) * strides[i]);
  if (!outShape.empty()) {
    if (outShape.size() != k)
      return g.fail("output_shape does not match the spatial rank");
    // ONNX puts the odd padding at the end only for SAME_UPPER.
    for (size_t i = 0; i < k; ++i) {
      int64_t total = strides[i] * (xType.getDimSize(2 + i) - 1) + outPad[i] +
                      (kernel[i] - 1) * dilations[i] + 1 - outShape[i];
      if (total < 0) {
        // A larger output than the input covers grows at the end, like
        // output_padding.
        outPad[i] -= total;
        pads[i] = pads[k + i] = 0;
        continue;
      }
      pads[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pads[k + i] = total - pads[i];
    }
  } else if (autoPad == "VALID") {
    std::fill(pads.begin(), pads.end(), 0);
  }
  Value bias;
  if (g.hasInput(2) && !(bias = g.input(2)))
    return false;
  Value y = g.make<ConvTransposeOp>(x, w, bias, strides, pads, dilations,
                                    outPad, g.attrInt("group", 1));
  return g.produce(y);
}

template <typename OpT>
bool importPool(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  auto xType = cast<RankedTensorType>(x.getType());
  if (xType.getRank() < 3)
    return g.fail("expects an input of rank >= 3");
  if (!g.attr("kernel_shape"))
    return g.fail("missing kernel_shape");
  if (g.attrInt("storage_order", 0) != 0)
    return g.fail("unsupported attribute value storage_order=1");
  if (g.hasOutput(1))
    return g.fail("the Indices output is not supported");
  bool ceilMode = g.attrInt("ceil_mode", 0) != 0;
  Window win;
  if (!readWindow(g, xType, g.attrInts("kernel_shape"), win))
    return false;
  Value y;
  if constexpr (std::is_same_v<OpT, AveragePoolOp>)
    y = g.make<OpT>(x, win.kernel, win.strides, win.pads, win.dilations,
                    ceilMode, g.attrInt("count_include_pad", 0) != 0);
  else
    y = g.make<OpT>(x, win.kernel, win.strides, win.pads, win.dilations,
                    ceilMode);
  return g.produce(y);
}

bool importGlobalAveragePool(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  Value y = g.make<GlobalAveragePoolOp>(x);
  return g.produce(y);
}

//===----------------------------------------------------------------------===//
// Matrix products, normalization
//===----------------------------------------------------------------------===//

bool importGemm(GraphImporter &g) {
  Value a = g.input(0), b = g.input(1);
  if (!a || !b || !requireFloat(g, a))
    return false;
  Value c;
  if (g.hasInput(2) && !(c = g.input(2)))
    return false;
  Value y = g.make<GemmOp>(a, b, c, llvm::APFloat(g.attrFloat("alpha", 1.0f)),
                           llvm::APFloat(g.attrFloat("beta", 1.0f)),
                           g.attrInt("transA", 0) != 0,
                           g.attrInt("transB", 0) != 0);
  return g.produce(y);
}

bool importMatMul(GraphImporter &g) {
  Value a = g.input(0), b = g.input(1);
  if (!a || !b || !requireFloat(g, a))
    return false;
  // ONNX (numpy) promotes 1-D operands to matrices and drops that dim after.
  Dims aShape = shapeOf(cast<RankedTensorType>(a.getType()));
  Dims bShape = shapeOf(cast<RankedTensorType>(b.getType()));
  if (aShape.empty() || bShape.empty())
    return g.fail("operands must have rank >= 1");
  bool aVector = aShape.size() == 1, bVector = bShape.size() == 1;
  if (aVector)
    a = g.reshape(a, {1, aShape[0]});
  if (bVector)
    b = g.reshape(b, {bShape[0], 1});
  Value y = g.make<MatMulOp>(a, b);
  if (!y)
    return false;
  if (aVector || bVector) {
    Dims shape = shapeOf(cast<RankedTensorType>(y.getType()));
    if (bVector)
      shape.pop_back();
    if (aVector)
      shape.erase(shape.end() - (bVector ? 1 : 2));
    y = g.reshape(y, shape);
  }
  g.setOutput(0, y);
  return true;
}

bool importBatchNorm(GraphImporter &g) {
  if (g.attrInt("training_mode", 0) != 0)
    return g.fail("unsupported attribute value training_mode=1");
  if (g.opset < 9 && g.attrInt("spatial", 1) != 1)
    return g.fail("unsupported attribute value spatial=0");
  for (size_t i = 1; i < g.numOutputs(); ++i)
    if (g.hasOutput(i))
      return g.fail("training outputs (running mean/var) are not supported");
  SmallVector<Value> in;
  for (size_t i = 0; i < 5; ++i) {
    in.push_back(g.input(i));
    if (!in.back())
      return false;
  }
  if (!requireFloat(g, in[0]))
    return false;
  Value y = g.make<BatchNormOp>(in[0], in[1], in[2], in[3], in[4],
                                llvm::APFloat(g.attrFloat("epsilon", 1e-5f)));
  return g.produce(y);
}

/// The operand of Softmax/LogSoftmax and the axis to normalize along: the
/// input itself from opset 13, before that the input coerced to 2-D at
/// `axis` (normalized along 1).
struct SoftmaxOperand {
  Value in;
  int64_t axis;
  Dims shape; // the input's, for the result
};

std::optional<SoftmaxOperand> softmaxOperand(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return std::nullopt;
  Dims shape = shapeOf(cast<RankedTensorType>(x.getType()));
  int64_t rank = static_cast<int64_t>(shape.size());
  auto axis = normalizeAxis(g.attrInt("axis", g.opset < 13 ? 1 : -1), rank);
  if (!axis) {
    g.fail("axis out of range");
    return std::nullopt;
  }
  if (g.opset >= 13)
    return SoftmaxOperand{x, *axis, shape};
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? outer : inner) *= shape[i];
  return SoftmaxOperand{g.reshape(x, {outer, inner}), 1, shape};
}

bool importSoftmax(GraphImporter &g) {
  std::optional<SoftmaxOperand> op = softmaxOperand(g);
  if (!op)
    return false;
  Value y = SoftmaxOp::create(g.builder, g.loc(), op->in, op->axis);
  g.setOutput(0, g.reshape(y, op->shape));
  return true;
}

//===----------------------------------------------------------------------===//
// Shapes and data movement (runtime tensors; constants fold on the host)
//===----------------------------------------------------------------------===//

/// Sets output 0 to the input with a new shape, on the host when constant.
bool setReshaped(GraphImporter &g, const Dims &shape) {
  if (const HostTensor *c = g.constantInput(0)) {
    HostTensor t = *c;
    t.dims = shape;
    g.setOutput(0, std::move(t));
    return true;
  }
  Value x = g.input(0);
  if (!x)
    return false;
  g.setOutput(0, g.reshape(x, shape));
  return true;
}

bool importReshape(GraphImporter &g) {
  RankedTensorType type = g.inputType(0);
  if (!type)
    return g.fail("input is not defined");
  Dims target;
  if (g.opset < 5)
    target = g.attrInts("shape");
  else if (!g.constantInts(1, target, "the target shape"))
    return false;
  auto shape = resolveReshape(shapeOf(type), target, g.attrInt("allowzero", 0) != 0);
  if (!shape)
    return g.fail("cannot reshape " + std::to_string(type.getNumElements()) +
                  " elements to the requested shape");
  return setReshaped(g, *shape);
}

bool importFlatten(GraphImporter &g) {
  RankedTensorType type = g.inputType(0);
  if (!type)
    return g.fail("input is not defined");
  int64_t rank = type.getRank();
  int64_t axis = g.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return g.fail("axis out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < axis ? outer : inner) *= type.getDimSize(i);
  return setReshaped(g, {outer, inner});
}

bool readAxes(GraphImporter &g, Dims &axes) {
  if (g.opset < 13) {
    axes = g.attrInts("axes");
    return true;
  }
  return !g.hasInput(1) || g.constantInts(1, axes, "axes");
}

bool importUnsqueeze(GraphImporter &g) {
  RankedTensorType type = g.inputType(0);
  Dims axes;
  if (!type)
    return g.fail("input is not defined");
  if (!readAxes(g, axes))
    return false;
  int64_t outRank = type.getRank() + static_cast<int64_t>(axes.size());
  Dims shape(outRank, -1);
  for (int64_t a : axes) {
    auto axis = normalizeAxis(a, outRank);
    if (!axis || shape[*axis] == 1)
      return g.fail("invalid or repeated axis " + std::to_string(a));
    shape[*axis] = 1;
  }
  for (int64_t i = 0, j = 0; i < outRank; ++i)
    if (shape[i] == -1)
      shape[i] = type.getDimSize(j++);
  return setReshaped(g, shape);
}

bool importSqueeze(GraphImporter &g) {
  RankedTensorType type = g.inputType(0);
  Dims axes;
  if (!type)
    return g.fail("input is not defined");
  if (!readAxes(g, axes))
    return false;
  int64_t rank = type.getRank();
  std::vector<bool> drop(rank, false);
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      drop[i] = type.getDimSize(i) == 1;
  for (int64_t a : axes) {
    auto axis = normalizeAxis(a, rank);
    if (!axis || type.getDimSize(*axis) != 1)
      return g.fail("cannot squeeze axis " + std::to_string(a));
    drop[*axis] = true;
  }
  Dims shape;
  for (int64_t i = 0; i < rank; ++i)
    if (!drop[i])
      shape.push_back(type.getDimSize(i));
  return setReshaped(g, shape);
}

bool importTranspose(GraphImporter &g) {
  Value x = g.input(0);
  if (!x)
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  Dims perm;
  for (int64_t i = rank - 1; i >= 0; --i)
    perm.push_back(i);
  Value y = g.make<TransposeOp>(x, g.attrInts("perm", perm));
  return g.produce(y);
}

bool importConcat(GraphImporter &g) {
  SmallVector<Value> inputs;
  for (size_t i = 0; i < g.numInputs(); ++i) {
    inputs.push_back(g.input(i));
    if (!inputs.back())
      return false;
  }
  if (inputs.empty())
    return g.fail("expects at least one input");
  int64_t rank = cast<RankedTensorType>(inputs[0].getType()).getRank();
  auto axis = normalizeAxis(g.attrInt("axis", 0), rank);
  if (!axis)
    return g.fail("axis out of range");
  Value y = g.make<ConcatOp>(ValueRange(inputs), *axis);
  return g.produce(y);
}

bool importCast(GraphImporter &g) {
  Value x = g.input(0);
  if (!x)
    return false;
  int32_t to = static_cast<int32_t>(g.attrInt("to", 0));
  Type elem = elementTypeFor(g.ctx, to);
  if (!elem)
    return g.fail(std::string("cast to unsupported data type ") + dtypeName(to));
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getElementType() == elem)
    return g.produce(x);
  return g.produce(CastOp::create(g.builder, g.loc(), type.clone(elem), x));
}

template <typename OpT>
bool importCompare(GraphImporter &g) {
  Value lhs = g.input(0), rhs = g.input(1);
  return lhs && rhs && g.produce(g.make<OpT>(lhs, rhs));
}

bool importWhere(GraphImporter &g) {
  Value c = g.input(0), x = g.input(1), y = g.input(2);
  return c && x && y && g.produce(g.make<WhereOp>(c, x, y));
}

bool importArgMax(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  auto axis = normalizeAxis(g.attrInt("axis", 0), rank);
  if (!axis)
    return g.fail("axis out of range");
  return g.produce(g.make<ArgMaxOp>(x, *axis, g.attrInt("keepdims", 1) != 0,
                                    g.attrInt("select_last_index", 0) != 0));
}

/// Gather of a runtime tensor (constant data with constant indices folds on
/// the host before reaching here).
bool importGather(GraphImporter &g) {
  Value data = g.input(0), indices = g.input(1);
  if (!data || !indices)
    return false;
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  auto axis = normalizeAxis(g.attrInt("axis", 0), rank);
  if (!axis)
    return g.fail("axis out of range");
  if (const HostTensor *idx = g.constantInput(1)) {
    int64_t extent = cast<RankedTensorType>(data.getType()).getDimSize(*axis);
    for (int64_t i : idx->asInt64())
      if (i < -extent || i >= extent)
        return g.fail("index " + std::to_string(i) + " out of range");
  }
  return g.produce(g.make<GatherOp>(data, indices, *axis));
}

bool importSlice(GraphImporter &g) {
  Value x = g.input(0);
  if (!x)
    return false;
  SliceBounds bounds;
  if (!readSlice(g, shapeOf(cast<RankedTensorType>(x.getType())), bounds))
    return false;
  Value y = g.make<SliceOp>(x, bounds.begin, bounds.size, bounds.step);
  return g.produce(y);
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

//===----------------------------------------------------------------------===//
// Operators composed from kiln ops
//===----------------------------------------------------------------------===//

Value reduceOver(GraphImporter &g, Value x, Dims axes, bool mean) {
  return mean ? g.make<ReduceMeanOp>(x, axes, true)
              : g.make<ReduceSumOp>(x, axes, true);
}

/// (x - mean) / sqrt(var + eps) over `axes`; the mean and 1 / sqrt(var +
/// eps) are returned too, kept broadcastable (size-1 reduced dims).
Value normalizeOver(GraphImporter &g, Value x, const Dims &axes, float epsilon,
                    Value *meanOut = nullptr, Value *invStdOut = nullptr) {
  Value mean = reduceOver(g, x, axes, true);
  if (!mean)
    return {};
  Value centered = g.make<SubOp>(x, mean);
  Value squared = centered ? g.make<MulOp>(centered, centered) : Value();
  Value var = squared ? reduceOver(g, squared, axes, true) : Value();
  if (!var)
    return {};
  HostTensor eps = HostTensor::fromDouble({epsilon}, {}, kFloat);
  Value shifted = g.make<AddOp>(var, g.constant(eps, "epsilon"));
  if (!shifted)
    return {};
  Value std = SqrtOp::create(g.builder, g.loc(), shifted);
  if (meanOut)
    *meanOut = mean;
  if (invStdOut)
    *invStdOut = ReciprocalOp::create(g.builder, g.loc(), std);
  return g.make<DivOp>(centered, std);
}

bool importLayerNorm(GraphImporter &g) {
  Value x = g.input(0), scale = g.input(1);
  if (!x || !scale || !requireFloat(g, x))
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  auto axis = normalizeAxis(g.attrInt("axis", -1), rank);
  if (!axis)
    return g.fail("axis out of range");
  Dims axes;
  for (int64_t d = *axis; d < rank; ++d)
    axes.push_back(d);
  Value mean, invStd;
  Value y = normalizeOver(g, x, axes, g.attrFloat("epsilon", 1e-5f), &mean, &invStd);
  if (y) {
    g.setOutput(1, mean);
    g.setOutput(2, invStd);
  }
  y = y ? g.make<MulOp>(y, scale) : Value();
  if (y && g.hasInput(2)) {
    Value bias = g.input(2);
    y = bias ? g.make<AddOp>(y, bias) : Value();
  }
  return g.produce(y);
}

bool importInstanceNorm(GraphImporter &g) {
  Value x = g.input(0), scale = g.input(1), bias = g.input(2);
  if (!x || !scale || !bias || !requireFloat(g, x))
    return false;
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() < 3)
    return g.fail("expects an input of rank >= 3");
  Dims axes, paramShape(type.getRank() - 1, 1);
  for (int64_t d = 2; d < type.getRank(); ++d)
    axes.push_back(d);
  paramShape[0] = type.getDimSize(1);
  Value y = normalizeOver(g, x, axes, g.attrFloat("epsilon", 1e-5f));
  y = y ? g.make<MulOp>(y, g.reshape(scale, paramShape)) : Value();
  y = y ? g.make<AddOp>(y, g.reshape(bias, paramShape)) : Value();
  return g.produce(y);
}

bool importGlobalMaxPool(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if (rank < 3)
    return g.fail("expects an input of rank >= 3");
  Dims axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  Value y = g.make<ReduceMaxOp>(x, axes, true);
  return g.produce(y);
}

/// x - max - log(sum(exp(x - max))) along one axis (2-D coerced before 13).
bool importLogSoftmax(GraphImporter &g) {
  std::optional<SoftmaxOperand> op = softmaxOperand(g);
  if (!op)
    return false;
  Value in = op->in;
  int64_t reduceAxis = op->axis;
  Value max = g.make<ReduceMaxOp>(in, Dims{reduceAxis}, true);
  Value shifted = max ? g.make<SubOp>(in, max) : Value();
  if (!shifted)
    return false;
  Value sum = g.make<ReduceSumOp>(ExpOp::create(g.builder, g.loc(), shifted),
                                  Dims{reduceAxis}, true);
  Value y = sum ? g.make<SubOp>(shifted, LogOp::create(g.builder, g.loc(), sum))
                : Value();
  if (!y)
    return false;
  g.setOutput(0, g.reshape(y, op->shape));
  return true;
}

/// DepthToSpace and SpaceToDepth: reshape, transpose, reshape.
bool importDepthSpace(GraphImporter &g) {
  Value x = g.input(0);
  if (!x)
    return false;
  Dims s = shapeOf(cast<RankedTensorType>(x.getType()));
  int64_t b = g.attrInt("blocksize", 0);
  if (s.size() != 4 || b <= 0)
    return g.fail("expects a 4-D input and a positive blocksize");
  int64_t n = s[0], c = s[1], h = s[2], w = s[3];
  Dims split, perm, out;
  if (g.node->op_type() == "DepthToSpace") {
    if (c % (b * b) != 0)
      return g.fail("channels must be divisible by blocksize^2");
    if (g.attrString("mode", "DCR") == "CRD") {
      split = {n, c / (b * b), b, b, h, w};
      perm = {0, 1, 4, 2, 5, 3};
    } else {
      split = {n, b, b, c / (b * b), h, w};
      perm = {0, 3, 4, 1, 5, 2};
    }
    out = {n, c / (b * b), h * b, w * b};
  } else {
    if (h % b != 0 || w % b != 0)
      return g.fail("height and width must be divisible by blocksize");
    split = {n, c, h / b, b, w / b, b};
    perm = {0, 3, 5, 1, 2, 4};
    out = {n, c * b * b, h / b, w / b};
  }
  Value t = g.make<TransposeOp>(g.reshape(x, split), perm);
  if (!t)
    return false;
  g.setOutput(0, g.reshape(t, out));
  return true;
}

/// Einsum in its matmul-like forms: one or two operands, no ellipsis, no
/// repeated index within an operand. Indices only one operand has (and the
/// output lacks) are summed first; the rest becomes transposes around one
/// batched MatMul: batch (both and output), contracted (both, not output),
/// free (one operand and the output).
bool importEinsum(GraphImporter &g) {
  std::string eq;
  for (char c : g.attrString("equation"))
    if (c != ' ')
      eq += c;
  if (eq.find("...") != std::string::npos)
    return g.fail("equations with '...' are not supported");
  std::string lhs = eq.substr(0, eq.find("->"));
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  std::string out;
  if (eq.find("->") != std::string::npos) {
    out = eq.substr(eq.find("->") + 2);
  } else { // implicit: letters seen once, alphabetically
    for (char c = 'A'; c <= 'z'; ++c)
      if (std::count(lhs.begin(), lhs.end(), c) == 1)
        out += c;
  }
  if (terms.size() != g.numInputs() || terms.size() > 2)
    return g.fail("only one or two operands are supported");
  SmallVector<Value> ops;
  for (size_t i = 0; i < terms.size(); ++i) {
    Value v = g.input(i);
    if (!v || !requireFloat(g, v))
      return false;
    const std::string &t = terms[i];
    if (static_cast<int64_t>(t.size()) != cast<RankedTensorType>(v.getType()).getRank())
      return g.fail("term '" + t + "' does not match operand " + std::to_string(i));
    for (char c : t)
      if (std::count(t.begin(), t.end(), c) != 1)
        return g.fail("repeated index '" + std::string(1, c) + "' (diagonals) is not supported");
    // Sum away indices no one else needs.
    std::string other = terms.size() == 2 ? terms[1 - i] : "";
    Dims axes;
    std::string kept;
    for (size_t d = 0; d < t.size(); ++d) {
      if (out.find(t[d]) == std::string::npos && other.find(t[d]) == std::string::npos)
        axes.push_back(static_cast<int64_t>(d));
      else
        kept += t[d];
    }
    if (!axes.empty() && !(v = g.make<ReduceSumOp>(v, axes, false)))
      return false;
    terms[i] = kept;
    ops.push_back(v);
  }
  auto permuteTo = [&](Value v, const std::string &from, const std::string &to) -> Value {
    Dims perm;
    for (char c : to)
      perm.push_back(static_cast<int64_t>(from.find(c)));
    return from == to ? v : g.make<TransposeOp>(v, perm);
  };
  auto dims = [](Value v) { return shapeOf(cast<RankedTensorType>(v.getType())); };
  if (ops.size() == 1)
    return g.produce(permuteTo(ops[0], terms[0], out));

  const std::string &a = terms[0], &b = terms[1];
  std::string batch, contracted, freeA, freeB;
  for (char c : out) {
    bool inA = a.find(c) != std::string::npos, inB = b.find(c) != std::string::npos;
    (inA && inB ? batch : inA ? freeA : freeB) += c;
  }
  for (char c : a)
    if (b.find(c) != std::string::npos && out.find(c) == std::string::npos)
      contracted += c;
  Value x = permuteTo(ops[0], a, batch + freeA + contracted);
  Value y = permuteTo(ops[1], b, batch + contracted + freeB);
  if (!x || !y)
    return false;
  Dims xs = dims(x), ys = dims(y);
  size_t nb = batch.size();
  auto product = [](const Dims &d, size_t from, size_t to) {
    int64_t p = 1;
    for (size_t i = from; i < to; ++i)
      p *= d[i];
    return p;
  };
  Dims xShape(xs.begin(), xs.begin() + nb), yShape(ys.begin(), ys.begin() + nb);
  xShape.push_back(product(xs, nb, nb + freeA.size()));
  xShape.push_back(product(xs, nb + freeA.size(), xs.size()));
  yShape.push_back(product(ys, nb, nb + contracted.size()));
  yShape.push_back(product(ys, nb + contracted.size(), ys.size()));
  Value z = g.make<MatMulOp>(g.reshape(x, xShape), g.reshape(y, yShape));
  if (!z)
    return false;
  Dims zShape(xs.begin(), xs.begin() + nb + freeA.size());
  zShape.insert(zShape.end(), ys.begin() + nb + contracted.size(), ys.end());
  return g.produce(permuteTo(g.reshape(z, zShape), batch + freeA + freeB, out));
}

bool importSplit(GraphImporter &g) {
  Value x = g.input(0);
  if (!x)
    return false;
  Dims shape = shapeOf(cast<RankedTensorType>(x.getType()));
  int64_t rank = static_cast<int64_t>(shape.size());
  auto axis = normalizeAxis(g.attrInt("axis", 0), rank);
  if (!axis)
    return g.fail("axis out of range");
  Dims sizes;
  if (g.opset >= 13 && g.hasInput(1)) {
    if (!g.constantInts(1, sizes, "split"))
      return false;
  } else {
    sizes = g.attrInts("split");
  }
  int64_t parts = static_cast<int64_t>(g.numOutputs());
  if (sizes.empty()) {
    // Equal parts; with num_outputs (opset 18) the last may be smaller.
    int64_t n = g.attrInt("num_outputs", parts);
    int64_t chunk = (shape[*axis] + n - 1) / n;
    for (int64_t i = 0, left = shape[*axis]; i < n; ++i, left -= chunk)
      sizes.push_back(std::min(chunk, left));
  }
  int64_t total = 0;
  for (int64_t v : sizes)
    total += v;
  if (static_cast<int64_t>(sizes.size()) != parts || total != shape[*axis])
    return g.fail("split sizes do not add up to the axis");
  int64_t offset = 0;
  for (int64_t i = 0; i < parts; ++i) {
    Dims offsets(rank, 0), extents = shape, steps(rank, 1);
    offsets[*axis] = offset;
    extents[*axis] = sizes[i];
    offset += sizes[i];
    if (!g.hasOutput(i))
      continue;
    Value part = g.make<SliceOp>(x, offsets, extents, steps);
    if (!part)
      return false;
    g.setOutput(i, part);
  }
  return true;
}

/// Expand: numpy broadcast to the target shape, as adding a zero splat.
bool importExpand(GraphImporter &g) {
  RankedTensorType type = g.inputType(0);
  Dims target;
  if (!type)
    return g.fail("input is not defined");
  if (!g.constantInts(1, target, "the target shape"))
    return false;
  auto shape = broadcastShapes(shapeOf(type), target);
  if (!shape)
    return g.fail("input does not broadcast to the target shape");
  Value x = g.input(0);
  if (!x)
    return false;
  HostTensor zeros = HostTensor::fromDouble(
      std::vector<double>(numElements(*shape).value_or(0), 0.0), *shape,
      dtypeFor(type.getElementType()));
  Value y = g.make<AddOp>(x, g.constant(zeros, "expand"));
  return g.produce(y);
}

bool importTile(GraphImporter &g) {
  Value x = g.input(0);
  Dims repeats;
  if (!x || !g.constantInts(1, repeats, "repeats"))
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if (static_cast<int64_t>(repeats.size()) != rank)
    return g.fail("repeats must have one entry per dimension");
  for (int64_t axis = 0; axis < rank; ++axis) {
    if (repeats[axis] < 1)
      return g.fail("repeats must be positive");
    if (repeats[axis] == 1)
      continue;
    SmallVector<Value> copies(repeats[axis], x);
    x = g.make<ConcatOp>(ValueRange(copies), axis);
    if (!x)
      return false;
  }
  g.setOutput(0, x);
  return true;
}

/// Pad in constant mode; reflect and edge are not implemented yet.
bool importPad(GraphImporter &g) {
  Value x = g.input(0);
  if (!x)
    return false;
  std::string mode = g.attrString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return g.fail("unsupported attribute value mode='" + mode + "'");
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Dims pads;
  double value = 0;
  if (g.opset < 11) {
    pads = g.attrInts("pads");
    value = g.attrFloat("value", 0.0f);
  } else {
    if (!g.constantInts(1, pads, "pads"))
      return false;
    if (g.hasInput(2)) {
      const HostTensor *v = g.constantInput(2);
      if (!v || v->numElements() != 1)
        return g.fail("constant_value must be a compile-time scalar");
      value = v->asDouble()[0];
    }
    if (g.hasInput(3)) {
      Dims axes, full(2 * rank, 0);
      if (!g.constantInts(3, axes, "axes"))
        return false;
      for (size_t i = 0; i < axes.size(); ++i) {
        auto axis = normalizeAxis(axes[i], rank);
        if (!axis || pads.size() != 2 * axes.size())
          return g.fail("pads do not match axes");
        full[*axis] = pads[i];
        full[rank + *axis] = pads[axes.size() + i];
      }
      pads = full;
    }
  }
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return g.fail("pads must have 2 * rank entries");
  // Negative pads crop: slice first, then pad with the non-negative rest.
  Dims offsets(rank, 0), extents = shapeOf(type), steps(rank, 1);
  Dims shape;
  bool crop = false;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t lo = pads[d], hi = pads[rank + d];
    if (lo < 0)
      offsets[d] = -lo, extents[d] += lo, crop = true;
    if (hi < 0)
      extents[d] += hi, crop = true;
    if (extents[d] < 0)
      return g.fail("negative pads remove more than the dimension");
    shape.push_back(extents[d] + std::max<int64_t>(lo, 0) + std::max<int64_t>(hi, 0));
  }
  if (crop && !(x = g.make<SliceOp>(x, offsets, extents, steps)))
    return false;
  Dims lo, hi;
  for (int64_t d = 0; d < rank; ++d) {
    lo.push_back(std::max<int64_t>(pads[d], 0));
    hi.push_back(std::max<int64_t>(pads[rank + d], 0));
  }
  if (mode != "constant") {
    // reflect/edge: per axis, concat slices of the border (reversed for
    // reflect, the edge element repeated for edge) around the input.
    for (int64_t d = 0; d < rank; ++d) {
      if (!lo[d] && !hi[d])
        continue;
      Dims cur = shapeOf(cast<RankedTensorType>(x.getType()));
      int64_t n = cur[d];
      if (mode == "reflect" && (lo[d] >= n || hi[d] >= n))
        return g.fail("reflect padding must be smaller than the dimension");
      auto border = [&](int64_t offset, int64_t size, int64_t step) {
        Dims offs(rank, 0), ext = cur, steps(rank, 1);
        offs[d] = offset, ext[d] = size, steps[d] = step;
        return g.make<SliceOp>(x, offs, ext, steps);
      };
      SmallVector<Value> parts;
      if (lo[d]) {
        if (mode == "reflect")
          parts.push_back(border(lo[d], lo[d], -1));
        else
          parts.append(lo[d], border(0, 1, 1));
      }
      parts.push_back(x);
      if (hi[d]) {
        if (mode == "reflect")
          parts.push_back(border(n - 2, hi[d], -1));
        else
          parts.append(hi[d], border(n - 1, 1, 1));
      }
      if (llvm::any_of(parts, [](Value v) { return !v; }))
        return false;
      x = g.make<ConcatOp>(ValueRange(parts), d);
      if (!x)
        return false;
    }
    g.setOutput(0, x);
    return true;
  }
  auto outType = RankedTensorType::get(shape, type.getElementType());
  g.setOutput(0, PadOp::create(g.builder, g.loc(), outType, x,
                               g.builder.getDenseI64ArrayAttr(lo),
                               g.builder.getDenseI64ArrayAttr(hi),
                               g.builder.getF64FloatAttr(value)));
  return true;
}

} // namespace

const std::unordered_map<std::string, OpImporter> &opImporters() {
  static const std::unordered_map<std::string, OpImporter> table = {
      {"Add", importBinary<AddOp>},
      {"Sub", importBinary<SubOp>},
      {"Mul", importBinary<MulOp>},
      {"Div", importBinary<DivOp>},
      {"Relu", importUnary<ReluOp>},
      {"Sigmoid", importUnary<SigmoidOp>},
      {"Clip", importClip},
      {"HardSigmoid", importHardSigmoid},
      {"Identity", importIdentity},
      {"Conv", importConv},
      {"ConvTranspose", importConvTranspose},
      {"Resize", importResize},
      {"Upsample", importResize},
      {"MaxPool", importPool<MaxPoolOp>},
      {"AveragePool", importPool<AveragePoolOp>},
      {"GlobalAveragePool", importGlobalAveragePool},
      {"Gemm", importGemm},
      {"MatMul", importMatMul},
      {"BatchNormalization", importBatchNorm},
      {"Softmax", importSoftmax},
      {"Reshape", importReshape},
      {"Flatten", importFlatten},
      {"Unsqueeze", importUnsqueeze},
      {"Squeeze", importSqueeze},
      {"Transpose", importTranspose},
      {"Concat", importConcat},
      {"Cast", importCast},
      {"Gather", importGather},
      {"Equal", importCompare<EqualOp>},
      {"Less", importCompare<LessOp>},
      {"LessOrEqual", importCompare<LessEqualOp>},
      {"Greater", importCompare<GreaterOp>},
      {"GreaterOrEqual", importCompare<GreaterEqualOp>},
      {"Where", importWhere},
      {"ArgMax", importArgMax},
      {"Slice", importSlice},
      {"Sqrt", importUnary<SqrtOp>},
      {"Exp", importUnary<ExpOp>},
      {"Log", importUnary<LogOp>},
      {"Tanh", importUnary<TanhOp>},
      {"Erf", importUnary<ErfOp>},
      {"Neg", importUnary<NegOp>},
      {"Abs", importUnary<AbsOp>},
      {"Reciprocal", importUnary<ReciprocalOp>},
      {"Floor", importUnary<FloorOp>},
      {"Ceil", importUnary<CeilOp>},
      {"Softplus", importUnary<SoftplusOp>},
      {"HardSwish", importUnary<HardSwishOp>},
      {"LeakyRelu",
       [](GraphImporter &g) {
         return importUnaryWithAttrs<LeakyReluOp>(g, {{"alpha", 0.01f}});
       }},
      {"Elu",
       [](GraphImporter &g) {
         return importUnaryWithAttrs<EluOp>(g, {{"alpha", 1.0f}});
       }},
      {"Selu",
       [](GraphImporter &g) {
         return importUnaryWithAttrs<SeluOp>(
             g, {{"alpha", 1.67326319217681884765625f},
                 {"gamma", 1.05070102214813232421875f}});
       }},
      {"Pow", importPow},
      {"PRelu", importPRelu},
      {"ReduceSum", importReduce<ReduceSumOp>},
      {"LayerNormalization", importLayerNorm},
      {"InstanceNormalization", importInstanceNorm},
      {"GlobalMaxPool", importGlobalMaxPool},
      {"LogSoftmax", importLogSoftmax},
      {"DepthToSpace", importDepthSpace},
      {"SpaceToDepth", importDepthSpace},
      {"Split", importSplit},
      {"Einsum", importEinsum},
      {"Expand", importExpand},
      {"Tile", importTile},
      {"Pad", importPad},
      {"ReduceMean", importReduce<ReduceMeanOp>},
      {"ReduceMax", importReduce<ReduceMaxOp>},
      {"Max", importVariadic<MaxOp>},
      {"Min", importVariadic<MinOp>},
      {"Sum", importVariadic<AddOp>},
  };
  return table;
}

} // namespace kiln
