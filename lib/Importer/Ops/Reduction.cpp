//===- Reduction.cpp - Reduction, ArgMax and softmax importers ------------===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace kiln {
namespace {

template <typename OpT>
bool importReduce(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  // Axes moved from an attribute to an input: ReduceSum at 13, others at 18.
  bool axesInput = g.node->op_type() == "ReduceSum" ? g.opset >= 13 : g.opset >= 18;
  Dims axes;
  if (axesInput) {
    if (g.hasInput(1) && !g.constantInts(1, axes, "axes"))
      return false;
  } else {
    axes = g.attrInts("axes");
  }
  if (axes.empty()) {
    if (g.attrInt("noop_with_empty_axes", 0)) {
      g.setOutput(0, x);
      return true;
    }
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  for (int64_t &a : axes) {
    auto axis = normalizeAxis(a, rank);
    if (!axis)
      return g.fail("axis " + std::to_string(a) + " out of range");
    a = *axis;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  Value y = g.make<OpT>(x, axes, g.attrInt("keepdims", 1) != 0);
  return g.produce(y);
}

bool importArgMax(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  auto axis = normalizeAxis(g.attrInt("axis", 0), rank);
  if (!axis)
    return g.fail("axis out of range");
  return g.produce(g.make<ArgMaxOp>(x, *axis, g.attrInt("keepdims", 1) != 0,
                                    g.attrInt("select_last_index", 0) != 0));
}

/// The operand of Softmax/LogSoftmax and the axis to normalize along: the
/// input itself from opset 13, before that the input coerced to 2-D at
/// `axis` (normalized along 1).
struct SoftmaxOperand {
  Value in;
  int64_t axis;
  Dims shape; // the input's, for the result
};

std::optional<SoftmaxOperand> softmaxOperand(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return std::nullopt;
  Dims shape = shapeOf(cast<RankedTensorType>(x.getType()));
  int64_t rank = static_cast<int64_t>(shape.size());
  auto axis = normalizeAxis(g.attrInt("axis", g.opset < 13 ? 1 : -1), rank);
  if (!axis) {
    g.fail("axis out of range");
    return std::nullopt;
  }
  if (g.opset >= 13)
    return SoftmaxOperand{x, *axis, shape};
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? outer : inner) *= shape[i];
  return SoftmaxOperand{g.reshape(x, {outer, inner}), 1, shape};
}

bool importSoftmax(GraphImporter &g) {
  std::optional<SoftmaxOperand> op = softmaxOperand(g);
  if (!op)
    return false;
  Value y = SoftmaxOp::create(g.builder, g.loc(), op->in, op->axis);
  g.setOutput(0, g.reshape(y, op->shape));
  return true;
}

/// x - max - log(sum(exp(x - max))) along one axis (2-D coerced before 13).
bool importLogSoftmax(GraphImporter &g) {
  std::optional<SoftmaxOperand> op = softmaxOperand(g);
  if (!op)
    return false;
  Value in = op->in;
  int64_t reduceAxis = op->axis;
  Value max = g.make<ReduceMaxOp>(in, Dims{reduceAxis}, true);
  Value shifted = max ? g.make<SubOp>(in, max) : Value();
  if (!shifted)
    return false;
  Value sum = g.make<ReduceSumOp>(ExpOp::create(g.builder, g.loc(), shifted),
                                  Dims{reduceAxis}, true);
  Value y = sum ? g.make<SubOp>(shifted, LogOp::create(g.builder, g.loc(), sum))
                : Value();
  if (!y)
    return false;
  g.setOutput(0, g.reshape(y, op->shape));
  return true;
}

} // namespace

void addReductionImporters(OpImporterTable &table) {
  table.try_emplace("ReduceSum", importReduce<ReduceSumOp>);
  table.try_emplace("ReduceMean", importReduce<ReduceMeanOp>);
  table.try_emplace("ReduceMax", importReduce<ReduceMaxOp>);
  table.try_emplace("ArgMax", importArgMax);
  table.try_emplace("Softmax", importSoftmax);
  table.try_emplace("LogSoftmax", importLogSoftmax);
}

} // namespace kiln
