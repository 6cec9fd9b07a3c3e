//===- PostTrainingQuantization.cpp - Calibrate, then wrap in QDQ ---------===//
#include "kiln/Quantize/PostTrainingQuantization.h"

#include "Kiln/ConstantData.h"
#include "Kiln/KilnOps.h"
#include "Kiln/QuantParams.h"
#include "kiln/Quantize/InProcessModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"

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

std::string nodeName(Operation *op) {
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return "";
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

/// Why `op` cannot be quantized, or "" with `c` filled in.
std::string examine(Operation *op, Candidate &c) {
  c.op = op;
  if (auto conv = dyn_cast<ConvOp>(op)) {
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
  if (auto conv = dyn_cast<ConvOp>(op))
    if (conv.getBias() && !readF32Constant(conv.getBias()))
      return "its bias is not a constant";
  c.output = fusedOutput(op);
  return "";
}

/// Symmetric per-channel int8 weights: storage_cast(constant) -> dequantize.
Value quantizedWeight(OpBuilder &b, Location loc, Value weight, int64_t axis) {
  auto type = cast<RankedTensorType>(weight.getType());
  SmallVector<float> w = *readF32Constant(weight);
  int64_t channels = type.getDimSize(axis), inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  auto channelOf = [&](size_t i) { return (int64_t(i) / inner) % channels; };
  SmallVector<double> scales(channels, 0);
  for (size_t i = 0; i < w.size(); ++i)
    scales[channelOf(i)] = std::max<double>(scales[channelOf(i)], std::fabs(w[i]));
  for (double &s : scales)
    s = s > 0 ? s / 127.0 : 1.0; // an all-zero channel: any scale
  SmallVector<int64_t> q(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    q[i] = std::clamp<int64_t>(
        static_cast<int64_t>(std::nearbyint(w[i] / scales[channelOf(i)])), -127, 127);
  Type quant = makeQuantType(b.getContext(), 8, true, static_cast<int32_t>(axis),
                             scales, SmallVector<int64_t>(channels, 0));
  auto storageType = type.clone(b.getI8Type());
  Value storage = ConstantOp::create(b, loc, makeIntConstant(storageType, q, "weight_i8"));
  Value cast = StorageCastOp::create(b, loc, type.clone(quant), storage);
  return DequantizeOp::create(b, loc, type, cast);
}

/// Identifies a value of the model so that the same value can be found in a
/// clone: a block argument, or result `result` of the op-th op in walk order.
struct ValueId {
  int64_t op = -1; // -1: block argument
  unsigned index = 0;
};

SmallVector<Operation *> opsInOrder(func::FuncOp func) {
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) { ops.push_back(op); });
  return ops;
}

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

  // What to quantize, and the values to observe (each once).
  std::vector<Candidate> candidates;
  llvm::MapVector<Value, TensorObservation> observed;
  func.walk([&](Operation *op) {
    if (!isa<ConvOp, GemmOp, MatMulOp>(op))
      return;
    LayerDecision &d = summary.layers.emplace_back();
    d.name = nodeName(op);
    d.op = op->getName().stripDialect().str();
    Candidate c;
    d.reason = examine(op, c);
    if (!d.reason.empty())
      return;
    d.quantized = true;
    candidates.push_back(c);
    observed[c.input];
    observed[c.output];
  });
  if (candidates.empty())
    return true;

  // A clone that also returns every observed value, compiled for the host.
  SmallVector<Operation *> ops = opsInOrder(func);
  llvm::DenseMap<Operation *, int64_t> opIndex;
  for (auto [i, op] : llvm::enumerate(ops))
    opIndex[op] = static_cast<int64_t>(i);
  std::vector<ValueId> ids;
  for (auto &[value, obs] : observed) {
    if (auto arg = dyn_cast<BlockArgument>(value))
      ids.push_back({-1, arg.getArgNumber()});
    else
      ids.push_back({opIndex[value.getDefiningOp()],
                     cast<OpResult>(value).getResultNumber()});
  }
  OwningOpRef<ModuleOp> probe = module.clone();
  auto probeFunc = probe->lookupSymbol<func::FuncOp>(entry);
  SmallVector<Operation *> probeOps = opsInOrder(probeFunc);
  auto ret = cast<func::ReturnOp>(probeFunc.getBody().front().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  for (const ValueId &id : ids)
    results.push_back(id.op < 0 ? Value(probeFunc.getArgument(id.index))
                                : probeOps[id.op]->getResult(id.index));
  OpBuilder builder(ret);
  func::ReturnOp::create(builder, ret.getLoc(), results);
  ret.erase();
  probeFunc.setType(FunctionType::get(module.getContext(),
                                      probeFunc.getArgumentTypes(),
                                      ValueRange(results).getTypes()));
  probeFunc->removeAttr("kiln.output_names");
  std::unique_ptr<InProcessModel> runner =
      InProcessModel::compile(*probe, entry, error);
  if (!runner)
    return error = "calibration: " + error, false;

  // Pass 1: ranges; pass 2 (percentile, entropy): histograms over them.
  size_t first = model.outputs.size();
  auto observeAll = [&](bool histogram) {
    for (auto [s, sample] : llvm::enumerate(samples)) {
      std::vector<const void *> inputs;
      for (const std::vector<float> &in : sample)
        inputs.push_back(in.data());
      std::vector<std::vector<char>> outputs;
      if (!runner->run(inputs, outputs, error))
        return false;
      for (auto [i, entry] : llvm::enumerate(observed)) {
        const std::vector<char> &bytes = outputs[first + i];
        auto *values = reinterpret_cast<const float *>(bytes.data());
        size_t count = bytes.size() / sizeof(float);
        if (histogram)
          entry.second.observeHistogram(values, count);
        else
          entry.second.observeRange(values, count);
      }
    }
    return true;
  };
  if (!observeAll(false) ||
      (options.method != CalibrationMethod::MinMax && !observeAll(true)))
    return error = "calibration: " + error, false;
  for (auto &[value, obs] : observed)
    if (obs.sawNonFinite) {
      Operation *def = value.getDefiningOp();
      std::string where = def ? nodeName(def) : "a model input";
      return error = "calibration: a tensor of node '" + where +
                     "' is not finite on some sample (the float model overflows)",
             false;
    }

  // Quantize/dequantize each observed value once, right after it is made.
  llvm::DenseMap<Value, Value> dequantized;
  for (auto &[value, obs] : observed) {
    Int8Params p = int8Asymmetric(chooseRange(obs, options.method));
    auto type = cast<RankedTensorType>(value.getType());
    Type quant = makeQuantType(module.getContext(), 8, true, std::nullopt,
                               {p.scale}, {p.zeroPoint});
    OpBuilder b(module.getContext());
    if (Operation *def = value.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(&func.getBody().front());
    Value q = QuantizeOp::create(b, value.getLoc(), type.clone(quant), value);
    Value dq = DequantizeOp::create(b, value.getLoc(), type, q);
    dequantized[value] = dq;
  }
  for (Candidate &c : candidates) {
    // Outputs: every reader sees the int8-rounded value.
    Value dq = dequantized[c.output];
    c.output.replaceAllUsesExcept(dq, dq.getDefiningOp()->getOperand(0).getDefiningOp());
  }
  for (const Candidate &c : candidates) {
    OpBuilder b(c.op);
    c.op->setOperand(0, dequantized[c.input]);
    c.op->setOperand(c.weightOperand,
                     quantizedWeight(b, c.op->getLoc(),
                                     c.op->getOperand(c.weightOperand), c.weightAxis));
  }
  return true;
}

} // namespace kiln
