//===- HostTensor.h - Constant tensors held by the importer ---------------===//
//
// Initializers, Constant nodes and the results of folded shape computations
// live here until an op needs them as an MLIR value. Data are little-endian
// bytes in ONNX TensorProto layout.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IMPORTER_HOSTTENSOR_H
#define KILN_IMPORTER_HOSTTENSOR_H

#include "Kiln/DataTypes.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
}

namespace kiln {

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


/// Large tensors become dense resource blobs (never printed element by
/// element); small ones plain dense attributes that folders can read.
mlir::ElementsAttr toElementsAttr(mlir::MLIRContext *ctx, const HostTensor &t,
                                  const std::string &blobName);

} // namespace kiln

#endif
