//===- PackedWeights.cpp - Contractions over weights packed at compile time ===//
//
// A contraction's register tile reads, per reduction step, R scalars of one
// operand (broadcast to every lane) and V contiguous lanes of the other. In
// the ONNX layouts both reads stride across rows that are far apart (R weight
// rows of a conv, or K rows of a matmul's B), so every step touches R or 1
// new cache lines and, for wide matrices, a new page. A constant operand is
// reordered once, at compile time, into exactly the order its tiles read it:
//
//   pointwise conv weight M x C (broadcast side) -> M/R x C x R
//   the same, integer, in channel groups of g   -> M/R x C/g x R x g
//   matmul constant B    K x N (lane side)      -> N/V x K x V panels
//
// (g = 2 for a pair multiply-add on i16, 4 for a dot product on i8.)
//
// and the generic indexes the packed constant through the split dims. The
// output keeps its layout: the split dims are a reshape of the same buffer.
// Columns past the last whole panel stay in an unpacked remainder op.
//
//===----------------------------------------------------------------------===//
#include "Kiln/ConstantData.h"
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace kiln {
namespace {

/// The narrowest storage of packed centered weights: i8 for symmetric int8
/// ones (the object keeps one byte per weight; a pair kernel widens each pair
/// as it broadcasts it), else i16.
Type groupStorage(OpBuilder &b, ArrayRef<int64_t> values) {
  bool narrow = llvm::all_of(values, [](int64_t v) { return v >= -128 && v <= 127; });
  return narrow ? b.getI8Type() : b.getI16Type();
}

/// N x C x S... as N x C/g x S... x g: each group's g channels side by
/// side, the last group filled with zeros (their weights are zero too).
/// Written once (fused into the producer), read by every block of filters as
/// whole vectors of groups.
Value channelGroups(OpBuilder &b, Location loc, Value input, int64_t g) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elem = type.getElementType();
  int64_t rank = type.getRank(), groups = llvm::divideCeil(type.getDimSize(1), g);
  SmallVector<int64_t> shape(type.getShape());
  if (type.getDimSize(1) % g != 0) {
    shape[1] = g * groups;
    input = tensor::createPadHighOp(
        RankedTensorType::get(shape, elem), input,
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(elem, 0)),
        /*nofold=*/false, loc, b);
  }
  shape[1] = groups;
  shape.insert(shape.begin() + 2, g);
  SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
  for (int64_t d = 2; d < rank; ++d)
    split.push_back({d + 1});
  input = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, elem), input, split);
  // Out (n, group, s..., j) reads (n, group, j, s...).
  SmallVector<unsigned> read = {0, 1, static_cast<unsigned>(rank)};
  for (int64_t d = 2; d < rank; ++d)
    read.push_back(d);
  SmallVector<int64_t> outShape(shape);
  outShape.erase(outShape.begin() + 2);
  outShape.push_back(g);
  return buildCopy(b, loc, input, dimsMap(rank + 1, read, {}, b.getContext()),
                   RankedTensorType::get(outShape, elem));
}

Value constantTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                     ArrayRef<float> values, StringRef name) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(makeF32Constant(type, values, name)));
}



} // namespace

std::string packedName(Value weight, StringRef suffix) {
  if (auto constant = weight.getDefiningOp<ConstantOp>())
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
      return (resource.getRawHandle().getKey() + suffix).str();
  return "packed";
}

std::optional<PackTile> packTileOf(Operation *op) {
  auto tile = op->getAttrOfType<DenseI64ArrayAttr>(kPackTileAttr);
  if (!tile || tile.size() != 2 || tile[0] <= 0 || tile[1] <= 0)
    return std::nullopt;
  return PackTile{tile[0], tile[1],
                  op->getAttrOfType<DenseI64ArrayAttr>(kRegisterTileAttr)};
}

Value buildPackedPointwiseConv(OpBuilder &b, Location loc, Value input,
                               Value weight, Value bias,
                               RankedTensorType outType, const PackTile &tile) {
  const int64_t rowsPerBlock = tile.rows;
  MLIRContext *ctx = b.getContext();
  std::optional<SmallVector<float>> w = readF32Constant(weight);
  int64_t n = outType.getDimSize(0), m = outType.getDimSize(1),
          p = outType.getDimSize(2);
  int64_t c = cast<RankedTensorType>(input.getType()).getDimSize(1);
  if (!w || m % rowsPerBlock != 0 || static_cast<int64_t>(w->size()) != m * c)
    return {};
  int64_t blocks = m / rowsPerBlock;
  SmallVector<float> packed(w->size());
  for (int64_t io = 0; io < blocks; ++io)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t ii = 0; ii < rowsPerBlock; ++ii)
        packed[(io * c + ci) * rowsPerBlock + ii] =
            (*w)[(io * rowsPerBlock + ii) * c + ci];
  Value packedWeight = constantTensor(b, loc, {blocks, c, rowsPerBlock}, packed,
                                      packedName(weight));

  // Loops: n, io, ii, p, c; the accumulator N x M/R x R x P starts from
  // the bias (or zero).
  auto accType = RankedTensorType::get({n, blocks, rowsPerBlock, p},
                                       outType.getElementType());
  Value acc = biasAccumulator(b, loc, bias, accType);
  Value conv = buildContraction(
      b, loc, {input, packedWeight}, acc,
      {dimsMap(5, {0, 4, 3}, {}, ctx), dimsMap(5, {1, 4, 2}, {}, ctx),
       dimsMap(5, {0, 1, 2, 3}, {}, ctx)},
      1);
  if (tile.registerTile)
    conv.getDefiningOp()->setAttr(kRegisterTileAttr, tile.registerTile);
  return tensor::CollapseShapeOp::create(
      b, loc, outType, conv, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}});
}

/// Weights packed for a group contraction as a constant of `shape`, one
/// byte each where they fit (groupStorage).
static Value groupWeightConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                                ArrayRef<int64_t> packed, StringRef name) {
  auto type = RankedTensorType::get(shape, groupStorage(b, packed));
  return arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(makeIntConstant(type, packed, name)));
}

/// Whether `value` holds the operands of groups of `g`: i16 for pairs, i8
/// for quads.
static bool isGroupOperand(Value value, int64_t g) {
  Type elem = cast<RankedTensorType>(value.getType()).getElementType();
  return (g == 2 && elem.isInteger(16)) || (g == 4 && elem.isInteger(8));
}

/// Marks `contraction` for kiln-tile-and-vectorize: its loop `groupLoop`
/// (the channels of a group) is tiled whole, on the backend's tile.
static void markGroupContraction(OpBuilder &b, Value contraction, int64_t groupLoop,
                                 const PackTile &tile) {
  Operation *op = contraction.getDefiningOp();
  op->setAttr(kGroupReductionAttr, b.getI64IntegerAttr(groupLoop));
  if (tile.registerTile)
    op->setAttr(kRegisterTileAttr, tile.registerTile);
}

Value buildPackedGroupPointwiseConv(OpBuilder &b, Location loc, Value input,
                                    ArrayRef<int64_t> weight, Value bias,
                                    RankedTensorType accType, ChannelGroup group,
                                    const PackTile &tile, StringRef name) {
  const int64_t g = group.size;
  MLIRContext *ctx = b.getContext();
  const int64_t r = tile.rows;
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t n = accType.getDimSize(0), m = accType.getDimSize(1),
          p = accType.getDimSize(2), c = inType.getDimSize(1);
  if (m % r != 0 || static_cast<int64_t>(weight.size()) != m * c ||
      !isGroupOperand(input, g))
    return {};
  int64_t groups = llvm::divideCeil(c, g), blocks = m / r;
  input = channelGroups(b, loc, input, g);
  SmallVector<int64_t> packed(blocks * groups * r * g, 0);
  for (int64_t io = 0; io < blocks; ++io)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t ii = 0; ii < r; ++ii)
        packed[((io * groups + ci / g) * r + ii) * g + ci % g] =
            weight[(io * r + ii) * c + ci];
  Value packedWeight = groupWeightConstant(b, loc, {blocks, groups, r, g}, packed, name);

  // Loops: n, io, ii, p, group, j (the channels of a group).
  auto blockedType = RankedTensorType::get({n, blocks, r, p},
                                           accType.getElementType());
  Value acc = biasAccumulator(b, loc, bias, blockedType);
  Value conv = buildContraction(
      b, loc, {input, packedWeight}, acc,
      {dimsMap(6, {0, 4, 3, 5}, {}, ctx), dimsMap(6, {1, 4, 2, 5}, {}, ctx),
       dimsMap(6, {0, 1, 2, 3}, {}, ctx)},
      2, group.unsignedInput);
  markGroupContraction(b, conv, 5, tile);
  return tensor::CollapseShapeOp::create(
      b, loc, accType, conv, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}});
}

/// The group conv of width stride s > 1: the input's columns split into s
/// phases, N x C/g x H x s x W/s x g, so that tap kw = s * q + p of output
/// column ow reads phase p at column ow + q, and a tile's lanes (V output
/// columns) read V consecutive groups of one phase. Weights packed
/// M/R x C/g x KH x ceil(KW/s) x s x R x g, zero past KW.
Value buildPhasedGroupConv(OpBuilder &b, Location loc, Value input,
                           ArrayRef<int64_t> weight, ArrayRef<int64_t> kernel,
                           Value bias, ArrayRef<int64_t> strides,
                           int64_t rowDilation, RankedTensorType accType,
                           ChannelGroup group, const PackTile &tile, StringRef name) {
  const int64_t g = group.size;
  MLIRContext *ctx = b.getContext();
  const int64_t r = tile.rows, s = strides[1];
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t n = accType.getDimSize(0), m = accType.getDimSize(1),
          c = inType.getDimSize(1), h = inType.getDimSize(2),
          kh = kernel[0], kw = kernel[1];
  int64_t columns = llvm::divideCeil(inType.getDimSize(3), s), taps = llvm::divideCeil(kw, s);
  int64_t groups = llvm::divideCeil(c, g), blocks = m / r;
  Type elem = inType.getElementType();
  if (columns * s != inType.getDimSize(3)) // columns no output reads
    input = tensor::createPadHighOp(
        RankedTensorType::get({n, c, h, columns * s}, elem), input,
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(elem, 0)),
        /*nofold=*/false, loc, b);
  input = channelGroups(b, loc, input, g); // N x C/g x H x W x g
  input = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({n, groups, h, columns, s, g}, elem), input,
      SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}, {5}});
  input = buildCopy(b, loc, input, dimsMap(6, {0, 1, 2, 4, 3, 5}, {}, ctx),
                    RankedTensorType::get({n, groups, h, s, columns, g}, elem));

  SmallVector<int64_t> packed(blocks * groups * kh * taps * s * r * g, 0);
  for (int64_t f = 0; f < m; ++f)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          packed[((((((f / r) * groups + ci / g) * kh + y) * taps + x / s) * s + x % s) *
                      r + f % r) * g + ci % g] = weight[((f * c + ci) * kh + y) * kw + x];
  Value packedWeight =
      groupWeightConstant(b, loc, {blocks, groups, kh, taps, s, r, g}, packed, name);

  // Loops: n, io, ii, oh, ow, group, kh, q, p, j.
  auto blockedType = RankedTensorType::get(
      {n, blocks, r, accType.getDimSize(2), accType.getDimSize(3)},
      accType.getElementType());
  Value acc = biasAccumulator(b, loc, bias, blockedType);
  AffineExpr d[10];
  for (unsigned i = 0; i < 10; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  AffineMap xMap = AffineMap::get(
      10, 0,
      {d[0], d[5], d[3] * strides[0] + d[6] * rowDilation, d[8], d[4] + d[7], d[9]},
      ctx);
  Value conv = buildContraction(
      b, loc, {input, packedWeight}, acc,
      {xMap, dimsMap(10, {1, 5, 6, 7, 8, 2, 9}, {}, ctx),
       dimsMap(10, {0, 1, 2, 3, 4}, {}, ctx)},
      5, group.unsignedInput);
  markGroupContraction(b, conv, 9, tile);
  return tensor::CollapseShapeOp::create(
      b, loc, accType, conv,
      SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
}

Value buildPackedGroupConv(OpBuilder &b, Location loc, Value input,
                           ArrayRef<int64_t> weight, ArrayRef<int64_t> kernel,
                           Value bias, ArrayRef<int64_t> strides,
                           ArrayRef<int64_t> dilations, RankedTensorType accType,
                           ChannelGroup group, const PackTile &tile, StringRef name) {
  const int64_t g = group.size;
  MLIRContext *ctx = b.getContext();
  const int64_t r = tile.rows;
  auto inType = cast<RankedTensorType>(input.getType());
  if (accType.getRank() != 4 || kernel.size() != 2 || !isGroupOperand(input, g))
    return {};
  int64_t n = accType.getDimSize(0), m = accType.getDimSize(1),
          c = inType.getDimSize(1), kh = kernel[0], kw = kernel[1];
  if (m % r != 0 || static_cast<int64_t>(weight.size()) != m * c * kh * kw)
    return {};
  if (strides[1] != 1)
    return dilations[1] == 1
               ? buildPhasedGroupConv(b, loc, input, weight, kernel, bias,
                                      strides, dilations[0], accType, group, tile,
                                      name)
               : Value();
  int64_t groups = llvm::divideCeil(c, g), blocks = m / r;
  input = channelGroups(b, loc, input, g);
  SmallVector<int64_t> packed(blocks * groups * kh * kw * r * g, 0);
  for (int64_t f = 0; f < m; ++f)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          packed[(((((f / r) * groups + ci / g) * kh + y) * kw + x) * r + f % r) * g +
                 ci % g] = weight[((f * c + ci) * kh + y) * kw + x];
  Value packedWeight =
      groupWeightConstant(b, loc, {blocks, groups, kh, kw, r, g}, packed, name);

  // Loops: n, io, ii, oh, ow, group, kh, kw, j.
  auto blockedType = RankedTensorType::get(
      {n, blocks, r, accType.getDimSize(2), accType.getDimSize(3)},
      accType.getElementType());
  Value acc = biasAccumulator(b, loc, bias, blockedType);
  AffineExpr d[9];
  for (unsigned i = 0; i < 9; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  AffineMap xMap = AffineMap::get(
      9, 0,
      {d[0], d[5], d[3] * strides[0] + d[6] * dilations[0],
       d[4] + d[7] * dilations[1], d[8]},
      ctx);
  Value conv = buildContraction(
      b, loc, {input, packedWeight}, acc,
      {xMap, dimsMap(9, {1, 5, 6, 7, 2, 8}, {}, ctx),
       dimsMap(9, {0, 1, 2, 3, 4}, {}, ctx)},
      4, group.unsignedInput);
  markGroupContraction(b, conv, 8, tile);
  return tensor::CollapseShapeOp::create(
      b, loc, accType, conv,
      SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
}

Value buildPackedGroupMatMul(OpBuilder &b, Location loc, Value lhs,
                             ArrayRef<int64_t> rhs, Value bias,
                             RankedTensorType accType, ChannelGroup channels,
                             const PackTile &tile, StringRef name) {
  const int64_t g = channels.size;
  MLIRContext *ctx = b.getContext();
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  int64_t rank = accType.getRank();
  if (rank < 2 || lhsType.getRank() != rank ||
      lhsType.getShape().drop_back(2) != accType.getShape().drop_back(2) ||
      !isGroupOperand(lhs, g))
    return {};
  int64_t k = lhsType.getDimSize(rank - 1), n = accType.getDimSize(rank - 1);
  const int64_t v = tile.lanes;
  if (static_cast<int64_t>(rhs.size()) != k * n || n < v)
    return {};
  int64_t groups = llvm::divideCeil(k, g), panels = llvm::divideCeil(n, v);
  Type elem = lhsType.getElementType(), i32 = b.getI32Type();
  SmallVector<int64_t> shape(lhsType.getShape());
  if (k % g != 0) {
    shape.back() = g * groups;
    lhs = tensor::createPadHighOp(
        RankedTensorType::get(shape, elem), lhs,
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(elem, 0)),
        /*nofold=*/false, loc, b);
  }
  shape.back() = groups;
  shape.push_back(g);
  SmallVector<ReassociationIndices> split;
  for (int64_t d = 0; d < rank - 1; ++d)
    split.push_back({d});
  split.push_back({rank - 1, rank});
  lhs = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, elem), lhs, split);

  SmallVector<int64_t> packed(panels * groups * v * g, 0);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t col = 0; col < n; ++col)
      packed[(((col / v) * groups + kk / g) * v + col % v) * g + kk % g] =
          rhs[kk * n + col];
  Value packedRhs = groupWeightConstant(b, loc, {panels, groups, v, g}, packed, name);

  // Loops: batch..., m, no, ni, group, j; the accumulator (batch..., M,
  // N/V, V) starts from the bias, zero past N.
  unsigned batch = rank - 2, numDims = rank + 3;
  unsigned m = batch, no = batch + 1, ni = batch + 2, group = batch + 3,
           j = batch + 4;
  SmallVector<int64_t> blocked(accType.getShape().drop_back());
  blocked.append({panels, v});
  auto blockedType = RankedTensorType::get(blocked, i32);
  SmallVector<unsigned> outDims = llvm::to_vector(llvm::seq<unsigned>(0, batch));
  SmallVector<unsigned> lhsDims = outDims;
  outDims.append({m, no, ni});
  lhsDims.append({m, group, j});
  Value init;
  if (bias) {
    if (n % v != 0)
      bias = tensor::createPadHighOp(
          RankedTensorType::get({panels * v}, i32), bias,
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)),
          /*nofold=*/false, loc, b);
    bias = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({panels, v}, i32), bias,
        SmallVector<ReassociationIndices>{{0, 1}});
    init = buildCopy(b, loc, bias, dimsMap(rank + 1, {batch + 1, batch + 2}, {}, ctx),
                     blockedType);
  } else {
    init = filledTensor(b, loc, blocked, i32, b.getI32IntegerAttr(0));
  }
  Value product = buildContraction(
      b, loc, {lhs, packedRhs}, init,
      {dimsMap(numDims, lhsDims, {}, ctx), dimsMap(numDims, {no, group, ni, j}, {}, ctx),
       dimsMap(numDims, outDims, {}, ctx)},
      2, channels.unsignedInput);
  markGroupContraction(b, product, j, tile);
  SmallVector<ReassociationIndices> merge;
  for (int64_t d = 0; d < rank - 1; ++d)
    merge.push_back({d});
  merge.push_back({rank - 1, rank});
  SmallVector<int64_t> paddedShape(accType.getShape());
  paddedShape.back() = panels * v;
  product = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(paddedShape, i32), product, merge);
  if (paddedShape.back() == n)
    return product;
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
      strides(rank, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(
      b, loc, accType, product, offsets,
      getAsIndexOpFoldResult(ctx, accType.getShape()), strides);
}

Value buildPackedMatMul(OpBuilder &b, Location loc, Value lhs,
                        bool transposeLhs, Value rhs, bool transposeRhs,
                        RankedTensorType outType, const PackTile &tile) {
  MLIRContext *ctx = b.getContext();
  std::optional<SmallVector<float>> values = readF32Constant(rhs);
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t rank = outType.getRank();
  if (!values || rhsType.getRank() != 2 || rank < 2 ||
      cast<RankedTensorType>(lhs.getType()).getRank() != rank ||
      (transposeLhs && rank != 2))
    return {};
  int64_t k = rhsType.getDimSize(transposeRhs ? 1 : 0);
  int64_t n = outType.getDimSize(rank - 1);
  const int64_t lanesPerPanel = tile.lanes;
  int64_t panels = n / lanesPerPanel, rest = n % lanesPerPanel;
  if (panels == 0)
    return {};
  auto at = [&](int64_t row, int64_t col) {
    return (*values)[transposeRhs ? col * k + row : row * n + col];
  };
  SmallVector<float> packed(panels * k * lanesPerPanel);
  for (int64_t no = 0; no < panels; ++no)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t ni = 0; ni < lanesPerPanel; ++ni)
        packed[(no * k + kk) * lanesPerPanel + ni] = at(kk, no * lanesPerPanel + ni);
  std::string name = packedName(rhs);

  Type elem = outType.getElementType();
  unsigned batch = rank - 2;
  SmallVector<unsigned> batchDims =
      llvm::to_vector(llvm::seq<unsigned>(0, batch));
  SmallVector<int64_t> rows(outType.getShape().drop_back());
  auto lhsMap = [&](unsigned numDims, unsigned m, unsigned kDim) {
    SmallVector<unsigned> which(batchDims);
    which.append(transposeLhs ? SmallVector<unsigned>{kDim, m}
                              : SmallVector<unsigned>{m, kDim});
    return dimsMap(numDims, which, {}, ctx);
  };

  // Whole panels. Loops: batch..., no, m, ni, k.
  unsigned no = batch, m = batch + 1, ni = batch + 2, kDim = batch + 3;
  SmallVector<int64_t> panelShape(rows);
  panelShape.append({panels, lanesPerPanel});
  SmallVector<unsigned> outDims(batchDims);
  outDims.append({m, no, ni});
  Value main = buildContraction(
      b, loc,
      {lhs, constantTensor(b, loc, {panels, k, lanesPerPanel}, packed, name)},
      filledTensor(b, loc, panelShape, elem, b.getFloatAttr(elem, 0)),
      {lhsMap(batch + 4, m, kDim), dimsMap(batch + 4, {no, kDim, ni}, {}, ctx),
       dimsMap(batch + 4, outDims, {}, ctx)},
      1);
  if (tile.registerTile)
    main.getDefiningOp()->setAttr(kRegisterTileAttr, tile.registerTile);
  SmallVector<ReassociationIndices> merge;
  for (unsigned d = 0; d <= batch; ++d)
    merge.push_back({d});
  merge.push_back({batch + 1, batch + 2});
  SmallVector<int64_t> mainShape(rows);
  mainShape.push_back(panels * lanesPerPanel);
  main = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(mainShape, elem), main, merge);
  if (rest == 0)
    return main;

  // The last columns, unpacked. Loops: batch..., m, n, k.
  SmallVector<float> tail(k * rest);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t j = 0; j < rest; ++j)
      tail[kk * rest + j] = at(kk, panels * lanesPerPanel + j);
  SmallVector<int64_t> tailShape(rows);
  tailShape.push_back(rest);
  unsigned tm = batch, tn = batch + 1, tk = batch + 2;
  SmallVector<unsigned> tailOut(batchDims);
  tailOut.append({tm, tn});
  Value tailResult = buildContraction(
      b, loc, {lhs, constantTensor(b, loc, {k, rest}, tail, name + "_tail")},
      filledTensor(b, loc, tailShape, elem, b.getFloatAttr(elem, 0)),
      {lhsMap(batch + 3, tm, tk), dimsMap(batch + 3, {tk, tn}, {}, ctx),
       dimsMap(batch + 3, tailOut, {}, ctx)},
      1);

  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
      strides(rank, b.getIndexAttr(1));
  Value result = emptyTensor(b, loc, outType.getShape(), elem);
  result = tensor::InsertSliceOp::create(b, loc, main, result, offsets,
                                         getAsIndexOpFoldResult(ctx, mainShape),
                                         strides);
  offsets.back() = b.getIndexAttr(panels * lanesPerPanel);
  return tensor::InsertSliceOp::create(b, loc, tailResult, result, offsets,
                                       getAsIndexOpFoldResult(ctx, tailShape),
                                       strides);
}

} // namespace kiln
