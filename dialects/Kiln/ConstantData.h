//===- ConstantData.h - Reading and making weight constants -*- C++ -*-===//
#ifndef KILN_DIALECT_CONSTANTDATA_H
#define KILN_DIALECT_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace kiln {

/// The elements of an f32 `kiln.constant` (inline or resource blob), or
/// nullopt for anything else.
std::optional<llvm::SmallVector<float>> readF32Constant(mlir::Value value);

/// An f32 constant of `type` holding `values`: inline when small, else a
/// resource blob.
mlir::ElementsAttr makeF32Constant(mlir::RankedTensorType type,
                                   llvm::ArrayRef<float> values,
                                   llvm::StringRef blobName);

/// The elements of an integer `kiln.constant` (i8, i16, i32 or i64) as
/// int64; 8-bit values read as signed or unsigned per `isSigned`.
std::optional<llvm::SmallVector<int64_t>> readIntConstant(mlir::Value value,
                                                          bool isSigned = true);

/// An integer constant of `type` (signless i8, i16, i32 or i64 elements)
/// holding `values` truncated to the element width.
mlir::ElementsAttr makeIntConstant(mlir::RankedTensorType type,
                                   llvm::ArrayRef<int64_t> values,
                                   llvm::StringRef blobName);

} // namespace kiln

#endif // KILN_DIALECT_CONSTANTDATA_H
