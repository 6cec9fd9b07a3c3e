//===- Passes.h - Kiln passes ---------------------------------------------===//
#ifndef KILN_TRANSFORMS_PASSES_H
#define KILN_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln {

#define GEN_PASS_DECL
#include "kiln/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "kiln/Transforms/Passes.h.inc"

/// The model's entry function in `module`, or null after reporting that it
/// is missing.
mlir::func::FuncOp lookupEntry(mlir::ModuleOp module, llvm::StringRef entry);

/// Adds `mark` (kiln/Target/FunctionMarks.h) to the LLVM function
/// attributes `func` will carry.
void markFunction(mlir::func::FuncOp func, llvm::StringRef mark);

/// On a contraction: the register tile (rows, lanes) its packed operand was
/// laid out for, when it differs from the pass options' tile.
/// kiln-select-cpu-kernels sets it on the kiln op, kiln-lower-to-linalg moves
/// it to the packed generic, kiln-tile-and-vectorize follows it.
inline constexpr llvm::StringLiteral kRegisterTileAttr = "kiln.register_tile";

/// On a kiln conv, matmul or gemm: the tile (rows, lanes) its constant
/// operand is packed for. Set by a backend (kiln-select-cpu-kernels), read
/// by kiln-lower-to-linalg; without it a contraction stays unpacked.
inline constexpr llvm::StringLiteral kPackTileAttr = "kiln.pack_tile";
/// On an integer contraction: the reduction loop (extent 2 or 4) whose
/// channel groups are adjacent in both operands' tiles, for a target's pair
/// or quad multiply-add (kiln-tile-and-vectorize).
inline constexpr llvm::StringLiteral kGroupReductionAttr =
    "kiln.group_reduction";
/// On a packed kiln qconv or qmatmul: the input channels its contraction
/// takes per step, 2 (i16 pairs, the default) or 4 (i8 quads, for a dot
/// product instruction). Set by kiln-select-cpu-kernels, read by
/// kiln-lower-to-linalg.
inline constexpr llvm::StringLiteral kChannelGroupAttr = "kiln.channel_group";
/// On a qconv or qmatmul with quads: the dot product reads the inputs as
/// unsigned bytes (x86 vpdpbusd), so the lowering shifts them there.
inline constexpr llvm::StringLiteral kUnsignedQuadsAttr = "kiln.unsigned_quads";
/// On a qconv or qmatmul with quads: the largest weight magnitude the dot
/// product takes without saturating (x86 pmaddubsw: 64); absent, any
/// signed byte. Weights beyond it use pairs.
inline constexpr llvm::StringLiteral kQuadMaxWeightAttr = "kiln.quad_max_weight";

} // namespace kiln

#endif // KILN_TRANSFORMS_PASSES_H
