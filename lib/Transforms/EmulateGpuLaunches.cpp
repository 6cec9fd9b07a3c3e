//===- EmulateGpuLaunches.cpp - GPU launches as loops, to test them -------===//
//
// A gpu.launch means: run the body once per (block, thread), with
// gpu.block_id, gpu.thread_id, gpu.block_dim and gpu.grid_dim reading that
// point and the launch sizes. Loops over the six ids give the same results
// for kernels whose threads do not talk to each other, which is every
// kernel kiln-map-to-gpu writes; so the GPU path's graph and mapping can be
// checked against the conformance data on any CPU.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNEMULATEGPULAUNCHES
#include "kiln/Transforms/Passes.h.inc"

namespace {

/// The value of a gpu id/size op inside the loops: the loop's induction
/// variable or the launch's size, for the op's dimension.
Value idValue(Operation *op, ArrayRef<Value> blockIds, ArrayRef<Value> threadIds,
              ArrayRef<Value> gridSizes, ArrayRef<Value> blockSizes) {
  auto index = [](gpu::Dimension d) { return static_cast<unsigned>(d); };
  if (auto id = dyn_cast<gpu::BlockIdOp>(op))
    return blockIds[index(id.getDimension())];
  if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
    return threadIds[index(id.getDimension())];
  if (auto dim = dyn_cast<gpu::GridDimOp>(op))
    return gridSizes[index(dim.getDimension())];
  if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
    return blockSizes[index(dim.getDimension())];
  return {};
}

LogicalResult emulate(gpu::LaunchOp launch) {
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
      launch.hasClusterSize() || launch.getDynamicSharedMemorySize() ||
      !launch.getWorkgroupAttributions().empty() ||
      !launch.getPrivateAttributions().empty())
    return launch.emitError("emulation: the launch is asynchronous, clustered or "
                            "uses shared memory");
  WalkResult synchronizes = launch.getBody().walk([](gpu::BarrierOp barrier) {
    barrier.emitError("emulation: threads that synchronize cannot run one by one");
    return WalkResult::interrupt();
  });
  if (synchronizes.wasInterrupted())
    return failure();

  OpBuilder b(launch);
  Location loc = launch.getLoc();
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  SmallVector<Value> gridSizes = {grid.x, grid.y, grid.z};
  SmallVector<Value> blockSizes = {block.x, block.y, block.z};
  SmallVector<Value> bounds = {grid.z, grid.y, grid.x, block.z, block.y, block.x};
  SmallVector<Value> ivs;
  for (Value bound : bounds) {
    auto loop = b.create<scf::ForOp>(loc, zero, bound, one);
    ivs.push_back(loop.getInductionVar());
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }
  SmallVector<Value> blockIds = {ivs[2], ivs[1], ivs[0]};
  SmallVector<Value> threadIds = {ivs[5], ivs[4], ivs[3]};

  // The body's block arguments are the ids and sizes too.
  Block &body = launch.getBody().front();
  IRMapping map;
  gpu::KernelDim3 bodyBlockIds = launch.getBlockIds();
  gpu::KernelDim3 bodyThreadIds = launch.getThreadIds();
  gpu::KernelDim3 bodyGrid = launch.getGridSize();
  gpu::KernelDim3 bodyBlock = launch.getBlockSize();
  auto mapDims = [&](gpu::KernelDim3 from, ArrayRef<Value> to) {
    map.map(from.x, to[0]);
    map.map(from.y, to[1]);
    map.map(from.z, to[2]);
  };
  mapDims(bodyBlockIds, blockIds);
  mapDims(bodyThreadIds, threadIds);
  mapDims(bodyGrid, gridSizes);
  mapDims(bodyBlock, blockSizes);
  if (launch.getBody().getBlocks().size() != 1)
    return launch.emitError("emulation: the launch body has several blocks");
  for (Operation &op : body.without_terminator()) {
    if (Value v = idValue(&op, blockIds, threadIds, gridSizes, blockSizes)) {
      map.map(op.getResult(0), v);
      continue;
    }
    b.clone(op, map);
  }
  launch.erase();
  return success();
}

struct KilnEmulateGpuLaunchesPass
    : impl::KilnEmulateGpuLaunchesBase<KilnEmulateGpuLaunchesPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp launch) { launches.push_back(launch); });
    for (gpu::LaunchOp launch : launches)
      if (failed(emulate(launch)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace kiln
