//===- VectorToLLVM.cpp - Vector ops to LLVM at the target's index width --===//
//
// Upstream's convert-vector-to-llvm builds its type converter with the
// default 64-bit index. On a 32-bit target every other conversion lowers
// index to i32, so the two disagree on memref descriptors and on every
// address: this pass runs the same upstream patterns with a converter of
// the target's width.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNVECTORTOLLVM
#include "kiln/Transforms/Passes.h.inc"

namespace {

struct KilnVectorToLLVMPass
    : impl::KilnVectorToLLVMBase<KilnVectorToLLVMPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // The vector forms with no direct LLVM counterpart, rewritten into ones
    // that have one. Mask indices are 32-bit, as upstream's default.
    RewritePatternSet lowering(ctx);
    vector::populateVectorToVectorCanonicalizationPatterns(lowering);
    vector::populateVectorBitCastLoweringPatterns(lowering);
    vector::populateVectorBroadcastLoweringPatterns(lowering);
    vector::populateVectorContractLoweringPatterns(
        lowering, vector::VectorContractLowering::Dot);
    vector::populateVectorMaskOpLoweringPatterns(lowering);
    vector::populateVectorShapeCastLoweringPatterns(lowering);
    vector::populateVectorInterleaveLoweringPatterns(lowering);
    vector::populateVectorTransposeLoweringPatterns(
        lowering, vector::VectorTransposeLowering::EltWise);
    vector::populateVectorTransferLoweringPatterns(lowering,
                                                   /*maxTransferRank=*/1);
    vector::populateVectorMaskMaterializationPatterns(
        lowering, /*force32BitVectorIndices=*/true);
    vector::populateVectorInsertExtractStridedSliceTransforms(lowering);
    vector::populateVectorStepLoweringPatterns(lowering);
    vector::populateVectorRankReducingFMAPattern(lowering);
    vector::populateVectorGatherLoweringPatterns(lowering);
    vector::populateVectorFromElementsUnrollPatterns(lowering);
    vector::populateVectorToElementsUnrollPatterns(lowering);
    (void)applyPatternsGreedily(getOperation(), std::move(lowering));

    LowerToLLVMOptions options(ctx);
    options.overrideIndexBitwidth(indexBitwidth);
    LLVMTypeConverter converter(ctx, options);
    RewritePatternSet patterns(ctx);
    vector::populateVectorTransferLoweringPatterns(patterns);
    populateVectorToLLVMConversionPatterns(converter, patterns,
                                           /*reassociateFPReductions=*/false,
                                           /*force32BitVectorIndices=*/true);
    LLVMConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, memref::MemRefDialect>();
    target.addLegalOp<UnrealizedConversionCastOp>();
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace kiln
