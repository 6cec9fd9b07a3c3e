//===- ObjectEmitter.h - LLVM dialect to object code, in process ----------===//
//
// Code generation in two steps: the model as an llvm::Module (C interface
// and Halide kernels linked in, only the C API exported), then O3 and the
// object. A caller may run the module in between (a JIT) or emit it for
// several kernel sets.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_OBJECTEMITTER_H
#define KILN_TARGET_OBJECTEMITTER_H

#include "kiln/Target/ModelInterface.h"
#include "kiln/Target/TargetDescription.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace kiln {

enum class EmitKind { Object, Assembly, LLVMIR };

/// Translates `module` (LLVM dialect, one function marked as the entry) to
/// LLVM IR for `target`, adds the model's C interface, links the Halide
/// kernels it calls from the target's kernel folder, and makes everything
/// but the C interface internal. Null with `error` set on failure.
std::unique_ptr<llvm::Module> buildLLVMModule(mlir::ModuleOp module,
                                              const ModelInterface &model,
                                              const TargetDescription &target,
                                              llvm::LLVMContext &context,
                                              std::string &error);

/// Optimizes `module` at O3 for `target`: what writeObject does first, for a
/// caller that runs the module in process instead.
void optimizeModule(llvm::Module &module, const TargetDescription &target);

/// Optimizes `module` at O3 for `target` and writes `kind` to `os`.
bool writeObject(llvm::Module &module, const TargetDescription &target,
                 EmitKind kind, llvm::raw_pwrite_stream &os,
                 std::string &error);

/// Links the Halide kernels `module` calls (kiln_hl_* declarations) from
/// the bitcode in `dir`, internal to the module and compiled for its target;
/// false with `error` set when one is missing.
bool linkHalideKernels(llvm::Module &module, const std::string &dir,
                       std::string &error);

} // namespace kiln

#endif
