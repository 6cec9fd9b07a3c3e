//===- LoweringUtils.cpp --------------------------------------------------===//
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln {

AffineMap broadcastMap(ArrayRef<int64_t> shape, ArrayRef<int64_t> outShape,
                       MLIRContext *ctx) {
  size_t offset = outShape.size() - shape.size();
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < shape.size(); ++i)
    exprs.push_back(shape[i] == 1 && outShape[offset + i] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(offset + i, ctx));
  return AffineMap::get(outShape.size(), 0, exprs, ctx);
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type elementType, TypedAttr value) {
  Value init = emptyTensor(b, loc, shape, elementType);
  Value scalar = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, scalar, init).getResult(0);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType outType,
                       ValueRange inputs, BodyBuilder body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(broadcastMap(cast<RankedTensorType>(input.getType()).getShape(),
                                outType.getShape(), ctx));
  maps.push_back(b.getMultiDimIdentityMap(outType.getRank()));
  SmallVector<utils::IteratorType> iterators(outType.getRank(),
                                             utils::IteratorType::parallel);
  Value init = emptyTensor(b, loc, outType.getShape(), outType.getElementType());
  return linalg::GenericOp::create(b, loc, outType, inputs, init, maps,
                                   iterators, body)
      .getResult(0);
}

void multiplyAccumulateBody(OpBuilder &b, Location loc, ValueRange args) {
  Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
  yieldValue(b, loc, arith::AddFOp::create(b, loc, args[2], product));
}

Value buildCopy(OpBuilder &b, Location loc, Value input, AffineMap readMap,
                RankedTensorType outType) {
  int64_t rank = outType.getRank();
  return linalg::GenericOp::create(
             b, loc, outType, input,
             emptyTensor(b, loc, outType.getShape(), outType.getElementType()),
             {readMap, b.getMultiDimIdentityMap(rank)},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [](OpBuilder &nb, Location l, ValueRange a) { yieldValue(nb, l, a[0]); })
      .getResult(0);
}

void yieldValue(OpBuilder &b, Location loc, Value value) {
  linalg::YieldOp::create(b, loc, ValueRange{value});
}

Value floatConst(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> padBegin, ArrayRef<int64_t> padEnd,
                 Value padValue) {
  bool any = llvm::any_of(padBegin, [](int64_t p) { return p != 0; }) ||
             llvm::any_of(padEnd, [](int64_t p) { return p != 0; });
  if (!any)
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> low(2, b.getIndexAttr(0)), high(2, b.getIndexAttr(0));
  SmallVector<int64_t> shape(type.getShape().take_front(2));
  for (size_t i = 0; i < padBegin.size(); ++i) {
    low.push_back(b.getIndexAttr(padBegin[i]));
    high.push_back(b.getIndexAttr(padEnd[i]));
    shape.push_back(type.getDimSize(2 + i) + padBegin[i] + padEnd[i]);
  }
  // Fill, then copy the interior with an elementwise op: unlike tensor.pad's
  // bufferized copy, the copy is tiled and vectorized like any other op.
  Value filled = linalg::FillOp::create(
                     b, loc, padValue,
                     tensor::EmptyOp::create(b, loc, shape, type.getElementType())
                         .getResult())
                     .getResult(0);
  SmallVector<OpFoldResult> sizes, ones(type.getRank(), b.getIndexAttr(1));
  for (int64_t d : type.getShape())
    sizes.push_back(b.getIndexAttr(d));
  Value interior =
      tensor::ExtractSliceOp::create(b, loc, filled, low, sizes, ones);
  unsigned rank = type.getRank();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  Value copied =
      linalg::GenericOp::create(
          b, loc, interior.getType(), input, interior, {id, id},
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [](OpBuilder &nb, Location l, ValueRange a) {
            linalg::YieldOp::create(nb, l, a[0]);
          })
          .getResult(0);
  return tensor::InsertSliceOp::create(b, loc, copied, filled, low, sizes, ones);
}

Value expandReducedDims(OpBuilder &b, Location loc, Value reduced,
                        RankedTensorType outType, ArrayRef<int64_t> axes) {
  SmallVector<ReassociationIndices> reassoc;
  ReassociationIndices leading;
  for (int64_t d = 0; d < outType.getRank(); ++d) {
    if (!llvm::is_contained(axes, d)) {
      reassoc.push_back(leading);
      leading.clear();
      reassoc.back().push_back(d);
    } else if (reassoc.empty()) {
      leading.push_back(d);
    } else {
      reassoc.back().push_back(d);
    }
  }
  return tensor::ExpandShapeOp::create(b, loc, outType, reduced, reassoc);
}

} // namespace kiln
