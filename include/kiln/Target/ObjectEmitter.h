//===- ObjectEmitter.h - LLVM dialect to object code, in process ----------===//
#ifndef KILN_TARGET_OBJECTEMITTER_H
#define KILN_TARGET_OBJECTEMITTER_H

#include "kiln/Target/ModelInterface.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace kiln {

enum class EmitKind { Object, Assembly, LLVMIR };

struct CodegenOptions {
  std::string triple; // empty: the host
  std::string cpu = "generic";
};

/// Translates `module` (LLVM dialect) to LLVM IR, adds the model's C
/// interface, optimizes at O3 for the target and writes `kind` to `os`.
bool emitModel(mlir::ModuleOp module, const ModelInterface &model,
               const std::string &implName, const CodegenOptions &options,
               EmitKind kind, llvm::raw_pwrite_stream &os, std::string &error);

} // namespace kiln

#endif
