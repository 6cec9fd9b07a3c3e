//===- ShapeFolding.cpp - Host evaluation of constant subgraphs -----------===//
//
// Once input shapes are bound, Shape/Gather/Slice/Concat/Cast chains and the
// arithmetic on their results are plain compile-time values. Evaluating them
// here keeps them out of the compiled model entirely.
//
//===----------------------------------------------------------------------===//
#include "GraphImporter.h"
#include "kiln/Support/ShapeArithmetic.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <unordered_map>

namespace kiln {
namespace {

using Dims = std::vector<int64_t>;

int64_t product(const Dims &dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i)
    p *= dims[i];
  return p;
}

/// Row-major strides (in elements).
Dims stridesOf(const Dims &dims) {
  Dims strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;)
    strides[i - 1] = strides[i] * dims[i];
  return strides;
}

bool foldConstant(GraphImporter &g) {
  const auto *value = g.attr("value");
  if (value && value->has_t()) {
    HostTensor t;
    std::string error;
    if (!readTensorProto(value->t(), "", t, error))
      return g.fail(error);
    g.setOutput(0, std::move(t));
    return true;
  }
  if (const auto *a = g.attr("value_float")) {
    g.setOutput(0, HostTensor::fromDouble({a->f()}, {}, kFloat));
    return true;
  }
  if (const auto *a = g.attr("value_floats")) {
    std::vector<double> v(a->floats().begin(), a->floats().end());
    g.setOutput(0, HostTensor::fromDouble(v, {static_cast<int64_t>(v.size())}, kFloat));
    return true;
  }
  if (const auto *a = g.attr("value_int")) {
    g.setOutput(0, HostTensor::fromInt64({a->i()}, {}));
    return true;
  }
  if (const auto *a = g.attr("value_ints")) {
    Dims v(a->ints().begin(), a->ints().end());
    g.setOutput(0, HostTensor::fromInt64(v, {static_cast<int64_t>(v.size())}));
    return true;
  }
  return g.fail("only tensor, float and int constants are supported");
}

bool foldShape(GraphImporter &g) {
  auto type = g.inputType(0);
  if (!type)
    return g.fail("input is not defined");
  int64_t rank = type.getRank();
  int64_t start = g.attrInt("start", 0), end = g.attrInt("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  Dims dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(type.isDynamicDim(i) ? kDynamicShapeValue : type.getDimSize(i));
  int64_t n = static_cast<int64_t>(dims.size());
  g.setOutput(0, HostTensor::fromInt64(dims, {n}));
  return true;
}

bool foldCast(GraphImporter &g) {
  const HostTensor &in = *g.constantInput(0);
  int32_t to = static_cast<int32_t>(g.attrInt("to", 0));
  if (HostTensor::elementSize(to) == 0)
    return g.fail(std::string("cast to unsupported data type ") + dtypeName(to));
  if (to == kFloat)
    g.setOutput(0, HostTensor::fromDouble(in.asDouble(), in.dims, to));
  else if (in.dtype == kFloat) {
    std::vector<double> v = in.asDouble();
    for (double &x : v)
      x = std::trunc(x);
    g.setOutput(0, HostTensor::fromDouble(v, in.dims, to));
  } else
    g.setOutput(0, HostTensor::fromInt64(in.asInt64(), in.dims, to));
  return true;
}

bool foldGather(GraphImporter &g) {
  const HostTensor &data = *g.constantInput(0);
  const HostTensor &indices = *g.constantInput(1);
  int64_t rank = static_cast<int64_t>(data.dims.size());
  auto axis = normalizeAxis(g.attrInt("axis", 0), rank);
  if (!axis)
    return g.fail("axis out of range");
  int64_t extent = data.dims[*axis];
  Dims idx = indices.asInt64();
  for (int64_t &i : idx) {
    if (i < -extent || i >= extent)
      return g.fail("index " + std::to_string(i) + " out of range [" +
                    std::to_string(-extent) + ", " + std::to_string(extent) + ")");
    if (i < 0)
      i += extent;
  }
  Dims outDims(data.dims.begin(), data.dims.begin() + *axis);
  outDims.insert(outDims.end(), indices.dims.begin(), indices.dims.end());
  outDims.insert(outDims.end(), data.dims.begin() + *axis + 1, data.dims.end());
  size_t es = HostTensor::elementSize(data.dtype);
  int64_t outer = product(data.dims, 0, *axis);
  size_t inner = product(data.dims, *axis + 1, rank) * es;
  HostTensor out;
  out.dtype = data.dtype;
  out.dims = outDims;
  out.bytes.reserve(outer * idx.size() * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : idx) {
      const uint8_t *src = data.bytes.data() + (o * extent + i) * inner;
      out.bytes.insert(out.bytes.end(), src, src + inner);
    }
  g.setOutput(0, std::move(out));
  return true;
}

bool foldSlice(GraphImporter &g) {
  const HostTensor &data = *g.constantInput(0);
  SliceBounds bounds;
  if (!readSlice(g, data.dims, bounds))
    return false;
  int64_t rank = static_cast<int64_t>(data.dims.size());
  size_t es = HostTensor::elementSize(data.dtype);
  Dims inStrides = stridesOf(data.dims);
  HostTensor out;
  out.dtype = data.dtype;
  out.dims = bounds.size;
  int64_t total = product(bounds.size, 0, bounds.size.size());
  out.bytes.resize(total * es);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat, src = 0;
    for (int64_t d = rank; d-- > 0;) {
      int64_t i = rest % bounds.size[d];
      rest /= bounds.size[d];
      src += (bounds.begin[d] + i * bounds.step[d]) * inStrides[d];
    }
    std::memcpy(out.bytes.data() + flat * es, data.bytes.data() + src * es, es);
  }
  g.setOutput(0, std::move(out));
  return true;
}

bool foldConcat(GraphImporter &g) {
  const HostTensor &first = *g.constantInput(0);
  int64_t rank = static_cast<int64_t>(first.dims.size());
  auto axis = normalizeAxis(g.attrInt("axis", 0), rank);
  if (!axis)
    return g.fail("axis out of range");
  HostTensor out;
  out.dtype = first.dtype;
  out.dims = first.dims;
  out.dims[*axis] = 0;
  for (size_t i = 0; i < g.numInputs(); ++i) {
    const HostTensor &t = *g.constantInput(i);
    if (t.dtype != first.dtype || t.dims.size() != first.dims.size())
      return g.fail("inputs differ in rank or data type");
    out.dims[*axis] += t.dims[*axis];
  }
  size_t es = HostTensor::elementSize(first.dtype);
  int64_t outer = product(first.dims, 0, *axis);
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < g.numInputs(); ++i) {
      const HostTensor &t = *g.constantInput(i);
      size_t block = product(t.dims, *axis, rank) * es;
      const uint8_t *src = t.bytes.data() + o * block;
      out.bytes.insert(out.bytes.end(), src, src + block);
    }
  g.setOutput(0, std::move(out));
  return true;
}

/// Elementwise arithmetic with broadcasting, in int64 for integer tensors.
/// Binary ops on host tensors with broadcasting: arithmetic keeps the data
/// type, comparisons and logic give bool.
bool foldBinary(GraphImporter &g) {
  if (g.numInputs() != 2)
    return g.fail("expects two inputs");
  const HostTensor &a = *g.constantInput(0), &b = *g.constantInput(1);
  if (a.dtype != b.dtype)
    return g.fail("operand data types differ");
  auto outDims = broadcastShapes(a.dims, b.dims);
  if (!outDims)
    return g.fail("operand shapes are not broadcastable");
  const std::string &op = g.node->op_type();
  int64_t rank = static_cast<int64_t>(outDims->size());
  auto index = [&](const Dims &dims, int64_t flat) {
    int64_t rest = flat, idx = 0, stride = 1;
    for (int64_t d = rank; d-- > 0;) {
      int64_t i = rest % (*outDims)[d];
      rest /= (*outDims)[d];
      int64_t k = d - (rank - static_cast<int64_t>(dims.size()));
      if (k >= 0) {
        idx += (dims[k] == 1 ? 0 : i) * stride;
        stride *= dims[k];
      }
    }
    return idx;
  };
  int64_t total = product(*outDims, 0, outDims->size());
  // The operator is looked up once, not per element: host tensors can be
  // weights of millions of elements.
  enum Kind { Add, Sub, Mul, Div, Eq, Lt, Le, Gt, Ge, And, Or, Xor };
  static const std::unordered_map<std::string, Kind> kinds = {
      {"Add", Add}, {"Sub", Sub}, {"Mul", Mul}, {"Div", Div}, {"Equal", Eq},
      {"Less", Lt}, {"LessOrEqual", Le}, {"Greater", Gt}, {"GreaterOrEqual", Ge},
      {"And", And}, {"Or", Or}, {"Xor", Xor}};
  Kind kind = kinds.at(op);
  bool logical = kind >= And, compare = kind >= Eq && kind <= Ge;
  if (logical && a.dtype != kBool)
    return g.fail("expects bool tensors");
  auto apply = [kind](auto p, auto q) -> std::optional<decltype(p)> {
    using T = decltype(p);
    switch (kind) {
    case Add: return p + q;
    case Sub: return p - q;
    case Mul: return p * q;
    case Div:
      if constexpr (std::is_integral_v<T>)
        if (q == 0)
          return std::nullopt;
      return p / q;
    case Eq: return T(p == q);
    case Lt: return T(p < q);
    case Le: return T(p <= q);
    case Gt: return T(p > q);
    case Ge: return T(p >= q);
    case And: return T(p != 0 && q != 0);
    case Or: return T(p != 0 || q != 0);
    case Xor: return T((p != 0) != (q != 0));
    }
    return std::nullopt;
  };
  int32_t outType = compare || logical ? kBool : a.dtype;
  if (a.dtype == kFloat) {
    std::vector<double> x = a.asDouble(), y = b.asDouble(), r(total);
    for (int64_t i = 0; i < total; ++i)
      r[i] = *apply(x[index(a.dims, i)], y[index(b.dims, i)]);
    g.setOutput(0, HostTensor::fromDouble(r, *outDims, outType));
    return true;
  }
  Dims x = a.asInt64(), y = b.asInt64(), r(total);
  for (int64_t i = 0; i < total; ++i) {
    std::optional<int64_t> v = apply(x[index(a.dims, i)], y[index(b.dims, i)]);
    if (!v)
      return g.fail("integer division by zero");
    r[i] = *v;
  }
  g.setOutput(0, HostTensor::fromInt64(r, *outDims, outType));
  return true;
}

/// Unary ops on host tensors (the scalar arithmetic of shape computations
/// and loop bounds).
bool foldUnary(GraphImporter &g) {
  const HostTensor &a = *g.constantInput(0);
  const std::string &op = g.node->op_type();
  if (op == "Not") {
    if (a.dtype != kBool)
      return g.fail("expects bool tensors");
    Dims v = a.asInt64();
    for (int64_t &x : v)
      x = !x;
    g.setOutput(0, HostTensor::fromInt64(v, a.dims, kBool));
    return true;
  }
  enum Kind { Ceil, Floor, Relu, Neg, Abs };
  static const std::unordered_map<std::string, Kind> kinds = {
      {"Ceil", Ceil}, {"Floor", Floor}, {"Relu", Relu}, {"Neg", Neg}, {"Abs", Abs}};
  Kind kind = kinds.at(op);
  auto apply = [kind](auto x) {
    using T = decltype(x);
    switch (kind) {
    case Ceil: return T(std::ceil(x));
    case Floor: return T(std::floor(x));
    case Relu: return std::max(x, T(0));
    case Neg: return T(-x);
    case Abs: break;
    }
    return x < 0 ? T(-x) : x;
  };
  if (a.dtype == kFloat) {
    std::vector<double> v = a.asDouble();
    for (double &x : v)
      x = apply(x);
    g.setOutput(0, HostTensor::fromDouble(v, a.dims, a.dtype));
  } else {
    Dims v = a.asInt64();
    for (int64_t &x : v)
      x = apply(x);
    g.setOutput(0, HostTensor::fromInt64(v, a.dims, a.dtype));
  }
  return true;
}

bool foldConstantOfShape(GraphImporter &g) {
  const HostTensor &shape = *g.constantInput(0);
  Dims dims = shape.asInt64();
  HostTensor fill = HostTensor::fromDouble({0.0}, {1}, kFloat);
  if (const auto *value = g.attr("value"); value && value->has_t()) {
    std::string error;
    if (!readTensorProto(value->t(), "", fill, error))
      return g.fail(error);
    if (fill.numElements() != 1)
      return g.fail("value must hold one element");
  }
  auto total = numElements(dims);
  if (!total || *total > (int64_t(1) << 28))
    return g.fail("invalid or too large shape");
  HostTensor out;
  out.dtype = fill.dtype;
  out.dims = dims;
  size_t es = HostTensor::elementSize(fill.dtype);
  out.bytes.resize(*total * es);
  for (int64_t i = 0; i < *total; ++i)
    std::memcpy(out.bytes.data() + i * es, fill.bytes.data(), es);
  g.setOutput(0, std::move(out));
  return true;
}

bool foldRange(GraphImporter &g) {
  const HostTensor &start = *g.constantInput(0), &limit = *g.constantInput(1),
                   &delta = *g.constantInput(2);
  double s = start.asDouble()[0], l = limit.asDouble()[0], d = delta.asDouble()[0];
  if (d == 0)
    return g.fail("delta must not be zero");
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((l - s) / d)));
  if (n > (int64_t(1) << 28))
    return g.fail("range is too large");
  if (start.dtype == kFloat) {
    std::vector<double> values(n);
    for (int64_t i = 0; i < n; ++i)
      values[i] = s + i * d;
    g.setOutput(0, HostTensor::fromDouble(values, {n}, kFloat));
    return true;
  }
  int64_t first = start.asInt64()[0], step = delta.asInt64()[0];
  Dims values(n);
  for (int64_t i = 0; i < n; ++i)
    values[i] = first + i * step;
  g.setOutput(0, HostTensor::fromInt64(values, {n}, start.dtype));
  return true;
}

} // namespace

bool readSlice(GraphImporter &g, const std::vector<int64_t> &dims,
               SliceBounds &bounds) {
  Dims starts, ends, axes, steps;
  if (g.opset < 10) {
    starts = g.attrInts("starts");
    ends = g.attrInts("ends");
    axes = g.attrInts("axes");
  } else {
    if (!g.constantInts(1, starts, "starts") || !g.constantInts(2, ends, "ends"))
      return false;
    if (g.hasInput(3) && !g.constantInts(3, axes, "axes"))
      return false;
    if (g.hasInput(4) && !g.constantInts(4, steps, "steps"))
      return false;
  }
  auto resolved = resolveSlice(dims, starts, ends, axes, steps);
  if (!resolved)
    return g.fail("invalid starts, ends, axes or steps");
  bounds = *resolved;
  return true;
}

using HostRules = std::unordered_map<std::string, bool (*)(GraphImporter &)>;

static const HostRules &hostRules() {
  static const HostRules rules = {
      {"Constant", foldConstant}, {"Shape", foldShape},
      {"Cast", foldCast},         {"Gather", foldGather},
      {"Slice", foldSlice},       {"Concat", foldConcat},
      {"Add", foldBinary},        {"Sub", foldBinary},
      {"Mul", foldBinary},        {"Div", foldBinary},
      {"Equal", foldBinary},      {"Less", foldBinary},
      {"LessOrEqual", foldBinary}, {"Greater", foldBinary},
      {"GreaterOrEqual", foldBinary}, {"And", foldBinary},
      {"Or", foldBinary},         {"Xor", foldBinary},
      {"Ceil", foldUnary},        {"Floor", foldUnary},
      {"Relu", foldUnary},        {"Neg", foldUnary},
      {"Abs", foldUnary},         {"Not", foldUnary},
      {"ConstantOfShape", foldConstantOfShape}, {"Range", foldRange}};
  return rules;
}

bool hasHostRule(const std::string &opType) { return hostRules().count(opType); }

/// Host rules that only move shape values around, and so carry the
/// run-time dims of ranged inputs (kDynamicShapeValue) unchanged.
static bool movesValues(const std::string &op, const GraphImporter &g) {
  if (op == "Cast")
    return g.attrInt("to", 0) == kInt64 || g.attrInt("to", 0) == kInt32;
  return op == "Gather" || op == "Slice" || op == "Concat" ||
         op == "Unsqueeze" || op == "Squeeze" || op == "Identity" ||
         op == "Reshape";
}

std::optional<bool> foldOnHost(GraphImporter &g) {
  const HostRules &rules = hostRules();
  auto it = rules.find(g.node->op_type());
  if (it == rules.end())
    return std::nullopt;
  const std::string &op = g.node->op_type();
  if (op == "Shape")
    return foldShape(g);
  if (g.numInputs() == 0 && op != "Constant")
    return std::nullopt;
  // Every data input must be known; for Slice (opset >= 10) the index
  // inputs are read by the rule itself.
  size_t dataInputs = op == "Slice" ? 1 : g.numInputs();
  for (size_t i = 0; i < dataInputs; ++i)
    if (g.hasInput(i) && !g.constantInput(i))
      return std::nullopt;
  if (g.rangedDims && !movesValues(op, g))
    for (size_t i = 0; i < dataInputs; ++i) {
      const HostTensor *t = g.hasInput(i) ? g.constantInput(i) : nullptr;
      if (t && (t->dtype == kInt64 || t->dtype == kInt32) &&
          llvm::is_contained(t->asInt64(), kDynamicShapeValue))
        return g.fail("the size of a ranged dim reaches shape arithmetic, "
                      "which ranged dims do not support yet");
    }
  return it->second(g);
}

} // namespace kiln
