//===- HalideCalls.cpp - Halide kernel ops on buffers to calls ------------===//
//
// Two steps around kiln-outline-kernels: before it, large depthwise calls
// become loops over channel blocks (which the outliner turns into kernels a
// parallel caller splits); after it, every call op becomes a func.call of
// the kernel's entry in kernels/halide/calls.c, with each buffer flattened
// to (address, sizes..., strides...).
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"
#include "kiln/Transforms/Passes.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNSPLITHALIDECALLS
#define GEN_PASS_DEF_KILNLOWERHALIDECALLS
#include "kiln/Transforms/Passes.h.inc"

namespace {

int64_t dimOf(Value v, unsigned d) {
  return cast<MemRefType>(v.getType()).getDimSize(d);
}

struct KilnSplitHalideCallsPass
    : impl::KilnSplitHalideCallsBase<KilnSplitHalideCallsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<HalideDepthwiseOp> calls;
    getOperation().walk([&](HalideDepthwiseOp op) {
      if (op.getRange().empty() && isa<MemRefType>(op.getInit().getType()))
        calls.push_back(op);
    });
    for (HalideDepthwiseOp op : calls) {
      int64_t channels = dimOf(op.getInit(), 1);
      int64_t perChannel = op.getMultiplyAdds() / channels;
      int64_t block = std::max<int64_t>(
          1, (minBlockWork + perChannel - 1) / perChannel);
      int64_t blocks = (channels + block - 1) / block;
      OpBuilder b(op);
      Location loc = op.getLoc();
      if (blocks < 2) {
        op.getRangeMutable().assign(
            ValueRange{arith::ConstantIndexOp::create(b, loc, 0),
                       arith::ConstantIndexOp::create(b, loc, channels)});
        continue;
      }
      Value size = arith::ConstantIndexOp::create(b, loc, block);
      Value last = arith::ConstantIndexOp::create(b, loc, channels);
      auto loop = scf::ForOp::create(
          b, loc, arith::ConstantIndexOp::create(b, loc, 0),
          arith::ConstantIndexOp::create(b, loc, blocks),
          arith::ConstantIndexOp::create(b, loc, 1));
      b.setInsertionPointToStart(loop.getBody());
      Value begin = arith::MulIOp::create(b, loc, loop.getInductionVar(), size);
      Value end = arith::MinSIOp::create(
          b, loc, arith::AddIOp::create(b, loc, begin, size), last);
      op->moveBefore(loop.getBody()->getTerminator());
      op.getRangeMutable().assign(ValueRange{begin, end});
    }
  }
};

struct KilnLowerHalideCallsPass
    : impl::KilnLowerHalideCallsBase<KilnLowerHalideCallsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<HalideDepthwiseOp> calls;
    module.walk([&](HalideDepthwiseOp op) { calls.push_back(op); });
    for (HalideDepthwiseOp op : calls) {
      if (!isa<MemRefType>(op.getInit().getType())) {
        op.emitError("Halide kernel call still on tensors: bufferize first");
        return signalPassFailure();
      }
      OpBuilder b(op);
      Location loc = op.getLoc();
      SmallVector<Value> args;
      Value elementBytes = arith::ConstantIndexOp::create(b, loc, 4);
      for (Value buffer :
           {op.getInput(), op.getWeight(), op.getBias(), op.getInit()}) {
        auto meta = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
        Value base =
            memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
        args.push_back(arith::AddIOp::create(
            b, loc, base,
            arith::MulIOp::create(b, loc, meta.getOffset(), elementBytes)));
        args.append(meta.getSizes().begin(), meta.getSizes().end());
        args.append(meta.getStrides().begin(), meta.getStrides().end());
      }
      if (op.getRange().empty()) {
        args.push_back(arith::ConstantIndexOp::create(b, loc, 0));
        args.push_back(
            arith::ConstantIndexOp::create(b, loc, dimOf(op.getInit(), 1)));
      } else {
        args.append(op.getRange().begin(), op.getRange().end());
      }
      args.push_back(arith::ConstantOp::create(b, loc, op.getLoAttr()));
      args.push_back(arith::ConstantOp::create(b, loc, op.getHiAttr()));

      std::string name = "kiln_hl_call_" + op.getVariant();
      auto type = b.getFunctionType(ValueRange(args).getTypes(), {});
      auto callee = symbols.lookup<func::FuncOp>(name);
      if (!callee) {
        OpBuilder top = OpBuilder::atBlockBegin(module.getBody());
        callee = func::FuncOp::create(top, loc, name, type);
        callee.setPrivate();
        symbols.insert(callee);
      }
      func::CallOp::create(b, loc, callee, args);
      op.erase();
    }
  }
};

} // namespace
} // namespace kiln
