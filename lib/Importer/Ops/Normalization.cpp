//===- Normalization.cpp - BatchNorm, Layer/InstanceNorm, LRN importers --===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"

using namespace mlir;

namespace kiln {
namespace {

bool importBatchNorm(GraphImporter &g) {
  if (g.attrInt("training_mode", 0) != 0)
    return g.fail("unsupported attribute value training_mode=1");
  if (g.opset < 9 && g.attrInt("spatial", 1) != 1)
    return g.fail("unsupported attribute value spatial=0");
  for (size_t i = 1; i < g.numOutputs(); ++i)
    if (g.hasOutput(i))
      return g.fail("training outputs (running mean/var) are not supported");
  SmallVector<Value> in;
  for (size_t i = 0; i < 5; ++i) {
    in.push_back(g.input(i));
    if (!in.back())
      return false;
  }
  if (!requireFloat(g, in[0]))
    return false;
  Value y = g.make<BatchNormOp>(in[0], in[1], in[2], in[3], in[4],
                                llvm::APFloat(g.attrFloat("epsilon", 1e-5f)));
  return g.produce(y);
}

Value reduceOver(GraphImporter &g, Value x, Dims axes, bool mean) {
  return mean ? g.make<ReduceMeanOp>(x, axes, true)
              : g.make<ReduceSumOp>(x, axes, true);
}

/// (x - mean) / sqrt(var + eps) over `axes`; the mean and 1 / sqrt(var +
/// eps) are returned too, kept broadcastable (size-1 reduced dims).
Value normalizeOver(GraphImporter &g, Value x, const Dims &axes, float epsilon,
                    Value *meanOut = nullptr, Value *invStdOut = nullptr) {
  Value mean = reduceOver(g, x, axes, true);
  if (!mean)
    return {};
  Value centered = g.make<SubOp>(x, mean);
  Value squared = centered ? g.make<MulOp>(centered, centered) : Value();
  Value var = squared ? reduceOver(g, squared, axes, true) : Value();
  if (!var)
    return {};
  Value shifted = g.make<AddOp>(var, scalarF32(g, epsilon, "epsilon"));
  if (!shifted)
    return {};
  Value std = SqrtOp::create(g.builder, g.loc(), shifted);
  if (meanOut)
    *meanOut = mean;
  if (invStdOut)
    *invStdOut = ReciprocalOp::create(g.builder, g.loc(), std);
  return g.make<DivOp>(centered, std);
}

bool importLayerNorm(GraphImporter &g) {
  Value x = g.input(0), scale = g.input(1);
  if (!x || !scale || !requireFloat(g, x))
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  auto axis = normalizeAxis(g.attrInt("axis", -1), rank);
  if (!axis)
    return g.fail("axis out of range");
  Dims axes;
  for (int64_t d = *axis; d < rank; ++d)
    axes.push_back(d);
  Value mean, invStd;
  Value y = normalizeOver(g, x, axes, g.attrFloat("epsilon", 1e-5f), &mean, &invStd);
  if (y) {
    g.setOutput(1, mean);
    g.setOutput(2, invStd);
  }
  y = y ? g.make<MulOp>(y, scale) : Value();
  if (y && g.hasInput(2)) {
    Value bias = g.input(2);
    y = bias ? g.make<AddOp>(y, bias) : Value();
  }
  return g.produce(y);
}

bool importInstanceNorm(GraphImporter &g) {
  Value x = g.input(0), scale = g.input(1), bias = g.input(2);
  if (!x || !scale || !bias || !requireFloat(g, x))
    return false;
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() < 3)
    return g.fail("expects an input of rank >= 3");
  Dims axes, paramShape(type.getRank() - 1, 1);
  for (int64_t d = 2; d < type.getRank(); ++d)
    axes.push_back(d);
  paramShape[0] = type.getDimSize(1);
  Value y = normalizeOver(g, x, axes, g.attrFloat("epsilon", 1e-5f));
  y = y ? g.make<MulOp>(y, g.reshape(scale, paramShape)) : Value();
  y = y ? g.make<AddOp>(y, g.reshape(bias, paramShape)) : Value();
  return g.produce(y);
}

/// LRN: x / (bias + alpha / size * sum of x^2 over `size` neighbouring
/// channels)^beta. The channel window is an average pool (padding counted,
/// so average * size is the windowed sum) over x^2 viewed as [N, 1, C, rest].
bool importLrn(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() < 2)
    return g.fail("expects an input of rank >= 2");
  int64_t size = g.attrInt("size", 0);
  if (size < 1 || size > (int64_t(1) << 16))
    return g.fail("size must be positive, got " + std::to_string(size));
  Dims shape = shapeOf(type);
  int64_t rest = 1;
  for (size_t d = 2; d < shape.size(); ++d)
    rest *= shape[d];
  Value squared = g.make<MulOp>(x, x);
  if (!squared)
    return false;
  squared = g.reshape(squared, {shape[0], 1, shape[1], rest});
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  Value mean = g.make<AveragePoolOp>(squared, Dims{size, 1}, Dims{1, 1},
                                     Dims{before, 0, after, 0}, Dims{1, 1},
                                     false, true);
  if (!mean)
    return false;
  Value scaled = g.make<MulOp>(g.reshape(mean, shape),
                               scalarF32(g, g.attrFloat("alpha", 1e-4f), "alpha"));
  Value base = scaled ? g.make<AddOp>(scaled, scalarF32(g, g.attrFloat("bias", 1.0f), "bias"))
                      : Value();
  Value denom = base ? g.make<PowOp>(base, scalarF32(g, g.attrFloat("beta", 0.75f), "beta"))
                     : Value();
  return g.produce(denom ? g.make<DivOp>(x, denom) : Value());
}

} // namespace

void addNormalizationImporters(OpImporterTable &table) {
  table.try_emplace("BatchNormalization", importBatchNorm);
  table.try_emplace("LayerNormalization", importLayerNorm);
  table.try_emplace("InstanceNormalization", importInstanceNorm);
  table.try_emplace("LRN", importLrn);
}

} // namespace kiln
