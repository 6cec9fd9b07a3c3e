//===- ConstantData.h - Reading and making f32 weight constants -*- C++ -*-===//
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

} // namespace kiln

#endif // KILN_DIALECT_CONSTANTDATA_H
