//===- Entry.cpp - Finding the model's entry function ---------------------===//
#include "kiln/Transforms/Passes.h"

using namespace mlir;

namespace kiln {

func::FuncOp lookupEntry(ModuleOp module, StringRef entry) {
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    module.emitError("no entry function '") << entry << "'";
  return func;
}

} // namespace kiln
