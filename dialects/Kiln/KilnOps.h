//===- KilnOps.h - Operations of the kiln dialect -------------------------===//
#ifndef KILN_DIALECT_KILNOPS_H
#define KILN_DIALECT_KILNOPS_H

#include "Kiln/KilnDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "Kiln/KilnOps.h.inc"

namespace kiln {
/// A depthwise conv's kernel size and strides as the Halide kernels' variants
/// spell them (`k5_s1`, `k3_s2x1`): part of each variant's name, and the key
/// of a target's choice between Halide and MLIR.
std::string depthwiseShapeName(int64_t kernelSize, llvm::ArrayRef<int64_t> strides);
} // namespace kiln

#endif // KILN_DIALECT_KILNOPS_H
