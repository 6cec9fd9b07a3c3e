//===- PlanArena.cpp - Intermediates into one caller-owned arena ----------===//
//
// After bufferization every intermediate is a static memref.alloc in the
// entry block. A buffer is live from its alloc to the last entry-block op that
// touches it or any view of it; ArenaPlanner turns those intervals into
// offsets, and each alloc becomes a memref.view of the arena argument.
//
//===----------------------------------------------------------------------===//
#include "kiln/Support/ArenaPlanner.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNPLANARENA
#include "kiln/Transforms/Passes.h.inc"

namespace {

/// Bytes of `alloc` at its largest: dynamic sizes (from ranged input dims)
/// at their upper bounds, which the entry's clamps make known.
FailureOr<uint64_t> maxByteSize(memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  unsigned bits = type.getElementTypeBitWidth();
  uint64_t elements = 1;
  auto dynamic = alloc.getDynamicSizes().begin();
  for (int64_t d : type.getShape()) {
    if (!ShapedType::isDynamic(d)) {
      elements *= d;
      continue;
    }
    FailureOr<int64_t> bound = ValueBoundsConstraintSet::computeConstantBound(
        presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(*dynamic++),
        /*stopCondition=*/nullptr, /*closedUB=*/true);
    if (failed(bound) || *bound < 0)
      return failure();
    elements *= *bound;
  }
  return elements * ((bits + 7) / 8);
}

/// Index in the entry block of the last op that uses `root` or a view of it.
int64_t lastUse(Value root, Block &block,
                const DenseMap<Operation *, int64_t> &position) {
  int64_t last = position.lookup(root.getDefiningOp());
  SmallVector<Value> worklist = {root};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      Operation *top = block.findAncestorOpInBlock(*user);
      if (top)
        last = std::max(last, position.lookup(top));
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == value)
          for (Value result : user->getResults())
            worklist.push_back(result);
    }
  }
  return last;
}

/// The ONNX node a buffer came from, as the importer named its location.
std::string nodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations()) {
      std::string name = nodeName(inner);
      if (!name.empty())
        return name;
    }
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return nodeName(callSite.getCallee());
  return "";
}

std::string typeText(MemRefType type) {
  std::string text;
  for (int64_t d : type.getShape())
    text += (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d)) + "x";
  llvm::raw_string_ostream os(text);
  type.getElementType().print(os);
  return text;
}

/// `kiln.arena_plan`: one dictionary per buffer (name, type, offset, bytes,
/// first/last step), steps counted in compute ops (future kernels) of the
/// entry block, for `kilnc --report`.
void recordPlan(func::FuncOp func, SmallVector<memref::AllocOp> &allocs,
                ArrayRef<BufferLifetime> lifetimes, const ArenaPlan &plan,
                const DenseMap<Operation *, int64_t> &position) {
  Block &block = func.getBody().front();
  SmallVector<int64_t> stepAt(block.getOperations().size() + 1, 0);
  int64_t steps = 0;
  for (Operation &op : block) {
    // An op's step is the index of the next compute op at or after it.
    stepAt[position.lookup(&op)] = steps;
    if (isa<linalg::LinalgOp, scf::ForOp, memref::CopyOp>(op))
      ++steps;
  }
  Builder b(func.getContext());
  SmallVector<Attribute> entries;
  for (auto [i, life] : llvm::enumerate(lifetimes)) {
    memref::AllocOp alloc = allocs[i];
    uint64_t offset = plan.offsets[i];
    std::string name = nodeName(alloc.getLoc());
    entries.push_back(b.getDictionaryAttr({
        b.getNamedAttr("name", b.getStringAttr(name.empty() ? "?" : name)),
        b.getNamedAttr("type", b.getStringAttr(typeText(alloc.getType()))),
        b.getNamedAttr("offset", b.getI64IntegerAttr(offset)),
        b.getNamedAttr("bytes", b.getI64IntegerAttr(life.bytes)),
        b.getNamedAttr("first", b.getI64IntegerAttr(stepAt[life.firstUse])),
        b.getNamedAttr("last", b.getI64IntegerAttr(stepAt[life.lastUse])),
    }));
  }
  func->setAttr("kiln.arena_plan", b.getArrayAttr(entries));
  func->setAttr("kiln.arena_steps", b.getI64IntegerAttr(steps));
}

struct KilnPlanArenaPass : impl::KilnPlanArenaBase<KilnPlanArenaPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = lookupEntry(getOperation(), entry);
    if (!func)
      return signalPassFailure();
    Block &block = func.getBody().front();
    DenseMap<Operation *, int64_t> position;
    for (auto [i, op] : llvm::enumerate(block))
      position[&op] = static_cast<int64_t>(i);

    // Sizes read back from the views of ranged inputs and outputs are the
    // sizes those views were made with.
    func.walk([](memref::DimOp dim) {
      auto cast = dim.getSource().getDefiningOp<memref::ReinterpretCastOp>();
      std::optional<int64_t> index = dim.getConstantIndex();
      if (!cast || !index)
        return;
      OpFoldResult size = cast.getMixedSizes()[*index];
      if (auto value = dyn_cast<Value>(size))
        dim.replaceAllUsesWith(value);
    });

    SmallVector<memref::AllocOp> allocs;
    WalkResult walk = func.walk([&](memref::AllocOp alloc) {
      if (alloc->getBlock() != &block ||
          !alloc.getType().getLayout().isIdentity()) {
        alloc.emitError("cannot place this allocation in the arena: only "
                        "identity-layout allocations of the entry block are "
                        "supported");
        return WalkResult::interrupt();
      }
      allocs.push_back(alloc);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    // Buffers are never freed: their memory belongs to the caller.
    func.walk([](memref::DeallocOp dealloc) { dealloc.erase(); });

    std::vector<BufferLifetime> lifetimes;
    for (memref::AllocOp alloc : allocs) {
      FailureOr<uint64_t> bytes = maxByteSize(alloc);
      if (failed(bytes)) {
        alloc.emitError("cannot place this allocation in the arena: its size "
                        "has no upper bound");
        return signalPassFailure();
      }
      lifetimes.push_back({*bytes, position[alloc], lastUse(alloc, block, position)});
    }
    ArenaPlan plan = planArena(lifetimes, alignment);
    recordPlan(func, allocs, lifetimes, plan, position);

    OpBuilder b(func.getContext());
    auto arenaType = MemRefType::get(
        {static_cast<int64_t>(std::max<uint64_t>(plan.arenaBytes, 1))},
        b.getI8Type());
    BlockArgument arena = block.addArgument(arenaType, func.getLoc());
    SmallVector<Type> argTypes(func.getArgumentTypes());
    argTypes.push_back(arenaType);
    func.setFunctionType(b.getFunctionType(argTypes, func.getResultTypes()));

    for (auto [alloc, offset] : llvm::zip(allocs, plan.offsets)) {
      b.setInsertionPoint(alloc);
      Value shift = arith::ConstantIndexOp::create(b, alloc.getLoc(), offset);
      auto view = memref::ViewOp::create(b, alloc.getLoc(), alloc.getType(),
                                         arena, shift, alloc.getDynamicSizes());
      alloc.replaceAllUsesWith(view.getResult());
      alloc.erase();
    }
    func->setAttr("kiln.arena_bytes", b.getI64IntegerAttr(plan.arenaBytes));
    func->setAttr("kiln.naive_bytes", b.getI64IntegerAttr(plan.naiveBytes));
  }
};
} // namespace
} // namespace kiln
