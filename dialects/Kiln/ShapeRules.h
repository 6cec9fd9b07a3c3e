//===- ShapeRules.h - Shape rules shared by float and integer ops -*- C++ -*-===//
//
// kiln.conv and kiln.qconv (kiln.matmul and kiln.qmatmul) have one shape
// rule each, whatever their element types.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_SHAPERULES_H
#define KILN_DIALECT_SHAPERULES_H

#include "kiln/Support/ShapeArithmetic.h"

#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <optional>

namespace kiln {

/// N x M x O... of a grouped conv of `input` (N x C x S...) with `weight`
/// (M x C/group x K...); `bias` (optional) must have M elements.
mlir::FailureOr<Shape>
inferConvShape(std::optional<mlir::Location> loc, mlir::Value input,
               mlir::Value weight, mlir::Value bias,
               llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> pads,
               llvm::ArrayRef<int64_t> dilations, int64_t group);

/// batch... x M x N of a batched matrix product (batch dims broadcast).
mlir::FailureOr<Shape> inferMatMulShape(std::optional<mlir::Location> loc,
                                        mlir::Value lhs, mlir::Value rhs);

} // namespace kiln

#endif // KILN_DIALECT_SHAPERULES_H
