//===- QdqExport.cpp - Write Kiln's int8 decisions into the ONNX model ----===//
#include "kiln/Importer/QdqExport.h"

#include "HostTensor.h"
#include "ModelLoading.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Path.h"

#include <onnx/checker.h>
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <map>
#include <set>

namespace kiln {
namespace {

constexpr int64_t kQdqOpset = 13; // per-axis DequantizeLinear

/// Gives every computed tensor ONNX's inference left without a shape the
/// shape Kiln's import found: the version converter needs ranks (Softmax).
void completeValueInfo(onnx::GraphProto &graph, const TensorShapes &shapes) {
  for (auto &info : *graph.mutable_value_info()) {
    auto it = shapes.find(info.name());
    if (it == shapes.end() || !info.type().has_tensor_type())
      continue;
    auto *shape = info.mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->clear_dim();
    for (int64_t d : it->second)
      shape->add_dim()->set_dim_value(d);
  }
}

onnx::TensorProto makeTensor(const std::string &name, int32_t dtype,
                             const std::vector<int64_t> &dims) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(dtype);
  for (int64_t d : dims)
    t.add_dims(d);
  return t;
}

onnx::NodeProto makeNode(const std::string &op, const std::string &name,
                         std::vector<std::string> inputs, const std::string &output,
                         std::optional<int64_t> axis = std::nullopt) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(name);
  for (const std::string &in : inputs)
    n.add_input(in);
  n.add_output(output);
  if (axis) {
    auto *a = n.add_attribute();
    a->set_name("axis");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(*axis);
  }
  return n;
}

class QdqWriter {
  /// A layer found in the graph.
  struct Resolved {
    const QdqLayer *layer;
    int index;    // the node
    int64_t axis; // of its weight's output channels
    std::string input, output;
  };

public:
  QdqWriter(onnx::ModelProto &model, const std::string &path, const TensorShapes &shapes)
      : graph(*model.mutable_graph()), path(path), shapes(shapes),
        modelDir(llvm::sys::path::parent_path(path).str()) {
    for (int i = 0; i < graph.node_size(); ++i) {
      const onnx::NodeProto &n = graph.node(i);
      nodesByName.emplace(n.name(), i);
      outputsOf.emplace_back(n.output().begin(), n.output().end());
      for (const std::string &out : n.output())
        producer[out] = i;
    }
    for (int i = 0; i < graph.initializer_size(); ++i)
      initializers[graph.initializer(i).name()] = i;
  }

  /// Finds `layer` in the graph; false with `error` set.
  bool resolveLayer(const QdqLayer &layer) {
    auto [first, last] = nodesByName.equal_range(layer.node);
    if (first == last || std::next(first) != last)
      return fail("node '" + layer.node + "': " +
                  (first == last ? "not in the model" : "its name is not unique") +
                  "; cannot write its quantization");
    Resolved r{&layer, first->second, 0, "", ""};
    const std::string &op = graph.node(r.index).op_type();
    if (op == "Conv")
      r.axis = 0;
    else if (op == "Gemm")
      r.axis = gemmTransB(graph.node(r.index)) ? 0 : 1;
    else if (op == "MatMul")
      r.axis = -1; // the weight's last dim, once its rank is known
    else
      return fail("node '" + layer.node + "' (" + op + "): no QDQ form for this op");
    if (!resolve(layer.input, r.input) || !resolve(layer.output, r.output))
      return false;
    layerOutputs.insert(r.output);
    layers.push_back(r);
    return true;
  }

  /// The node that reads `r.input` on the way to `r`'s node: the node
  /// itself, or what the frontend folded into it (a Pad); -2 if none.
  int inputReader(const Resolved &r) const {
    int at = r.index;
    for (int step = 0; step < 4; ++step) {
      const onnx::NodeProto &n = graph.node(at);
      if (n.input_size() == 0)
        return -2;
      if (n.input(0) == r.input)
        return at;
      auto it = producer.find(n.input(0));
      if (it == producer.end())
        return -2;
      at = it->second;
    }
    return -2;
  }

  /// Writes the quantization of every resolved layer.
  bool addLayers() {
    for (const Resolved &r : layers) {
      onnx::NodeProto &node = *graph.mutable_node(r.index);
      if (node.op_type() == "Conv")
        foldAffineTail(r.index, r.output);
      quantizeActivation(r.output, r.layer->output, -1);
      // Every reader of a layer's output sees the int8-rounded value; of
      // any other tensor, only the layers that quantize it (as kilnc does).
      int reader = layerOutputs.count(r.input) ? -1 : inputReader(r);
      if (reader == -2)
        return fail("internal: node '" + node.name() + "': its input '" + r.input +
                    "' does not reach it");
      quantizeActivation(r.input, r.layer->input, reader);
      if (!quantizeWeight(node, r.axis, r.layer->weightScales))
        return false;
      if (!r.layer->biasCorrection.empty())
        correctBias(node, r.layer->biasCorrection);
      if (node.input_size() > 2 && !node.input(2).empty())
        quantizeBias(node, r.layer->input.scale, r.layer->weightScales);
    }
    return true;
  }

  /// The node list with the new QuantizeLinear / DequantizeLinear nodes,
  /// each right after what it reads.
  void finish() {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (onnx::NodeProto &n : leading)
      *nodes.Add() = std::move(n);
    for (int i = 0; i < graph.node_size(); ++i) {
      if (!removed.count(i))
        *nodes.Add() = graph.node(i);
      for (onnx::NodeProto &n : after[i])
        *nodes.Add() = std::move(n);
    }
    graph.mutable_node()->Swap(&nodes);
    dropUnreadConstants();
  }

  std::string error;

private:
  onnx::GraphProto &graph;
  const std::string &path;
  const TensorShapes &shapes;
  std::string modelDir;
  std::multimap<std::string, int> nodesByName;
  std::map<std::string, int> producer, initializers;
  std::vector<std::vector<std::string>> outputsOf; // before any renaming
  std::set<std::string> quantizedTensors, quantizedWeights;
  std::set<std::string> replaced; // float constants no longer read
  std::set<int> removed;          // nodes folded into others
  std::vector<Resolved> layers;
  std::set<std::string> layerOutputs;
  std::vector<onnx::NodeProto> leading;           // before every node
  std::map<int, std::vector<onnx::NodeProto>> after; // after node i

  /// The float weights the int8 ones replaced, where nothing reads them.
  void dropUnreadConstants() {
    std::set<std::string> read;
    for (const auto &n : graph.node())
      read.insert(n.input().begin(), n.input().end());
    for (const auto &out : graph.output())
      read.insert(out.name());
    auto unread = [&](const std::string &name) {
      return replaced.count(name) && !read.count(name);
    };
    auto *nodes = graph.mutable_node();
    nodes->erase(std::remove_if(nodes->begin(), nodes->end(),
                                [&](const onnx::NodeProto &n) {
                                  return n.op_type() == "Constant" &&
                                         n.output_size() == 1 && unread(n.output(0));
                                }),
                 nodes->end());
    auto *inits = graph.mutable_initializer();
    inits->erase(std::remove_if(inits->begin(), inits->end(),
                                [&](const onnx::TensorProto &t) { return unread(t.name()); }),
                 inits->end());
  }

  bool fail(const std::string &message) {
    error = path + ": --emit onnx: " + message;
    return false;
  }

  static bool gemmTransB(const onnx::NodeProto &node) {
    for (const auto &a : node.attribute())
      if (a.name() == "transB")
        return a.i() != 0;
    return false;
  }

  /// The ONNX name of `t`: the graph input, or the output of its producer
  /// whose shape is `t.dims` (output `t.result` when several are).
  bool resolve(const QdqTensor &t, std::string &name) {
    if (!t.graphInput.empty()) {
      name = t.graphInput;
      return true;
    }
    auto [first, last] = nodesByName.equal_range(t.node);
    if (first == last || std::next(first) != last)
      return fail("node '" + t.node + "': " +
                  (first == last ? "not in the model" : "its name is not unique") +
                  "; cannot place the quantization of its output");
    const std::vector<std::string> &outputs = outputsOf[first->second];
    std::vector<std::string> matching;
    for (const std::string &out : outputs) {
      auto it = shapes.find(out);
      if (!out.empty() && it != shapes.end() && it->second == t.dims)
        matching.push_back(out);
    }
    if (t.result < outputs.size() && llvm::is_contained(matching, outputs[t.result]))
      name = outputs[t.result];
    else if (matching.size() == 1)
      name = matching.front();
    else
      return fail("node '" + t.node + "': cannot tell which output Kiln quantized");
    return true;
  }

  /// Float tensor `name` (an initializer or a Constant node's value), or
  /// why it is none.
  std::string readConstant(const std::string &name, HostTensor &out) const {
    const onnx::TensorProto *proto = nullptr;
    if (auto it = initializers.find(name); it != initializers.end())
      proto = &graph.initializer(it->second);
    else if (auto p = producer.find(name); p != producer.end() &&
                                           graph.node(p->second).op_type() == "Constant")
      for (const auto &a : graph.node(p->second).attribute())
        if (a.name() == "value" && a.has_t())
          proto = &a.t();
    if (!proto)
      return "'" + name + "' is not a constant";
    std::string why;
    if (!readTensorProto(*proto, modelDir, out, why))
      return "'" + name + "': " + why;
    if (out.dtype != kFloat)
      return "'" + name + "' is not float";
    return "";
  }

  /// readConstant, failing the write when `name` is none.
  bool readFloat(const std::string &name, HostTensor &out) {
    std::string why = readConstant(name, out);
    return why.empty() || fail(why);
  }

  void addInitializer(onnx::TensorProto t) {
    initializers[t.name()] = graph.initializer_size();
    *graph.add_initializer() = std::move(t);
  }

  /// scale and zero point initializers, per tensor (dims {}) or per axis.
  std::pair<std::string, std::string>
  addScaleAndZeroPoint(const std::string &base, const std::vector<double> &scales,
                       const std::vector<int64_t> &zeroPoints, int32_t zeroPointType,
                       bool perAxis) {
    std::vector<int64_t> dims;
    if (perAxis)
      dims.push_back(static_cast<int64_t>(scales.size()));
    onnx::TensorProto s = makeTensor(base + "_scale", kFloat, dims);
    for (double v : scales)
      s.add_float_data(static_cast<float>(v));
    onnx::TensorProto z = makeTensor(base + "_zero_point", zeroPointType, dims);
    for (int64_t v : zeroPoints)
      z.add_int32_data(static_cast<int32_t>(v));
    addInitializer(std::move(s));
    addInitializer(std::move(z));
    return {base + "_scale", base + "_zero_point"};
  }

  /// QuantizeLinear -> DequantizeLinear on `name`, read by node `reader`
  /// (its first input), or by every reader when `reader` < 0: then the
  /// producer's output is renamed, so graph outputs see it too.
  void quantizeActivation(const std::string &name, const QdqTensor &t, int reader) {
    std::string dequantized = reader < 0 ? name : name + "_dequantized";
    if (!quantizedTensors.insert(name).second) {
      if (reader >= 0)
        graph.mutable_node(reader)->set_input(0, dequantized);
      return;
    }
    auto [scale, zp] = addScaleAndZeroPoint(name, {t.scale}, {t.zeroPoint}, kInt8,
                                            /*perAxis=*/false);
    std::string source = name;
    auto it = producer.find(name);
    std::vector<onnx::NodeProto> *into = it != producer.end() ? &after[it->second] : &leading;
    if (reader >= 0) {
      graph.mutable_node(reader)->set_input(0, dequantized);
    } else if (it != producer.end()) {
      source = name + "_float";
      for (std::string &out : *graph.mutable_node(it->second)->mutable_output())
        if (out == name)
          out = source;
    }
    into->push_back(makeNode("QuantizeLinear", name + "_QuantizeLinear",
                             {source, scale, zp}, name + "_quantized"));
    into->push_back(makeNode("DequantizeLinear", name + "_DequantizeLinear",
                             {name + "_quantized", scale, zp}, dequantized));
  }

  /// The weight as int8 at kilnc's per-channel `scales` (zero points 0).
  bool quantizeWeight(onnx::NodeProto &node, int64_t axis,
                      const std::vector<double> &scales) {
    const std::string name = node.input(1);
    HostTensor w;
    if (!readFloat(name, w))
      return false;
    int64_t rank = static_cast<int64_t>(w.dims.size());
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank || w.dims[axis] != static_cast<int64_t>(scales.size()))
      return fail("internal: node '" + node.name() + "': weight '" + name +
                  "' does not have the channels kilnc quantized");
    std::vector<double> values = w.asDouble();
    int64_t channels = w.dims[axis], inner = 1;
    for (int64_t d = axis + 1; d < rank; ++d)
      inner *= w.dims[d];
    auto channelOf = [&](size_t i) { return (static_cast<int64_t>(i) / inner) % channels; };
    // The same weights as the object's, or a graph the frontend folded
    // differently: that would be a different model.
    for (size_t i = 0; i < values.size(); ++i)
      if (std::fabs(values[i]) / scales[channelOf(i)] > 127.5 + 1e-3)
        return fail("internal: node '" + node.name() + "': weight '" + name +
                    "' does not match what kilnc quantized");
    std::string quantized = name + "_quantized", dequantized = name + "_dequantized";
    node.set_input(1, dequantized);
    replaced.insert(name);
    if (!quantizedWeights.insert(name).second)
      return true; // shared by an earlier layer
    onnx::TensorProto q = makeTensor(quantized, kInt8, w.dims);
    std::string bytes(values.size(), '\0');
    for (size_t i = 0; i < values.size(); ++i)
      bytes[i] = static_cast<char>(static_cast<int8_t>(std::clamp<double>(
          std::nearbyint(values[i] / scales[channelOf(i)]), -127, 127)));
    q.set_raw_data(std::move(bytes));
    addInitializer(std::move(q));
    auto [scale, zp] = addScaleAndZeroPoint(name, scales,
                                            std::vector<int64_t>(channels, 0), kInt8,
                                            /*perAxis=*/true);
    leading.push_back(makeNode("DequantizeLinear", name + "_DequantizeLinear",
                               {quantized, scale, zp}, dequantized, axis));
    return true;
  }

  /// Takes kilnc's bias correction off a Conv's or Gemm's one-dim bias,
  /// giving it one if it has none.
  void correctBias(onnx::NodeProto &node, const std::vector<double> &shift) {
    if (node.op_type() != "Conv" && node.op_type() != "Gemm")
      return;
    bool hasBias = node.input_size() > 2 && !node.input(2).empty();
    std::vector<double> values(shift.size(), 0.0);
    if (hasBias) {
      HostTensor b;
      if (!readConstant(node.input(2), b).empty() || b.dims.size() != 1 ||
          b.dims[0] != static_cast<int64_t>(shift.size()))
        return;
      values = b.asDouble();
      replaced.insert(node.input(2));
    }
    onnx::TensorProto t = makeTensor(node.name() + "_corrected_bias", kFloat,
                                     {static_cast<int64_t>(shift.size())});
    for (size_t c = 0; c < shift.size(); ++c)
      t.add_float_data(static_cast<float>(values[c] - shift[c]));
    if (hasBias) {
      node.set_input(2, t.name());
    } else {
      if (node.input_size() < 2)
        return; // no weight: nothing to correct
      node.add_input(t.name());
      for (onnx::AttributeProto &a : *node.mutable_attribute())
        if (a.name() == "beta")
          a.set_f(1.0f);
    }
    addInitializer(std::move(t));
  }

  /// A one-dim float bias as int32 with scale input x weight per channel,
  /// as integer kernels read it. Others stay float.
  void quantizeBias(onnx::NodeProto &node, double inputScale,
                    const std::vector<double> &weightScales) {
    const std::string name = node.input(2);
    HostTensor b;
    if (!readConstant(name, b).empty() || b.dims.size() != 1 ||
        b.dims[0] != static_cast<int64_t>(weightScales.size()))
      return; // not constant or not per channel: left float
    std::string base = node.name() + "_bias";
    std::vector<double> scales, values = b.asDouble();
    onnx::TensorProto q = makeTensor(base + "_quantized", kInt32, b.dims);
    for (size_t c = 0; c < values.size(); ++c) {
      double scale = inputScale * weightScales[c]; // kiln-fold-qdq's rounding
      scales.push_back(static_cast<float>(scale));
      q.add_int32_data(static_cast<int32_t>(std::clamp<double>(
          std::nearbyint(values[c] / scale), INT32_MIN, INT32_MAX)));
    }
    addInitializer(std::move(q));
    auto [scale, zp] = addScaleAndZeroPoint(base, scales,
                                            std::vector<int64_t>(scales.size(), 0),
                                            kInt32, /*perAxis=*/true);
    leading.push_back(makeNode("DequantizeLinear", base + "_DequantizeLinear",
                               {base + "_quantized", scale, zp}, base + "_dequantized",
                               0));
    node.set_input(2, base + "_dequantized");
    replaced.insert(name);
  }

  /// The node that alone reads `tensor`, or -1.
  int soleReader(const std::string &tensor) const {
    int reader = -1, readers = 0;
    for (int i = 0; i < graph.node_size(); ++i)
      if (!removed.count(i))
        for (const std::string &in : graph.node(i).input())
          if (in == tensor) {
            reader = i;
            ++readers;
          }
    for (const auto &o : graph.output())
      readers += o.name() == tensor;
    return readers == 1 ? reader : -1;
  }

  /// Per-channel values of constant `name` broadcast against an
  /// N x C x ... tensor of shape `out`, as Kiln's frontend accepts them.
  std::optional<std::vector<double>> perChannel(const std::string &name,
                                                const std::vector<int64_t> &out) {
    HostTensor t;
    if (!readConstant(name, t).empty() || out.size() < 2 || t.dims.size() > out.size() || t.numElements() == 0)
      return std::nullopt;
    size_t offset = out.size() - t.dims.size();
    for (size_t i = 0; i < t.dims.size(); ++i)
      if (t.dims[i] != 1 && (offset + i != 1 || t.dims[i] != out[1]))
        return std::nullopt;
    std::vector<double> v = t.asDouble();
    if (v.size() == 1)
      v.assign(out[1], v.front());
    return v;
  }

  /// How the node reading a conv's output (`out`, of shape `dims`) maps it:
  /// y = scale[c] * x + shift[c], or false where it is no such tail.
  bool affineTail(const onnx::NodeProto &n, const std::string &out,
                  const std::vector<int64_t> &dims, std::vector<float> &scale,
                  std::vector<float> &shift, std::vector<std::string> &constants) {
    const std::string &op = n.op_type();
    size_t channels = dims.size() > 1 ? dims[1] : 0;
    scale.assign(channels, 1.0f);
    shift.assign(channels, 0.0f);
    if (n.output_size() < 1 || (n.output_size() > 1 && !n.output(1).empty()))
      return false;
    if (op == "BatchNormalization") {
      if (n.input_size() != 5 || n.input(0) != out)
        return false;
      float epsilon = 1e-5f;
      for (const auto &a : n.attribute())
        if (a.name() == "epsilon")
          epsilon = a.f();
      std::vector<double> p[4]; // scale, B, mean, var: one per channel (floats)
      for (int k = 0; k < 4; ++k) {
        HostTensor t;
        if (!readConstant(n.input(k + 1), t).empty() ||
            t.numElements() != static_cast<int64_t>(channels))
          return false;
        p[k] = t.asDouble();
      }
      for (size_t c = 0; c < channels; ++c) {
        scale[c] = float(p[0][c]) / std::sqrt(float(p[3][c]) + epsilon);
        shift[c] = float(p[1][c]) - float(p[2][c]) * scale[c];
      }
      constants.assign(n.input().begin() + 1, n.input().end());
      return true;
    }
    bool commutative = op == "Mul" || op == "Add";
    if ((!commutative && op != "Div" && op != "Sub") || n.input_size() != 2)
      return false;
    int side = n.input(0) == out ? 0 : n.input(1) == out && commutative ? 1 : -1;
    if (side < 0 || shapes.count(n.output(0)) == 0 || shapes.at(n.output(0)) != dims)
      return false;
    std::optional<std::vector<double>> k = perChannel(n.input(1 - side), dims);
    if (!k)
      return false;
    for (size_t c = 0; c < channels; ++c) {
      float v = static_cast<float>((*k)[c]);
      if (op == "Div" && (v == 0.0f || !std::isfinite(v)))
        return false;
      if (op == "Mul")
        scale[c] = v;
      else if (op == "Div")
        scale[c] = 1.0f / v;
      else
        shift[c] = op == "Add" ? v : -v;
    }
    constants = {n.input(1 - side)};
    return true;
  }

  /// BatchNormalization, Mul, Div, Add and Sub by per-channel constants
  /// that alone read conv `index` go into its weight and bias, as Kiln's
  /// frontend folds them before quantizing: the int8 weights are then the
  /// ones the object holds, and runtimes see a conv whose output is
  /// quantized. The conv takes over the last folded node's output; folding
  /// stops at `quantized`, the tensor Kiln quantized.
  void foldAffineTail(int index, const std::string &quantized) {
    onnx::NodeProto &conv = *graph.mutable_node(index);
    std::string out = conv.output(0);
    HostTensor w, b;
    bool hasBias = conv.input_size() > 2 && !conv.input(2).empty();
    bool constant = readConstant(conv.input(1), w).empty() &&
                    (!hasBias || readConstant(conv.input(2), b).empty());
    if (!constant || shapes.count(out) == 0 || w.dims.empty() ||
        (hasBias && b.numElements() != w.dims[0]))
      return;
    const std::vector<int64_t> dims = shapes.at(out);
    int64_t channels = w.dims[0];
    // In float, step by step, as the frontend folds: the same weights to
    // the last bit, so both quantize them to the same integers.
    std::vector<double> wide = w.asDouble();
    std::vector<float> weight(wide.begin(), wide.end()), bias(channels, 0.0f);
    if (hasBias) {
      std::vector<double> b64 = b.asDouble();
      bias.assign(b64.begin(), b64.end());
    }
    std::vector<std::string> used;
    std::vector<float> scale, shift;
    std::vector<std::string> constants;
    int reader;
    int folded = 0;
    while (out != quantized && (reader = soleReader(out)) >= 0 &&
           affineTail(graph.node(reader), out, dims, scale, shift, constants)) {
      size_t inner = weight.size() / channels;
      for (int64_t c = 0; c < channels; ++c) {
        for (size_t j = 0; j < inner; ++j)
          weight[c * inner + j] *= scale[c];
        bias[c] = bias[c] * scale[c] + shift[c];
      }
      used.insert(used.end(), constants.begin(), constants.end());
      out = graph.node(reader).output(0);
      removed.insert(reader);
      ++folded;
    }
    if (folded == 0)
      return;
    onnx::TensorProto fw = makeTensor(conv.name() + "_folded_weight", kFloat, w.dims);
    for (float v : weight)
      fw.add_float_data(v);
    onnx::TensorProto fb = makeTensor(conv.name() + "_folded_bias", kFloat, {channels});
    for (float v : bias)
      fb.add_float_data(v);
    replaced.insert(used.begin(), used.end());
    replaced.insert(conv.input(1));
    if (hasBias)
      replaced.insert(conv.input(2));
    conv.set_input(1, fw.name());
    if (hasBias)
      conv.set_input(2, fb.name());
    else
      conv.add_input(fb.name());
    addInitializer(std::move(fw));
    addInitializer(std::move(fb));
    conv.set_output(0, out);
    producer[out] = index;
  }

};

} // namespace

bool writeQdqModel(const std::string &path, const ImportOptions &options,
                   const std::vector<QdqLayer> &layers, llvm::raw_ostream &os,
                   std::string &error) {
  onnx::ModelProto model;
  if (!loadOnnxModel(path, options, model, error))
    return false;
  // The import gives the static shape of every tensor.
  TensorShapes shapes;
  {
    mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
    if (!importOnnxModel(context, model, path, options, error, &shapes))
      return false;
  }
  try {
    if (defaultOpset(model) < kQdqOpset) {
      completeValueInfo(*model.mutable_graph(), shapes);
      model = onnx::version_conversion::ConvertVersion(model, kQdqOpset);
    }
  } catch (const std::exception &e) {
    error = path + ": --emit onnx: converting opset " +
            std::to_string(defaultOpset(model)) + " to " +
            std::to_string(kQdqOpset) + " failed: " +
            firstLine(e.what());
    return false;
  }
  QdqWriter writer(model, path, shapes);
  for (const QdqLayer &layer : layers)
    if (!writer.resolveLayer(layer)) {
      error = writer.error;
      return false;
    }
  if (!writer.addLayers()) {
    error = writer.error;
    return false;
  }
  writer.finish();
  auto *note = model.add_metadata_props();
  note->set_key("kiln.quantization");
  note->set_value("int8: " + std::to_string(layers.size()) +
                  " conv/Gemm/MatMul layers in QDQ form, as kilnc quantized them");
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    error = path + ": --emit onnx: internal: the QDQ model is invalid: " +
            firstLine(e.what());
    return false;
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    error = path + ": --emit onnx: the QDQ model is over protobuf's 2 GiB";
    return false;
  }
  os << bytes;
  return true;
}

} // namespace kiln
