//===- LoweringUtils.cpp --------------------------------------------------===//
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

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
                  Type elementType, ValueRange dynamicSizes) {
  return tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
}

SmallVector<Value> mappedDynamicSizes(OpBuilder &b, Location loc,
                                      RankedTensorType outType, Value source,
                                      llvm::function_ref<int64_t(int64_t)> sourceDim) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < outType.getRank(); ++d)
    if (outType.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, source, sourceDim(d)));
  return sizes;
}

SmallVector<Value> broadcastDynamicSizes(OpBuilder &b, Location loc,
                                         RankedTensorType outType,
                                         ValueRange inputs) {
  SmallVector<Value> sizes;
  int64_t rank = outType.getRank();
  for (int64_t d = 0; d < rank; ++d) {
    if (!outType.isDynamicDim(d))
      continue;
    // Any input that has the dim dynamic (the others broadcast along it).
    for (Value input : inputs) {
      auto type = cast<RankedTensorType>(input.getType());
      int64_t e = d - (rank - type.getRank());
      if (e >= 0 && type.isDynamicDim(e)) {
        sizes.push_back(tensor::DimOp::create(b, loc, input, e));
        break;
      }
    }
  }
  return sizes;
}

AffineMap axisLoopMap(MLIRContext *ctx, int64_t rank, int64_t axis, bool extraOnAxis) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    exprs.push_back(getAffineDimExpr(d == axis && extraOnAxis ? rank : d, ctx));
  return AffineMap::get(rank + 1, 0, exprs, ctx);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type elementType, TypedAttr value, ValueRange dynamicSizes) {
  Value init = emptyTensor(b, loc, shape, elementType, dynamicSizes);
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
  Value init = emptyTensor(b, loc, outType.getShape(), outType.getElementType(),
                          broadcastDynamicSizes(b, loc, outType, inputs));
  return linalg::GenericOp::create(b, loc, outType, inputs, init, maps,
                                   iterators, body)
      .getResult(0);
}

AffineMap dimsMap(unsigned numDims, ArrayRef<unsigned> dims,
                  ArrayRef<AffineExpr> tail, MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  exprs.append(tail.begin(), tail.end());
  return AffineMap::get(numDims, 0, exprs, ctx);
}

Value biasAccumulator(OpBuilder &b, Location loc, Value bias,
                      RankedTensorType accType) {
  Type elem = accType.getElementType();
  if (!bias)
    return filledTensor(b, loc, accType.getShape(), elem,
                        cast<TypedAttr>(b.getZeroAttr(elem)));
  int64_t outer = accType.getDimSize(1), inner = accType.getDimSize(2);
  int64_t biasRank = cast<RankedTensorType>(bias.getType()).getRank();
  bias = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({outer * inner}, elem), bias,
      SmallVector<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, biasRank))});
  bias = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({outer, inner}, elem), bias,
      SmallVector<ReassociationIndices>{{0, 1}});
  return buildCopy(b, loc, bias,
                   dimsMap(accType.getRank(), {1, 2}, {}, b.getContext()),
                   accType);
}

/// `acc + a * b`; integer operands narrower than the accumulator are
/// sign-extended, `a` zero-extended instead when `unsignedLhs`.
static void multiplyAccumulate(OpBuilder &b, Location loc, ValueRange args,
                               bool unsignedLhs) {
  Type acc = args[2].getType();
  if (isa<FloatType>(acc)) {
    Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
    yieldValue(b, loc, arith::AddFOp::create(b, loc, args[2], product));
    return;
  }
  auto widen = [&](Value v, bool zeroExtend) -> Value {
    if (v.getType() == acc)
      return v;
    if (zeroExtend)
      return arith::ExtUIOp::create(b, loc, acc, v);
    return arith::ExtSIOp::create(b, loc, acc, v);
  };
  Value lhs = widen(args[0], unsignedLhs);
  Value rhs = widen(args[1], false);
  Value product = arith::MulIOp::create(b, loc, lhs, rhs);
  yieldValue(b, loc, arith::AddIOp::create(b, loc, args[2], product));
}

void multiplyAccumulateBody(OpBuilder &b, Location loc, ValueRange args) {
  multiplyAccumulate(b, loc, args, /*unsignedLhs=*/false);
}

Value buildContraction(OpBuilder &b, Location loc, ValueRange inputs,
                       Value init, ArrayRef<AffineMap> maps,
                       unsigned numReductions, bool unsignedLhs) {
  unsigned numDims = maps.front().getNumDims();
  SmallVector<utils::IteratorType> iterators(numDims,
                                             utils::IteratorType::parallel);
  for (unsigned d = numDims - numReductions; d < numDims; ++d)
    iterators[d] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, init, maps, iterators,
             [unsignedLhs](OpBuilder &nb, Location l, ValueRange args) {
               multiplyAccumulate(nb, l, args, unsignedLhs);
             })
      .getResult(0);
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
  Type elem = type.getElementType();
  unsigned rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape()), lo(rank, 0);
  for (size_t i = 0; i < padBegin.size(); ++i) {
    lo[2 + i] = padBegin[i];
    shape[2 + i] += padBegin[i] + padEnd[i];
  }
  auto attrs = [&](ArrayRef<int64_t> v) {
    return getAsIndexOpFoldResult(b.getContext(), v);
  };
  SmallVector<int64_t> ones(rank, 1);

  // Only the border is filled, and the buffer is built before the input's
  // producer: eliminate-empty-tensors then lets the producer write the
  // interior in place, so neither a full fill nor a copy remains.
  Value padded;
  {
    OpBuilder::InsertionGuard guard(b);
    Attribute value;
    Operation *producer = input.getDefiningOp();
    if (producer && isa<DestinationStyleOpInterface>(producer) &&
        matchPattern(padValue, m_Constant(&value))) {
      b.setInsertionPoint(producer);
      padValue = arith::ConstantOp::create(b, loc, cast<TypedAttr>(value));
    }
    padded = emptyTensor(b, loc, shape, elem);
    // Slab d covers the interior range of the dims before d, the padding
    // of dim d, and the whole padded range of the dims after it.
    for (unsigned d = 2; d < rank; ++d) {
      SmallVector<int64_t> offsets(rank, 0), sizes(shape);
      for (unsigned e = 2; e < d; ++e) {
        offsets[e] = lo[e];
        sizes[e] = type.getDimSize(e);
      }
      int64_t high = shape[d] - lo[d] - type.getDimSize(d);
      for (auto [offset, size] : {std::pair<int64_t, int64_t>{0, lo[d]},
                                  {lo[d] + type.getDimSize(d), high}}) {
        if (size == 0)
          continue;
        offsets[d] = offset;
        sizes[d] = size;
        Value slab =
            linalg::FillOp::create(b, loc, padValue,
                                   emptyTensor(b, loc, sizes, elem))
                .getResult(0);
        padded = tensor::InsertSliceOp::create(b, loc, slab, padded,
                                               attrs(offsets), attrs(sizes),
                                               attrs(ones));
      }
    }
  }
  return tensor::InsertSliceOp::create(b, loc, input, padded, attrs(lo),
                                       attrs(type.getShape()), attrs(ones));
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
  if (outType.hasStaticShape())
    return tensor::ExpandShapeOp::create(b, loc, outType, reduced, reassoc);
  // Dynamic dims (ranged inputs) are the reduced tensor's; kept dims are 1.
  SmallVector<OpFoldResult> sizes;
  int64_t next = 0;
  for (int64_t d = 0; d < outType.getRank(); ++d) {
    if (llvm::is_contained(axes, d)) {
      sizes.push_back(b.getIndexAttr(1));
      continue;
    }
    sizes.push_back(outType.isDynamicDim(d)
                        ? OpFoldResult(tensor::DimOp::create(b, loc, reduced, next).getResult())
                        : b.getIndexAttr(outType.getDimSize(d)));
    ++next;
  }
  return tensor::ExpandShapeOp::create(b, loc, outType, reduced, reassoc, sizes);
}

} // namespace kiln
