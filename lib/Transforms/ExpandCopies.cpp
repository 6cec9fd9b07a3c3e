//===- ExpandCopies.cpp - memref.copy as vector loops ---------------------===//
//
// `memref.copy` between strided views lowers to a call into MLIR's C runner
// library. Copies whose rows are contiguous become loops over the rows that
// move each row in 16-lane vector transfers (the last one masked); the rest
// become `linalg.copy`, i.e. plain scalar loops. Either way the object calls
// nothing but memcpy/memset/libm.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNEXPANDCOPIES
#include "kiln/Transforms/Passes.h.inc"

namespace {

constexpr int64_t kLanes = 16;

bool hasContiguousRows(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return type.hasStaticShape() && type.getRank() >= 1 &&
         succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

struct CopyToVectorLoops : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    auto srcType = cast<MemRefType>(op.getSource().getType());
    auto dstType = cast<MemRefType>(op.getTarget().getType());
    Location loc = op.getLoc();
    if (!hasContiguousRows(srcType) || !hasContiguousRows(dstType) ||
        srcType.getShape() != dstType.getShape() ||
        !VectorType::isValidElementType(srcType.getElementType())) {
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(),
                                                  op.getTarget());
      return success();
    }
    ArrayRef<int64_t> shape = srcType.getShape();
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
    };
    SmallVector<Value> ivs;
    OpBuilder::InsertionGuard guard(rewriter);
    for (int64_t d = 0; d < srcType.getRank(); ++d) {
      int64_t step = d + 1 == srcType.getRank() ? kLanes : 1;
      auto loop = scf::ForOp::create(rewriter, loc, index(0), index(shape[d]),
                                     index(step));
      ivs.push_back(loop.getInductionVar());
      rewriter.setInsertionPointToStart(loop.getBody());
    }
    auto vecType = VectorType::get({kLanes}, srcType.getElementType());
    Value pad = ub::PoisonOp::create(rewriter, loc, srcType.getElementType());
    bool inBounds = shape.back() % kLanes == 0;
    Value row = vector::TransferReadOp::create(
        rewriter, loc, vecType, op.getSource(), ivs, pad,
        ArrayRef<bool>{inBounds});
    vector::TransferWriteOp::create(rewriter, loc, row, op.getTarget(), ivs,
                                    ArrayRef<bool>{inBounds});
    rewriter.eraseOp(op);
    return success();
  }
};

struct KilnExpandCopiesPass
    : impl::KilnExpandCopiesBase<KilnExpandCopiesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToVectorLoops>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();

    // Multi-dim reads of contiguous memory (a stride-phase tile before its
    // register transpose) become one long read instead of one per row.
    // Only plain n-D transfers with a non-unit dim are offered: the upstream
    // contiguity check reads out of bounds for all-unit vector shapes.
    SmallVector<Operation *> candidates;
    getOperation()->walk([&](vector::TransferReadOp read) {
      auto memref = dyn_cast<MemRefType>(read.getBase().getType());
      VectorType vector = read.getVectorType();
      if (memref && vector.getRank() >= 2 &&
          vector.getRank() <= memref.getRank() &&
          llvm::any_of(vector.getShape(), [](int64_t d) { return d != 1; }) &&
          read.getPermutationMap().isMinorIdentity())
        candidates.push_back(read);
    });
    RewritePatternSet flatten(&getContext());
    vector::populateFlattenVectorTransferPatterns(flatten);
    if (!candidates.empty() &&
        failed(applyOpPatternsGreedily(candidates, std::move(flatten))))
      signalPassFailure();
  }
};
} // namespace
} // namespace kiln
