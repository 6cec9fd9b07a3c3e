//===- OpFamilies.h - The ONNX operator importers, one file per family ----===//
//
// Each family file holds the import functions of its operators and adds
// them to the one table the importer dispatches on (OpTable.cpp). Adding an
// operator is one function and one table row in its family's file.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IMPORTER_OPS_OPFAMILIES_H
#define KILN_IMPORTER_OPS_OPFAMILIES_H

#include "../GraphImporter.h"

#include <vector>

namespace kiln {

using Dims = std::vector<int64_t>;

inline Dims shapeOf(mlir::RankedTensorType type) {
  return Dims(type.getShape().begin(), type.getShape().end());
}

inline mlir::FloatAttr f32(GraphImporter &g, double v) {
  return g.builder.getF32FloatAttr(static_cast<float>(v));
}

/// A float32 scalar constant (rank 0, broadcasts against anything).
inline mlir::Value scalarF32(GraphImporter &g, double v, const std::string &name) {
  return g.constant(HostTensor::fromDouble({v}, {}, kFloat), name);
}

/// x / (1 + |x|): the Softsign operator, and the recurrent activation.
mlir::Value softsign(GraphImporter &g, mlir::Value x);

/// False, after reporting it, when `v` is not an f32 tensor.
inline bool requireFloat(GraphImporter &g, mlir::Value v) {
  if (!mlir::cast<mlir::RankedTensorType>(v.getType()).getElementType().isF32())
    return g.fail("only float32 tensors are supported");
  return true;
}

/// Kernel geometry common to Conv, QLinearConv, ConvInteger and the pooling
/// ops, with auto_pad resolved.
struct Window {
  Dims kernel, strides, pads, dilations;
};

/// Reads the node's strides, dilations, pads and auto_pad for `input`.
bool readWindow(GraphImporter &g, mlir::RankedTensorType input, Dims kernel,
                Window &w);

void addElementwiseImporters(OpImporterTable &table);
void addConvolutionImporters(OpImporterTable &table);
void addContractionImporters(OpImporterTable &table);
void addReductionImporters(OpImporterTable &table);
void addNormalizationImporters(OpImporterTable &table);
void addDataMovementImporters(OpImporterTable &table);
void addIndexingImporters(OpImporterTable &table);
void addQuantizationImporters(OpImporterTable &table);
void addRecurrentImporters(OpImporterTable &table);
void addControlFlowImporters(OpImporterTable &table);

} // namespace kiln

#endif // KILN_IMPORTER_OPS_OPFAMILIES_H
