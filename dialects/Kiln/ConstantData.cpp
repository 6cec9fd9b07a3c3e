//===- ConstantData.cpp - Reading and making weight constants ---------===//
#include "Kiln/ConstantData.h"

#include "Kiln/KilnOps.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>
#include <type_traits>

using namespace mlir;

namespace kiln {

namespace {
/// The bytes of a resource-blob constant holding exactly `type`'s elements.
std::optional<ArrayRef<char>> blobBytes(Attribute attr, RankedTensorType type) {
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  AsmResourceBlob *blob = resource ? resource.getRawHandle().getBlob() : nullptr;
  if (!blob)
    return std::nullopt;
  ArrayRef<char> bytes = blob->getData();
  if (static_cast<int64_t>(bytes.size()) !=
      type.getNumElements() * type.getElementTypeBitWidth() / 8)
    return std::nullopt;
  return bytes;
}

template <typename T>
ElementsAttr makeConstant(RankedTensorType type, ArrayRef<T> values,
                          StringRef blobName) {
  // Like the importer: small constants stay inline so that folders and
  // lowerings can read them as plain dense elements.
  constexpr size_t kInlineLimit = 16;
  if (values.size() <= kInlineLimit) {
    if constexpr (std::is_floating_point_v<T>)
      return DenseElementsAttr::get(type, values);
    else
      return DenseElementsAttr::get(
          type, llvm::map_to_vector(values, [&](T v) {
            return APInt(type.getElementTypeBitWidth(), static_cast<int64_t>(v),
                         /*isSigned=*/true);
          }));
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T)),
      alignof(T));
  return DenseResourceElementsAttr::get(type, blobName, std::move(blob));
}
} // namespace

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
  std::optional<ArrayRef<char>> bytes = blobBytes(attr, type);
  if (!bytes)
    return std::nullopt;
  SmallVector<float> values(type.getNumElements());
  if (!values.empty())
    std::memcpy(values.data(), bytes->data(), bytes->size());
  return values;
}

std::optional<SmallVector<int64_t>> readIntConstant(Value value, bool isSigned) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  auto type = cast<RankedTensorType>(constant.getType());
  auto elem = dyn_cast<IntegerType>(type.getElementType());
  unsigned width = elem ? elem.getWidth() : 0;
  if (width != 8 && width != 16 && width != 32 && width != 64)
    return std::nullopt;
  bool sign = width != 8 || isSigned;
  Attribute attr = constant.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return llvm::map_to_vector(dense.getValues<APInt>(), [&](const APInt &v) {
      return sign ? v.getSExtValue() : static_cast<int64_t>(v.getZExtValue());
    });
  std::optional<ArrayRef<char>> bytes = blobBytes(attr, type);
  if (!bytes)
    return std::nullopt;
  SmallVector<int64_t> values(type.getNumElements());
  const char *data = bytes->data();
  for (size_t i = 0; i < values.size(); ++i) {
    switch (width) {
    case 8: {
      uint8_t u = static_cast<uint8_t>(data[i]);
      values[i] = sign ? static_cast<int8_t>(u) : u;
      break;
    }
    case 16: {
      int16_t v;
      std::memcpy(&v, data + 2 * i, 2);
      values[i] = v;
      break;
    }
    case 32: {
      int32_t v;
      std::memcpy(&v, data + 4 * i, 4);
      values[i] = v;
      break;
    }
    default:
      std::memcpy(&values[i], data + 8 * i, 8);
    }
  }
  return values;
}

ElementsAttr makeIntConstant(RankedTensorType type, ArrayRef<int64_t> values,
                             StringRef blobName) {
  switch (type.getElementTypeBitWidth()) {
  case 8:
    return makeConstant<int8_t>(
        type, llvm::map_to_vector(values, [](int64_t v) { return int8_t(v); }),
        blobName);
  case 16:
    return makeConstant<int16_t>(
        type, llvm::map_to_vector(values, [](int64_t v) { return int16_t(v); }),
        blobName);
  case 32:
    return makeConstant<int32_t>(
        type, llvm::map_to_vector(values, [](int64_t v) { return int32_t(v); }),
        blobName);
  default:
    return makeConstant<int64_t>(type, values, blobName);
  }
}

ElementsAttr makeF32Constant(RankedTensorType type, ArrayRef<float> values,
                             StringRef blobName) {
  return makeConstant<float>(type, values, blobName);
}

} // namespace kiln
