//===- DataMovement.cpp - Shape and data movement importers ---------------===//
//
// Runtime tensors move here; constants fold on the host (ShapeFolding.cpp).
//
//===----------------------------------------------------------------------===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace kiln {
namespace {

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
  if (!shape && !type.hasStaticShape())
    return g.fail("cannot reshape " + formatDims(shapeOf(type)) + " to " +
                  formatDims(target) + ": with ranged dims, the result may have "
                  "one dynamic dim only");
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
  for (int64_t i = 0; i < rank; ++i) {
    int64_t &part = i < axis ? outer : inner;
    part = type.isDynamicDim(i) || ShapedType::isDynamic(part)
               ? ShapedType::kDynamic
               : part * type.getDimSize(i);
  }
  if (ShapedType::isDynamic(outer) && ShapedType::isDynamic(inner))
    return g.fail("flattening ranged dims into both halves is not supported");
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

void addDataMovementImporters(OpImporterTable &table) {
  table.try_emplace("Reshape", importReshape);
  table.try_emplace("Flatten", importFlatten);
  table.try_emplace("Unsqueeze", importUnsqueeze);
  table.try_emplace("Squeeze", importSqueeze);
  table.try_emplace("Transpose", importTranspose);
  table.try_emplace("Concat", importConcat);
  table.try_emplace("DepthToSpace", importDepthSpace);
  table.try_emplace("SpaceToDepth", importDepthSpace);
  table.try_emplace("Split", importSplit);
  table.try_emplace("Expand", importExpand);
  table.try_emplace("Tile", importTile);
  table.try_emplace("Pad", importPad);
}

} // namespace kiln
