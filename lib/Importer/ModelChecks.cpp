//===- ModelChecks.cpp - What ONNX's shape inference takes for granted ----===//
//
// libonnx's shape inference (and its data propagation) reads tensor data
// and weight shapes without bounds checks: a Slice whose `ends` initializer
// holds fewer bytes than its dims say, or a ConvTranspose weight of rank 1,
// reads past the end of a buffer. A model file is untrusted input, so these
// are checked here first, and each violation is an error naming the tensor
// or the node.
//
//===----------------------------------------------------------------------===//
#include "ModelLoading.h"
#include "GraphImporter.h"

#include "Kiln/DataTypes.h"

#include <set>

namespace kiln {
namespace {

/// Bytes per element of the ONNX data types with a fixed size; 0 otherwise.
size_t onnxElementBytes(int32_t dtype) {
  switch (dtype) {
  case onnx::TensorProto::BOOL:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return 1;
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
    return 2;
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return 4;
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
  case onnx::TensorProto::COMPLEX64:
    return 8;
  case onnx::TensorProto::COMPLEX128:
    return 16;
  default:
    return 0;
  }
}

/// How many elements the typed field that holds `dtype` carries.
int64_t typedCount(const onnx::TensorProto &t) {
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    return t.float_data_size();
  case onnx::TensorProto::COMPLEX64:
    return t.float_data_size() / 2;
  case onnx::TensorProto::DOUBLE:
    return t.double_data_size();
  case onnx::TensorProto::COMPLEX128:
    return t.double_data_size() / 2;
  case onnx::TensorProto::INT64:
    return t.int64_data_size();
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    return t.uint64_data_size();
  case onnx::TensorProto::STRING:
    return t.string_data_size();
  default: // the small integer, bool and half types travel in int32_data
    return t.int32_data_size();
  }
}

bool checkTensor(const onnx::TensorProto &t, const std::string &what, std::string &error) {
  int64_t count = 1;
  for (int64_t d : t.dims())
    if (d < 0 || (d != 0 && count > (int64_t(1) << 40) / d)) {
      error = what + " '" + t.name() + "' has invalid dimensions";
      return false;
    } else {
      count *= d;
    }
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return true; // sized when read; shape inference does not read it
  size_t bytes = onnxElementBytes(t.data_type());
  if (t.data_type() == onnx::TensorProto::UNDEFINED ||
      (bytes == 0 && t.data_type() != onnx::TensorProto::STRING)) {
    error = what + " '" + t.name() + "' has unknown data type " +
            std::to_string(t.data_type());
    return false;
  }
  int64_t have = t.has_raw_data() && bytes ? static_cast<int64_t>(t.raw_data().size() / bytes)
                                           : typedCount(t);
  bool exact = !t.has_raw_data() || t.raw_data().size() == static_cast<size_t>(count) * bytes;
  if (have != count || !exact) {
    error = what + " '" + t.name() + "' holds " + std::to_string(have) +
            " elements' worth of data, its shape needs " + std::to_string(count);
    return false;
  }
  return true;
}

/// Ranks of the values known before inference: graph inputs and
/// initializers.
using Ranks = std::map<std::string, int64_t>;

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node, const char *name) {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

/// Conv, ConvTranspose and the pools: the weight's rank, and every window
/// attribute's length and range against the spatial rank.
bool checkWindowNode(const onnx::NodeProto &node, int index, const Ranks &ranks,
                     std::string &error) {
  const std::string &op = node.op_type();
  bool conv = op == "Conv" || op == "ConvTranspose" || op == "ConvInteger" ||
              op == "QLinearConv";
  bool pool = op == "MaxPool" || op == "AveragePool" || op == "LpPool";
  if (!conv && !pool)
    return true;
  auto fail = [&](const std::string &message) {
    error = describeNode(node, index, "") + ": " + message;
    return false;
  };
  auto rankOf = [&](int input) -> std::optional<int64_t> {
    if (input >= node.input_size())
      return std::nullopt;
    auto it = ranks.find(node.input(input));
    return it == ranks.end() ? std::nullopt : std::optional<int64_t>(it->second);
  };
  std::optional<int64_t> xRank = rankOf(0);
  std::optional<int64_t> spatial;
  if (xRank) {
    if (*xRank < 3)
      return fail("input must have rank >= 3, not " + std::to_string(*xRank));
    spatial = *xRank - 2;
  }
  if (conv) {
    int weightInput = op == "QLinearConv" ? 3 : 1;
    if (std::optional<int64_t> wRank = rankOf(weightInput)) {
      if (*wRank < 3)
        return fail("weight must have rank >= 3, not " + std::to_string(*wRank));
      if (spatial && *wRank != *spatial + 2)
        return fail("weight of rank " + std::to_string(*wRank) + " does not fit an input of rank " +
                    std::to_string(*xRank));
      spatial = *wRank - 2;
    }
    if (const onnx::AttributeProto *g = findAttr(node, "group"); g && g->i() < 1)
      return fail("group must be positive, not " + std::to_string(g->i()));
  }
  const onnx::AttributeProto *kernel = findAttr(node, "kernel_shape");
  if (pool && !kernel)
    return fail("missing kernel_shape");
  if (kernel && !spatial)
    spatial = kernel->ints_size();
  if (!spatial)
    return true;
  struct Rule {
    const char *name;
    int64_t perDim, min;
  };
  for (Rule rule : {Rule{"kernel_shape", 1, 1}, Rule{"strides", 1, 1}, Rule{"dilations", 1, 1},
                    Rule{"pads", 2, 0}, Rule{"output_padding", 1, 0},
                    Rule{"output_shape", 1, 0}}) {
    const onnx::AttributeProto *a = findAttr(node, rule.name);
    if (!a)
      continue;
    if (a->ints_size() != rule.perDim * *spatial)
      return fail(std::string(rule.name) + " has " + std::to_string(a->ints_size()) +
                  " values; " + std::to_string(*spatial) + " spatial dims need " +
                  std::to_string(rule.perDim * *spatial));
    for (int64_t v : a->ints())
      if (v < rule.min)
        return fail(std::string(rule.name) + " value " + std::to_string(v) + " is below " +
                    std::to_string(rule.min));
  }
  return true;
}

/// Inputs whose rank libonnx's inference assumes when it indexes their dims.
bool checkAssumedRanks(const onnx::NodeProto &node, int index, const Ranks &ranks,
                       std::string &error) {
  if (node.op_type() != "Gemm")
    return true;
  for (int i = 0; i < 2 && i < node.input_size(); ++i) {
    auto it = ranks.find(node.input(i));
    if (it != ranks.end() && it->second != 2) {
      error = describeNode(node, index, "") + ": input " + std::to_string(i) +
              " must have rank 2, not " + std::to_string(it->second);
      return false;
    }
  }
  return true;
}

/// Integer attributes libonnx multiplies or divides by without a check.
bool checkFactorAttributes(const onnx::NodeProto &node, int index, std::string &error) {
  const std::string &op = node.op_type();
  if (op != "DepthToSpace" && op != "SpaceToDepth")
    return true;
  const onnx::AttributeProto *a = findAttr(node, "blocksize");
  if (a && (a->i() < 1 || a->i() > 4096)) {
    error = describeNode(node, index, "") + ": blocksize " + std::to_string(a->i()) +
            " out of range [1, 4096]";
    return false;
  }
  return true;
}

/// A graph input whose shape is known must fit Kiln's tensor size limit
/// before anything sizes buffers from it.
bool checkInputSize(const onnx::ValueInfoProto &v, std::string &error) {
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape())
    return true;
  Shape dims;
  for (const auto &d : v.type().tensor_type().shape().dim())
    dims.push_back(d.has_dim_value() ? d.dim_value() : 1); // unbound: refused later
  if (fitsTensorLimit(dims))
    return true;
  error = "input '" + v.name() + "' of shape " + formatDims(dims) +
          " has more elements than Kiln supports (2^31)";
  return false;
}

/// `defined`: the names visible so far (an outer graph's too, in a branch).
bool checkGraph(const onnx::GraphProto &graph, Ranks ranks, std::set<std::string> defined,
                std::string &error) {
  for (const onnx::TensorProto &t : graph.initializer()) {
    if (!checkTensor(t, "initializer", error))
      return false;
    ranks[t.name()] = t.dims_size();
    defined.insert(t.name());
  }
  // Names are defined once in a graph (an initializer may also be listed
  // as an input); inference would otherwise read one definition's shape
  // for the other's.
  std::set<std::string> inputs, local;
  for (const onnx::TensorProto &t : graph.initializer())
    local.insert(t.name());
  for (const onnx::ValueInfoProto &v : graph.input()) {
    if (v.name().empty()) {
      error = "a graph input has no name";
      return false;
    }
    if (!inputs.insert(v.name()).second) {
      error = "graph input '" + v.name() + "' is listed twice";
      return false;
    }
    local.insert(v.name());
    defined.insert(v.name());
    if (v.type().has_tensor_type() && v.type().tensor_type().has_shape() && !ranks.count(v.name()))
      ranks[v.name()] = v.type().tensor_type().shape().dim_size();
  }
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &node = graph.node(i);
    // Shape inference looks each input up and dereferences what it finds.
    for (const std::string &in : node.input())
      if (!in.empty() && !defined.count(in)) {
        error = describeNode(node, i, "") + ": input '" + in +
                "' is not defined (by an earlier node, an initializer or a graph input)";
        return false;
      }
    for (const onnx::AttributeProto &a : node.attribute()) {
      std::string what = describeNode(node, i, "") + " attribute " + a.name() + ": tensor";
      if (a.has_t() && !checkTensor(a.t(), what, error))
        return false;
      for (const onnx::TensorProto &t : a.tensors())
        if (!checkTensor(t, what, error))
          return false;
      if (a.has_g() && !checkGraph(a.g(), ranks, defined, error))
        return false;
      for (const onnx::GraphProto &g : a.graphs())
        if (!checkGraph(g, ranks, defined, error))
          return false;
    }
    if (!checkWindowNode(node, i, ranks, error) || !checkFactorAttributes(node, i, error) ||
        !checkAssumedRanks(node, i, ranks, error))
      return false;
    for (const std::string &out : node.output()) {
      if (out.empty())
        continue;
      if (!local.insert(out).second) {
        error = describeNode(node, i, "") + ": output '" + out + "' is defined twice";
        return false;
      }
      defined.insert(out);
    }
    // A Constant's output rank is known from its value.
    if (node.op_type() == "Constant" && node.output_size() == 1)
      if (const onnx::AttributeProto *v = findAttr(node, "value"); v && v->has_t())
        ranks[node.output(0)] = v->t().dims_size();
  }
  return true;
}

} // namespace

bool fitsTensorLimit(llvm::ArrayRef<int64_t> dims) {
  int64_t count = 1;
  for (int64_t d : dims)
    if (d < 0 || __builtin_mul_overflow(count, d, &count) || count > kMaxTensorElements)
      return false;
  return true;
}

bool checkBeforeShapeInference(const onnx::GraphProto &graph, std::string &error) {
  for (const onnx::ValueInfoProto &v : graph.input())
    if (!checkInputSize(v, error))
      return false;
  return checkGraph(graph, {}, {}, error);
}

} // namespace kiln
