//===- PostTrainingQuantization.h - int8 from calibration samples -*- C++ -*-===//
//
// kilnc --quantize int8 --calibrate DIR: the float model (kiln ops, after the
// frontend) is compiled for the host and run in process on every sample,
// observing the inputs and outputs of each conv, Gemm and MatMul with
// constant weights. Then those ops are wrapped in quantize/dequantize, as a
// QDQ model would be, with
//   - weights int8, symmetric ([-127, 127]), per output channel;
//   - activations int8, asymmetric, per tensor, from the calibration ranges;
//   - biases left float, for kiln-fold-qdq to requantize to int32.
// kiln-fold-qdq then turns each wrapped op into an integer kernel.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_QUANTIZE_POSTTRAININGQUANTIZATION_H
#define KILN_QUANTIZE_POSTTRAININGQUANTIZATION_H

#include "kiln/Quantize/Ranges.h"
#include "kiln/Target/ModelInterface.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace kiln {

struct QuantizationOptions {
  std::string calibrationDir;
  CalibrationMethod method = CalibrationMethod::MinMax;
};

/// What happened to one conv / Gemm / MatMul of the float model.
struct LayerDecision {
  std::string name; // the ONNX node
  std::string op;   // kiln op name
  bool quantized = false;
  std::string reason; // why it stays float
};

struct QuantizationSummary {
  size_t samples = 0;
  std::vector<LayerDecision> layers;
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

} // namespace kiln

#endif // KILN_QUANTIZE_POSTTRAININGQUANTIZATION_H
