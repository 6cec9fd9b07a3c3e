//===- MapToGpu.cpp - One GPU launch per loop nest of the entry ------------===//
//
// After bufferization every linalg op of the entry is an `scf.parallel` nest
// over buffers in the arena, the inputs, the outputs or the weights. Each
// nest becomes one `gpu.launch`: one thread per point of its iteration space,
// linearized with the last dim fastest so that neighbouring threads touch
// neighbouring elements (coalesced loads), and the reduction loops inside
// run sequentially in each thread. This is the plain SIMT form every kernel
// starts from, and the reference the tiled kernels are checked against.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNMAPTOGPU
#include "kiln/Transforms/Passes.h.inc"

namespace {

/// What may stay on the host: it computes no data, only describes where
/// data lives (views, constants, globals) for the launches.
bool staysOnHost(Operation *op) {
  // Reshapes and subviews are view-like; reinterpret casts are pure.
  return isa<func::ReturnOp, memref::GetGlobalOp, ViewLikeOpInterface>(op) ||
         isMemoryEffectFree(op);
}

/// A launch of `blocks` x `threads` threads at `b`'s insertion point; `body`
/// fills it from the linear thread index, and the gpu.terminator is added
/// here.
gpu::LaunchOp buildLaunch(OpBuilder &b, Location loc, int64_t blocks,
                          int64_t threads,
                          function_ref<void(OpBuilder &, Value)> body) {
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value gridX = b.create<arith::ConstantIndexOp>(loc, blocks);
  Value blockX = b.create<arith::ConstantIndexOp>(loc, threads);
  auto launch =
      b.create<gpu::LaunchOp>(loc, gridX, one, one, blockX, one, one);
  OpBuilder inner = OpBuilder::atBlockBegin(&launch.getBody().front());
  gpu::KernelDim3 blockIds = launch.getBlockIds();
  gpu::KernelDim3 threadIds = launch.getThreadIds();
  Value base = inner.create<arith::MulIOp>(loc, blockIds.x, blockX);
  Value linear = inner.create<arith::AddIOp>(loc, base, threadIds.x);
  body(inner, linear);
  OpBuilder::atBlockEnd(&launch.getBody().front()).create<gpu::TerminatorOp>(loc);
  return launch;
}

/// The constant trip counts of `loop`, or failure (after reporting why).
FailureOr<SmallVector<int64_t>> tripCounts(scf::ParallelOp loop) {
  SmallVector<int64_t> counts;
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb);
    std::optional<int64_t> u = getConstantIntValue(ub);
    std::optional<int64_t> s = getConstantIntValue(step);
    if (!l || !u || !s || *s <= 0)
      return loop.emitError("GPU launch of a loop nest whose bounds are not "
                            "constant");
    counts.push_back(*u > *l ? (*u - *l + *s - 1) / *s : 0);
  }
  return counts;
}

LogicalResult launchLoopNest(scf::ParallelOp loop, int64_t blockSize) {
  if (loop.getNumResults() != 0)
    return loop.emitError("GPU launch of a parallel loop with reductions");
  FailureOr<SmallVector<int64_t>> counts = tripCounts(loop);
  if (failed(counts))
    return failure();
  int64_t total = 1;
  for (int64_t n : *counts)
    total *= n;
  if (total == 0) {
    loop.erase();
    return success();
  }
  int64_t threads = std::min(blockSize, total);
  int64_t blocks = (total + threads - 1) / threads;
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  buildLaunch(b, loc, blocks, threads, [&](OpBuilder &inner, Value linear) {
    Block *guarded = nullptr;
    if (blocks * threads != total) {
      Value end = inner.create<arith::ConstantIndexOp>(loc, total);
      Value inside = inner.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult,
                                                 linear, end);
      auto ifOp = inner.create<scf::IfOp>(loc, inside, /*withElse=*/false);
      guarded = ifOp.thenBlock();
      inner.setInsertionPoint(guarded->getTerminator());
    }
    SmallVector<Value> indices;
    if (counts->size() == 1) {
      indices.push_back(linear);
    } else {
      auto split = inner.create<affine::AffineDelinearizeIndexOp>(
          loc, linear, *counts, /*hasOuterBound=*/true);
      indices.append(split.getResults().begin(), split.getResults().end());
    }
    IRMapping map;
    for (auto [iv, index, lb, step] :
         llvm::zip(loop.getInductionVars(), indices, loop.getLowerBound(),
                   loop.getStep())) {
      Value scaled = inner.create<arith::MulIOp>(loc, index, step);
      map.map(iv, inner.create<arith::AddIOp>(loc, scaled, lb).getResult());
    }
    for (Operation &op : loop.getBody()->without_terminator())
      inner.clone(op, map);
  });
  loop.erase();
  return success();
}

/// A copy between buffers as a loop nest, so that it launches like the rest.
scf::ParallelOp copyAsLoopNest(memref::CopyOp copy) {
  OpBuilder b(copy);
  Location loc = copy.getLoc();
  auto type = cast<MemRefType>(copy.getSource().getType());
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  SmallVector<Value> lbs(type.getRank(), zero), steps(type.getRank(), one), ubs;
  for (int64_t d : type.getShape())
    ubs.push_back(b.create<arith::ConstantIndexOp>(loc, d));
  auto loop = b.create<scf::ParallelOp>(
      loc, lbs, ubs, steps, [&](OpBuilder &body, Location l, ValueRange ivs) {
        Value v = body.create<memref::LoadOp>(l, copy.getSource(), ivs);
        body.create<memref::StoreOp>(l, v, copy.getTarget(), ivs);
      });
  copy.erase();
  return loop;
}

struct KilnMapToGpuPass : impl::KilnMapToGpuBase<KilnMapToGpuPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &body = func.getBody().front();
    for (Operation *next, *op = &body.front(); op; op = next) {
      next = op->getNextNode();
      if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        if (!cast<MemRefType>(copy.getSource().getType()).hasStaticShape()) {
          copy.emitError("GPU copy of a buffer whose shape is not static");
          return signalPassFailure();
        }
        if (failed(launchLoopNest(copyAsLoopNest(copy), blockSize)))
          return signalPassFailure();
        continue;
      }
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        if (failed(launchLoopNest(loop, blockSize)))
          return signalPassFailure();
        continue;
      }
      if (staysOnHost(op))
        continue;
      // Anything else that touches memory (a rank-0 result's load and
      // store, a sequential loop) runs in a launch of one thread, with the
      // ops after it that use what it computes: the host reads no data.
      SmallVector<Operation *> chunk = {op};
      auto escapes = [&] {
        for (Operation *o : chunk)
          for (Operation *user : o->getUsers())
            if (!llvm::is_contained(chunk, body.findAncestorOpInBlock(*user)))
              return true;
        return false;
      };
      while (escapes()) {
        Operation *after = chunk.back()->getNextNode();
        if (!after || after->hasTrait<OpTrait::IsTerminator>()) {
          op->emitError("GPU: '") << op->getName()
                                  << "' computes a value the host would need";
          return signalPassFailure();
        }
        chunk.push_back(after);
      }
      OpBuilder b(op);
      buildLaunch(b, op->getLoc(), 1, 1, [&](OpBuilder &inner, Value) {
        IRMapping map;
        for (Operation *o : chunk)
          inner.clone(*o, map);
      });
      next = chunk.back()->getNextNode();
      for (Operation *o : llvm::reverse(chunk))
        o->erase();
    }
    // Every kernel in one module, so the artifact carries one PTX text;
    // numbered in launch order.
    MLIRContext *ctx = func.getContext();
    auto module = FlatSymbolRefAttr::get(ctx, func.getName().str() + "_kernels");
    int64_t index = 0;
    func.walk([&](gpu::LaunchOp launch) {
      launch.setModuleAttr(module);
      launch.setFunctionAttr(FlatSymbolRefAttr::get(
          ctx, func.getName().str() + "_k" + std::to_string(index++)));
    });
  }
};

} // namespace
} // namespace kiln
