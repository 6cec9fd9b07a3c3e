//===- Buffers.cpp - From tensors to buffers in one arena, for any backend -===//
#include "kiln/Pipeline/Pipelines.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace kiln {

void buildArenaBuffers(OpPassManager &pm, const std::string &entry,
                       uint64_t alignment, bool expandCopies) {
  // Buffers: caller-owned I/O, then everything else in one arena.
  pm.addPass(createKilnEntryToBuffers(KilnEntryToBuffersOptions{entry}));
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferAlignment = alignment;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Scratch tiles (partial reductions) leave their loops, so the arena
  // holds them too.
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferLoopHoistingPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  if (expandCopies)
    pm.addPass(createKilnExpandCopies());
  KilnPlanArenaOptions arena;
  arena.entry = entry;
  arena.alignment = alignment;
  pm.addPass(createKilnPlanArena(arena));
}

} // namespace kiln
