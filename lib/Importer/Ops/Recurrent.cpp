//===- Recurrent.cpp - LSTM, GRU and RNN importers ------------------------===//
//
// A recurrent layer becomes straight-line kiln ops, its time loop unrolled
// at compile time (the sequence length is static):
//   - the input projection of every step is one Gemm over [T * batch, input]
//     against W (packed at compile time like any constant weight), with both
//     biases added once;
//   - each step adds one Gemm of the previous hidden state against R and the
//     gate math, which the elementwise fusion joins into few loops.
// Sequence lengths (a run-time input) mask the steps past each batch
// entry's end: its states stop changing and its outputs are zero. The
// reverse direction of a batch entry starts at its own last step, so for
// it the input and output steps are permuted per entry (GatherElements).
//
//===----------------------------------------------------------------------===//
#include "OpFamilies.h"
#include "Kiln/KilnOps.h"

#include <onnx/onnx_pb.h>

#include <cstring>

using namespace mlir;

namespace kiln {
namespace {

enum class Cell { Lstm, Gru, Rnn };

/// Longest sequence the unrolled form accepts; each step is a dozen ops.
constexpr int64_t kMaxSteps = 1024;

struct Activation {
  std::string name;
  float alpha = 0, beta = 0;
};

/// What the node asks, read and checked once.
struct Layer {
  Cell cell;
  int64_t gates, hidden, directions, steps, batch, inputSize;
  bool reverseOnly, batchMajor;
  std::optional<float> clip;
  bool linearBeforeReset = false, coupledForget = false;
  std::vector<Activation> activations; // per direction: f, g (, h)
};

/// Reads `activations` with their alpha/beta lists, or the defaults.
bool readActivations(GraphImporter &g, Layer &layer) {
  size_t perDirection = layer.cell == Cell::Lstm ? 3 : layer.cell == Cell::Gru ? 2 : 1;
  std::vector<std::string> names;
  if (const onnx::AttributeProto *a = g.attr("activations"))
    for (const std::string &s : a->strings())
      names.push_back(s);
  if (names.empty()) {
    std::vector<std::string> defaults =
        layer.cell == Cell::Rnn ? std::vector<std::string>{"Tanh"}
        : layer.cell == Cell::Gru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                  : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
    for (int64_t d = 0; d < layer.directions; ++d)
      names.insert(names.end(), defaults.begin(), defaults.end());
  }
  if (names.size() != perDirection * layer.directions)
    return g.fail("expects " + std::to_string(perDirection * layer.directions) +
                  " activations, got " + std::to_string(names.size()));
  std::vector<float> alphas, betas;
  if (const onnx::AttributeProto *a = g.attr("activation_alpha"))
    alphas.assign(a->floats().begin(), a->floats().end());
  if (const onnx::AttributeProto *a = g.attr("activation_beta"))
    betas.assign(a->floats().begin(), a->floats().end());
  size_t nextAlpha = 0, nextBeta = 0;
  for (const std::string &name : names) {
    Activation act{name};
    // Defaults as ONNX's operator docs give them.
    float defaultAlpha = 0, defaultBeta = 0;
    bool takesAlpha = true, takesBeta = false;
    if (name == "LeakyRelu")
      defaultAlpha = 0.01f;
    else if (name == "ThresholdedRelu" || name == "Elu")
      defaultAlpha = 1.0f;
    else if (name == "HardSigmoid")
      defaultAlpha = 0.2f, defaultBeta = 0.5f, takesBeta = true;
    else if (name == "Affine" || name == "ScaledTanh")
      defaultAlpha = 1.0f, defaultBeta = 0.0f, takesBeta = true;
    else if (name == "Sigmoid" || name == "Tanh" || name == "Relu" ||
             name == "Softsign" || name == "Softplus")
      takesAlpha = false;
    else
      return g.fail("unsupported activation '" + name + "'");
    act.alpha = takesAlpha && nextAlpha < alphas.size() ? alphas[nextAlpha++] : defaultAlpha;
    act.beta = takesBeta && nextBeta < betas.size() ? betas[nextBeta++] : defaultBeta;
    layer.activations.push_back(act);
  }
  return true;
}

Value activate(GraphImporter &g, const Activation &act, Value x) {
  OpBuilder &b = g.builder;
  Location loc = g.loc();
  const std::string &n = act.name;
  if (n == "Sigmoid")
    return SigmoidOp::create(b, loc, x);
  if (n == "Tanh")
    return TanhOp::create(b, loc, x);
  if (n == "Relu")
    return ReluOp::create(b, loc, x);
  if (n == "LeakyRelu")
    return LeakyReluOp::create(b, loc, x, f32(g, act.alpha));
  if (n == "Elu")
    return EluOp::create(b, loc, x, f32(g, act.alpha));
  if (n == "HardSigmoid")
    return HardSigmoidOp::create(b, loc, x, f32(g, act.alpha), f32(g, act.beta));
  if (n == "Softplus")
    return SoftplusOp::create(b, loc, x);
  if (n == "Softsign")
    return softsign(g, x);
  if (n == "Affine")
    return g.make<AddOp>(g.make<MulOp>(x, scalarF32(g, act.alpha, "alpha")),
                         scalarF32(g, act.beta, "beta"));
  if (n == "ScaledTanh")
    return g.make<MulOp>(
        TanhOp::create(b, loc, g.make<MulOp>(x, scalarF32(g, act.beta, "beta"))),
        scalarF32(g, act.alpha, "alpha"));
  // ThresholdedRelu: x > alpha ? x : 0
  Value keep = g.make<GreaterOp>(x, scalarF32(g, act.alpha, "alpha"));
  return g.make<WhereOp>(keep, x, scalarF32(g, 0, "zero"));
}

/// Rows [begin, begin + count) of direction d of a [directions, rows, ...]
/// input (elements, for a [directions, n] one): cut on the host when
/// constant, so that weights stay constants the contraction kernels pack.
Value directionRows(GraphImporter &g, size_t input, int64_t d, int64_t begin,
                    int64_t count) {
  Dims dims = shapeOf(g.inputType(input));
  Dims part(dims.begin() + 1, dims.end());
  part[0] = count;
  if (const HostTensor *c = g.constantInput(input)) {
    size_t rowBytes = c->bytes.size() / (dims[0] * dims[1]);
    size_t first = (d * dims[1] + begin) * rowBytes;
    HostTensor slab;
    slab.dtype = c->dtype;
    slab.dims = part;
    slab.bytes.assign(c->bytes.begin() + first, c->bytes.begin() + first + count * rowBytes);
    return g.constant(slab, "direction_slab");
  }
  Value v = g.input(input);
  if (!v)
    return {};
  Dims offsets(dims.size(), 0), sizes = dims, strides(dims.size(), 1);
  offsets[0] = d;
  sizes[0] = 1;
  offsets[1] = begin;
  sizes[1] = count;
  Value one = g.make<SliceOp>(v, offsets, sizes, strides);
  return one ? g.reshape(one, part) : Value();
}

/// All of direction d of a [directions, ...] input.
Value directionSlab(GraphImporter &g, size_t input, int64_t d) {
  return directionRows(g, input, d, 0, g.inputType(input).getDimSize(1));
}

/// Columns [begin, begin + size) of a [rows, cols] value.
Value columns(GraphImporter &g, Value v, int64_t begin, int64_t size) {
  auto type = cast<RankedTensorType>(v.getType());
  return g.make<SliceOp>(v, Dims{0, begin}, Dims{type.getDimSize(0), size}, Dims{1, 1});
}

/// Step t of a [T, batch, n] value as [batch, n].
Value step(GraphImporter &g, Value v, int64_t t) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t batch = type.getDimSize(1), n = type.getDimSize(2);
  Value one = g.make<SliceOp>(v, Dims{t, 0, 0}, Dims{1, batch, n}, Dims{1, 1, 1});
  return one ? g.reshape(one, {batch, n}) : Value();
}

/// Direction d's [batch, hidden] initial state from a [directions, batch,
/// hidden] input, or zeros when the input is absent.
Value initialState(GraphImporter &g, size_t input, int64_t d, const Layer &layer) {
  if (g.hasInput(input))
    return directionSlab(g, input, d);
  std::vector<double> zeros(layer.batch * layer.hidden, 0.0);
  return g.constant(HostTensor::fromDouble(zeros, {layer.batch, layer.hidden}, kFloat),
                    "zero_state");
}

/// Per-step masks from sequence_lens: valid[t] is [batch, 1] bool, and for
/// the reverse direction `order` is the [T, batch, 1] i64 step each batch
/// entry reads at position t (its own last step first).
struct Lengths {
  Value lengths;              // [1, batch] i64
  std::vector<Value> valid;   // per step
  Value reverseOrder;         // [T, batch, 1] i64
};

std::optional<Lengths> readLengths(GraphImporter &g, const Layer &layer) {
  Lengths out;
  if (!g.hasInput(4))
    return out;
  if (const HostTensor *c = g.constantInput(4)) {
    std::vector<int64_t> v = c->asInt64();
    if (llvm::all_of(v, [&](int64_t n) { return n == layer.steps; }))
      return out; // every entry runs the whole sequence: nothing to mask
    for (int64_t n : v)
      if (n < 0 || n > layer.steps) {
        g.fail("sequence length " + std::to_string(n) + " outside [0, " +
               std::to_string(layer.steps) + "]");
        return std::nullopt;
      }
  }
  Value lens = g.input(4);
  if (!lens)
    return std::nullopt;
  auto lensType = cast<RankedTensorType>(lens.getType());
  if (lensType.getRank() != 1 || lensType.getDimSize(0) != layer.batch) {
    g.fail("sequence_lens must have shape [" + std::to_string(layer.batch) + "]");
    return std::nullopt;
  }
  Type i64 = g.builder.getI64Type();
  if (lensType.getElementType() != i64)
    lens = CastOp::create(g.builder, g.loc(), lensType.clone(i64), lens);
  out.lengths = g.reshape(lens, {1, layer.batch});
  for (int64_t t = 0; t < layer.steps; ++t) {
    Value at = g.constant(HostTensor::fromInt64({t}, {}), "step");
    Value valid = g.make<GreaterOp>(out.lengths, at); // t < length
    if (!valid)
      return std::nullopt;
    out.valid.push_back(g.reshape(valid, {layer.batch, 1}));
  }
  // order[t, b] = t < len[b] ? len[b] - 1 - t : t
  std::vector<int64_t> positions(layer.steps);
  for (int64_t t = 0; t < layer.steps; ++t)
    positions[t] = t;
  Value t = g.constant(HostTensor::fromInt64(positions, {layer.steps, 1}), "steps");
  Value last = g.make<SubOp>(out.lengths, g.constant(HostTensor::fromInt64({1}, {}), "one"));
  Value mirrored = last ? g.make<SubOp>(last, t) : Value();
  Value inside = g.make<LessOp>(t, out.lengths);
  Value order = mirrored && inside ? g.make<WhereOp>(inside, mirrored, t) : Value();
  if (!order)
    return std::nullopt;
  out.reverseOrder = g.reshape(order, {layer.steps, layer.batch, 1});
  return out;
}

/// `x` [T, batch, n] with each batch entry's steps permuted by `order`.
Value permuteSteps(GraphImporter &g, Value x, Value order) {
  auto type = cast<RankedTensorType>(x.getType());
  Dims shape = shapeOf(type);
  std::vector<int64_t> zeros(shape[2], 0);
  Value wide = g.make<AddOp>(order, g.constant(HostTensor::fromInt64(zeros, {1, 1, shape[2]}),
                                               "zeros"));
  return wide ? g.make<GatherElementsOp>(x, wide, 0) : Value();
}

/// One direction over the whole sequence: returns Y as [T, batch, hidden]
/// (in time order) and the final states.
struct DirectionResult {
  Value y, h, c;
};

std::optional<DirectionResult> runDirection(GraphImporter &g, const Layer &layer,
                                            Value x, int64_t d, bool reverse,
                                            const Lengths &lengths) {
  int64_t H = layer.hidden, G = layer.gates, T = layer.steps, B = layer.batch;
  const Activation *act = &layer.activations[d * (layer.cell == Cell::Lstm ? 3
                                                  : layer.cell == Cell::Gru ? 2 : 1)];
  bool masked = !lengths.valid.empty();
  if (reverse && masked && !(x = permuteSteps(g, x, lengths.reverseOrder)))
    return std::nullopt;

  // Input projection of all steps at once. Both biases join it, except
  // under GRU's linear_before_reset, where Rb goes with the recurrent
  // product (Rbh sits inside the reset gate's product).
  bool recurrentBias = layer.cell == Cell::Gru && layer.linearBeforeReset;
  Value w = directionSlab(g, 1, d);
  Value bias, rBias;
  if (g.hasInput(3)) {
    bias = directionRows(g, 3, d, 0, G * H);
    rBias = directionRows(g, 3, d, G * H, G * H);
    if (!bias || !rBias)
      return std::nullopt;
    if (!recurrentBias)
      bias = g.make<AddOp>(bias, rBias);
  }
  // GRU without linear_before_reset multiplies R's candidate rows by the
  // reset hidden state, so they form their own product.
  bool splitCandidate = layer.cell == Cell::Gru && !layer.linearBeforeReset;
  Value r = directionRows(g, 2, d, 0, splitCandidate ? 2 * H : G * H);
  Value rCandidate = splitCandidate ? directionRows(g, 2, d, 2 * H, H) : Value();
  if (!w || !r || (splitCandidate && !rCandidate))
    return std::nullopt;
  llvm::APFloat one(1.0f);
  Value flat = g.reshape(x, {T * B, layer.inputSize});
  Value projected = g.make<GemmOp>(flat, w, bias, one, one, false, true);
  if (!projected)
    return std::nullopt;
  projected = g.reshape(projected, {T, B, G * H});

  Value h = initialState(g, 5, d, layer);
  Value c = layer.cell == Cell::Lstm ? initialState(g, 6, d, layer) : Value();
  Value peep[3];
  if (layer.cell == Cell::Lstm && g.hasInput(7)) {
    Value p = directionSlab(g, 7, d); // [3 * H]: i, o, f
    for (int k = 0; k < 3 && p; ++k)
      peep[k] = g.make<SliceOp>(p, Dims{k * H}, Dims{H}, Dims{1});
  }
  Value zeroOut = scalarF32(g, 0, "zero");
  auto clipped = [&](Value v) -> Value {
    if (!layer.clip || !v)
      return v;
    return ClipOp::create(g.builder, g.loc(), v, f32(g, -*layer.clip), f32(g, *layer.clip));
  };
  auto add = [&](Value a, Value b) { return a && b ? g.make<AddOp>(a, b) : Value(); };
  auto mul = [&](Value a, Value b) { return a && b ? g.make<MulOp>(a, b) : Value(); };

  std::vector<Value> outputs(T);
  for (int64_t s = 0; s < T; ++s) {
    // With masks the reverse input is already permuted per entry.
    int64_t t = reverse && !masked ? T - 1 - s : s;
    Value xt = step(g, projected, t);
    Value ht = g.make<GemmOp>(h, r, recurrentBias ? rBias : Value(), one, one, false, true);
    if (!xt || !ht)
      return std::nullopt;
    auto gate = [&](Value v, int64_t k) { return v ? columns(g, v, k * H, H) : Value(); };
    Value newH, newC;
    if (layer.cell == Cell::Rnn) {
      newH = activate(g, act[0], clipped(add(xt, ht)));
    } else if (layer.cell == Cell::Gru) {
      // Gates z, r, h.
      Value z = activate(g, act[0], clipped(add(gate(xt, 0), gate(ht, 0))));
      Value reset = activate(g, act[0], clipped(add(gate(xt, 1), gate(ht, 1))));
      Value candidate;
      if (layer.linearBeforeReset) {
        candidate = add(gate(xt, 2), mul(reset, gate(ht, 2)));
      } else {
        Value resetH = mul(reset, h);
        Value rh = resetH ? g.make<GemmOp>(resetH, rCandidate, Value(), one, one, false, true)
                          : Value();
        candidate = add(gate(xt, 2), rh);
      }
      Value hh = activate(g, act[1], clipped(candidate));
      // (1 - z) * hh + z * h = hh + z * (h - hh)
      Value diff = hh ? g.make<SubOp>(h, hh) : Value();
      newH = add(hh, mul(z, diff));
    } else {
      // Gates i, o, f, c.
      Value i = add(gate(xt, 0), gate(ht, 0));
      if (peep[0])
        i = add(i, mul(peep[0], c));
      i = activate(g, act[0], clipped(i));
      Value f;
      if (layer.coupledForget) {
        f = i ? g.make<SubOp>(scalarF32(g, 1, "one"), i) : Value();
      } else {
        f = add(gate(xt, 2), gate(ht, 2));
        if (peep[2])
          f = add(f, mul(peep[2], c));
        f = activate(g, act[0], clipped(f));
      }
      Value cand = activate(g, act[1], clipped(add(gate(xt, 3), gate(ht, 3))));
      newC = add(mul(f, c), mul(i, cand));
      Value o = add(gate(xt, 1), gate(ht, 1));
      if (peep[1])
        o = add(o, mul(peep[1], newC));
      o = activate(g, act[0], clipped(o));
      newH = newC ? mul(o, activate(g, act[2], newC)) : Value();
    }
    if (!newH || (layer.cell == Cell::Lstm && !newC))
      return std::nullopt;
    Value out = newH;
    if (masked) {
      Value valid = lengths.valid[s];
      out = g.make<WhereOp>(valid, newH, zeroOut);
      newH = g.make<WhereOp>(valid, newH, h);
      if (newC)
        newC = g.make<WhereOp>(valid, newC, c);
      if (!out || !newH || (c && !newC))
        return std::nullopt;
    }
    h = newH;
    c = newC;
    outputs[t] = g.reshape(out, {1, B, H});
  }
  Value y = g.make<ConcatOp>(ValueRange(outputs), int64_t(0));
  if (!y || (reverse && masked && !(y = permuteSteps(g, y, lengths.reverseOrder))))
    return std::nullopt;
  return DirectionResult{y, h, c};
}

bool importRecurrent(GraphImporter &g, Cell cell) {
  Value x = g.input(0);
  if (!x || !requireFloat(g, x))
    return false;
  auto xType = cast<RankedTensorType>(x.getType());
  if (xType.getRank() != 3)
    return g.fail("X must have rank 3");
  Layer layer;
  layer.cell = cell;
  layer.gates = cell == Cell::Lstm ? 4 : cell == Cell::Gru ? 3 : 1;
  layer.batchMajor = g.attrInt("layout", 0) != 0;
  if (layer.batchMajor)
    x = g.make<TransposeOp>(x, Dims{1, 0, 2});
  if (!x)
    return false;
  Dims xShape = shapeOf(cast<RankedTensorType>(x.getType()));
  layer.steps = xShape[0];
  layer.batch = xShape[1];
  layer.inputSize = xShape[2];
  std::string direction = g.attrString("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return g.fail("unknown direction '" + direction + "'");
  layer.directions = direction == "bidirectional" ? 2 : 1;
  layer.reverseOnly = direction == "reverse";
  if (!g.hasInput(1) || !g.hasInput(2))
    return g.fail("W and R are required");
  RankedTensorType w = g.inputType(1), r = g.inputType(2);
  if (!w || !r || w.getRank() != 3 || r.getRank() != 3)
    return g.fail("W and R must have rank 3");
  layer.hidden = g.attrInt("hidden_size", r.getDimSize(2));
  int64_t H = layer.hidden, G = layer.gates;
  if (H < 1 || w.getDimSize(0) != layer.directions ||
      w.getDimSize(1) != G * H || w.getDimSize(2) != layer.inputSize ||
      r.getDimSize(0) != layer.directions || r.getDimSize(1) != G * H ||
      r.getDimSize(2) != H)
    return g.fail("W " + formatDims(shapeOf(w)) + " and R " + formatDims(shapeOf(r)) +
                  " do not fit X " + formatDims(xShape) + ", hidden_size " +
                  std::to_string(H) + " and " + std::to_string(layer.directions) +
                  " direction(s)");
  auto expectShape = [&](size_t input, Dims shape, const char *what) {
    if (!g.hasInput(input))
      return true;
    RankedTensorType t = g.inputType(input);
    if (t && shapeOf(t) == shape && t.getElementType().isF32())
      return true;
    return g.fail(std::string(what) + " must be float32 of shape " + formatDims(shape));
  };
  if (!expectShape(3, {layer.directions, 2 * G * H}, "B") ||
      !expectShape(5, {layer.directions, layer.batch, H}, "initial_h") ||
      (cell == Cell::Lstm &&
       (!expectShape(6, {layer.directions, layer.batch, H}, "initial_c") ||
        !expectShape(7, {layer.directions, 3 * H}, "P"))))
    return false;
  if (layer.steps < 1 || layer.batch < 1 || layer.inputSize < 1)
    return g.fail("X of shape " + formatDims(xShape) +
                  " has no elements: empty tensors are not supported yet");
  if (layer.steps > kMaxSteps)
    return g.fail("sequences longer than " + std::to_string(kMaxSteps) +
                  " steps are not supported (the time loop is unrolled)");
  if (const onnx::AttributeProto *clip = g.attr("clip")) {
    if (!(clip->f() > 0))
      return g.fail("clip must be positive");
    layer.clip = clip->f();
  }
  layer.linearBeforeReset = g.attrInt("linear_before_reset", 0) != 0;
  layer.coupledForget = g.attrInt("input_forget", 0) != 0;
  if (!readActivations(g, layer))
    return false;
  std::optional<Lengths> lengths = readLengths(g, layer);
  if (!lengths)
    return false;

  SmallVector<Value> ys, hs, cs;
  for (int64_t d = 0; d < layer.directions; ++d) {
    bool reverse = layer.reverseOnly || d == 1;
    auto result = runDirection(g, layer, x, d, reverse, *lengths);
    if (!result)
      return false;
    ys.push_back(g.reshape(result->y, {layer.steps, 1, layer.batch, H}));
    hs.push_back(g.reshape(result->h, {1, layer.batch, H}));
    if (result->c)
      cs.push_back(g.reshape(result->c, {1, layer.batch, H}));
  }
  auto join = [&](SmallVector<Value> &parts, int64_t axis) {
    return parts.size() == 1 ? parts[0] : g.make<ConcatOp>(ValueRange(parts), axis);
  };
  Value y = join(ys, 1), yh = join(hs, 0), yc = cs.empty() ? Value() : join(cs, 0);
  if (layer.batchMajor) {
    y = g.make<TransposeOp>(y, Dims{2, 0, 1, 3});
    yh = g.make<TransposeOp>(yh, Dims{1, 0, 2});
    if (yc)
      yc = g.make<TransposeOp>(yc, Dims{1, 0, 2});
  }
  if (!y || !yh || (cell == Cell::Lstm && !yc))
    return false;
  g.setOutput(0, y);
  g.setOutput(1, yh);
  if (yc && g.numOutputs() > 2)
    g.setOutput(2, yc);
  return true;
}

} // namespace

void addRecurrentImporters(OpImporterTable &table) {
  table.try_emplace("LSTM", [](GraphImporter &g) { return importRecurrent(g, Cell::Lstm); });
  table.try_emplace("GRU", [](GraphImporter &g) { return importRecurrent(g, Cell::Gru); });
  table.try_emplace("RNN", [](GraphImporter &g) { return importRecurrent(g, Cell::Rnn); });
}

} // namespace kiln
