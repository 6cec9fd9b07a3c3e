//===- RelaxFma.cpp - Fused multiply-adds that may fuse --------------------===//
//
// `llvm.fma` promises one rounding; where the CPU has no FMA (baseline
// x86-64, ARMv7 without VFPv4) LLVM keeps the promise by calling libm's
// fmaf, lane by lane. Kiln's kernels want the speed, not the rounding:
// `llvm.fmuladd` is an FMA where one exists and a multiply and an add
// elsewhere.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNRELAXFMA
#include "kiln/Transforms/Passes.h.inc"

namespace {

struct FmaToFmulAdd : OpRewritePattern<LLVM::FMAOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LLVM::FMAOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<LLVM::FMulAddOp>(op, op.getType(), op.getA(),
                                                 op.getB(), op.getC(),
                                                 op.getFastmathFlagsAttr());
    return success();
  }
};

struct KilnRelaxFmaPass : impl::KilnRelaxFmaBase<KilnRelaxFmaPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FmaToFmulAdd>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace kiln
