//===- DataTypes.cpp - ONNX codes, sizes and MLIR element types -----------===//
#include "Kiln/DataTypes.h"

#include "mlir/IR/BuiltinTypes.h"

#include <iterator>

using namespace mlir;

namespace kiln {

namespace {

// uint8 crosses the model boundary (quantized inputs and outputs); the
// importer lets only quantization ops and Cast read it at run time.
constexpr DataTypeInfo kDataTypes[] = {
    {kFloat, "float", 4, true},  {kUInt8, "uint8", 1, true},
    {kInt8, "int8", 1, true},    {kInt32, "int32", 4, true},
    {kInt64, "int64", 8, true},  {kBool, "bool", 1, true},
};

} // namespace

const DataTypeInfo *lookupDataType(int32_t code) {
  for (const DataTypeInfo &info : kDataTypes)
    if (info.code == code)
      return &info;
  return nullptr;
}

size_t elementSize(int32_t code) {
  const DataTypeInfo *info = lookupDataType(code);
  return info ? info->bytes : 0;
}

Type elementTypeFor(MLIRContext *ctx, int32_t code) {
  switch (code) {
  case kFloat:
    return Float32Type::get(ctx);
  case kUInt8:
    return IntegerType::get(ctx, 8, IntegerType::Unsigned);
  case kInt8:
    return IntegerType::get(ctx, 8);
  case kInt32:
    return IntegerType::get(ctx, 32);
  case kInt64:
    return IntegerType::get(ctx, 64);
  case kBool:
    return IntegerType::get(ctx, 1);
  default:
    return {};
  }
}

int32_t dtypeFor(Type type) {
  for (const DataTypeInfo &info : kDataTypes)
    if (elementTypeFor(type.getContext(), info.code) == type)
      return info.code;
  return 0;
}

const char *dtypeName(int32_t code) {
  static const char *names[] = {"undefined", "float", "uint8", "int8",
                                "uint16", "int16", "int32", "int64",
                                "string", "bool", "float16", "double",
                                "uint32", "uint64", "complex64",
                                "complex128", "bfloat16"};
  if (code >= 0 && code < static_cast<int32_t>(std::size(names)))
    return names[code];
  return "unknown";
}

} // namespace kiln
