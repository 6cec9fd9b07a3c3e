//===- DataTypes.h - The one table of tensor element types ----*- C++ -*-===//
//
// ONNX TensorProto.DataType codes Kiln handles, with their names, sizes and
// MLIR element types. The importer (reading tensors, typing values) and the
// header generator (kiln_tensor_desc.dtype) both ask this table, so the two
// cannot disagree.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_DATATYPES_H
#define KILN_DIALECT_DATATYPES_H

#include "mlir/IR/Types.h"

#include <cstddef>
#include <cstdint>

namespace kiln {

enum OnnxDType : int32_t {
  kFloat = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
};

struct DataTypeInfo {
  int32_t code;     // ONNX TensorProto.DataType
  const char *name; // as ONNX spells it
  size_t bytes;     // per element, in host tensors and in the object
  /// Compiled code computes on it (model inputs, outputs, run-time ops);
  /// otherwise it exists only at compile time (initializers, folding).
  bool atRunTime;
};

/// The entry for `code`, or null when Kiln does not handle it.
const DataTypeInfo *lookupDataType(int32_t code);

/// Bytes per element of `code`; 0 when unsupported.
size_t elementSize(int32_t code);

/// The MLIR element type of `code`; null when unsupported.
mlir::Type elementTypeFor(mlir::MLIRContext *ctx, int32_t code);

/// The ONNX code of an MLIR element type; 0 when it has none.
int32_t dtypeFor(mlir::Type elementType);

/// ONNX's name of any code ("float", "uint8", ...; "unknown" past the list).
const char *dtypeName(int32_t code);

} // namespace kiln

#endif // KILN_DIALECT_DATATYPES_H
