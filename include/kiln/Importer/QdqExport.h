//===- QdqExport.h - The quantized model, back as ONNX QDQ ----*- C++ -*-===//
//
// kilnc --quantize int8 --emit onnx: the source model with Kiln's
// quantization written into it the way ONNX's quantizers write theirs, so
// any ONNX runtime can run (and time) exactly the same int8 model:
//   - each quantized layer's weight becomes an int8 initializer and a
//     per-axis DequantizeLinear with kilnc's weight scales (symmetric, per
//     output channel); its bias an int32 one with scale input x weight;
//   - affine tails kilnc folds into a conv (BatchNormalization, Mul, Div,
//     Add, Sub by per-channel constants) are folded into its weights the
//     same way, in float, so both hold the same integers;
//   - each quantized activation gets QuantizeLinear -> DequantizeLinear
//     with the calibrated scale and zero point, read by all its consumers.
// Models below opset 13 (per-axis DequantizeLinear) are converted to 13
// with ONNX's version converter first.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IMPORTER_QDQEXPORT_H
#define KILN_IMPORTER_QDQEXPORT_H

#include "kiln/Importer/OnnxImporter.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

/// An int8 activation, named by where it comes from in the ONNX graph:
/// output `result` of node `node`, or the graph input `graphInput`. `dims`
/// (its static shape) tells the outputs of a multi-output node apart.
struct QdqTensor {
  std::string node, graphInput;
  unsigned result = 0;
  std::vector<int64_t> dims;
  double scale = 0;
  int64_t zeroPoint = 0;
};

/// A conv, Gemm or MatMul node computed in int8, with its input and output
/// (after a fused Relu or Clip).
struct QdqLayer {
  std::string node;
  QdqTensor input, output;
  std::vector<double> weightScales; // symmetric, per output channel
  std::vector<double> biasCorrection; // off the bias, per channel (or empty)
};

/// Writes the model at `path` (bound with `options`, as it was compiled)
/// with `layers` quantized. False with a one-line `error`.
bool writeQdqModel(const std::string &path, const ImportOptions &options,
                   const std::vector<QdqLayer> &layers, llvm::raw_ostream &os,
                   std::string &error);

} // namespace kiln

#endif // KILN_IMPORTER_QDQEXPORT_H
