//===- Entry.cpp - Finding the entry; marking generated functions ---------===//
#include "kiln/Transforms/Passes.h"

using namespace mlir;

namespace kiln {

func::FuncOp lookupEntry(ModuleOp module, StringRef entry) {
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    module.emitError("no entry function '") << entry << "'";
  return func;
}

void markFunction(func::FuncOp func, StringRef mark) {
  MLIRContext *ctx = func.getContext();
  SmallVector<Attribute> marks;
  if (auto existing = func->getAttrOfType<ArrayAttr>("passthrough"))
    marks.append(existing.begin(), existing.end());
  marks.push_back(StringAttr::get(ctx, mark));
  func->setAttr("passthrough", ArrayAttr::get(ctx, marks));
}

} // namespace kiln
