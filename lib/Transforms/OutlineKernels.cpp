//===- OutlineKernels.cpp - One function per kernel -----------------------===//
#include "Kiln/KilnOps.h"
#include "kiln/Target/FunctionMarks.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNOUTLINEKERNELS
#include "kiln/Transforms/Passes.h.inc"

namespace {

/// Ops that can be re-created inside a kernel instead of being passed in:
/// they only name memory or produce constants.
bool isRematerializable(Operation *op) {
  return isa<ViewLikeOpInterface, memref::GetGlobalOp>(op) || isPure(op);
}

std::optional<int64_t> constantTripCount(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()),
                         ub = getConstantIntValue(loop.getUpperBound()),
                         step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *step <= 0 || *ub <= *lb)
    return std::nullopt;
  return (*ub - *lb + *step - 1) / *step;
}

/// True when `value` is computed from `iv` (through any ops in the loop).
bool dependsOn(Value value, Value iv) {
  SmallVector<Value> worklist = {value};
  llvm::DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (v == iv)
      return true;
    if (!seen.insert(v).second)
      continue;
    if (Operation *def = v.getDefiningOp())
      worklist.append(def->operand_begin(), def->operand_end());
  }
  return false;
}

/// An intrinsic call on vector values only (a pair multiply-add): register
/// arithmetic, whatever effects the generic op declares.
bool isRegisterIntrinsic(Operation *op) {
  auto isVector = [](Type t) { return isa<VectorType>(t); };
  return isa<LLVM::CallIntrinsicOp>(op) &&
         llvm::all_of(op->getOperandTypes(), isVector) &&
         llvm::all_of(op->getResultTypes(), isVector);
}

/// Whether the iterations of `loop` may run concurrently: every memory write
/// inside lands at a place computed from the induction variable (each
/// iteration owns its output tile). Reduction loops and anything else are
/// kept whole.
bool writesDependOnIteration(scf::ForOp loop) {
  if (loop.getNumResults() != 0)
    return false;
  Value iv = loop.getInductionVar();
  WalkResult result = loop.getBody()->walk([&](Operation *op) {
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects) {
      if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
          isa<scf::ForOp, scf::YieldOp>(op) || isRegisterIntrinsic(op))
        return WalkResult::advance();
      return WalkResult::interrupt();
    }
    SmallVector<MemoryEffects::EffectInstance> list;
    effects.getEffects(list);
    for (auto &effect : list) {
      if (!isa<MemoryEffects::Write>(effect.getEffect()))
        continue;
      Value target = effect.getValue();
      if (!target || !dependsOn(target, iv)) {
        // The written view may be fixed while the indices move.
        bool indexed = llvm::any_of(op->getOperands(), [&](Value operand) {
          return operand != target && isa<IndexType>(operand.getType()) &&
                 dependsOn(operand, iv);
        });
        if (!target || !indexed)
          return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// Roughly how many scalar operations one run of the nest performs: trip
/// counts down the first-loop chain times the widest vector in it. Splitting
/// costs a few microseconds of synchronization, so small kernels stay whole.
bool worthSplitting(scf::ForOp outer) {
  constexpr int64_t kMinWork = int64_t(1) << 17;
  // A loop of kernel calls does the calls' work, which they know.
  int64_t calls = 0;
  outer->walk([&](HalideDepthwiseOp op) { calls += op.getMultiplyAdds(); });
  if (calls)
    return calls >= kMinWork;
  int64_t work = 1, lanes = 1;
  outer->walk([&](Operation *op) {
    for (Type t : op->getResultTypes())
      if (auto v = dyn_cast<VectorType>(t))
        lanes = std::max(lanes, v.getNumElements());
  });
  for (scf::ForOp loop = outer; loop;) {
    work *= constantTripCount(loop).value_or(1);
    scf::ForOp inner;
    for (Operation &op : *loop.getBody())
      if ((inner = dyn_cast<scf::ForOp>(op)))
        break;
    loop = inner;
  }
  return work * lanes >= kMinWork;
}

/// Rewrites `loop` to run only its iterations [first, last).
void restrictToRange(OpBuilder &b, scf::ForOp loop, Value first, Value last) {
  Location loc = loop.getLoc();
  b.setInsertionPoint(loop);
  Value lb = loop.getLowerBound(), step = loop.getStep();
  Value begin = arith::AddIOp::create(
      b, loc, lb, arith::MulIOp::create(b, loc, first, step));
  Value end = arith::MinSIOp::create(
      b, loc, loop.getUpperBound(),
      arith::AddIOp::create(b, loc, lb,
                            arith::MulIOp::create(b, loc, last, step)));
  loop.getLowerBoundMutable().assign(begin);
  loop.getUpperBoundMutable().assign(end);
  b.setInsertionPointAfter(loop);
}

/// The loop that is all `outer` does (besides pure index arithmetic), when
/// it has a constant trip count and its iterations write disjoint places
/// too. Then the pair splits across threads as one range of
/// `outer trips x inner trips`: a kernel with 15 column tiles would
/// otherwise run 8 on one thread while the other, after 7, waits.
scf::ForOp splittableInnerLoop(scf::ForOp outer) {
  scf::ForOp inner;
  for (Operation &op : outer.getBody()->without_terminator()) {
    auto loop = dyn_cast<scf::ForOp>(op);
    if (loop && !inner) {
      inner = loop;
      continue;
    }
    if (!isPure(&op))
      return {};
  }
  if (!inner || !constantTripCount(inner) || !writesDependOnIteration(inner))
    return {};
  return inner;
}

/// Rewrites the nest `outer` { `inner` } to run only its iterations
/// [first, last) of the nest counted as one range, `innerTrips` per outer
/// iteration: whole outer iterations in the middle, partial inner ranges
/// at both ends.
void restrictToLinearRange(OpBuilder &b, scf::ForOp outer, scf::ForOp inner,
                           int64_t innerTrips, Value first, Value last) {
  Location loc = outer.getLoc();
  b.setInsertionPoint(outer);
  Value trips = arith::ConstantIndexOp::create(b, loc, innerTrips);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value outerLb = outer.getLowerBound(), outerStep = outer.getStep();
  Value firstOuter = arith::DivUIOp::create(b, loc, first, trips);
  Value lastOuter = arith::CeilDivUIOp::create(b, loc, last, trips);
  restrictToRange(b, outer, firstOuter, lastOuter);

  b.setInsertionPoint(inner);
  Value ordinal = arith::DivUIOp::create(
      b, loc, arith::SubIOp::create(b, loc, outer.getInductionVar(), outerLb),
      outerStep);
  Value done = arith::MulIOp::create(b, loc, ordinal, trips);
  Value lo = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, first, done), zero);
  Value hi = arith::MinSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, last, done), trips);
  restrictToRange(b, inner, lo, hi);
}

struct KilnOutlineKernelsPass
    : impl::KilnOutlineKernelsBase<KilnOutlineKernelsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp func = lookupEntry(module, entry);
    if (!func)
      return signalPassFailure();
    Block &block = func.getBody().front();
    OpBuilder b(func.getContext());
    SymbolTable symbols(module);
    unsigned index = 0;
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (!isa<linalg::LinalgOp, scf::ForOp>(op))
        continue;
      // Everything the op reads: operands and values its body captures.
      llvm::SetVector<Value> needed(op.getOperands().begin(),
                                    op.getOperands().end());
      getUsedValuesDefinedAbove(op.getRegions(), needed);
      llvm::SetVector<Operation *> slice;
      SmallVector<BlockArgument> args;
      SmallVector<Value> worklist(needed.begin(), needed.end());
      while (!worklist.empty()) {
        Value v = worklist.pop_back_val();
        if (auto arg = dyn_cast<BlockArgument>(v)) {
          if (!llvm::is_contained(args, arg))
            args.push_back(arg);
          continue;
        }
        Operation *def = v.getDefiningOp();
        if (!isRematerializable(def)) {
          def->emitError("cannot outline a kernel that reads this value");
          return signalPassFailure();
        }
        if (slice.insert(def))
          worklist.append(def->operand_begin(), def->operand_end());
      }
      llvm::sort(args, [](BlockArgument a, BlockArgument c) {
        return a.getArgNumber() < c.getArgNumber();
      });

      SmallVector<Type> argTypes;
      SmallVector<Value> callArgs;
      for (BlockArgument arg : args) {
        argTypes.push_back(arg.getType());
        callArgs.push_back(arg);
      }
      // A loop kernel runs iterations [first, last) of its outermost loop,
      // so the caller can split it across threads.
      auto loop = dyn_cast<scf::ForOp>(op);
      std::optional<int64_t> trips;
      scf::ForOp innerLoop;
      std::optional<int64_t> innerTrips;
      if (loop && writesDependOnIteration(loop) && worthSplitting(loop))
        trips = constantTripCount(loop);
      if (trips && (innerLoop = splittableInnerLoop(loop))) {
        innerTrips = constantTripCount(innerLoop);
        *trips *= *innerTrips;
      }
      if (trips)
        argTypes.append(2, b.getIndexType());
      b.setInsertionPoint(func);
      auto kernel = func::FuncOp::create(
          b, op.getLoc(),
          entry + (trips ? "_p" : "_k") + std::to_string(index++),
          b.getFunctionType(argTypes, {}));
      kernel.setPrivate();
      if (trips)
        markFunction(kernel, kLoopKernelFnAttr);
      symbols.insert(kernel);
      Block *body = kernel.addEntryBlock();
      IRMapping mapping;
      for (auto [arg, inner] : llvm::zip(args, body->getArguments()))
        mapping.map(arg, inner);
      b.setInsertionPointToStart(body);
      // Clone the slice in block order so definitions precede uses.
      SmallVector<Operation *> ordered(slice.begin(), slice.end());
      llvm::sort(ordered, [](Operation *x, Operation *y) {
        return x->isBeforeInBlock(y);
      });
      for (Operation *def : ordered)
        b.clone(*def, mapping);
      Operation *clone = b.clone(op, mapping);
      Value first, last;
      if (trips) {
        first = body->getArgument(args.size());
        last = body->getArgument(args.size() + 1);
      }
      if (innerTrips)
        restrictToLinearRange(
            b, cast<scf::ForOp>(clone),
            cast<scf::ForOp>(mapping.lookup(innerLoop.getOperation())),
            *innerTrips, first, last);
      else if (trips)
        restrictToRange(b, cast<scf::ForOp>(clone), first, last);
      b.setInsertionPointToEnd(body);
      func::ReturnOp::create(b, op.getLoc());

      b.setInsertionPoint(&op);
      if (trips) {
        callArgs.push_back(arith::ConstantIndexOp::create(b, op.getLoc(), 0));
        callArgs.push_back(
            arith::ConstantIndexOp::create(b, op.getLoc(), *trips));
      }
      func::CallOp::create(b, op.getLoc(), kernel, callArgs);
      op.erase();
    }
    // Views and constants only the kernels used are dead now.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
      if (!op.hasTrait<OpTrait::IsTerminator>() && isRematerializable(&op) &&
          op.use_empty())
        op.erase();
  }
};
} // namespace
} // namespace kiln
