//===- EntryToBuffers.cpp - Caller-owned I/O buffers for the entry --------===//
#include "kiln/Target/FunctionMarks.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNENTRYTOBUFFERS
#include "kiln/Transforms/Passes.h.inc"

namespace {
struct KilnEntryToBuffersPass
    : impl::KilnEntryToBuffersBase<KilnEntryToBuffersPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = lookupEntry(getOperation(), entry);
    if (!func)
      return signalPassFailure();
    Block &body = func.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    OpBuilder b(func.getContext());
    SmallVector<Type> argTypes;

    auto toMemRef = [&](Type t) -> MemRefType {
      auto tensor = dyn_cast<RankedTensorType>(t);
      if (!tensor || !tensor.hasStaticShape())
        return {};
      return MemRefType::get(tensor.getShape(), tensor.getElementType());
    };

    // Inputs: memref argument, read through a restrict (non-aliasing) tensor.
    b.setInsertionPointToStart(&body);
    for (BlockArgument arg : llvm::to_vector(body.getArguments())) {
      MemRefType type = toMemRef(arg.getType());
      if (!type) {
        func.emitError("entry argument ") << arg.getArgNumber()
                                          << " is not a static tensor";
        return signalPassFailure();
      }
      Type tensorType = arg.getType();
      arg.setType(type);
      auto read = bufferization::ToTensorOp::create(b, func.getLoc(), tensorType,
                                                    arg, /*restrict=*/true);
      arg.replaceAllUsesExcept(read, read);
      argTypes.push_back(type);
    }

    // Outputs: one more memref argument per result, written in place.
    b.setInsertionPoint(ret);
    for (Value result : ret.getOperands()) {
      MemRefType type = toMemRef(result.getType());
      if (!type) {
        func.emitError("entry result is not a static tensor");
        return signalPassFailure();
      }
      BlockArgument out = body.addArgument(type, func.getLoc());
      Value dest = out;
      // A result that is a reshape of a value: that value is written into
      // the same bytes of the output seen with its shape, so the op that
      // computes it can write the output directly (the view is made at
      // the top so it dominates that op's destination).
      OpBuilder top = OpBuilder::atBlockBegin(&body);
      while (true) {
        if (auto collapse = result.getDefiningOp<tensor::CollapseShapeOp>()) {
          dest = memref::ExpandShapeOp::create(
              top, collapse.getLoc(), toMemRef(collapse.getSrcType()), dest,
              collapse.getReassociationIndices());
          result = collapse.getSrc();
        } else if (auto expand =
                       result.getDefiningOp<tensor::ExpandShapeOp>()) {
          dest = memref::CollapseShapeOp::create(
              top, expand.getLoc(), dest, expand.getReassociationIndices());
          result = expand.getSrc();
        } else {
          break;
        }
      }
      auto write = bufferization::MaterializeInDestinationOp::create(
          b, ret.getLoc(), result, dest);
      write.setRestrict(true);
      write.setWritable(true);
      argTypes.push_back(type);
    }
    func::ReturnOp::create(b, ret.getLoc());
    ret.erase();
    func.setFunctionType(b.getFunctionType(argTypes, {}));
    markFunction(func, kEntryFnAttr);
  }
};
} // namespace
} // namespace kiln
