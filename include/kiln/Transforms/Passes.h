//===- Passes.h - Kiln passes and pipelines -------------------------------===//
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

struct CpuPipelineOptions {
  std::string entry = "main";
  uint64_t arenaAlignment = 64;
  // Contraction register tile (and the blocks weights are packed into).
  int64_t tileRows = 8;
  int64_t tileLanes = 32;
  // The wide tile of large matmuls (0: none).
  int64_t wideRows = 0;
  int64_t wideLanes = 0;
  // Depthwise convs call the Halide kernels (the target has them).
  bool halideKernels = false;
};

/// On a contraction: the register tile (rows, lanes) its packed operand was
/// laid out for. kiln-lower-to-linalg sets it, kiln-tile-and-vectorize
/// follows it.
inline constexpr llvm::StringLiteral kRegisterTileAttr = "kiln.register_tile";

/// The whole CPU path from kiln ops to the LLVM dialect, in order.
void buildCpuPipeline(mlir::OpPassManager &pm, const CpuPipelineOptions &opts);

/// Registers the passes and the `kiln-cpu-pipeline` pipeline for kiln-opt.
void registerKilnPipelines();

} // namespace kiln

#endif // KILN_TRANSFORMS_PASSES_H
