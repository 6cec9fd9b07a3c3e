//===- ObjectEmitter.h - LLVM dialect to object code, in process ----------===//
#ifndef KILN_TARGET_OBJECTEMITTER_H
#define KILN_TARGET_OBJECTEMITTER_H

#include "kiln/Target/ModelInterface.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace kiln {

enum class EmitKind { Object, Assembly, LLVMIR };

struct CodegenOptions {
  std::string triple; // empty: the host
  std::string cpu = "generic";
};

/// The folder under `root` (kilnc's lib/kiln/kernels) holding the Halide
/// kernel set for the target of `tm`, or "" when there is none.
std::string halideKernelDir(const llvm::TargetMachine &tm,
                            const std::string &root);

/// Links the Halide kernels `module` calls (kiln_hl_* declarations) from
/// the bitcode in `dir`, internal to the module and compiled for its target;
/// false with `error` set when one is missing.
bool linkHalideKernels(llvm::Module &module, const std::string &dir,
                       std::string &error);

/// The code generator for `options` (triple and CPU checked), or null with
/// `error` set.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CodegenOptions &options, std::string &error);

/// The contraction register tile for a target: `rows` x `lanes` f32
/// accumulators that stay in its vector registers next to one row of the
/// streamed operand and a broadcast.
struct RegisterTile {
  int64_t rows = 8;
  int64_t lanes = 32;
  // The tile of large matmuls, where the target has a wider one; 0: none.
  int64_t wideRows = 0;
  int64_t wideLanes = 0;
};

/// The register tile for the code generator `tm`.
RegisterTile registerTileFor(const llvm::TargetMachine &tm);

/// Translates `module` (LLVM dialect) to LLVM IR, adds the model's C
/// interface, links the Halide kernels it calls from `halideKernels` (the
/// folder halideKernelDir gave; empty: none), optimizes at O3 for `tm` and
/// writes `kind` to `os`.
bool emitModel(mlir::ModuleOp module, const ModelInterface &model,
               const std::string &implName, llvm::TargetMachine &tm,
               const std::string &halideKernels, EmitKind kind,
               llvm::raw_pwrite_stream &os, std::string &error);

} // namespace kiln

#endif
