//===- OutputDims.cpp - Output dims of a ranged model, without running it --===//
//
// A ranged model's caller has to size its output buffers before a run. The
// entry's linalg ops on tensors reify their result shapes in terms of their
// operands', so `tensor.dim` of a result resolves, op by op, to index
// arithmetic on the ranged input dims; a copy of the entry that keeps only
// that arithmetic is the output-dims function.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/FunctionMarks.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNOUTPUTDIMS
#include "kiln/Transforms/Passes.h.inc"

namespace {
struct KilnOutputDimsPass : impl::KilnOutputDimsBase<KilnOutputDimsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp entryFn = lookupEntry(module, entry);
    if (!entryFn)
      return signalPassFailure();
    auto hasDynamicDim = [](Type t) {
      auto tensor = dyn_cast<RankedTensorType>(t);
      return tensor && !tensor.hasStaticShape();
    };
    if (!llvm::any_of(entryFn.getResultTypes(), hasDynamicDim))
      return;

    OpBuilder b(module.getContext());
    b.setInsertionPointAfter(entryFn);
    auto fn = cast<func::FuncOp>(b.clone(*entryFn));
    fn.setSymName(entry + "_output_dims");
    fn.setAllArgAttrs(ArrayRef<DictionaryAttr>{});
    fn->removeAttr("kiln.input_names");
    fn->removeAttr("kiln.output_names");
    Block &body = fn.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Location loc = fn.getLoc();

    // One index argument per ranged input dim.
    unsigned numInputs = body.getNumArguments();
    DenseMap<std::pair<unsigned, int64_t>, Value> sizeArgs;
    SmallVector<Type> argTypes;
    for (unsigned i = 0; i < numInputs; ++i) {
      auto type = cast<RankedTensorType>(body.getArgument(i).getType());
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d)) {
          sizeArgs[{i, d}] = body.addArgument(b.getIndexType(), loc);
          argTypes.push_back(b.getIndexType());
        }
    }

    b.setInsertionPoint(ret);
    SmallVector<Value> dims;
    for (Value result : ret.getOperands()) {
      auto type = cast<RankedTensorType>(result.getType());
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          dims.push_back(tensor::DimOp::create(b, loc, result, d));
    }
    auto dimsType = MemRefType::get({static_cast<int64_t>(dims.size())},
                                    b.getI64Type());
    Value out = body.addArgument(dimsType, loc);
    argTypes.push_back(dimsType);
    for (auto [k, dim] : llvm::enumerate(dims)) {
      Value index = arith::ConstantIndexOp::create(b, loc, k);
      Value value = arith::IndexCastOp::create(b, loc, b.getI64Type(), dim);
      memref::StoreOp::create(b, loc, value, out, index);
    }
    func::ReturnOp::create(b, loc);
    ret.erase();

    // Resolve the dims through the ops' reified shapes down to the inputs'.
    RewritePatternSet patterns(&getContext());
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    memref::populateResolveShapedTypeResultDimsPatterns(patterns);
    tensor::DimOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(fn, std::move(patterns))))
      return signalPassFailure();
    fn.walk([&](tensor::DimOp dim) {
      auto arg = dyn_cast<BlockArgument>(dim.getSource());
      std::optional<int64_t> index = dim.getConstantIndex();
      if (arg && arg.getOwner() == &body && index)
        if (Value size = sizeArgs.lookup({arg.getArgNumber(), *index}))
          dim.replaceAllUsesWith(size);
    });
    // Everything that computed data is dead now.
    RewritePatternSet none(&getContext());
    if (failed(applyPatternsGreedily(fn, std::move(none))))
      return signalPassFailure();
    for (unsigned i = 0; i < numInputs; ++i)
      if (!body.getArgument(i).use_empty()) {
        fn.emitError("the output dims of this model depend on its data, not "
                     "only on its input sizes");
        return signalPassFailure();
      }
    body.eraseArguments(0, numInputs);
    fn.setFunctionType(b.getFunctionType(argTypes, {}));
    markFunction(fn, kOutputDimsFnAttr);
  }
};
} // namespace
} // namespace kiln
