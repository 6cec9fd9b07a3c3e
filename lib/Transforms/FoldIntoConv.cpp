//===- FoldIntoConv.cpp - Per-channel affine tails into conv weights ------===//
//
// conv -> BatchNorm, conv -> Mul/Div by a per-channel constant and
// conv -> Add/Sub of a per-channel constant are one conv with rescaled
// weights and a shifted bias, computed once at compile time. Division by any
// other constant becomes multiplication by its reciprocal, which the first
// rule can then fold as well.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "Kiln/ConstantData.h"
#include "Kiln/KilnOps.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFOLDINTOCONV
#include "kiln/Transforms/Passes.h.inc"

namespace {

/// Values of a constant that, broadcast against an N x M x S... result,
/// depends only on the channel: one value per channel (M of them).
std::optional<SmallVector<float>> perChannel(Value value,
                                             RankedTensorType result) {
  // No channel dim (a scalar or a vector result): nothing is per channel.
  if (result.getRank() < 2)
    return std::nullopt;
  std::optional<SmallVector<float>> data = readF32Constant(value);
  if (!data)
    return std::nullopt;
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  int64_t rank = result.getRank(), channels = result.getDimSize(1);
  if (static_cast<int64_t>(shape.size()) > rank)
    return std::nullopt;
  int64_t offset = rank - shape.size();
  bool varies = false;
  for (auto [i, extent] : llvm::enumerate(shape)) {
    int64_t dim = offset + i;
    if (extent == 1)
      continue;
    if (dim != 1 || extent != channels)
      return std::nullopt;
    varies = true;
  }
  if (!varies)
    return SmallVector<float>(channels, data->front());
  return data;
}

/// A conv whose only user is being folded away, with constant weights.
struct FoldableConv {
  ConvOp conv;
  SmallVector<float> weight, bias;
};

std::optional<FoldableConv> matchConv(Value value) {
  auto conv = value.getDefiningOp<ConvOp>();
  if (!conv || !conv->hasOneUse())
    return std::nullopt;
  std::optional<SmallVector<float>> weight = readF32Constant(conv.getWeight());
  if (!weight)
    return std::nullopt;
  int64_t channels = conv.getType().getDimSize(1);
  SmallVector<float> bias(channels, 0.0f);
  if (Value b = conv.getBias()) {
    std::optional<SmallVector<float>> data = readF32Constant(b);
    if (!data || static_cast<int64_t>(data->size()) != channels)
      return std::nullopt;
    bias = *data;
  }
  return FoldableConv{conv, std::move(*weight), std::move(bias)};
}

/// Replaces `root` by the conv with out = scale[m] * conv + shift[m].
void rewriteScaled(PatternRewriter &rewriter, Operation *root,
                   FoldableConv &c, ArrayRef<float> scale,
                   ArrayRef<float> shift) {
  int64_t channels = c.bias.size();
  int64_t perFilter = c.weight.size() / channels;
  for (int64_t m = 0; m < channels; ++m) {
    for (int64_t i = 0; i < perFilter; ++i)
      c.weight[m * perFilter + i] *= scale[m];
    c.bias[m] = c.bias[m] * scale[m] + shift[m];
  }
  // The conv keeps its own name first (reports and errors name the node).
  Location loc = rewriter.getFusedLoc({c.conv.getLoc(), root->getLoc()});
  auto weightType = cast<RankedTensorType>(c.conv.getWeight().getType());
  Value weight = ConstantOp::create(
      rewriter, loc, makeF32Constant(weightType, c.weight, "conv_weight"));
  Value bias = ConstantOp::create(
      rewriter, loc,
      makeF32Constant(
          RankedTensorType::get({channels}, rewriter.getF32Type()), c.bias,
          "conv_bias"));
  ConvOp conv = c.conv;
  rewriter.replaceOp(root, ConvOp::create(
      rewriter, loc, conv.getType(), conv.getInput(), weight, bias,
      conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(),
      conv.getGroupAttr()));
}

/// conv * c, c * conv, conv / c, conv + c, c + conv, conv - c.
template <typename OpTy>
struct FoldAffineTail : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    constexpr bool commutative =
        std::is_same_v<OpTy, MulOp> || std::is_same_v<OpTy, AddOp>;
    for (unsigned side = 0; side < (commutative ? 2u : 1u); ++side) {
      Value convSide = op->getOperand(side), constSide = op->getOperand(1 - side);
      if (op.getType() != convSide.getType())
        continue;
      std::optional<FoldableConv> c = matchConv(convSide);
      if (!c)
        continue;
      std::optional<SmallVector<float>> k =
          perChannel(constSide, cast<RankedTensorType>(op.getType()));
      if (!k)
        continue;
      SmallVector<float> scale(k->size(), 1.0f), shift(k->size(), 0.0f);
      for (size_t m = 0; m < k->size(); ++m) {
        if constexpr (std::is_same_v<OpTy, MulOp>)
          scale[m] = (*k)[m];
        else if constexpr (std::is_same_v<OpTy, AddOp>)
          shift[m] = (*k)[m];
        else
          shift[m] = -(*k)[m];
      }
      rewriteScaled(rewriter, op, *c, scale, shift);
      return success();
    }
    return failure();
  }
};

/// Inference BatchNorm: scale * (x - mean) / sqrt(var + eps) + bias.
struct FoldBatchNorm : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<FoldableConv> c = matchConv(op.getInput());
    auto gamma = readF32Constant(op.getScale()),
         beta = readF32Constant(op.getBias()),
         mean = readF32Constant(op.getMean()),
         var = readF32Constant(op.getVar());
    size_t channels = op.getType().getDimSize(1);
    if (!c || !gamma || !beta || !mean || !var || gamma->size() != channels ||
        beta->size() != channels || mean->size() != channels ||
        var->size() != channels)
      return failure();
    float eps = op.getEpsilon().convertToFloat();
    SmallVector<float> scale(channels), shift(channels);
    for (size_t m = 0; m < channels; ++m) {
      scale[m] = (*gamma)[m] / std::sqrt((*var)[m] + eps);
      shift[m] = (*beta)[m] - (*mean)[m] * scale[m];
    }
    rewriteScaled(rewriter, op, *c, scale, shift);
    return success();
  }
};

/// x / c -> x * (1 / c) for a finite, nonzero float constant c.
struct DivByConstant : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<float>> k = readF32Constant(op.getRhs());
    if (!k)
      return failure();
    for (float &v : *k) {
      if (v == 0.0f || !std::isfinite(v))
        return failure();
      v = 1.0f / v;
    }
    auto type = cast<RankedTensorType>(op.getRhs().getType());
    Value reciprocal = ConstantOp::create(
        rewriter, op.getLoc(), makeF32Constant(type, *k, "reciprocal"));
    rewriter.replaceOpWithNewOp<MulOp>(op, op.getType(), op.getLhs(),
                                       reciprocal);
    return success();
  }
};

struct KilnFoldIntoConvPass
    : impl::KilnFoldIntoConvBase<KilnFoldIntoConvPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldAffineTail<MulOp>, FoldAffineTail<AddOp>,
                 FoldAffineTail<SubOp>, FoldBatchNorm, DivByConstant>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace kiln
