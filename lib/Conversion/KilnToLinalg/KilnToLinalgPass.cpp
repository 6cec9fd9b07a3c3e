//===- KilnToLinalgPass.cpp - The kiln-lower-to-linalg pass ---------------===//
#include "Kiln/KilnDialect.h"
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNLOWERTOLINALG
#include "kiln/Transforms/Passes.h.inc"

namespace {
struct KilnLowerToLinalgPass
    : impl::KilnLowerToLinalgBase<KilnLowerToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<KilnDialect>();
    target.addLegalOp<HalideDepthwiseOp>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    populateElementwiseLoweringPatterns(patterns);
    populateWindowLoweringPatterns(patterns);
    populateContractionLoweringPatterns(patterns);
    populateSoftmaxLoweringPatterns(patterns);
    populateReductionLoweringPatterns(patterns);
    populateResizeLoweringPatterns(patterns);
    populateIndexingLoweringPatterns(patterns);
    populateDataMovementLoweringPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace kiln
