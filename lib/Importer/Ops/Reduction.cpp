//===- Reduction.cpp - Reduce*, ArgMax, TopK, CumSum, softmax importers --===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace kiln {
namespace {

/// What a Reduce* node asks: the axes (normalized, sorted, unique), whether
/// they stay as size 1, and `noop` when an empty axes list means no reduction.
struct ReduceSpec {
  Dims axes;
  bool keepdims = true;
  bool noop = false;
};

std::optional<ReduceSpec> readReduce(GraphImporter &g, int64_t rank) {
  ReduceSpec spec;
  // Axes moved from an attribute to an input: ReduceSum at 13, others at 18.
  bool axesInput = g.node->op_type() == "ReduceSum" ? g.opset >= 13 : g.opset >= 18;
  if (axesInput) {
    if (g.hasInput(1) && !g.constantInts(1, spec.axes, "axes"))
      return std::nullopt;
  } else {
    spec.axes = g.attrInts("axes");
  }
  spec.keepdims = g.attrInt("keepdims", 1) != 0;
  if (spec.axes.empty()) {
    spec.noop = g.attrInt("noop_with_empty_axes", 0) != 0;
    for (int64_t d = 0; d < rank; ++d)
      spec.axes.push_back(d);
  }
  for (int64_t &a : spec.axes) {
    auto axis = normalizeAxis(a, rank);
    if (!axis) {
      g.fail("axis " + std::to_string(a) + " out of range");
      return std::nullopt;
    }
    a = *axis;
  }
  llvm::sort(spec.axes);
  spec.axes.erase(std::unique(spec.axes.begin(), spec.axes.end()), spec.axes.end());
  return spec;
}

/// The float input of a Reduce* node and what it asks; nullopt after fail().
std::optional<std::pair<Value, ReduceSpec>> reduceOperand(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return std::nullopt;
  auto spec = readReduce(g, cast<RankedTensorType>(x.getType()).getRank());
  if (!spec)
    return std::nullopt;
  return std::make_pair(x, *spec);
}

template <typename OpT>
bool importReduce(GraphImporter &g) {
  auto operand = reduceOperand(g);
  if (!operand)
    return false;
  auto &[x, spec] = *operand;
  if (spec.noop)
    return g.produce(x);
  return g.produce(g.make<OpT>(x, spec.axes, spec.keepdims));
}

using Elementwise = Value (*)(GraphImporter &, Value);
Value same(GraphImporter &, Value x) { return x; }
Value square(GraphImporter &g, Value x) { return g.make<MulOp>(x, x); }
template <typename OpT>
Value apply(GraphImporter &g, Value x) {
  return OpT::create(g.builder, g.loc(), x);
}

/// The Reduce* ops that are `post(sum(pre(x)))`: L1, L2, SumSquare and
/// LogSum. Under noop_with_empty_axes only the reduction is left out, as in
/// ONNX's reference.
template <Elementwise pre, Elementwise post>
bool importSumOf(GraphImporter &g) {
  auto operand = reduceOperand(g);
  if (!operand)
    return false;
  auto &[x, spec] = *operand;
  Value y = pre(g, x);
  if (y && !spec.noop)
    y = g.make<ReduceSumOp>(y, spec.axes, spec.keepdims);
  return g.produce(y ? post(g, y) : Value());
}

/// log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m the max, so
/// that large inputs do not overflow.
bool importReduceLogSumExp(GraphImporter &g) {
  auto operand = reduceOperand(g);
  if (!operand)
    return false;
  auto &[x, spec] = *operand;
  if (spec.noop)
    return g.produce(x);
  Value max = g.make<ReduceMaxOp>(x, spec.axes, true);
  Value shifted = max ? g.make<SubOp>(x, max) : Value();
  Value sum = shifted ? g.make<ReduceSumOp>(ExpOp::create(g.builder, g.loc(), shifted),
                                            spec.axes, true)
                      : Value();
  Value y = sum ? g.make<AddOp>(LogOp::create(g.builder, g.loc(), sum), max) : Value();
  if (!y || spec.keepdims)
    return g.produce(y);
  Dims shape;
  auto type = cast<RankedTensorType>(x.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(spec.axes, d))
      shape.push_back(type.getDimSize(d));
  return g.produce(g.reshape(y, shape));
}

bool importCumSum(GraphImporter &g) {
  Value x = g.input(0);
  if (!x)
    return false;
  auto type = cast<RankedTensorType>(x.getType());
  Type elem = type.getElementType();
  if (!elem.isF32() && !elem.isInteger(64) && !elem.isInteger(32))
    return g.fail("expects a float32, int32 or int64 input");
  Dims axis;
  if (!g.constantInts(1, axis, "axis"))
    return false;
  if (axis.size() != 1)
    return g.fail("axis must hold one value");
  auto a = normalizeAxis(axis[0], type.getRank());
  if (!a)
    return g.fail("axis " + std::to_string(axis[0]) + " out of range");
  return g.produce(CumSumOp::create(g.builder, g.loc(), x, *a,
                                    g.attrInt("exclusive", 0) != 0,
                                    g.attrInt("reverse", 0) != 0));
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

/// TopK's K is an attribute before opset 10 and a constant input after.
bool importTopK(GraphImporter &g) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  auto type = cast<RankedTensorType>(x.getType());
  auto axis = normalizeAxis(g.attrInt("axis", -1), type.getRank());
  if (!axis)
    return g.fail("axis out of range");
  int64_t k = g.attrInt("k", 0);
  if (g.opset >= 10) {
    Dims kInput;
    if (!g.constantInts(1, kInput, "K"))
      return false;
    if (kInput.size() != 1)
      return g.fail("K must hold one value");
    k = kInput[0];
  }
  int64_t extent = type.getDimSize(*axis);
  if (k < 1 || k > extent)
    return g.fail("K " + std::to_string(k) + " out of range [1, " +
                  std::to_string(extent) + "]");
  Value values = g.make<TopKOp>(x, k, *axis, g.attrInt("largest", 1) != 0);
  if (!values)
    return false;
  g.setOutput(0, values);
  g.setOutput(1, values.getDefiningOp()->getResult(1));
  return true;
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
  // Before opset 13 the dims from `axis` on are normalized together; along
  // the last dim that is the same as normalizing it alone.
  if (g.opset >= 13 || *axis == rank - 1)
    return SoftmaxOperand{x, *axis, shape};
  if (llvm::any_of(shape, [](int64_t d) { return d == kDynamicDim; })) {
    g.fail("softmax over several dims of a ranged input is not supported");
    return std::nullopt;
  }
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
  table.try_emplace("ReduceMin", importReduce<ReduceMinOp>);
  table.try_emplace("ReduceProd", importReduce<ReduceProdOp>);
  table.try_emplace("ReduceL1", importSumOf<apply<AbsOp>, same>);
  table.try_emplace("ReduceL2", importSumOf<square, apply<SqrtOp>>);
  table.try_emplace("ReduceSumSquare", importSumOf<square, same>);
  table.try_emplace("ReduceLogSum", importSumOf<same, apply<LogOp>>);
  table.try_emplace("ReduceLogSumExp", importReduceLogSumExp);
  table.try_emplace("CumSum", importCumSum);
  table.try_emplace("ArgMax", importArgMax);
  table.try_emplace("TopK", importTopK);
  table.try_emplace("Softmax", importSoftmax);
  table.try_emplace("LogSoftmax", importLogSoftmax);
}

} // namespace kiln
