//===- WindowToLinalg.cpp - Conv and pooling to linalg.generic ------------===//
//
// All spatial ranks share one construction: the windowed operand is indexed
// with `out * stride + tap * dilation`, padding is an explicit tensor.pad, and
// grouped convolution splits the channel dimensions into (group, per-group).
//
//===----------------------------------------------------------------------===//
#include "Kiln/ConstantData.h"
#include "Kiln/KilnOps.h"
#include "kiln/Conversion/LoweringUtils.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;

namespace kiln {

Value buildDynamicConv(OpBuilder &b, Location loc, Value input, Value weight,
                       Value weightSource, Value bias, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                       int64_t group, RankedTensorType outType);
template <typename PoolOp>
FailureOr<Value> buildDynamicPool(OpBuilder &b, PoolOp op, Value input,
                                  bool isMax);

namespace {
template <typename PoolOp>
LogicalResult replaceWithDynamicPool(ConversionPatternRewriter &rewriter, PoolOp op,
                                     Value input, bool isMax) {
  FailureOr<Value> pooled = buildDynamicPool(rewriter, op, input, isMax);
  if (failed(pooled))
    return failure();
  rewriter.replaceOp(op, *pooled);
  return success();
}

SmallVector<ReassociationIndices> splitDim(int64_t rank, int64_t dim) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0, j = 0; i < rank; ++i) {
    if (i == dim) {
      groups.push_back({j, j + 1});
      j += 2;
    } else {
      groups.push_back({j++});
    }
  }
  return groups;
}

/// Splits dimension `dim` of `value` into (outer, size / outer).
Value expandDim(OpBuilder &b, Location loc, Value value, int64_t dim,
                int64_t outer) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] /= outer;
  shape.insert(shape.begin() + dim, outer);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      splitDim(type.getRank(), dim));
}

/// Extra end padding so that ceil-mode windows never read past the buffer.
SmallVector<int64_t> ceilModePadEnd(ArrayRef<int64_t> inShape,
                                    ArrayRef<int64_t> outShape,
                                    ArrayRef<int64_t> kernel,
                                    ArrayRef<int64_t> strides,
                                    ArrayRef<int64_t> pads,
                                    ArrayRef<int64_t> dilations) {
  size_t k = kernel.size();
  SmallVector<int64_t> padEnd;
  for (size_t i = 0; i < k; ++i) {
    int64_t needed = (outShape[2 + i] - 1) * strides[i] +
                     dilations[i] * (kernel[i] - 1) + 1;
    int64_t have = inShape[2 + i] + pads[i] + pads[k + i];
    padEnd.push_back(pads[k + i] + std::max<int64_t>(0, needed - have));
  }
  return padEnd;
}

/// Input index expressions `o * s + t * d` for the spatial dims, given where
/// the output-position and tap loops start in the iteration space.
SmallVector<AffineExpr> windowExprs(MLIRContext *ctx, size_t spatial,
                                    unsigned outBase, unsigned tapBase,
                                    ArrayRef<int64_t> strides,
                                    ArrayRef<int64_t> dilations) {
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < spatial; ++i)
    exprs.push_back(getAffineDimExpr(outBase + i, ctx) * strides[i] +
                    getAffineDimExpr(tapBase + i, ctx) * dilations[i]);
  return exprs;
}


/// Accumulator N x G x M/G x O... of a grouped conv, starting from the bias
/// (or zero).
Value convAccumulator(OpBuilder &b, Location loc, Value bias, int64_t group,
                      RankedTensorType outType, RankedTensorType &accType) {
  SmallVector<int64_t> accShape(outType.getShape());
  accShape[1] /= group;
  accShape.insert(accShape.begin() + 1, group);
  accType = RankedTensorType::get(accShape, outType.getElementType());
  return biasAccumulator(b, loc, bias, accType);
}

/// The multiply-accumulate generic of a conv over accumulator `acc`.
Value convGeneric(OpBuilder &b, Location loc, Value input, Value weight,
                  Value acc, AffineMap inputMap, AffineMap weightMap,
                  unsigned numParallel, RankedTensorType outType) {
  unsigned numDims = inputMap.getNumDims();
  SmallVector<AffineExpr> outExprs;
  for (unsigned d = 0; d < numParallel; ++d)
    outExprs.push_back(getAffineDimExpr(d, b.getContext()));
  AffineMap outMap = AffineMap::get(numDims, 0, outExprs, b.getContext());
  Value conv = buildContraction(b, loc, {input, weight}, acc,
                                {inputMap, weightMap, outMap},
                                numDims - numParallel);
  return tensor::CollapseShapeOp::create(b, loc, outType, conv,
                                         splitDim(outType.getRank(), 1));
}

/// Strided (dilation 1) convolution with unit-stride vector reads: the
/// padded input is split into stride phases, N x C x S... -> N x C x s... x E...
/// (E = O + ceil(K/s) - 1), and tap t = q*s + r reads phase r at o + q. The
/// kernel is zero-padded to a multiple of the stride.
Value buildPhasedConv(OpBuilder &b, Location loc, Value input, Value weight,
                      Value bias, ArrayRef<int64_t> strides, int64_t group,
                      RankedTensorType outType) {
  MLIRContext *ctx = b.getContext();
  Type elem = outType.getElementType();
  unsigned spatial = outType.getRank() - 2;
  auto inType = cast<RankedTensorType>(input.getType());
  auto wType = cast<RankedTensorType>(weight.getType());
  SmallVector<int64_t> taps, extents, inLo(spatial, 0), inHi, wHi;
  SmallVector<OpFoldResult> offsets(inType.getRank(), b.getIndexAttr(0)),
      sizes, ones(inType.getRank(), b.getIndexAttr(1));
  sizes.push_back(b.getIndexAttr(inType.getDimSize(0)));
  sizes.push_back(b.getIndexAttr(inType.getDimSize(1)));
  for (unsigned i = 0; i < spatial; ++i) {
    int64_t s = strides[i], k = wType.getDimSize(2 + i);
    int64_t q = (k + s - 1) / s, e = outType.getDimSize(2 + i) + q - 1;
    taps.push_back(q);
    extents.push_back(e);
    int64_t have = inType.getDimSize(2 + i);
    inHi.push_back(std::max<int64_t>(0, s * e - have));
    sizes.push_back(b.getIndexAttr(s * e));
    wHi.push_back(q * s - k);
  }
  Value zero = floatConst(b, loc, elem, 0);
  input = padSpatial(b, loc, input, inLo, inHi, zero);
  input = tensor::ExtractSliceOp::create(b, loc, input, offsets, sizes, ones);
  // N x C x (E1 s1) x ... -> N x C x s1..sk x E1..Ek.
  SmallVector<int64_t> split = {inType.getDimSize(0), inType.getDimSize(1)};
  SmallVector<ReassociationIndices> groups = {{0}, {1}};
  for (unsigned i = 0; i < spatial; ++i) {
    split.append({extents[i], strides[i]});
    groups.push_back({2 + 2 * i, 3 + 2 * i});
  }
  input = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(split, elem), input, groups);
  SmallVector<int64_t> phasedShape = {split[0], split[1]};
  SmallVector<AffineExpr> readPhase = {getAffineDimExpr(0, ctx),
                                       getAffineDimExpr(1, ctx)};
  for (unsigned i = 0; i < spatial; ++i) {
    phasedShape.insert(phasedShape.begin() + 2 + i, strides[i]);
    phasedShape.push_back(extents[i]);
    readPhase.push_back(getAffineDimExpr(2 + spatial + i, ctx));
    readPhase.push_back(getAffineDimExpr(2 + i, ctx));
  }
  Value phased = buildCopy(
      b, loc, input, AffineMap::get(2 + 2 * spatial, 0, readPhase, ctx),
      RankedTensorType::get(phasedShape, elem));
  // Weight M x C/G x (Q s)... with zero taps past K.
  weight = padSpatial(b, loc, weight, SmallVector<int64_t>(spatial, 0), wHi,
                      zero);
  SmallVector<int64_t> wSplit = {wType.getDimSize(0), wType.getDimSize(1)};
  for (unsigned i = 0; i < spatial; ++i)
    wSplit.append({taps[i], strides[i]});
  weight = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(wSplit, elem), weight, groups);

  phased = expandDim(b, loc, phased, 1, group); // N, G, C/G, s..., E...
  weight = expandDim(b, loc, weight, 0, group); // G, M/G, C/G, (Q s)...
  RankedTensorType accType;
  Value acc = convAccumulator(b, loc, bias, group, outType, accType);

  // Loops: n, g, m, o_1..o_k, c, r_1..r_k, q_1..q_k.
  unsigned numDims = 4 + 3 * spatial;
  unsigned cDim = 3 + spatial, rBase = 4 + spatial, qBase = 4 + 2 * spatial;
  SmallVector<AffineExpr> inExprs = {getAffineDimExpr(0, ctx),
                                     getAffineDimExpr(1, ctx),
                                     getAffineDimExpr(cDim, ctx)};
  SmallVector<AffineExpr> wExprs = {getAffineDimExpr(1, ctx),
                                    getAffineDimExpr(2, ctx),
                                    getAffineDimExpr(cDim, ctx)};
  for (unsigned i = 0; i < spatial; ++i) {
    inExprs.push_back(getAffineDimExpr(rBase + i, ctx));
    wExprs.push_back(getAffineDimExpr(qBase + i, ctx));
    wExprs.push_back(getAffineDimExpr(rBase + i, ctx));
  }
  for (unsigned i = 0; i < spatial; ++i)
    inExprs.push_back(getAffineDimExpr(3 + i, ctx) +
                      getAffineDimExpr(qBase + i, ctx));
  return convGeneric(b, loc, phased, weight, acc,
                     AffineMap::get(numDims, 0, inExprs, ctx),
                     AffineMap::get(numDims, 0, wExprs, ctx), 3 + spatial,
                     outType);
}

bool isPointwise(ConvOp op) {
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  return llvm::all_of(wType.getShape().drop_front(2),
                      [](int64_t k) { return k == 1; }) &&
         llvm::all_of(op.getStrides(), [](int64_t s) { return s == 1; }) &&
         llvm::all_of(op.getPads(), [](int64_t p) { return p == 0; });
}

struct ConvLowering : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    size_t spatial = outType.getRank() - 2;
    ArrayRef<int64_t> pads = op.getPads();
    if (!outType.hasStaticShape()) {
      rewriter.replaceOp(op, buildDynamicConv(rewriter, loc, adaptor.getInput(),
                                              adaptor.getWeight(), op.getWeight(),
                                              adaptor.getBias(),
                                              op.getStrides(), pads, op.getDilations(),
                                              op.getGroup(), outType));
      return success();
    }
    Value input = padSpatial(rewriter, loc, adaptor.getInput(),
                             pads.take_front(spatial), pads.drop_front(spatial),
                             floatConst(rewriter, loc, outType.getElementType(), 0));
    if (spatial > 1 && isPointwise(op)) {
      // A 1x1, stride-1 conv sees the spatial dims as one contiguous run, so
      // its tiles get long vectors even when the image is small.
      auto collapse = [&](Value v) {
        auto type = cast<RankedTensorType>(v.getType());
        SmallVector<ReassociationIndices> groups = {{0}, {1}, {}};
        for (int64_t d = 2; d < type.getRank(); ++d)
          groups.back().push_back(d);
        return tensor::CollapseShapeOp::create(rewriter, loc, v, groups)
            .getResult();
      };
      Value flatIn = collapse(input), flatW = collapse(adaptor.getWeight());
      auto flatOut = cast<RankedTensorType>(
          tensor::CollapseShapeOp::inferCollapsedType(
              outType, {{0}, {1}, llvm::to_vector(llvm::seq<int64_t>(
                                      2, outType.getRank()))}));
      Value conv;
      std::optional<PackTile> tile = packTileOf(op);
      if (op.getGroup() == 1 && tile)
        conv = buildPackedPointwiseConv(rewriter, loc, flatIn, op.getWeight(),
                                        adaptor.getBias(), flatOut, *tile);
      if (!conv)
        conv = buildConv(rewriter, loc, flatIn, flatW, adaptor.getBias(), {1},
                         {1}, op.getGroup(), flatOut);
      SmallVector<ReassociationIndices> groups = {{0}, {1}, {}};
      for (int64_t d = 2; d < outType.getRank(); ++d)
        groups.back().push_back(d);
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, outType, conv,
                                                         groups);
      return success();
    }
    bool strided = llvm::any_of(op.getStrides(), [](int64_t s) { return s > 1; });
    bool dilated = llvm::any_of(op.getDilations(), [](int64_t d) { return d > 1; });
    if (strided && !dilated) {
      rewriter.replaceOp(op, buildPhasedConv(rewriter, loc, input,
                                             adaptor.getWeight(), adaptor.getBias(),
                                             op.getStrides(), op.getGroup(), outType));
      return success();
    }
    rewriter.replaceOp(op, buildConv(rewriter, loc, input, adaptor.getWeight(),
                                     adaptor.getBias(), op.getStrides(),
                                     op.getDilations(), op.getGroup(), outType));
    return success();
  }
};

/// Kernel == stride, no padding or dilation, one group: every output pixel
/// gets exactly one tap, so the op is a pointwise conv to M x K... "phase"
/// channels followed by interleaving the phases into the output.
bool isNonOverlapping(ConvTransposeOp op) {
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  ArrayRef<int64_t> kernel = wType.getShape().drop_front(2);
  return op.getGroup() == 1 && kernel == op.getStrides() &&
         llvm::all_of(op.getPads(), [](int64_t p) { return p == 0; }) &&
         llvm::all_of(op.getDilations(), [](int64_t d) { return d == 1; }) &&
         llvm::all_of(op.getOutputPadding(), [](int64_t p) { return p == 0; });
}

Value buildPhaseConvTranspose(OpBuilder &b, Location loc, Value input,
                              Value weight, Value bias,
                              RankedTensorType outType) {
  MLIRContext *ctx = b.getContext();
  Type elem = outType.getElementType();
  auto inType = cast<RankedTensorType>(input.getType());
  auto wType = cast<RankedTensorType>(weight.getType());
  int64_t spatial = inType.getRank() - 2, channels = wType.getDimSize(0),
          filters = wType.getDimSize(1);
  ArrayRef<int64_t> kernel = wType.getShape().drop_front(2),
                    image = inType.getShape().drop_front(2);
  int64_t phases = wType.getNumElements() / (channels * filters),
          pixels = inType.getNumElements() / (inType.getDimSize(0) * channels);
  auto flat = [&](Value v, ArrayRef<int64_t> shape) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() == static_cast<int64_t>(shape.size()))
      return v;
    return tensor::CollapseShapeOp::create(
               b, loc, RankedTensorType::get(shape, elem), v,
               *getReassociationIndicesForCollapse(type.getShape(), shape))
        .getResult();
  };

  // Weight C x M x K... -> (M K...) x C x 1.
  SmallVector<int64_t> permutedShape = {filters};
  permutedShape.append(kernel.begin(), kernel.end());
  permutedShape.push_back(channels);
  SmallVector<AffineExpr> readW = {getAffineDimExpr(spatial + 1, ctx),
                                   getAffineDimExpr(0, ctx)};
  for (int64_t i = 0; i < spatial; ++i)
    readW.push_back(getAffineDimExpr(1 + i, ctx));
  Value permuted =
      buildCopy(b, loc, weight, AffineMap::get(spatial + 2, 0, readW, ctx),
                RankedTensorType::get(permutedShape, elem));
  Value pointwise = flat(permuted, {filters * phases, channels});
  pointwise = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({filters * phases, channels, 1}, elem),
      pointwise, SmallVector<ReassociationIndices>{{0}, {1, 2}});

  int64_t batch = inType.getDimSize(0);
  Value flatIn = flat(input, {batch, channels, pixels});
  Value phased = buildConv(
      b, loc, flatIn, pointwise, Value(), {1}, {1}, 1,
      RankedTensorType::get({batch, filters * phases, pixels}, elem));

  // Interleave: out[n, m, h1, k1, ..., hk, kk] = phased[n, m, k..., h...].
  SmallVector<int64_t> phasedShape = {batch, filters};
  phasedShape.append(kernel.begin(), kernel.end());
  phasedShape.append(image.begin(), image.end());
  phased = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(phasedShape, elem), phased,
      SmallVector<ReassociationIndices>{
          {0},
          llvm::to_vector(llvm::seq<int64_t>(1, 2 + spatial)),
          llvm::to_vector(llvm::seq<int64_t>(2 + spatial, 2 + 2 * spatial))});
  SmallVector<int64_t> interleavedShape = {batch, filters};
  SmallVector<AffineExpr> readY = {getAffineDimExpr(0, ctx),
                                   getAffineDimExpr(1, ctx)};
  unsigned numDims = 2 + 2 * spatial;
  for (int64_t i = 0; i < spatial; ++i) {
    interleavedShape.push_back(image[i]);
    interleavedShape.push_back(kernel[i]);
    readY.push_back(getAffineDimExpr(3 + 2 * i, ctx));
  }
  for (int64_t i = 0; i < spatial; ++i)
    readY.push_back(getAffineDimExpr(2 + 2 * i, ctx));
  auto interleavedType = RankedTensorType::get(interleavedShape, elem);
  SmallVector<Value> inputs = {phased};
  SmallVector<AffineMap> maps = {AffineMap::get(numDims, 0, readY, ctx)};
  if (bias) {
    inputs.push_back(flat(bias, {filters}));
    maps.push_back(AffineMap::get(numDims, 0, {getAffineDimExpr(1, ctx)}, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(numDims, ctx));
  Value init = tensor::EmptyOp::create(b, loc, interleavedShape, elem);
  Value interleaved =
      linalg::GenericOp::create(
          b, loc, interleavedType, inputs, init, maps,
          SmallVector<utils::IteratorType>(numDims,
                                           utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location l, ValueRange a) {
            Value v = a[0];
            if (a.size() > 2)
              v = arith::AddFOp::create(nb, l, v, a[1]);
            yieldValue(nb, l, v);
          })
          .getResult(0);
  return flat(interleaved, SmallVector<int64_t>(outType.getShape()));
}

/// A transposed convolution is a stride-1 convolution of the input spread out
/// by the stride (zeros in between) and padded by dilation * (K - 1) - pad,
/// with the weight's kernel flipped and its channel roles swapped.
struct ConvTransposeLowering : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto outType = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto wType = cast<RankedTensorType>(adaptor.getWeight().getType());
    Type elem = outType.getElementType();
    size_t spatial = outType.getRank() - 2;
    int64_t group = op.getGroup();
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                      pads = op.getPads(), outPad = op.getOutputPadding();

    if (isNonOverlapping(op)) {
      rewriter.replaceOp(op, buildPhaseConvTranspose(rewriter, loc,
                                                     adaptor.getInput(),
                                                     adaptor.getWeight(),
                                                     adaptor.getBias(), outType));
      return success();
    }

    // Spread and pad the input in one destination tensor.
    SmallVector<int64_t> spreadShape(inType.getShape().take_front(2));
    SmallVector<OpFoldResult> offsets(2, rewriter.getIndexAttr(0)),
        sizes, steps(2, rewriter.getIndexAttr(1));
    for (int64_t d : inType.getShape())
      sizes.push_back(rewriter.getIndexAttr(d));
    for (size_t i = 0; i < spatial; ++i) {
      int64_t reach = dilations[i] * (wType.getDimSize(2 + i) - 1);
      int64_t lo = reach - pads[i], hi = reach - pads[spatial + i] + outPad[i];
      if (lo < 0 || hi < 0)
        return rewriter.notifyMatchFailure(op, "padding larger than the kernel");
      spreadShape.push_back((inType.getDimSize(2 + i) - 1) * strides[i] + 1 + lo + hi);
      offsets.push_back(rewriter.getIndexAttr(lo));
      steps.push_back(rewriter.getIndexAttr(strides[i]));
    }
    Value spread = filledTensor(rewriter, loc, spreadShape, elem,
                                rewriter.getFloatAttr(elem, 0));
    spread = tensor::InsertSliceOp::create(rewriter, loc, adaptor.getInput(),
                                           spread, offsets, sizes, steps);

    // Weight C x M/G x K... -> M x C/G x K... with flipped taps, built as
    // G x M/G x C/G x K... and collapsed.
    int64_t cPerGroup = wType.getDimSize(0) / group, mPerGroup = wType.getDimSize(1);
    SmallVector<int64_t> flippedShape = {group, mPerGroup, cPerGroup};
    unsigned rank = 3 + spatial;
    SmallVector<AffineExpr> readExprs = {
        getAffineDimExpr(0, ctx) * cPerGroup + getAffineDimExpr(2, ctx),
        getAffineDimExpr(1, ctx)};
    for (size_t i = 0; i < spatial; ++i) {
      int64_t k = wType.getDimSize(2 + i);
      flippedShape.push_back(k);
      readExprs.push_back(getAffineConstantExpr(k - 1, ctx) -
                          getAffineDimExpr(3 + i, ctx));
    }
    auto flippedType = RankedTensorType::get(flippedShape, elem);
    Value flipped = buildCopy(rewriter, loc, adaptor.getWeight(),
                              AffineMap::get(rank, 0, readExprs, ctx), flippedType);
    SmallVector<int64_t> weightShape = {group * mPerGroup, cPerGroup};
    weightShape.append(flippedShape.begin() + 3, flippedShape.end());
    Value weight = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get(weightShape, elem), flipped,
        splitDim(weightShape.size(), 0));

    SmallVector<int64_t> unitStrides(spatial, 1);
    rewriter.replaceOp(op, buildConv(rewriter, loc, spread, weight,
                                     adaptor.getBias(), unitStrides, dilations,
                                     group, outType));
    return success();
  }
};

/// Shared by max and average pooling: a reduction over the window taps.
/// `combine` folds one tap into the accumulator.
Value buildPoolReduction(OpBuilder &b, Location loc, Value input,
                         RankedTensorType outType, ArrayRef<int64_t> kernel,
                         ArrayRef<int64_t> strides,
                         ArrayRef<int64_t> dilations, TypedAttr initValue,
                         function_ref<Value(OpBuilder &, Location, Value, Value)>
                             combine) {
  MLIRContext *ctx = b.getContext();
  size_t spatial = kernel.size();
  Type elem = outType.getElementType();
  unsigned numDims = 2 + 2 * spatial;
  unsigned tapBase = 2 + spatial;
  AffineMap inputMap = dimsMap(
      numDims, {0, 1}, windowExprs(ctx, spatial, 2, tapBase, strides, dilations),
      ctx);
  auto taps = llvm::to_vector(llvm::seq<unsigned>(tapBase, numDims));
  AffineMap windowMap = dimsMap(numDims, taps, {}, ctx);
  auto outDims = llvm::to_vector(llvm::seq<unsigned>(0, tapBase));
  AffineMap outMap = dimsMap(numDims, outDims, {}, ctx);
  SmallVector<utils::IteratorType> iterators(numDims,
                                             utils::IteratorType::parallel);
  for (unsigned d = tapBase; d < numDims; ++d)
    iterators[d] = utils::IteratorType::reduction;
  // The window operand only carries the tap loop bounds, like linalg's
  // named pooling ops; its contents are never read.
  Value window = emptyTensor(b, loc, kernel, elem);
  Value init = filledTensor(b, loc, outType.getShape(), elem, initValue);
  return linalg::GenericOp::create(
             b, loc, outType, ValueRange{input, window}, init,
             {inputMap, windowMap, outMap}, iterators,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               yieldValue(nb, l, combine(nb, l, a[2], a[0]));
             })
      .getResult(0);
}

struct MaxPoolLowering : OpConversionPattern<MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    if (!outType.hasStaticShape())
      return replaceWithDynamicPool(rewriter, op, adaptor.getInput(), /*isMax=*/true);
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    Type elem = outType.getElementType();
    size_t spatial = op.getKernelShape().size();
    TypedAttr lowest = rewriter.getFloatAttr(
        elem, -std::numeric_limits<double>::infinity());
    Value padValue = arith::ConstantOp::create(rewriter, loc, lowest);
    Value input = padSpatial(
        rewriter, loc, adaptor.getInput(), op.getPads().take_front(spatial),
        ceilModePadEnd(inType.getShape(), outType.getShape(),
                       op.getKernelShape(), op.getStrides(), op.getPads(),
                       op.getDilations()),
        padValue);
    Value result = buildPoolReduction(
        rewriter, loc, input, outType, op.getKernelShape(), op.getStrides(),
        op.getDilations(), lowest,
        [](OpBuilder &b, Location l, Value acc, Value x) -> Value {
          return arith::MaximumFOp::create(b, l, acc, x);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Number of taps of each output position that ONNX counts in the average:
/// real input elements, plus explicit padding when count_include_pad.
DenseElementsAttr averageDivisors(AveragePoolOp op, ArrayRef<int64_t> inShape,
                                  RankedTensorType outType) {
  size_t spatial = op.getKernelShape().size();
  ArrayRef<int64_t> outSpatial = outType.getShape().drop_front(2);
  SmallVector<SmallVector<double>> perDim(spatial);
  for (size_t i = 0; i < spatial; ++i) {
    int64_t padBegin = op.getPads()[i], padEnd = op.getPads()[spatial + i];
    int64_t lo = op.getCountIncludePad() ? -padBegin : 0;
    int64_t hi = op.getCountIncludePad() ? inShape[2 + i] + padEnd
                                         : inShape[2 + i];
    for (int64_t o = 0; o < outSpatial[i]; ++o) {
      int64_t count = 0;
      for (int64_t t = 0; t < op.getKernelShape()[i]; ++t) {
        int64_t pos = o * op.getStrides()[i] - padBegin + t * op.getDilations()[i];
        count += pos >= lo && pos < hi;
      }
      perDim[i].push_back(static_cast<double>(std::max<int64_t>(count, 1)));
    }
  }
  auto divType = RankedTensorType::get(outSpatial, outType.getElementType());
  SmallVector<float> values(divType.getNumElements(), 1.0f);
  for (int64_t flat = 0; flat < divType.getNumElements(); ++flat) {
    int64_t rest = flat;
    for (size_t i = spatial; i-- > 0;) {
      values[flat] *= perDim[i][rest % outSpatial[i]];
      rest /= outSpatial[i];
    }
  }
  return DenseElementsAttr::get(divType, ArrayRef<float>(values));
}

struct AveragePoolLowering : OpConversionPattern<AveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AveragePoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    if (!outType.hasStaticShape())
      return replaceWithDynamicPool(rewriter, op, adaptor.getInput(), /*isMax=*/false);
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    Type elem = outType.getElementType();
    if (!elem.isF32())
      return rewriter.notifyMatchFailure(op, "only f32 average pooling");
    size_t spatial = op.getKernelShape().size();
    Value input = padSpatial(
        rewriter, loc, adaptor.getInput(), op.getPads().take_front(spatial),
        ceilModePadEnd(inType.getShape(), outType.getShape(),
                       op.getKernelShape(), op.getStrides(), op.getPads(),
                       op.getDilations()),
        floatConst(rewriter, loc, elem, 0));
    Value sum = buildPoolReduction(
        rewriter, loc, input, outType, op.getKernelShape(), op.getStrides(),
        op.getDilations(), rewriter.getFloatAttr(elem, 0),
        [](OpBuilder &b, Location l, Value acc, Value x) -> Value {
          return arith::AddFOp::create(b, l, acc, x);
        });
    Value divisors = arith::ConstantOp::create(
        rewriter, loc, averageDivisors(op, inType.getShape(), outType));
    Value result = buildElementwise(
        rewriter, loc, outType, {sum, divisors},
        [](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, arith::DivFOp::create(b, l, a[0], a[1]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GlobalAveragePoolLowering : OpConversionPattern<GlobalAveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GlobalAveragePoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getType());
    Type elem = outType.getElementType();
    int64_t rank = inType.getRank();
    auto sumType = RankedTensorType::get(inType.getShape().take_front(2), elem);
    Value init = filledTensor(rewriter, loc, sumType.getShape(), elem,
                              rewriter.getFloatAttr(elem, 0));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::reduction);
    iterators[0] = iterators[1] = utils::IteratorType::parallel;
    // The number of pixels; from the run's sizes for a ranged input.
    Value count;
    if (!inType.hasStaticShape()) {
      Value pixels = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (int64_t d = 2; d < rank; ++d)
        pixels = arith::MulIOp::create(
            rewriter, loc, pixels, tensor::DimOp::create(rewriter, loc, adaptor.getInput(), d));
      pixels = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), pixels);
      count = arith::SIToFPOp::create(rewriter, loc, elem, pixels);
    }
    Value sum = linalg::GenericOp::create(
                    rewriter, loc, sumType, adaptor.getInput(), init,
                    {rewriter.getMultiDimIdentityMap(rank),
                     dimsMap(rank, {0, 1}, {}, ctx)},
                    iterators,
                    [](OpBuilder &b, Location l, ValueRange a) {
                      yieldValue(b, l, arith::AddFOp::create(b, l, a[1], a[0]));
                    })
                    .getResult(0);
    Value mean = buildElementwise(
        rewriter, loc, sumType, {sum},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value n = count ? count
                          : floatConst(b, l, elem,
                                       static_cast<double>(inType.getNumElements() /
                                                           (inType.getDimSize(0) *
                                                            inType.getDimSize(1))));
          yieldValue(b, l, arith::DivFOp::create(b, l, a[0], n));
        });
    SmallVector<ReassociationIndices> reassoc = {{0}, {}};
    for (int64_t d = 1; d < rank; ++d)
      reassoc[1].push_back(d);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, outType, mean, reassoc);
    return success();
  }
};

} // namespace

Value buildConv(OpBuilder &b, Location loc, Value input, Value weight,
                Value bias, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> dilations, int64_t group,
                RankedTensorType outType) {
  MLIRContext *ctx = b.getContext();
  size_t spatial = outType.getRank() - 2;
  input = expandDim(b, loc, input, 1, group);   // N, G, C/G, S...
  weight = expandDim(b, loc, weight, 0, group); // G, M/G, C/G, K...

  RankedTensorType accType;
  Value acc = convAccumulator(b, loc, bias, group, outType, accType);

  // Loops: n, g, m, o_1..o_k, c, t_1..t_k.
  unsigned numDims = 3 + spatial + 1 + spatial;
  unsigned outBase = 3, cDim = 3 + spatial, tapBase = 4 + spatial;
  auto taps = llvm::to_vector(llvm::seq<unsigned>(tapBase, tapBase + spatial));
  AffineMap inputMap = dimsMap(
      numDims, {0, 1, cDim},
      windowExprs(ctx, spatial, outBase, tapBase, strides, dilations), ctx);
  SmallVector<unsigned> weightDims = {1, 2, cDim};
  weightDims.append(taps.begin(), taps.end());
  AffineMap weightMap = dimsMap(numDims, weightDims, {}, ctx);
  return convGeneric(b, loc, input, weight, acc, inputMap, weightMap,
                     3 + spatial, outType);
}

/// The dynamic spatial dims of a window op's output (`outType`, over `input`,
/// N x C x S...), computed at run time: (S + pads - dilation (K - 1) - 1) /
/// stride + 1 for each ranged S.
static SmallVector<Value> dynamicWindowSizes(OpBuilder &b, Location loc, Value input,
                                             RankedTensorType outType,
                                             ArrayRef<int64_t> kernel,
                                             ArrayRef<int64_t> strides,
                                             ArrayRef<int64_t> pads,
                                             ArrayRef<int64_t> dilations) {
  int64_t spatial = outType.getRank() - 2;
  SmallVector<Value> sizes;
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  for (int64_t i = 0; i < spatial; ++i) {
    if (!outType.isDynamicDim(2 + i))
      continue;
    AffineExpr size = (s0 + (pads[i] + pads[spatial + i] -
                             dilations[i] * (kernel[i] - 1) - 1))
                          .floorDiv(strides[i]) +
                      1;
    Value in = tensor::DimOp::create(b, loc, input, 2 + i);
    sizes.push_back(
        affine::AffineApplyOp::create(b, loc, AffineMap::get(0, 1, size), in));
  }
  return sizes;
}

/// `input` (N x C x S..., dynamic dims allowed) padded by `value` in its
/// spatial dims (pads: begins, then ends); itself when nothing pads.
static Value padSpatialDims(OpBuilder &b, Location loc, Value input,
                            ArrayRef<int64_t> pads, Value value) {
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return input;
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank(), spatial = rank - 2;
  SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)), high(rank, b.getIndexAttr(0));
  for (int64_t i = 0; i < spatial; ++i) {
    low[2 + i] = b.getIndexAttr(pads[i]);
    high[2 + i] = b.getIndexAttr(pads[spatial + i]);
  }
  return tensor::PadOp::create(b, loc, RankedTensorType(), input, low, high, value);
}

/// A conv whose input has dynamic spatial dims (ranged inputs): zero padding
/// by tensor.pad, then one generic over n, m, o..., c, t... from the bias
/// broadcast (or zero). Loops with run-time trip counts, no register tiles.
Value buildDynamicConv(OpBuilder &b, Location loc, Value input, Value weight,
                       Value weightSource, Value bias, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                       int64_t group, RankedTensorType outType) {
  MLIRContext *ctx = b.getContext();
  Type elem = outType.getElementType();
  int64_t rank = outType.getRank(), spatial = rank - 2;
  auto wType = cast<RankedTensorType>(weight.getType());
  SmallVector<Value> outSizes = dynamicWindowSizes(
      b, loc, input, outType, wType.getShape().drop_front(2), strides, pads, dilations);
  bool padded = llvm::any_of(pads, [](int64_t p) { return p != 0; });
  input = padSpatialDims(b, loc, input, pads, floatConst(b, loc, elem, 0));

  Value init = emptyTensor(b, loc, outType.getShape(), elem, outSizes);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  if (bias) {
    AffineMap channel = AffineMap::get(rank, 0, b.getAffineDimExpr(1), ctx);
    init = linalg::GenericOp::create(
               b, loc, outType, bias, init, {channel, identity},
               SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
               [](OpBuilder &nb, Location l, ValueRange a) { yieldValue(nb, l, a[0]); })
               .getResult(0);
  } else {
    init = linalg::FillOp::create(b, loc, floatConst(b, loc, elem, 0), init).getResult(0);
  }

  int64_t filtersPerGroup = outType.getDimSize(1) / group;
  int64_t channelsPerGroup = wType.getDimSize(1);
  bool pointwise =
      group == 1 && !padded &&
      llvm::all_of(wType.getShape().drop_front(2), [](int64_t k) { return k == 1; }) &&
      llvm::all_of(strides, [](int64_t s) { return s == 1; });
  if (pointwise) {
    // Loops n, m, o..., c: a product whose reads follow the loops, which
    // the register tiles take whatever the run's sizes. Constant weights
    // are stored C x M, so that a tile narrower than a vector (the last
    // columns of a run's width) reads a column of filters contiguously.
    unsigned numDims = 2 + spatial + 1;
    AffineExpr c = b.getAffineDimExpr(numDims - 1), m = b.getAffineDimExpr(1);
    SmallVector<AffineExpr> inExprs = {b.getAffineDimExpr(0), c}, wExprs = {m, c};
    int64_t filters = wType.getDimSize(0), channels = wType.getDimSize(1);
    std::optional<SmallVector<float>> values = readF32Constant(weightSource);
    if (values && static_cast<int64_t>(values->size()) == filters * channels) {
      SmallVector<float> transposed(values->size());
      for (int64_t f = 0; f < filters; ++f)
        for (int64_t ch = 0; ch < channels; ++ch)
          transposed[ch * filters + f] = (*values)[f * channels + ch];
      std::string name = packedName(weightSource, "_cm");
      auto type = RankedTensorType::get({channels, filters}, elem);
      weight = arith::ConstantOp::create(
          b, loc, cast<TypedAttr>(makeF32Constant(type, transposed, name)));
      wExprs = {c, m};
    } else {
      for (int64_t i = 0; i < spatial; ++i)
        wExprs.push_back(b.getAffineConstantExpr(0));
    }
    for (int64_t i = 0; i < spatial; ++i)
      inExprs.push_back(b.getAffineDimExpr(2 + i));
    return buildContraction(b, loc, {input, weight}, init,
                            {AffineMap::get(numDims, 0, inExprs, ctx),
                             AffineMap::get(numDims, 0, wExprs, ctx),
                             b.getMultiDimIdentityMap(numDims).getMajorSubMap(2 + spatial)},
                            1);
  }
  // Loops: n, m, o_1..o_k, c, t_1..t_k; input channel g * C/G + c with
  // g = m / (M/G).
  unsigned numDims = 2 + spatial + 1 + spatial;
  unsigned outBase = 2, cDim = 2 + spatial, tapBase = 3 + spatial;
  AffineExpr m = b.getAffineDimExpr(1), c = b.getAffineDimExpr(cDim);
  AffineExpr channel =
      group == 1 ? c : m.floorDiv(filtersPerGroup) * channelsPerGroup + c;
  SmallVector<AffineExpr> inExprs = {b.getAffineDimExpr(0), channel};
  llvm::append_range(inExprs, windowExprs(ctx, spatial, outBase, tapBase, strides,
                                          dilations));
  SmallVector<AffineExpr> wExprs = {m, c};
  for (int64_t i = 0; i < spatial; ++i)
    wExprs.push_back(b.getAffineDimExpr(tapBase + i));
  return buildContraction(b, loc, {input, weight}, init,
                          {AffineMap::get(numDims, 0, inExprs, ctx),
                           AffineMap::get(numDims, 0, wExprs, ctx),
                           b.getMultiDimIdentityMap(numDims).getMajorSubMap(2 + spatial)},
                          1 + spatial);
}

/// Max or average pooling over dynamic spatial dims (ranged inputs): padding
/// by tensor.pad (with -inf or 0), then one reduction generic over n, c,
/// o..., t... . Averages divide by the window size, so padding must count
/// (or be absent); ceil mode is refused.
template <typename PoolOp>
FailureOr<Value> buildDynamicPool(OpBuilder &b, PoolOp op, Value input,
                                  bool isMax) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  auto outType = cast<RankedTensorType>(op.getType());
  Type elem = outType.getElementType();
  int64_t rank = outType.getRank(), spatial = rank - 2;
  ArrayRef<int64_t> kernel = op.getKernelShape(), strides = op.getStrides(),
                    pads = op.getPads(), dilations = op.getDilations();
  bool padded = llvm::any_of(pads, [](int64_t p) { return p != 0; });
  if (op.getCeilMode())
    return op.emitError("ceil_mode pooling over a ranged dim is not supported");
  if (auto average = dyn_cast<AveragePoolOp>(op.getOperation()))
    if (padded && !average.getCountIncludePad())
      return op.emitError("average pooling over a ranged dim needs "
                          "count_include_pad or no padding");
  SmallVector<Value> outSizes =
      dynamicWindowSizes(b, loc, input, outType, kernel, strides, pads, dilations);
  double lowest = -std::numeric_limits<double>::infinity();
  Value init = floatConst(b, loc, elem, isMax ? lowest : 0.0);
  input = padSpatialDims(b, loc, input, pads, init);
  Value acc = linalg::FillOp::create(
                  b, loc, init, emptyTensor(b, loc, outType.getShape(), elem, outSizes))
                  .getResult(0);
  // Loops n, c, o_1..o_k, t_1..t_k.
  unsigned numDims = 2 + 2 * spatial, tapBase = 2 + spatial;
  SmallVector<AffineExpr> inExprs = {b.getAffineDimExpr(0), b.getAffineDimExpr(1)},
                          outExprs;
  llvm::append_range(inExprs, windowExprs(ctx, spatial, 2, tapBase, strides, dilations));
  for (unsigned d = 0; d < 2 + spatial; ++d)
    outExprs.push_back(b.getAffineDimExpr(d));
  SmallVector<utils::IteratorType> iterators(numDims, utils::IteratorType::parallel);
  for (unsigned d = tapBase; d < numDims; ++d)
    iterators[d] = utils::IteratorType::reduction;
  // The window's taps as a loop of its own (an empty tensor of its shape).
  Value window = emptyTensor(b, loc, kernel, elem);
  SmallVector<AffineExpr> tapExprs;
  for (int64_t i = 0; i < spatial; ++i)
    tapExprs.push_back(b.getAffineDimExpr(tapBase + i));
  Value pooled =
      linalg::GenericOp::create(
          b, loc, outType, ValueRange{input, window}, acc,
          {AffineMap::get(numDims, 0, inExprs, ctx), AffineMap::get(numDims, 0, tapExprs, ctx),
           AffineMap::get(numDims, 0, outExprs, ctx)},
          iterators,
          [isMax](OpBuilder &nb, Location l, ValueRange a) {
            Value r = isMax ? Value(arith::MaximumFOp::create(nb, l, a[2], a[0]))
                            : Value(arith::AddFOp::create(nb, l, a[2], a[0]));
            yieldValue(nb, l, r);
          })
          .getResult(0);
  if (isMax)
    return pooled;
  int64_t taps = 1;
  for (int64_t k : kernel)
    taps *= k;
  return buildElementwise(b, loc, outType, {pooled},
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            yieldValue(nb, l, arith::DivFOp::create(
                                                  nb, l, a[0], floatConst(nb, l, elem, taps)));
                          });
}

void populateWindowLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering, ConvTransposeLowering, MaxPoolLowering, AveragePoolLowering,
               GlobalAveragePoolLowering>(patterns.getContext());
}

} // namespace kiln
