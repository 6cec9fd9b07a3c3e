//===- Frontend.cpp - Target-neutral graph passes, in order ---------------===//
#include "kiln/Pipeline/Pipelines.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace kiln {

void buildFrontend(OpPassManager &pm, const FrontendOptions &options) {
  // First, while weights are still dequantize(constant): canonicalization
  // would fold them into float constants.
  pm.addNestedPass<func::FuncOp>(createKilnFoldQuantizedOps());
  if (options.foldIntoConv)
    pm.addNestedPass<func::FuncOp>(createKilnFoldIntoConv());
  pm.addPass(createCanonicalizerPass());
}

void buildQuantizedFold(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createKilnFoldQuantizedOps());
  pm.addPass(createCanonicalizerPass());
}

} // namespace kiln
