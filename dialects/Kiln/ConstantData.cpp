//===- ConstantData.cpp - Reading and making f32 weight constants ---------===//
#include "Kiln/ConstantData.h"

#include "Kiln/KilnOps.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

namespace kiln {

std::optional<SmallVector<float>> readF32Constant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  auto type = cast<RankedTensorType>(constant.getType());
  if (!type.getElementType().isF32())
    return std::nullopt;
  Attribute attr = constant.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return llvm::to_vector(dense.getValues<float>());
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return std::nullopt;
  ArrayRef<char> bytes = blob->getData();
  int64_t count = type.getNumElements();
  if (static_cast<int64_t>(bytes.size()) != count * 4)
    return std::nullopt;
  SmallVector<float> values(count);
  if (count)
    std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

ElementsAttr makeF32Constant(RankedTensorType type, ArrayRef<float> values,
                             StringRef blobName) {
  // Like the importer: small constants stay inline so that folders and
  // lowerings can read them as plain dense elements.
  constexpr size_t kInlineLimit = 16;
  if (values.size() <= kInlineLimit)
    return DenseElementsAttr::get(type, values);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(float)),
      alignof(float));
  return DenseResourceElementsAttr::get(type, blobName, std::move(blob));
}

} // namespace kiln
