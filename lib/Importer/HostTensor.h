//===- HostTensor.h - Constant tensors held by the importer ---------------===//
//
// Initializers, Constant nodes and the results of folded shape computations
// live here until an op needs them as an MLIR value. Data are little-endian
// bytes in ONNX TensorProto layout.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IMPORTER_HOSTTENSOR_H
#define KILN_IMPORTER_HOSTTENSOR_H

#include "mlir/IR/BuiltinAttributes.h"

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
}

namespace kiln {

/// ONNX TensorProto.DataType codes that Kiln handles.
enum OnnxDType : int32_t {
  kFloat = 1,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
};

struct HostTensor {
  int32_t dtype = kFloat;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;

  int64_t numElements() const;
  static size_t elementSize(int32_t dtype);
  /// Elements converted to int64 / double (any supported dtype).
  std::vector<int64_t> asInt64() const;
  std::vector<double> asDouble() const;
  static HostTensor fromInt64(std::vector<int64_t> values,
                              std::vector<int64_t> dims, int32_t dtype = kInt64);
  static HostTensor fromDouble(const std::vector<double> &values,
                               std::vector<int64_t> dims, int32_t dtype);
};

/// Reads a TensorProto (inline, typed fields or external data under
/// `modelDir`). Returns false with `error` set on malformed data.
bool readTensorProto(const onnx::TensorProto &proto, const std::string &modelDir,
                     HostTensor &out, std::string &error);

/// MLIR element type for an ONNX dtype; null when unsupported.
mlir::Type elementTypeFor(mlir::MLIRContext *ctx, int32_t dtype);
/// ONNX dtype code for an MLIR element type; 0 when unsupported.
int32_t dtypeFor(mlir::Type elementType);
const char *dtypeName(int32_t dtype);

/// Large tensors become dense resource blobs (never printed element by
/// element); small ones plain dense attributes that folders can read.
mlir::ElementsAttr toElementsAttr(mlir::MLIRContext *ctx, const HostTensor &t,
                                  const std::string &blobName);

} // namespace kiln

#endif
