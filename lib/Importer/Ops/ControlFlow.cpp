//===- ControlFlow.cpp - If and Loop importers ----------------------------===//
//
// Control flow is resolved while importing, into straight-line kiln ops:
//   - If whose condition is known at compile time (a folded shape test, a
//     constant) imports only the taken branch. A run-time condition imports
//     both branches and selects each output with Where: both run, so the
//     branches must give outputs of one shape (and be free of side effects,
//     which ONNX graphs are).
//   - Loop with a trip count and condition known at compile time unrolls:
//     the body is imported once per iteration with its inputs bound to that
//     iteration's values, and scan outputs are stacked along a new axis 0.
//     A condition the body computes at run time (an early exit) is refused.
//
//===----------------------------------------------------------------------===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"

#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace kiln {
namespace {

/// Most iterations a Loop unrolls into.
constexpr int64_t kMaxIterations = 1024;

/// Imports a branch or loop body whose inputs are bound already, and
/// returns its outputs (copies, so that rebinding a name later keeps them).
/// The node being imported is restored after; an error inside names the
/// inner node and then, after it, the If or Loop holding it.
std::optional<std::vector<ImportedValue>> importSubgraph(GraphImporter &g,
                                                          const onnx::GraphProto &graph,
                                                          const std::string &what) {
  const onnx::NodeProto *outer = g.node;
  int outerIndex = g.nodeIndex;
  std::string context = describeNode(*outer, outerIndex, what);
  std::string modelDir(llvm::sys::path::parent_path(g.modelPath));
  for (const onnx::TensorProto &init : graph.initializer()) {
    HostTensor tensor;
    std::string error;
    if (!readTensorProto(init, modelDir, tensor, error)) {
      g.fail(what + " initializer: " + error);
      return std::nullopt;
    }
    g.values[init.name()] =
        ImportedValue{nullptr, std::make_shared<const HostTensor>(std::move(tensor))};
  }
  bool ok = importGraphNodes(g, graph);
  g.node = outer;
  g.nodeIndex = outerIndex;
  if (!ok) {
    g.error += " (inside " + context + ")";
    return std::nullopt;
  }
  std::vector<ImportedValue> outputs;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    auto it = g.values.find(out.name());
    if (it == g.values.end()) {
      g.fail(what + " output '" + out.name() + "' is never produced");
      return std::nullopt;
    }
    outputs.push_back(it->second);
  }
  return outputs;
}

void setImported(GraphImporter &g, size_t i, const ImportedValue &v) {
  if (g.hasOutput(i))
    g.values[g.node->output(i)] = v;
}

Value materialize(GraphImporter &g, const ImportedValue &v, const std::string &name) {
  return v.value ? v.value : g.constant(*v.constant, name);
}

/// The single boolean a condition input holds, when it is known now.
std::optional<bool> knownCondition(const HostTensor *t) {
  if (!t || t->numElements() != 1)
    return std::nullopt;
  return t->asInt64()[0] != 0;
}

const onnx::GraphProto *graphAttr(GraphImporter &g, const char *name) {
  const onnx::AttributeProto *a = g.attr(name);
  return a && a->has_g() ? &a->g() : nullptr;
}

bool importIf(GraphImporter &g) {
  const onnx::GraphProto *thenBranch = graphAttr(g, "then_branch");
  const onnx::GraphProto *elseBranch = graphAttr(g, "else_branch");
  if (!thenBranch || !elseBranch)
    return g.fail("missing then_branch or else_branch");
  size_t count = g.numOutputs();
  if (static_cast<size_t>(thenBranch->output_size()) != count ||
      static_cast<size_t>(elseBranch->output_size()) != count)
    return g.fail("branches must give " + std::to_string(count) + " outputs");
  const HostTensor *known = g.constantInput(0);
  if (known && known->numElements() != 1)
    return g.fail("the condition must hold one element");
  if (std::optional<bool> cond = knownCondition(known)) {
    auto outputs = importSubgraph(g, *cond ? *thenBranch : *elseBranch,
                                  *cond ? "then_branch" : "else_branch");
    if (!outputs)
      return false;
    for (size_t i = 0; i < count; ++i)
      setImported(g, i, (*outputs)[i]);
    return true;
  }
  Value cond = g.input(0);
  if (!cond)
    return false;
  auto condType = cast<RankedTensorType>(cond.getType());
  if (!condType.getElementType().isInteger(1) || condType.getNumElements() != 1)
    return g.fail("the condition must be one bool");
  auto thenOutputs = importSubgraph(g, *thenBranch, "then_branch");
  auto elseOutputs = thenOutputs ? importSubgraph(g, *elseBranch, "else_branch")
                                 : std::nullopt;
  if (!elseOutputs)
    return false;
  cond = g.reshape(cond, {});
  for (size_t i = 0; i < count; ++i) {
    if (!g.hasOutput(i))
      continue;
    Value a = materialize(g, (*thenOutputs)[i], thenBranch->output(i).name());
    Value b = materialize(g, (*elseOutputs)[i], elseBranch->output(i).name());
    if (!a || !b)
      return false;
    if (a.getType() != b.getType())
      return g.fail("output " + std::to_string(i) + " is " +
                    formatDims(shapeOf(cast<RankedTensorType>(a.getType()))) +
                    " in then_branch but " +
                    formatDims(shapeOf(cast<RankedTensorType>(b.getType()))) +
                    " in else_branch; a condition known only at run time needs "
                    "branches of one shape and type");
    Value y = g.make<WhereOp>(cond, a, b);
    if (!y)
      return false;
    g.setOutput(i, y);
  }
  return true;
}

bool importLoop(GraphImporter &g) {
  const onnx::GraphProto *body = graphAttr(g, "body");
  if (!body)
    return g.fail("missing body");
  if (g.numInputs() < 2)
    return g.fail("expects inputs M and cond (either may be empty)");
  size_t carried = g.numInputs() - 2;
  if (static_cast<size_t>(body->input_size()) != carried + 2 ||
      static_cast<size_t>(body->output_size()) < carried + 1)
    return g.fail("body needs " + std::to_string(carried + 2) + " inputs and at least " +
                  std::to_string(carried + 1) + " outputs");
  size_t scans = body->output_size() - 1 - carried;
  int64_t trips = kMaxIterations + 1;
  if (g.hasInput(0)) {
    const HostTensor *m = g.constantInput(0);
    if (!m || m->numElements() != 1)
      return g.fail("the trip count M must be known at compile time");
    trips = std::max<int64_t>(0, m->asInt64()[0]);
  }
  bool cond = true;
  if (g.hasInput(1)) {
    std::optional<bool> known = knownCondition(g.constantInput(1));
    if (!known)
      return g.fail("the loop condition must be known at compile time");
    cond = *known;
  }
  if (!g.hasInput(0) && !g.hasInput(1))
    return g.fail("a loop without M or cond never ends");

  std::vector<ImportedValue> state;
  for (size_t k = 0; k < carried; ++k) {
    auto it = g.hasInput(2 + k) ? g.values.find(g.node->input(2 + k)) : g.values.end();
    if (it == g.values.end())
      return g.fail("loop-carried input " + std::to_string(k) + " is missing");
    state.push_back(it->second);
  }
  auto bind = [&](int i, ImportedValue v) {
    if (!body->input(i).name().empty())
      g.values[body->input(i).name()] = std::move(v);
  };
  auto host = [](HostTensor t) {
    return ImportedValue{nullptr, std::make_shared<const HostTensor>(std::move(t))};
  };
  std::vector<std::vector<Value>> stacked(scans);
  int64_t i = 0;
  for (; i < trips && cond; ++i) {
    if (i == kMaxIterations)
      return g.fail("loops of more than " + std::to_string(kMaxIterations) +
                    " iterations are not supported (the loop is unrolled)");
    bind(0, host(HostTensor::fromInt64({i}, {})));
    bind(1, host(HostTensor::fromInt64({1}, {}, kBool)));
    for (size_t k = 0; k < carried; ++k)
      bind(2 + k, state[k]);
    auto outputs = importSubgraph(g, *body, "loop body, iteration " + std::to_string(i));
    if (!outputs)
      return false;
    std::optional<bool> next = knownCondition((*outputs)[0].constant.get());
    if (!next)
      return g.fail("the body's condition output is computed at run time (an early "
                    "exit); only loops whose iterations are known at compile time unroll");
    cond = *next;
    for (size_t k = 0; k < carried; ++k)
      state[k] = (*outputs)[1 + k];
    for (size_t j = 0; j < scans; ++j) {
      const ImportedValue &v = (*outputs)[1 + carried + j];
      Value part = materialize(g, v, body->output(1 + carried + j).name());
      if (!part)
        return false;
      Dims shape = shapeOf(cast<RankedTensorType>(part.getType()));
      shape.insert(shape.begin(), 1);
      stacked[j].push_back(g.reshape(part, shape));
    }
  }
  for (size_t k = 0; k < carried; ++k)
    setImported(g, k, state[k]);
  for (size_t j = 0; j < scans; ++j) {
    if (!g.hasOutput(carried + j))
      continue;
    if (stacked[j].empty())
      return g.fail("scan output " + std::to_string(j) +
                    " of a loop that runs no iteration is empty: empty tensors are "
                    "not supported yet");
    Value y = stacked[j].size() == 1 ? stacked[j][0]
                                     : g.make<ConcatOp>(ValueRange(stacked[j]), int64_t(0));
    if (!y)
      return false;
    g.setOutput(carried + j, y);
  }
  return true;
}

} // namespace

void addControlFlowImporters(OpImporterTable &table) {
  table.try_emplace("If", importIf);
  table.try_emplace("Loop", importLoop);
}

} // namespace kiln
