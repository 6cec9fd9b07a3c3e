//===- PostTrainingQuantization.cpp - Calibrate, then wrap in QDQ ---------===//
#include "kiln/Quantize/PostTrainingQuantization.h"

#include "Kiln/ConstantData.h"
#include "Kiln/KilnOps.h"
#include "Kiln/QuantParams.h"
#include "kiln/Quantize/InProcessModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"
#include "kiln/Pipeline/Pipelines.h"
#include "llvm/Support/FormatVariadic.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// One op to quantize: its input, its output (after a fused Relu or Clip)
/// and where its weight's channels are.
struct Candidate {
  Operation *op;
  Value input, output;
  int64_t weightOperand, weightAxis;
};

/// The ONNX nodes behind `op`, in the order its location names them (a
/// folded conv: the conv first, then what was folded into it).
SmallVector<std::string> nodeNames(Operation *op) {
  SmallVector<std::string> names;
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        names.push_back(name.getName().str());
  } else if (auto name = dyn_cast<NameLoc>(loc)) {
    names.push_back(name.getName().str());
  }
  return names;
}

std::string nodeName(Operation *op) {
  SmallVector<std::string> names = nodeNames(op);
  return names.empty() ? "" : names.front();
}

/// `value` as a tensor of the ONNX graph. An op the frontend folded others
/// into (a conv with its BatchNormalization) computes the last one's output.
QdqTensor sourceTensor(func::FuncOp func, Value value, const Int8Params &params) {
  QdqTensor t;
  t.scale = params.scale;
  t.zeroPoint = params.zeroPoint;
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  t.dims.assign(shape.begin(), shape.end());
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    if (auto names = func->getAttrOfType<ArrayAttr>("kiln.input_names"))
      t.graphInput = cast<StringAttr>(names[arg.getArgNumber()]).str();
    return t;
  }
  SmallVector<std::string> names = nodeNames(value.getDefiningOp());
  if (!names.empty())
    t.node = names.back();
  t.result = cast<OpResult>(value).getResultNumber();
  return t;
}

/// The output an integer kernel would produce: through one Relu or Clip.
Value fusedOutput(Operation *op) {
  Value out = op->getResult(0);
  if (out.hasOneUse()) {
    Operation *user = *out.getUsers().begin();
    if (isa<ReluOp, ClipOp>(user))
      return user->getResult(0);
  }
  return out;
}

/// The multiply-adds of conv, Gemm or MatMul `op` per element of its input
/// and output: what an integer kernel saves (per multiply-add) against what
/// converting its input and output costs (per element) when its neighbours
/// are float.
double multiplyAddsPerElement(Operation *op) {
  auto out = cast<RankedTensorType>(op->getResult(0).getType());
  auto in = cast<RankedTensorType>(op->getOperand(0).getType());
  int64_t reduction = 1;
  if (auto conv = dyn_cast<ConvOp>(op)) {
    // Weight M x C/group x K...: one output sums everything but M.
    auto w = cast<RankedTensorType>(conv.getWeight().getType());
    reduction = w.getNumElements() / std::max<int64_t>(w.getDimSize(0), 1);
  } else {
    bool transposed = isa<GemmOp>(op) && cast<GemmOp>(op).getTransA();
    reduction = in.getDimSize(transposed ? 0 : in.getRank() - 1);
  }
  return static_cast<double>(out.getNumElements()) * reduction /
         static_cast<double>(in.getNumElements() + out.getNumElements());
}

/// Why `op` cannot or should not be quantized, or "" with `c` filled in.
std::string examine(Operation *op, const QuantizationOptions &options, Candidate &c) {
  c.op = op;
  for (const std::string &name : nodeNames(op))
    if (llvm::is_contained(options.floatNodes, name))
      return "kept float by --int8-float";
  if (auto conv = dyn_cast<ConvOp>(op)) {
    int64_t group = conv.getGroup();
    int64_t channels = cast<RankedTensorType>(conv.getInput().getType()).getDimSize(1);
    if (!options.floatDepthwise.empty() && group > 1 && group == channels)
      return options.floatDepthwise;
    c.input = conv.getInput();
    c.weightOperand = 1;
    c.weightAxis = 0;
  } else if (auto gemm = dyn_cast<GemmOp>(op)) {
    if (gemm.getAlpha().convertToDouble() != 1.0 || gemm.getTransA() ||
        (gemm.getC() && gemm.getBeta().convertToDouble() != 1.0))
      return "Gemm with alpha, beta or trans_a has no integer form";
    if (gemm.getC() && !readF32Constant(gemm.getC()))
      return "its bias is not a constant";
    c.input = gemm.getA();
    c.weightOperand = 1;
    c.weightAxis = gemm.getTransB() ? 0 : 1;
  } else {
    auto mm = cast<MatMulOp>(op);
    c.input = mm.getLhs();
    c.weightOperand = 1;
    c.weightAxis = cast<RankedTensorType>(mm.getRhs().getType()).getRank() - 1;
  }
  if (!readF32Constant(op->getOperand(c.weightOperand)))
    return "its weight is not a constant";
  if (options.minMultiplyAddsPerElement > 0) {
    double intensity = multiplyAddsPerElement(op);
    if (intensity < options.minMultiplyAddsPerElement)
      return llvm::formatv("too little work to gain from int8 ({0:F1} "
                           "multiply-adds per input and output element; "
                           "converting them costs more)",
                           intensity)
          .str();
  }
  if (auto conv = dyn_cast<ConvOp>(op))
    if (conv.getBias() && !readF32Constant(conv.getBias()))
      return "its bias is not a constant";
  c.output = fusedOutput(op);
  return "";
}

/// The axis of `op`'s output channels: NCHW conv's 1, Gemm's last.
int64_t outputChannelDim(Operation *op) {
  if (isa<ConvOp>(op))
    return 1;
  return cast<RankedTensorType>(op->getResult(0).getType()).getRank() - 1;
}

/// Whether bias correction can shift `op`'s output per channel: a conv or
/// Gemm whose bias is absent or a constant of one value per channel. A
/// MatMul has no bias to carry the shift.
bool biasCorrectable(Operation *op) {
  if (!isa<ConvOp, GemmOp>(op))
    return false;
  auto out = cast<RankedTensorType>(op->getResult(0).getType());
  if (op->getNumOperands() < 3)
    return true;
  auto bias = cast<RankedTensorType>(op->getOperand(2).getType());
  return bias.getRank() == 1 &&
         bias.getDimSize(0) == out.getDimSize(outputChannelDim(op)) &&
         readF32Constant(op->getOperand(2)).has_value();
}

/// Subtracts `shift` (one value per output channel) from `op`'s bias,
/// giving it one if it has none.
void shiftBias(Operation *op, ArrayRef<double> shift) {
  OpBuilder b(op);
  bool hasBias = op->getNumOperands() > 2;
  SmallVector<float> bias(shift.size(), 0.0f);
  if (hasBias)
    bias = *readF32Constant(op->getOperand(2));
  for (size_t c = 0; c < shift.size(); ++c)
    bias[c] = static_cast<float>(bias[c] - shift[c]);
  auto type = RankedTensorType::get({static_cast<int64_t>(bias.size())},
                                    b.getF32Type());
  Value value = ConstantOp::create(b, op->getLoc(),
                                   makeF32Constant(type, bias, "corrected_bias"));
  if (hasBias) {
    op->setOperand(2, value);
    return;
  }
  op->insertOperands(2, value);
  if (isa<GemmOp>(op)) // C enters as beta * C
    op->setAttr("beta", b.getF32FloatAttr(1.0f));
}

/// Per output channel, the mean of `got - want` over a tensor of `type`
/// whose channels run along `dim`, added into `sum` (scaled by `weight`).
void addChannelMeans(const std::vector<char> &got, const std::vector<char> &want,
                     RankedTensorType type, int64_t dim, double weight,
                     std::vector<double> &sum) {
  auto *g = reinterpret_cast<const float *>(got.data());
  auto *w = reinterpret_cast<const float *>(want.data());
  int64_t channels = type.getDimSize(dim), inner = 1;
  for (int64_t d = dim + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  size_t count = want.size() / sizeof(float);
  std::vector<double> channelSum(channels, 0.0);
  for (size_t i = 0; i < count; ++i)
    channelSum[(i / inner) % channels] += double(g[i]) - double(w[i]);
  double perChannel = static_cast<double>(count) / channels;
  sum.resize(channels, 0.0);
  for (int64_t c = 0; c < channels; ++c)
    sum[c] += weight * channelSum[c] / perChannel;
}

/// Largest |bias| in int32 units (input scale x weight scale): it leaves
/// the accumulator room for 2^30 of products.
constexpr double kMaxBiasUnits = 1 << 30;

/// Symmetric per-channel int8 weights in [-maxWeight, maxWeight]:
/// storage_cast(constant) -> dequantize.
/// A channel whose bias would not fit int32 at input scale x weight scale
/// (weights near zero) gets a coarser weight scale instead. `scales`
/// receives the weight scales.
Value quantizedWeight(OpBuilder &b, Location loc, Value weight, int64_t axis,
                      Value bias, double inputScale, int64_t maxWeight,
                      SmallVector<double> &scales) {
  auto type = cast<RankedTensorType>(weight.getType());
  SmallVector<float> w = *readF32Constant(weight);
  int64_t channels = type.getDimSize(axis);
  auto channelOf = [&](size_t i) {
    return sliceOfElement(type.getShape(), static_cast<int32_t>(axis), i);
  };
  scales.assign(channels, 0);
  for (size_t i = 0; i < w.size(); ++i)
    scales[channelOf(i)] = std::max<double>(scales[channelOf(i)], std::fabs(w[i]) / static_cast<double>(maxWeight));
  std::optional<SmallVector<float>> biases =
      bias ? readF32Constant(bias) : std::nullopt;
  if (biases && (biases->size() == 1 || int64_t(biases->size()) == channels))
    for (int64_t c = 0; c < channels; ++c)
      scales[c] = std::max<double>(
          scales[c], std::fabs((*biases)[biases->size() == 1 ? 0 : c]) /
                         (inputScale * kMaxBiasUnits));
  for (double &s : scales)
    s = s > 0 ? static_cast<float>(s) : 1.0; // float32, as ONNX stores it
  SmallVector<int64_t> q(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    q[i] = std::clamp<int64_t>(
        static_cast<int64_t>(std::nearbyint(w[i] / scales[channelOf(i)])), -maxWeight,
        maxWeight);
  Type quant = makeQuantType(b.getContext(), 8, true, static_cast<int32_t>(axis),
                             scales, SmallVector<int64_t>(channels, 0));
  auto storageType = type.clone(b.getI8Type());
  Value storage = ConstantOp::create(b, loc, makeIntConstant(storageType, q, "weight_i8"));
  Value cast = StorageCastOp::create(b, loc, type.clone(quant), storage);
  return DequantizeOp::create(b, loc, type, cast);
}

/// The quantizable ops of `func` and the values to observe, each once, in
/// walk order: the same on every clone of the module.
struct ModelPlan {
  std::vector<Candidate> candidates;
  std::vector<LayerDecision> layers; // every conv/Gemm/MatMul, in order
  std::vector<int> layerOfCandidate;
  llvm::MapVector<Value, size_t> observed; // value -> index
  llvm::StringSet<> nodes; // every ONNX node behind those layers
};

ModelPlan planModel(func::FuncOp func, const QuantizationOptions &options) {
  ModelPlan plan;
  func.walk([&](Operation *op) {
    if (!isa<ConvOp, GemmOp, MatMulOp>(op))
      return;
    for (const std::string &name : nodeNames(op))
      plan.nodes.insert(name);
    LayerDecision &d = plan.layers.emplace_back();
    d.name = nodeName(op);
    d.op = op->getName().stripDialect().str();
    Candidate c;
    d.reason = examine(op, options, c);
    if (!d.reason.empty())
      return;
    d.quantized = true;
    plan.layerOfCandidate.push_back(static_cast<int>(plan.layers.size() - 1));
    plan.candidates.push_back(c);
    for (Value v : {c.input, c.output})
      plan.observed.insert({v, plan.observed.size()});
  });
  return plan;
}

/// Makes `func` also return `values` (after its own results).
void returnAlso(func::FuncOp func, ArrayRef<Value> values) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  results.append(values.begin(), values.end());
  OpBuilder builder(ret);
  func::ReturnOp::create(builder, ret.getLoc(), results);
  ret.erase();
  func.setType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
  func->removeAttr("kiln.output_names");
}

/// Wraps the enabled candidates of `plan` (on `func`) in quantize/dequantize
/// with `params` per observed value. Returns the dequantized value of each
/// observed value that got one (null for the others).
SmallVector<Value> insertQdq(func::FuncOp func, const ModelPlan &plan,
                             const std::vector<Int8Params> &params,
                             const std::vector<bool> &enabled, int64_t maxWeight,
                             std::vector<std::vector<double>> *weightScales = nullptr) {
  MLIRContext *ctx = func.getContext();
  SmallVector<Value> dequantized(plan.observed.size());
  auto qdq = [&](Value value) {
    size_t index = plan.observed.lookup(value);
    if (dequantized[index])
      return;
    auto type = cast<RankedTensorType>(value.getType());
    Type quant = makeQuantType(ctx, 8, true, std::nullopt, {params[index].scale},
                               {params[index].zeroPoint});
    OpBuilder b(ctx);
    if (Operation *def = value.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(&func.getBody().front());
    Value q = QuantizeOp::create(b, value.getLoc(), type.clone(quant), value);
    dequantized[index] = DequantizeOp::create(b, value.getLoc(), type, q);
  };
  for (auto [i, c] : llvm::enumerate(plan.candidates))
    if (enabled[i]) {
      qdq(c.input);
      qdq(c.output);
    }
  for (auto [i, c] : llvm::enumerate(plan.candidates)) {
    if (!enabled[i])
      continue;
    // Outputs: every reader sees the int8-rounded value.
    Value dq = dequantized[plan.observed.lookup(c.output)];
    Value output = c.output;
    output.replaceAllUsesExcept(dq, dq.getDefiningOp()->getOperand(0).getDefiningOp());
  }
  for (auto [i, c] : llvm::enumerate(plan.candidates)) {
    if (!enabled[i])
      continue;
    OpBuilder b(c.op);
    c.op->setOperand(0, dequantized[plan.observed.lookup(c.input)]);
    Value bias = c.op->getNumOperands() > 2 ? c.op->getOperand(2) : Value();
    SmallVector<double> scales;
    c.op->setOperand(c.weightOperand,
                     quantizedWeight(b, c.op->getLoc(), c.op->getOperand(c.weightOperand),
                                     c.weightAxis, bias,
                                     params[plan.observed.lookup(c.input)].scale,
                                     maxWeight, scales));
    if (weightScales)
      (*weightScales)[i].assign(scales.begin(), scales.end());
  }
  return dequantized;
}

std::vector<const void *> inputPointers(const std::vector<std::vector<float>> &sample) {
  std::vector<const void *> inputs;
  for (const std::vector<float> &in : sample)
    inputs.push_back(in.data());
  return inputs;
}

/// Squared-error sums of one tensor against its float reference.
struct ErrorSum {
  double diff = 0, ref = 0;
  void add(const std::vector<char> &got, const std::vector<char> &want) {
    auto *g = reinterpret_cast<const float *>(got.data());
    auto *w = reinterpret_cast<const float *>(want.data());
    for (size_t i = 0; i < want.size() / sizeof(float); ++i) {
      diff += double(g[i] - w[i]) * (g[i] - w[i]);
      ref += double(w[i]) * w[i];
    }
  }
  double relative() const { return ref > 0 ? std::sqrt(diff / ref) : std::sqrt(diff); }
};

} // namespace

bool quantizePostTraining(ModuleOp module, const std::string &entry,
                          const ModelInterface &model,
                          const QuantizationOptions &options,
                          QuantizationSummary &summary, std::string &error) {
  std::vector<std::vector<std::vector<float>>> samples;
  if (!readCalibrationSamples(options.calibrationDir, model, samples, error))
    return false;
  summary.samples = samples.size();
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  ModelPlan plan = planModel(func, options);
  summary.layers = plan.layers;
  for (const std::string &name : options.floatNodes)
    if (!plan.nodes.contains(name))
      return error = "--int8-float: no conv, Gemm or MatMul node named '" + name + "'",
             false;
  if (plan.candidates.empty())
    return true;
  // The float model before any change: every evaluation starts from a clone.
  OwningOpRef<ModuleOp> floatModule = module.clone();

  // A clone that also returns every observed value, compiled for the host.
  auto cloneWith = [&](auto &&change) -> std::unique_ptr<InProcessModel> {
    OwningOpRef<ModuleOp> probe = floatModule->clone();
    auto probeFunc = probe->lookupSymbol<func::FuncOp>(entry);
    ModelPlan probePlan = planModel(probeFunc, options);
    change(probeFunc, probePlan);
    std::unique_ptr<InProcessModel> runner =
        InProcessModel::compile(*probe, entry, error);
    if (!runner)
      error = "calibration: " + error;
    return runner;
  };
  std::unique_ptr<InProcessModel> floatRunner =
      cloneWith([&](func::FuncOp f, ModelPlan &p) {
        returnAlso(f, llvm::to_vector(llvm::make_first_range(p.observed)));
      });
  if (!floatRunner)
    return false;

  // Pass 1: ranges; pass 2 (percentile, entropy): histograms over them.
  size_t first = model.outputs.size();
  std::vector<TensorObservation> observations(plan.observed.size());
  auto observeAll = [&](bool histogram) {
    for (const auto &sample : samples) {
      std::vector<std::vector<char>> outputs;
      if (!floatRunner->run(inputPointers(sample), outputs, error))
        return false;
      for (size_t i = 0; i < observations.size(); ++i) {
        const std::vector<char> &bytes = outputs[first + i];
        auto *values = reinterpret_cast<const float *>(bytes.data());
        size_t count = bytes.size() / sizeof(float);
        if (histogram)
          observations[i].observeHistogram(values, count);
        else
          observations[i].observeRange(values, count);
      }
    }
    return true;
  };
  if (!observeAll(false) ||
      (options.method != CalibrationMethod::MinMax && !observeAll(true)))
    return error = "calibration: " + error, false;
  std::vector<Int8Params> params;
  for (auto [value, index] : plan.observed) {
    if (observations[index].sawNonFinite) {
      Operation *def = value.getDefiningOp();
      return error = "calibration: a tensor of node '" +
                     (def ? nodeName(def) : std::string("a model input")) +
                     "' is not finite on some sample (the float model overflows)",
             false;
    }
    params.push_back(int8Asymmetric(chooseRange(observations[index], options.method)));
  }

  // Bias correction: quantizing a layer's weights and its input moves the
  // mean of its output per channel (rounding that does not cancel, ranges
  // that clip); that shift, measured on the calibration set, comes off the
  // layer's bias. Each layer is measured against a float twin reading the
  // same activation of the quantized model, so a shift is the layer's own
  // and not its inputs' again (those have their own corrections). Later
  // passes measure what is left with the corrections so far.
  std::vector<std::vector<double>> biasShift(plan.candidates.size());
  auto correctBiasesIn = [&](ModelPlan &p, const std::vector<bool> &on) {
    for (size_t i = 0; i < p.candidates.size(); ++i)
      if (on[i] && !biasShift[i].empty())
        shiftBias(p.candidates[i].op, biasShift[i]);
  };
  std::vector<size_t> correctable;
  for (auto [i, c] : llvm::enumerate(plan.candidates))
    if (biasCorrectable(c.op))
      correctable.push_back(i);
  std::vector<bool> all(plan.candidates.size(), true);
  for (int pass = 0; pass < options.biasCorrectionPasses && !correctable.empty();
       ++pass) {
    // Unfolded: the conv's own result (before a fused activation and the
    // output's rounding) is there to read, computed in float on the int8
    // values, as the integer kernel computes it.
    std::unique_ptr<InProcessModel> runner =
        cloneWith([&](func::FuncOp f, ModelPlan &p) {
          SmallVector<Operation *> twins;
          SmallVector<Value> inputs, values;
          for (size_t i : correctable) {
            Operation *op = p.candidates[i].op;
            OpBuilder b(op);
            b.setInsertionPointAfter(op);
            twins.push_back(b.clone(*op));
            inputs.push_back(op->getOperand(0));
          }
          correctBiasesIn(p, all);
          insertQdq(f, p, params, all, options.maxWeight);
          // The twin reads the activation before its rounding to int8.
          for (auto [twin, input] : llvm::zip(twins, inputs))
            twin->setOperand(0, input);
          for (size_t i : correctable)
            values.push_back(p.candidates[i].op->getResult(0));
          for (Operation *twin : twins)
            values.push_back(twin->getResult(0));
          returnAlso(f, values);
        });
    if (!runner)
      return false;
    std::vector<std::vector<double>> meanError(plan.candidates.size());
    for (const auto &sample : samples) {
      std::vector<std::vector<char>> got;
      if (!runner->run(inputPointers(sample), got, error))
        return error = "calibration: " + error, false;
      for (auto [k, i] : llvm::enumerate(correctable)) {
        Operation *op = plan.candidates[i].op;
        addChannelMeans(got[first + k], got[first + correctable.size() + k],
                        cast<RankedTensorType>(op->getResult(0).getType()),
                        outputChannelDim(op), 1.0 / samples.size(), meanError[i]);
      }
    }
    for (size_t i : correctable) {
      biasShift[i].resize(meanError[i].size(), 0.0);
      for (size_t ch = 0; ch < meanError[i].size(); ++ch)
        biasShift[i][ch] += meanError[i][ch];
    }
  }

  // Evaluation (for the report and --int8-tolerance): the quantized model
  // against the float one on every sample, at its outputs and at each
  // quantized layer's output.
  std::vector<bool> enabled(plan.candidates.size(), true);
  auto evaluate = [&](std::vector<double> &layerError, double &outputError) {
    std::unique_ptr<InProcessModel> quantRunner =
        cloneWith([&](func::FuncOp f, ModelPlan &p) {
          correctBiasesIn(p, enabled);
          SmallVector<Value> dq = insertQdq(f, p, params, enabled, options.maxWeight);
          SmallVector<Value> extra;
          for (auto [value, index] : p.observed)
            extra.push_back(dq[index] ? dq[index] : value);
          returnAlso(f, extra);
          PassManager fold(f.getContext());
          buildQuantizedFold(fold);
          (void)fold.run(f->getParentOfType<ModuleOp>());
        });
    if (!quantRunner)
      return false;
    std::vector<ErrorSum> perValue(plan.observed.size());
    ErrorSum out;
    for (const auto &sample : samples) {
      std::vector<std::vector<char>> want, got;
      if (!floatRunner->run(inputPointers(sample), want, error) ||
          !quantRunner->run(inputPointers(sample), got, error))
        return false;
      for (size_t i = 0; i < first; ++i)
        out.add(got[i], want[i]);
      for (size_t i = 0; i < perValue.size(); ++i)
        perValue[i].add(got[first + i], want[first + i]);
    }
    outputError = out.relative();
    layerError.clear();
    for (const Candidate &c : plan.candidates)
      layerError.push_back(perValue[plan.observed.lookup(c.output)].relative() -
                           perValue[plan.observed.lookup(c.input)].relative());
    for (auto [i, c] : llvm::enumerate(plan.candidates)) {
      LayerDecision &d = summary.layers[plan.layerOfCandidate[i]];
      d.outputError = perValue[plan.observed.lookup(c.output)].relative();
      d.addedError = layerError[i];
    }
    return true;
  };
  if (options.evaluate || options.tolerance > 0) {
    std::vector<double> added;
    double outputError = 0;
    if (!evaluate(added, outputError))
      return false;
    // Most sensitive first (the layer that adds the most error to its
    // input's), in batches that double: a model that needs many layers
    // float costs a few recompiles, not one per layer. The last batch is
    // then bisected down to the fewest of its layers that meet the bound.
    auto keepFloat = [&](int i, bool isFloat, double addedError) {
      enabled[i] = !isFloat;
      LayerDecision &d = summary.layers[plan.layerOfCandidate[i]];
      d.quantized = !isFloat;
      d.reason = isFloat ? "kept float for --int8-tolerance (adds " +
                               llvm::formatv("{0:F4}", addedError).str() +
                               " relative error to its input's)"
                         : "";
    };
    size_t batch = 1;
    std::vector<int> last; // the last batch, most sensitive first
    std::vector<double> lastAdded;
    while (options.tolerance > 0 && outputError > options.tolerance) {
      std::vector<int> order;
      for (size_t i = 0; i < enabled.size(); ++i)
        if (enabled[i])
          order.push_back(static_cast<int>(i));
      if (order.empty())
        break;
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return added[a] > added[b]; });
      order.resize(std::min(batch, order.size()));
      last = order;
      lastAdded.clear();
      for (int i : order) {
        lastAdded.push_back(added[i]);
        keepFloat(i, true, added[i]);
      }
      batch *= 2;
      if (!evaluate(added, outputError))
        return false;
    }
    if (last.size() > 1 && outputError <= options.tolerance) {
      // Float: the first `hi` of the batch meet the bound; `lo` do not.
      size_t lo = 0, hi = last.size();
      while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        for (size_t k = 0; k < last.size(); ++k)
          enabled[last[k]] = k >= mid;
        std::vector<double> probeAdded;
        double probeError = 0;
        if (!evaluate(probeAdded, probeError))
          return false;
        (probeError <= options.tolerance ? hi : lo) = mid;
      }
      for (size_t k = 0; k < last.size(); ++k)
        keepFloat(last[k], k < hi, lastAdded[k]);
      if (!evaluate(added, outputError)) // the report's figures, as decided
        return false;
    }
    summary.outputError = outputError;
    summary.evaluated = true;
  }
  // Before insertQdq rewires them: the values as the float model had them.
  for (auto [i, c] : llvm::enumerate(plan.candidates)) {
    LayerDecision &d = summary.layers[plan.layerOfCandidate[i]];
    d.input = sourceTensor(func, c.input, params[plan.observed.lookup(c.input)]);
    d.output = sourceTensor(func, c.output, params[plan.observed.lookup(c.output)]);
  }
  std::vector<std::vector<double>> weightScales(plan.candidates.size());
  correctBiasesIn(plan, enabled);
  insertQdq(func, plan, params, enabled, options.maxWeight, &weightScales);
  for (auto [i, c] : llvm::enumerate(plan.candidates)) {
    LayerDecision &d = summary.layers[plan.layerOfCandidate[i]];
    d.weightScales = weightScales[i];
    if (enabled[i])
      d.biasCorrection = biasShift[i];
  }
  return true;
}

} // namespace kiln
