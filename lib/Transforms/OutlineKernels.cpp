//===- OutlineKernels.cpp - One function per kernel -----------------------===//
#include "kiln/Transforms/Passes.h"

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
      b.setInsertionPoint(func);
      auto kernel = func::FuncOp::create(
          b, op.getLoc(), entry + "_k" + std::to_string(index++),
          b.getFunctionType(argTypes, {}));
      kernel.setPrivate();
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
      b.clone(op, mapping);
      func::ReturnOp::create(b, op.getLoc());

      b.setInsertionPoint(&op);
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
