//===- FoldQuantizedOps.cpp - DQ -> op -> Q into integer ops --------------===//
//
// A QDQ model says "this conv runs on int8" by wrapping a float conv in
// DequantizeLinear (inputs, weights, bias) and QuantizeLinear (output):
//
//   quantize(act?(conv(dequantize(x), dequantize(w), b)))  ->  qconv(x, w, b')
//
// with act a Relu or Clip (a clamp of the output range) and b' the bias
// in int32 at scale x_scale * w_scale. Gemm and MatMul fold the same way
// into qmatmul. A conv or matmul that reads dequantized values but does not
// fold stays float, and says why in `kiln.stays_float` so that the user is
// told (kilnc --verbose): a quantized model never runs in float silently.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "Kiln/ConstantData.h"
#include "Kiln/KilnOps.h"
#include "Kiln/QuantParams.h"

#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFOLDQUANTIZEDOPS
#include "kiln/Transforms/Passes.h.inc"

namespace {

/// The quantized value behind `dequantize(q)`, or null.
Value quantizedSource(Value v) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  return dq ? dq.getInput() : Value();
}

/// What the fold found, or the reason it could not fold.
struct Match {
  QuantizeOp quantize;
  Operation *activation = nullptr;
  FloatAttr clampMin, clampMax;
  std::string reason;
};

/// The quantize that ends `op`'s chain through at most one Relu or Clip.
Match matchOutput(Operation *op) {
  Match m;
  Value out = op->getResult(0);
  if (!out.hasOneUse())
    return m.reason = "its output has several users", m;
  Operation *user = *out.getUsers().begin();
  Builder b(op->getContext());
  if (auto relu = dyn_cast<ReluOp>(user)) {
    m.activation = relu;
    m.clampMin = b.getF32FloatAttr(0);
  } else if (auto clip = dyn_cast<ClipOp>(user)) {
    m.activation = clip;
    m.clampMin = clip.getMinAttr();
    m.clampMax = clip.getMaxAttr();
  }
  if (m.activation) {
    if (!m.activation->getResult(0).hasOneUse())
      return m.reason = "its activation's output has several users", m;
    user = *m.activation->getResult(0).getUsers().begin();
  }
  m.quantize = dyn_cast<QuantizeOp>(user);
  if (!m.quantize)
    return m.reason = "its output is not quantized (no QuantizeLinear follows)", m;
  std::optional<QuantParams> p = quantParamsOf(m.quantize.getType());
  if (p->bits != 8 || p->perAxis()) {
    m.quantize = {};
    return m.reason = "its output is not quantized to 8 bits per tensor", m;
  }
  return m;
}

/// Checks an 8-bit quantized operand, per tensor unless `axis` is allowed.
std::string checkOperand(Value q, const char *what, std::optional<int32_t> axis) {
  if (!q)
    return std::string(what) + " is not dequantized from int8/uint8";
  std::optional<QuantParams> p = quantParamsOf(q.getType());
  if (p->bits != 8)
    return std::string(what) + " is not 8-bit";
  if (p->perAxis() && p->axis != axis)
    return std::string(what) + " is quantized along an axis integer kernels do not support";
  return "";
}

/// Real values of a float or dequantized constant bias.
std::optional<SmallVector<double>> biasValues(Value bias) {
  if (std::optional<SmallVector<float>> f = readF32Constant(bias))
    return SmallVector<double>(f->begin(), f->end());
  Value q = quantizedSource(bias);
  return q ? dequantizedConstant(q) : std::nullopt;
}

/// The bias in int32 at scale inputScale * weightScale[c]; null when it is
/// not a constant. One value broadcasts to all `channels`.
Value int32Bias(OpBuilder &b, Location loc, Value bias, int64_t channels,
                double inputScale, const QuantParams &weight) {
  auto type = RankedTensorType::get({channels}, b.getI32Type());
  // Already int32 at that scale (to float32 rounding), as QDQ writers store
  // it: the integers themselves, since rounding q * scale back would move
  // large ones.
  if (Value q = quantizedSource(bias)) {
    std::optional<QuantParams> p = quantParamsOf(q.getType());
    std::optional<SmallVector<int64_t>> values = quantizedConstant(q);
    auto matches = [&] {
      for (int64_t c = 0; c < channels; ++c) {
        double want = inputScale * weight.scale(c);
        if (p->zeroPoint(c) != 0 || std::fabs(p->scale(c) - want) > 1e-6 * want)
          return false;
      }
      return true;
    };
    if (p && values && p->bits == 32 &&
        int64_t(values->size()) == channels && matches())
      return ConstantOp::create(b, loc, makeIntConstant(type, *values, "bias_i32"));
  }
  std::optional<SmallVector<double>> real = biasValues(bias);
  if (!real || (real->size() != 1 && int64_t(real->size()) != channels))
    return {};
  SmallVector<int64_t> q(channels);
  for (int64_t c = 0; c < channels; ++c) {
    double v = (*real)[real->size() == 1 ? 0 : c] / (inputScale * weight.scale(c));
    v = std::nearbyint(v);
    q[c] = static_cast<int64_t>(std::clamp<double>(
        v, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
  }
  return ConstantOp::create(b, loc, makeIntConstant(type, q, "bias_i32"));
}

/// Replaces the matched chain by `folded` (the integer op's result).
void replaceChain(IRRewriter &rewriter, Operation *op, const Match &m,
                  Value folded) {
  rewriter.replaceOp(m.quantize, folded);
  if (m.activation)
    rewriter.eraseOp(m.activation);
  rewriter.eraseOp(op);
}

std::string foldConv(IRRewriter &rewriter, ConvOp conv) {
  Value x = quantizedSource(conv.getInput()), w = quantizedSource(conv.getWeight());
  if (std::string r = checkOperand(x, "its input", std::nullopt); !r.empty())
    return r;
  if (std::string r = checkOperand(w, "its weight", 0); !r.empty())
    return r;
  Match m = matchOutput(conv);
  if (!m.quantize)
    return m.reason;
  rewriter.setInsertionPoint(m.quantize);
  Value bias;
  if (conv.getBias()) {
    int64_t channels = conv.getType().getDimSize(1);
    bias = int32Bias(rewriter, conv.getLoc(), conv.getBias(), channels,
                     quantParamsOf(x.getType())->scales[0],
                     *quantParamsOf(w.getType()));
    if (!bias)
      return "its bias is not a constant";
  }
  auto q = QConvOp::create(rewriter, conv.getLoc(), m.quantize.getType(), x, w,
                           bias, conv.getStridesAttr(), conv.getPadsAttr(),
                           conv.getDilationsAttr(), conv.getGroupAttr(),
                           m.clampMin, m.clampMax);
  replaceChain(rewriter, conv, m, q);
  return "";
}

/// rhs of a Gemm with trans_b: its constant storage transposed at compile
/// time (a per-axis type moves from axis 0 to axis 1).
Value transposedConstant(IRRewriter &rewriter, Location loc, Value q) {
  std::optional<QuantParams> p = quantParamsOf(q.getType());
  std::optional<SmallVector<int64_t>> ints = quantizedConstant(q);
  auto type = cast<RankedTensorType>(q.getType());
  if (!ints || type.getRank() != 2)
    return {};
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  SmallVector<int64_t> t(ints->size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      t[c * rows + r] = (*ints)[r * cols + c];
  Type quant = makeQuantType(rewriter.getContext(), p->bits, p->isSigned,
                             p->perAxis() ? std::optional<int32_t>(1) : std::nullopt,
                             p->scales, p->zeroPoints);
  auto storageType = RankedTensorType::get({cols, rows}, rewriter.getI8Type());
  Value constant = ConstantOp::create(rewriter, loc,
                                      makeIntConstant(storageType, t, "weight_t"));
  return StorageCastOp::create(rewriter, loc, storageType.clone(quant), constant);
}

template <typename OpT>
std::string foldContraction(IRRewriter &rewriter, OpT op) {
  Value a, b, c;
  bool transB = false;
  if constexpr (std::is_same_v<OpT, GemmOp>) {
    if (op.getAlpha().convertToDouble() != 1.0 || op.getTransA() ||
        (op.getC() && op.getBeta().convertToDouble() != 1.0))
      return "Gemm with alpha, beta or trans_a has no integer form";
    a = quantizedSource(op.getA());
    b = quantizedSource(op.getB());
    c = op.getC();
    transB = op.getTransB();
  } else {
    a = quantizedSource(op.getLhs());
    b = quantizedSource(op.getRhs());
  }
  if (std::string r = checkOperand(a, "its input", std::nullopt); !r.empty())
    return r;
  auto bType = b ? cast<RankedTensorType>(b.getType()) : RankedTensorType();
  int32_t columnAxis = bType ? (transB ? 0 : bType.getRank() - 1) : 0;
  if (std::string r = checkOperand(b, "its weight", columnAxis); !r.empty())
    return r;
  Match m = matchOutput(op);
  if (!m.quantize)
    return m.reason;
  rewriter.setInsertionPoint(m.quantize);
  if (transB && !(b = transposedConstant(rewriter, op.getLoc(), b)))
    return "its transposed weight is not a constant";
  Value bias;
  if (c) {
    int64_t columns = cast<RankedTensorType>(op.getType()).getShape().back();
    auto cType = cast<RankedTensorType>(c.getType());
    if (cType.getNumElements() != columns && cType.getNumElements() != 1)
      return "its bias is not one value per column";
    bias = int32Bias(rewriter, op.getLoc(), c, columns,
                     quantParamsOf(a.getType())->scales[0],
                     *quantParamsOf(b.getType()));
    if (!bias)
      return "its bias is not a constant";
  }
  auto q = QMatMulOp::create(rewriter, op.getLoc(), m.quantize.getType(), a, b,
                             bias, m.clampMin, m.clampMax);
  replaceChain(rewriter, op, m, q);
  return "";
}

bool readsDequantized(Operation *op) {
  return llvm::any_of(op->getOperands(), [](Value v) {
    return v.getDefiningOp<DequantizeOp>() != nullptr;
  });
}

struct KilnFoldQuantizedOpsPass
    : impl::KilnFoldQuantizedOpsBase<KilnFoldQuantizedOpsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> candidates;
    getOperation().walk([&](Operation *op) {
      if (isa<ConvOp, MatMulOp, GemmOp>(op) && readsDequantized(op))
        candidates.push_back(op);
    });
    for (Operation *op : candidates) {
      std::string reason;
      if (auto conv = dyn_cast<ConvOp>(op))
        reason = foldConv(rewriter, conv);
      else if (auto mm = dyn_cast<MatMulOp>(op))
        reason = foldContraction(rewriter, mm);
      else
        reason = foldContraction(rewriter, cast<GemmOp>(op));
      if (!reason.empty())
        op->setAttr("kiln.stays_float", rewriter.getStringAttr(reason));
    }
  }
};

} // namespace
} // namespace kiln
