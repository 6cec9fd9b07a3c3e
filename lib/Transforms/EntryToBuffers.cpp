//===- EntryToBuffers.cpp - Caller-owned I/O buffers for the entry --------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

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
      auto write = bufferization::MaterializeInDestinationOp::create(
          b, ret.getLoc(), result, out);
      write.setRestrict(true);
      write.setWritable(true);
      argTypes.push_back(type);
    }
    func::ReturnOp::create(b, ret.getLoc());
    ret.erase();
    func.setFunctionType(b.getFunctionType(argTypes, {}));
  }
};
} // namespace
} // namespace kiln
