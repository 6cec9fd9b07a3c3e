//===- ApproximateMath.cpp - Transcendentals as vector polynomials --------===//
//
// LLVM has no vector exp/log/tanh/erf on CPUs without a vector math library,
// so a vectorized `math.exp` would become one libm call per lane. MLIR's
// polynomial approximations (within a few ulp in f32) keep them in
// registers.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNAPPROXIMATEMATH
#include "kiln/Transforms/Passes.h.inc"

namespace {

struct KilnApproximateMathPass
    : impl::KilnApproximateMathBase<KilnApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) {
          return llvm::is_contained({"math.exp", "math.expm1", "math.log",
                                     "math.log1p", "math.log2", "math.tanh",
                                     "math.erf"},
                                    name);
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace kiln
