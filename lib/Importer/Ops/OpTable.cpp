//===- OpTable.cpp - The one table of ONNX operator importers -------------===//
#include "OpFamilies.h"

namespace kiln {

const OpImporterTable &opImporters() {
  static const OpImporterTable table = [] {
    OpImporterTable t;
    addElementwiseImporters(t);
    addConvolutionImporters(t);
    addContractionImporters(t);
    addReductionImporters(t);
    addNormalizationImporters(t);
    addDataMovementImporters(t);
    addIndexingImporters(t);
    addQuantizationImporters(t);
    addRecurrentImporters(t);
    addControlFlowImporters(t);
    return t;
  }();
  return table;
}

} // namespace kiln
