//===- QuantParams.h - Scales and zero points of a quantized type -*- C++ -*-===//
//
// One view of `!quant.uniform` types, per tensor or per axis, for the
// verifiers, the importer and the lowering.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_QUANTPARAMS_H
#define KILN_DIALECT_QUANTPARAMS_H

#include "mlir/IR/Types.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>

namespace kiln {

struct QuantParams {
  unsigned bits = 8;
  bool isSigned = true;
  int64_t storageMin = -128, storageMax = 127;
  /// The quantized dimension of a per-axis type; nullopt per tensor.
  std::optional<int32_t> axis;
  llvm::SmallVector<double> scales;      // one per tensor, else one per slice
  llvm::SmallVector<int64_t> zeroPoints; // same count as scales

  double scale(int64_t slice) const {
    return scales[scales.size() == 1 ? 0 : slice];
  }
  int64_t zeroPoint(int64_t slice) const {
    return zeroPoints[zeroPoints.size() == 1 ? 0 : slice];
  }
  bool perAxis() const { return axis.has_value(); }
};

/// The parameters of a quantized element type, or of a tensor of one;
/// nullopt for anything else (including non-uniform quant types).
std::optional<QuantParams> quantParamsOf(mlir::Type type);

/// A per-tensor (`axis` nullopt, one scale) or per-axis quantized type of
/// f32 with `bits`-bit storage; null (after a diagnostic) when a scale is not
/// positive and finite or a zero point does not fit the storage.
mlir::Type makeQuantType(mlir::MLIRContext *ctx, unsigned bits, bool isSigned,
                         std::optional<int32_t> axis,
                         llvm::ArrayRef<double> scales,
                         llvm::ArrayRef<int64_t> zeroPoints);

/// The slice along `axis` (none: 0) that element `flat` of a C-ordered
/// tensor of `shape` lies in.
int64_t sliceOfElement(llvm::ArrayRef<int64_t> shape, std::optional<int32_t> axis,
                       int64_t flat);

/// The integers of a quantized constant (kiln.storage_cast of a
/// kiln.constant), read by its type's signedness; nullopt for any other value.
std::optional<llvm::SmallVector<int64_t>> quantizedConstant(mlir::Value value);

/// Whether `value` is a quantized constant, without reading its values.
bool isQuantizedConstant(mlir::Value value);

/// The integers of a quantized constant minus their slices' zero points;
/// nullopt for any other value.
std::optional<llvm::SmallVector<int64_t>> centeredConstant(mlir::Value value);

/// The real values of a quantized constant: (q - zero point) * scale of each
/// element's slice; nullopt for any other value.
std::optional<llvm::SmallVector<double>> dequantizedConstant(mlir::Value value);

} // namespace kiln

#endif // KILN_DIALECT_QUANTPARAMS_H
