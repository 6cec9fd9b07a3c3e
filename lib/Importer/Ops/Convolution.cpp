//===- Convolution.cpp - Conv, pooling and resize importers ---------------===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"
#include "kiln/Support/ResizeTaps.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace kiln {
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

namespace {

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

} // namespace

void addConvolutionImporters(OpImporterTable &table) {
  table.try_emplace("Conv", importConv);
  table.try_emplace("ConvTranspose", importConvTranspose);
  table.try_emplace("Resize", importResize);
  table.try_emplace("Upsample", importResize);
  table.try_emplace("MaxPool", importPool<MaxPoolOp>);
  table.try_emplace("AveragePool", importPool<AveragePoolOp>);
  table.try_emplace("GlobalAveragePool", importGlobalAveragePool);
  table.try_emplace("GlobalMaxPool", importGlobalMaxPool);
}

} // namespace kiln
