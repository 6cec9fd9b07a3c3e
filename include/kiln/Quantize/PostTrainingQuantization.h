//===- PostTrainingQuantization.h - int8 from calibration samples -*- C++ -*-===//
//
// kilnc --quantize int8 --calibrate DIR: the float model (kiln ops, after the
// frontend) is compiled for the host and run in process on every sample,
// observing the inputs and outputs of each conv, Gemm and MatMul with
// constant weights. Then those ops are wrapped in quantize/dequantize, as a
// QDQ model would be, with
//   - weights int8, symmetric ([-127, 127], or 7 bits where the target's
//     kernel needs them), per output channel;
//   - activations int8, asymmetric, per tensor, from the calibration ranges;
//   - biases left float, for kiln-fold-qdq to requantize to int32.
// kiln-fold-qdq then turns each wrapped op into an integer kernel.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_QUANTIZE_POSTTRAININGQUANTIZATION_H
#define KILN_QUANTIZE_POSTTRAININGQUANTIZATION_H

#include "kiln/Importer/QdqExport.h"
#include "kiln/Quantize/Ranges.h"
#include "kiln/Target/ModelInterface.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace kiln {

struct QuantizationOptions {
  std::string calibrationDir;
  CalibrationMethod method = CalibrationMethod::MinMax;
  /// Measure the quantized model against the float one on the calibration
  /// set (per layer and at the outputs), for the report.
  bool evaluate = false;
  /// > 0: keep the most sensitive layers float (batches of 1, 2, 4, ...,
  /// the last bisected) until the outputs' relative L2 error on the
  /// calibration set is at most this.
  double tolerance = 0;
  /// Non-empty: depthwise convs stay float, for this reason (the target's
  /// float kernel for them is faster than its int8 one).
  std::string floatDepthwise;
  /// Layers of fewer multiply-adds per input and output element stay
  /// float: their integer kernel saves less than converting their input
  /// and output costs.
  double minMultiplyAddsPerElement = 0;
  /// Weights in [-maxWeight, maxWeight]: 127 (8 bits), or 64 (7 bits) for
  /// a target whose integer kernel saturates 16-bit sums of 8-bit weights.
  int64_t maxWeight = 127;
  /// Passes of bias correction (0: none): each measures, on the calibration
  /// set, how far quantization moves every conv's and Gemm's mean output
  /// per channel, and takes that off its bias.
  int biasCorrectionPasses = 1;
  /// ONNX nodes (convs, Gemms, MatMuls) the user keeps float, by name.
  std::vector<std::string> floatNodes;
};

/// What happened to one conv / Gemm / MatMul of the float model.
struct LayerDecision {
  std::string name; // the ONNX node
  std::string op;   // kiln op name
  bool quantized = false;
  std::string reason; // why it stays float
  // When quantized: its int8 input and output, and where they are in the
  // ONNX graph (for --emit onnx).
  QdqTensor input, output;
  std::vector<double> weightScales; // per output channel
  // Per output channel, what bias correction took off the bias (empty:
  // nothing). In the units of the layer's output as Kiln folds it.
  std::vector<double> biasCorrection;
  // Measured when evaluated (relative L2 against float over the calibration
  // set): this layer's output, and how much it adds to its input's error.
  double outputError = -1, addedError = 0;
};

struct QuantizationSummary {
  size_t samples = 0;
  std::vector<LayerDecision> layers;
  bool evaluated = false;
  double outputError = 0; // at the model's outputs
};

/// Reads the calibration samples for `model`'s inputs: every *.npy in `dir`
/// for one input, `dir/<sample>/<input name>.npy` for several. Each sample
/// holds one float32 array per input, in input order. False with a one-line
/// `error` naming the file for a missing, malformed, mis-shaped or
/// non-finite sample, or an empty folder.
bool readCalibrationSamples(const std::string &dir, const ModelInterface &model,
                            std::vector<std::vector<std::vector<float>>> &samples,
                            std::string &error);

/// Calibrates and wraps the quantizable ops of `module`'s `entry` in
/// quantize/dequantize. False with `error` set.
bool quantizePostTraining(mlir::ModuleOp module, const std::string &entry,
                          const ModelInterface &model,
                          const QuantizationOptions &options,
                          QuantizationSummary &summary, std::string &error);

/// The per-layer table of --report: an HTML section for index.html and
/// quantization.csv.
std::string renderQuantizationHtml(const QuantizationSummary &summary);
std::string renderQuantizationCsv(const QuantizationSummary &summary);

} // namespace kiln

#endif // KILN_QUANTIZE_POSTTRAININGQUANTIZATION_H
