//===- EntryToBuffers.cpp - Caller-owned I/O buffers for the entry --------===//
#include "kiln/Target/FunctionMarks.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNENTRYTOBUFFERS
#include "kiln/Transforms/Passes.h.inc"

namespace {
/// `pointer` (a 0-d memref: the caller's buffer as a bare pointer) seen as a
/// dense row-major memref of `type`'s shape, `sizes` filling its dynamic dims.
Value denseView(OpBuilder &b, Location loc, Value pointer,
                RankedTensorType type, ValueRange sizes) {
  SmallVector<OpFoldResult> dims, strides(type.getRank());
  auto dynamic = sizes.begin();
  for (int64_t d = 0; d < type.getRank(); ++d)
    dims.push_back(type.isDynamicDim(d) ? OpFoldResult(*dynamic++)
                                         : b.getIndexAttr(type.getDimSize(d)));
  OpFoldResult stride = b.getIndexAttr(1);
  for (int64_t d = type.getRank() - 1; d >= 0; --d) {
    strides[d] = stride;
    if (d > 0)
      stride = affine::makeComposedFoldedAffineApply(
        b, loc, b.getAffineSymbolExpr(0) * b.getAffineSymbolExpr(1),
        {stride, dims[d]});
  }
  SmallVector<int64_t> staticStrides;
  for (OpFoldResult stride : strides)
    staticStrides.push_back(getConstantIntValue(stride).value_or(ShapedType::kDynamic));
  auto layout = StridedLayoutAttr::get(b.getContext(), 0, staticStrides);
  auto viewType = MemRefType::get(type.getShape(), type.getElementType(),
                                  type.getRank() ? MemRefLayoutAttrInterface(layout)
                                                 : MemRefLayoutAttrInterface());
  Value view = memref::ReinterpretCastOp::create(b, loc, viewType, pointer,
                                                 b.getIndexAttr(0), dims, strides);
  return view;
}

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

    // Ranged dims: one leading index argument each (input order, then
    // axis order), clamped to the range's maximum so that the arena planner
    // can bound every size computed from them (callers check the range).
    b.setInsertionPointToStart(&body);
    SmallVector<BlockArgument> inputs = llvm::to_vector(body.getArguments());
    SmallVector<DenseI64ArrayAttr> argRanges;
    for (unsigned i = 0; i < inputs.size(); ++i)
      argRanges.push_back(
          func.getArgAttrOfType<DenseI64ArrayAttr>(i, "kiln.dim_ranges"));
    func.setAllArgAttrs(ArrayRef<DictionaryAttr>{});
    SmallVector<SmallVector<Value>> dynamicSizes(inputs.size());
    unsigned numSizes = 0;
    for (auto [i, arg] : llvm::enumerate(inputs)) {
      auto tensor = cast<RankedTensorType>(arg.getType());
      DenseI64ArrayAttr ranges = argRanges[i];
      for (int64_t d = 0; d < tensor.getRank(); ++d) {
        if (!tensor.isDynamicDim(d))
          continue;
        if (!ranges || ranges.size() != 2 * tensor.getRank()) {
          func.emitError("entry argument ") << i << " has a dynamic dim without a range";
          return signalPassFailure();
        }
        BlockArgument size =
            body.insertArgument(numSizes++, b.getIndexType(), func.getLoc());
        argTypes.push_back(size.getType());
        AffineMap clamp = AffineMap::get(
            1, 0, {b.getAffineDimExpr(0), b.getAffineConstantExpr(ranges[2 * d + 1])},
            b.getContext());
        dynamicSizes[i].push_back(
            affine::AffineMinOp::create(b, func.getLoc(), clamp, ValueRange{size}));
      }
    }

    // Inputs: memref argument, read through a restrict (non-aliasing) tensor.
    for (auto [i, arg] : llvm::enumerate(inputs)) {
      auto tensorType = cast<RankedTensorType>(arg.getType());
      MemRefType type = toMemRef(tensorType);
      if (!type && !dynamicSizes[i].empty()) {
        type = MemRefType::get({}, tensorType.getElementType());
        arg.setType(type);
        Value view = denseView(b, func.getLoc(), arg, tensorType, dynamicSizes[i]);
        auto read = bufferization::ToTensorOp::create(b, func.getLoc(), tensorType,
                                                      view, /*restrict=*/true);
        arg.replaceAllUsesExcept(read, view.getDefiningOp());
        argTypes.push_back(type);
        continue;
      }
      if (!type) {
        func.emitError("entry argument ") << i << " is not a static tensor";
        return signalPassFailure();
      }
      arg.setType(type);
      auto read = bufferization::ToTensorOp::create(b, func.getLoc(), tensorType,
                                                    arg, /*restrict=*/true);
      arg.replaceAllUsesExcept(read, read);
      argTypes.push_back(type);
    }

    // Outputs: one more memref argument per result, written in place.
    b.setInsertionPoint(ret);
    for (Value result : ret.getOperands()) {
      auto tensorType = cast<RankedTensorType>(result.getType());
      MemRefType type = toMemRef(tensorType);
      if (!type) {
        // Sized by the run: a dense view of the caller's pointer, with the
        // result's dims.
        type = MemRefType::get({}, tensorType.getElementType());
        BlockArgument out = body.addArgument(type, func.getLoc());
        SmallVector<Value> sizes;
        for (int64_t d = 0; d < tensorType.getRank(); ++d)
          if (tensorType.isDynamicDim(d))
            sizes.push_back(tensor::DimOp::create(b, ret.getLoc(), result, d));
        Value dest = denseView(b, ret.getLoc(), out, tensorType, sizes);
        auto write = bufferization::MaterializeInDestinationOp::create(
            b, ret.getLoc(), result, dest);
        write.setRestrict(true);
        write.setWritable(true);
        argTypes.push_back(type);
        continue;
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
