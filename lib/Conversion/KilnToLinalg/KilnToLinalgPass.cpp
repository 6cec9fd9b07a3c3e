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

/// The signless storage of a uint8 or quantized tensor type; others as is.
Type storageType(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return type;
  Type elem = tensor.getElementType();
  if (auto q = dyn_cast<quant::QuantizedType>(elem))
    return tensor.clone(IntegerType::get(type.getContext(),
                                         q.getStorageTypeIntegralWidth()));
  if (elem.isUnsignedInteger())
    return tensor.clone(IntegerType::get(type.getContext(),
                                         elem.getIntOrFloatBitWidth()));
  return type;
}

/// uint8 arguments become their signless storage before the conversion
/// (only kiln.storage_cast reads them, and it lowers to nothing).
void useStorageArguments(func::FuncOp func) {
  for (BlockArgument arg : func.getArguments())
    arg.setType(storageType(arg.getType()));
  func.setType(FunctionType::get(func.getContext(),
                                 func.getBody().getArgumentTypes(),
                                 func.getResultTypes()));
}

bool returnsStorage(func::ReturnOp ret) {
  return llvm::all_of(ret.getOperandTypes(),
                      [](Type t) { return storageType(t) == t; });
}

/// Results that were uint8 or quantized are returned as the storage their
/// producers now compute.
struct ReturnStorage : OpConversionPattern<func::ReturnOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(func::ReturnOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<func::ReturnOp>(op, adaptor.getOperands());
    return success();
  }
};

/// The function type that matches the converted body.
void syncFunctionType(func::FuncOp func) {
  func.walk([&](func::ReturnOp ret) {
    func.setType(FunctionType::get(func.getContext(),
                                   func.getBody().getArgumentTypes(),
                                   ret.getOperandTypes()));
  });
}

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
    target.addDynamicallyLegalOp<func::ReturnOp>(returnsStorage);
    RewritePatternSet patterns(ctx);
    populateElementwiseLoweringPatterns(patterns);
    populateWindowLoweringPatterns(patterns);
    populateContractionLoweringPatterns(patterns);
    populateSoftmaxLoweringPatterns(patterns);
    populateReductionLoweringPatterns(patterns);
    populateResizeLoweringPatterns(patterns);
    populateIndexingLoweringPatterns(patterns);
    populateDataMovementLoweringPatterns(patterns);
    populateQuantLoweringPatterns(patterns);
    populateTopKLoweringPatterns(patterns);
    patterns.add<ReturnStorage>(ctx);
    ModuleOp module = getOperation();
    module.walk(useStorageArguments);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    module.walk(syncFunctionType);
  }
};
} // namespace
} // namespace kiln
