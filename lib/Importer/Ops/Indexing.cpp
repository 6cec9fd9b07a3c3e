//===- Indexing.cpp - Gather and Slice importers --------------------------===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"

using namespace mlir;

namespace kiln {
namespace {

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

} // namespace

void addIndexingImporters(OpImporterTable &table) {
  table.try_emplace("Gather", importGather);
  table.try_emplace("Slice", importSlice);
}

} // namespace kiln
