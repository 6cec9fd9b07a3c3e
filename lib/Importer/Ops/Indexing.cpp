//===- Indexing.cpp - Gather*, ScatterND, OneHot and Slice importers -----===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"

using namespace mlir;

namespace kiln {
namespace {

/// False, after reporting it, when a constant index list has an entry outside
/// [-extent, extent).
bool checkConstantIndices(GraphImporter &g, size_t input, int64_t extent) {
  const HostTensor *idx = g.constantInput(input);
  if (!idx)
    return true;
  for (int64_t i : idx->asInt64())
    if (i < -extent || i >= extent)
      return g.fail("index " + std::to_string(i) + " out of range");
  return true;
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
  if (!checkConstantIndices(g, 1, cast<RankedTensorType>(data.getType()).getDimSize(*axis)))
    return false;
  return g.produce(g.make<GatherOp>(data, indices, *axis));
}

bool importGatherElements(GraphImporter &g) {
  Value data = g.input(0), indices = g.input(1);
  if (!data || !indices)
    return false;
  auto type = cast<RankedTensorType>(data.getType());
  auto axis = normalizeAxis(g.attrInt("axis", 0), type.getRank());
  if (!axis)
    return g.fail("axis out of range");
  if (!checkConstantIndices(g, 1, type.getDimSize(*axis)))
    return false;
  return g.produce(g.make<GatherElementsOp>(data, indices, *axis));
}

/// OneHot as comparisons: the indices (negative ones counted from `depth`),
/// given a new axis, are compared with 0..depth-1 laid along it, and the
/// match picks values[1] over values[0].
bool importOneHot(GraphImporter &g) {
  Value indices = g.input(0), values = g.input(2);
  if (!indices || !values)
    return false;
  const HostTensor *depthInput = g.constantInput(1);
  if (!depthInput || depthInput->numElements() != 1)
    return g.fail("depth must be a compile-time scalar");
  int64_t depth = static_cast<int64_t>(depthInput->asDouble()[0]);
  if (depth < 1 || depth > (int64_t(1) << 24))
    return g.fail("depth " + std::to_string(depth) + " out of range");
  auto valuesType = cast<RankedTensorType>(values.getType());
  if (valuesType.getNumElements() != 2)
    return g.fail("values must hold two elements (off, on)");
  auto idxType = cast<RankedTensorType>(indices.getType());
  int64_t rank = idxType.getRank() + 1;
  auto axis = normalizeAxis(g.attrInt("axis", -1), rank);
  if (!axis)
    return g.fail("axis out of range");
  Type i64 = g.builder.getI64Type();
  if (idxType.getElementType() != i64) // float indices truncate, as a cast
    indices = CastOp::create(g.builder, g.loc(), idxType.clone(i64), indices);
  Value depthValue = g.constant(HostTensor::fromInt64({depth}, {}), "depth");
  Value zero = g.constant(HostTensor::fromInt64({0}, {}), "zero");
  Value negative = g.make<LessOp>(indices, zero);
  Value wrapped = negative ? g.make<AddOp>(indices, depthValue) : Value();
  Value index = wrapped ? g.make<WhereOp>(negative, wrapped, indices) : Value();
  if (!index)
    return false;
  Dims shape = shapeOf(idxType), along(rank, 1);
  shape.insert(shape.begin() + *axis, 1);
  along[*axis] = depth;
  Dims positions(depth);
  for (int64_t i = 0; i < depth; ++i)
    positions[i] = i;
  Value classes = g.constant(HostTensor::fromInt64(positions, along), "classes");
  Value hit = g.make<EqualOp>(g.reshape(index, shape), classes);
  Value flat = g.reshape(values, {2});
  Value off = g.make<SliceOp>(flat, Dims{0}, Dims{1}, Dims{1});
  Value on = g.make<SliceOp>(flat, Dims{1}, Dims{1}, Dims{1});
  if (!hit || !off || !on)
    return false;
  return g.produce(g.make<WhereOp>(hit, g.reshape(on, {}), g.reshape(off, {})));
}

/// ScatterND with its indices flattened to [U, q] and the updates to
/// [U, data dims q...].
bool importScatterND(GraphImporter &g) {
  Value data = g.input(0), indices = g.input(1), updates = g.input(2);
  if (!data || !indices || !updates)
    return false;
  auto dataType = cast<RankedTensorType>(data.getType());
  auto idxType = cast<RankedTensorType>(indices.getType());
  if (!idxType.getElementType().isInteger(64) || idxType.getRank() < 1)
    return g.fail("indices must be int64 of rank >= 1");
  int64_t q = idxType.getDimSize(idxType.getRank() - 1);
  if (q < 1 || q > dataType.getRank())
    return g.fail("the last dim of indices (" + std::to_string(q) + ") must be in [1, " +
                  std::to_string(dataType.getRank()) + "]");
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < idxType.getRank(); ++d)
    rows *= idxType.getDimSize(d);
  Dims expected(idxType.getShape().begin(), idxType.getShape().end() - 1);
  expected.insert(expected.end(), dataType.getShape().begin() + q, dataType.getShape().end());
  auto updType = cast<RankedTensorType>(updates.getType());
  if (shapeOf(updType) != expected || updType.getElementType() != dataType.getElementType())
    return g.fail("updates must have shape " + formatDims(expected) + " and data's type");
  Dims flat{rows};
  flat.insert(flat.end(), dataType.getShape().begin() + q, dataType.getShape().end());
  std::string reduction = g.attrString("reduction", "none");
  if (reduction != "none" && reduction != "add" && reduction != "mul" &&
      reduction != "max" && reduction != "min")
    return g.fail("unknown reduction '" + reduction + "'");
  return g.produce(ScatterNDOp::create(g.builder, g.loc(), dataType, data,
                                       g.reshape(indices, {rows, q}),
                                       g.reshape(updates, flat), reduction));
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

} // namespace

void addIndexingImporters(OpImporterTable &table) {
  table.try_emplace("Gather", importGather);
  table.try_emplace("GatherElements", importGatherElements);
  table.try_emplace("OneHot", importOneHot);
  table.try_emplace("ScatterND", importScatterND);
  table.try_emplace("Slice", importSlice);
}

} // namespace kiln
