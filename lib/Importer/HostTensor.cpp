//===- HostTensor.cpp -----------------------------------------------------===//
#include "HostTensor.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <limits>

using namespace mlir;

namespace kiln {

size_t HostTensor::elementSize(int32_t dtype) {
  return kiln::elementSize(dtype);
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

template <typename T>
static T load(const uint8_t *p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

template <typename T>
static void store(uint8_t *p, T value) {
  std::memcpy(p, &value, sizeof(T));
}

std::vector<int64_t> HostTensor::asInt64() const {
  std::vector<int64_t> out(numElements());
  size_t es = elementSize(dtype);
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t *p = bytes.data() + i * es;
    switch (dtype) {
    case kFloat:
      out[i] = static_cast<int64_t>(load<float>(p));
      break;
    case kInt32:
      out[i] = load<int32_t>(p);
      break;
    case kInt64:
      out[i] = load<int64_t>(p);
      break;
    case kInt8:
      out[i] = load<int8_t>(p);
      break;
    case kUInt8:
      out[i] = *p;
      break;
    case kBool:
      out[i] = *p != 0;
      break;
    }
  }
  return out;
}

std::vector<double> HostTensor::asDouble() const {
  if (dtype == kFloat) {
    std::vector<double> out(numElements());
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = load<float>(bytes.data() + 4 * i);
    return out;
  }
  std::vector<int64_t> ints = asInt64();
  return std::vector<double>(ints.begin(), ints.end());
}

/// Builds a tensor from values of type T, converting each to `dtype`. Kept
/// generic so int64 values never pass through double (which rounds above
/// 2^53, e.g. the INT64_MAX "to the end" sentinels of Slice).
template <typename T>
static HostTensor fromValues(const std::vector<T> &values,
                             std::vector<int64_t> dims, int32_t dtype) {
  HostTensor t;
  t.dtype = dtype;
  t.dims = std::move(dims);
  size_t es = HostTensor::elementSize(dtype);
  t.bytes.resize(values.size() * es);
  for (size_t i = 0; i < values.size(); ++i) {
    uint8_t *p = t.bytes.data() + i * es;
    switch (dtype) {
    case kFloat:
      store<float>(p, static_cast<float>(values[i]));
      break;
    case kInt32:
      store<int32_t>(p, static_cast<int32_t>(values[i]));
      break;
    case kInt64:
      store<int64_t>(p, static_cast<int64_t>(values[i]));
      break;
    case kInt8:
      store<int8_t>(p, static_cast<int8_t>(values[i]));
      break;
    case kUInt8:
      *p = static_cast<uint8_t>(values[i]);
      break;
    case kBool:
      *p = values[i] != 0;
      break;
    }
  }
  return t;
}

HostTensor HostTensor::fromInt64(std::vector<int64_t> values,
                                 std::vector<int64_t> dims, int32_t dtype) {
  return fromValues(values, std::move(dims), dtype);
}

HostTensor HostTensor::fromDouble(const std::vector<double> &values,
                                  std::vector<int64_t> dims, int32_t dtype) {
  return fromValues(values, std::move(dims), dtype);
}

/// Resolves an external-data location, refusing anything that escapes the
/// model's folder (absolute paths, `..`, symlinks pointing outside).
static bool resolveExternalPath(const std::string &modelDir,
                                const std::string &location,
                                std::string &resolved, std::string &error) {
  if (location.empty() || llvm::sys::path::is_absolute(location)) {
    error = "external data location '" + location +
            "' must be a relative path inside the model's folder";
    return false;
  }
  llvm::SmallString<256> dir, file;
  if (llvm::sys::fs::real_path(modelDir.empty() ? "." : modelDir, dir)) {
    error = "cannot resolve the model's folder";
    return false;
  }
  llvm::SmallString<256> joined(dir);
  llvm::sys::path::append(joined, location);
  if (llvm::sys::fs::real_path(joined, file)) {
    error = "external data file '" + location + "' not found";
    return false;
  }
  std::string prefix = std::string(dir.str()) + "/";
  if (std::string(file.str()).rfind(prefix, 0) != 0) {
    error = "external data location '" + location +
            "' points outside the model's folder";
    return false;
  }
  resolved = std::string(file.str());
  return true;
}

static bool readExternal(const onnx::TensorProto &proto,
                         const std::string &modelDir, size_t expected,
                         std::vector<uint8_t> &bytes, std::string &error) {
  std::string location;
  uint64_t offset = 0, length = expected;
  for (const auto &entry : proto.external_data()) {
    try {
      if (entry.key() == "location")
        location = entry.value();
      else if (entry.key() == "offset")
        offset = std::stoull(entry.value());
      else if (entry.key() == "length")
        length = std::stoull(entry.value());
    } catch (...) {
      error = "malformed external data entry '" + entry.key() + "'";
      return false;
    }
  }
  std::string path;
  if (!resolveExternalPath(modelDir, location, path, error))
    return false;
  if (length != expected) {
    error = "external data length " + std::to_string(length) +
            " does not match the tensor's " + std::to_string(expected) +
            " bytes";
    return false;
  }
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer || (*buffer)->getBufferSize() != length) {
    error = "external data file '" + location + "' is too short";
    return false;
  }
  const char *start = (*buffer)->getBufferStart();
  bytes.assign(start, start + length);
  return true;
}

bool readTensorProto(const onnx::TensorProto &proto, const std::string &modelDir,
                     HostTensor &out, std::string &error) {
  out = HostTensor();
  out.dtype = proto.data_type();
  size_t es = HostTensor::elementSize(out.dtype);
  if (es == 0) {
    error = std::string("tensor '") + proto.name() + "' has unsupported data type " +
            dtypeName(out.dtype);
    return false;
  }
  int64_t count = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0 || (d != 0 && count > (int64_t(1) << 40) / d)) {
      error = "tensor '" + proto.name() + "' has invalid dimensions";
      return false;
    }
    out.dims.push_back(d);
    count *= d;
  }
  size_t expected = static_cast<size_t>(count) * es;

  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return readExternal(proto, modelDir, expected, out.bytes, error) ||
           (error = "tensor '" + proto.name() + "': " + error, false);

  auto sizeError = [&](size_t have) {
    error = "tensor '" + proto.name() + "' holds " + std::to_string(have) +
            " elements' worth of data, its shape needs " + std::to_string(count);
    return false;
  };
  if (proto.has_raw_data()) {
    const std::string &raw = proto.raw_data();
    if (raw.size() != expected)
      return sizeError(raw.size() / es);
    out.bytes.assign(raw.begin(), raw.end());
    return true;
  }
  out.bytes.resize(expected);
  switch (out.dtype) {
  case kFloat:
    if (proto.float_data_size() != count)
      return sizeError(proto.float_data_size());
    if (expected) // an empty tensor has no buffers to copy from
      std::memcpy(out.bytes.data(), proto.float_data().data(), expected);
    return true;
  case kInt64:
    if (proto.int64_data_size() != count)
      return sizeError(proto.int64_data_size());
    if (expected)
      std::memcpy(out.bytes.data(), proto.int64_data().data(), expected);
    return true;
  default: // int32, int8, uint8 and bool all travel in int32_data
    if (proto.int32_data_size() != count)
      return sizeError(proto.int32_data_size());
    for (int64_t i = 0; i < count; ++i) {
      int32_t v = proto.int32_data(i);
      uint8_t *p = out.bytes.data() + i * es;
      if (es == 4)
        store<int32_t>(p, v);
      else
        *p = static_cast<uint8_t>(out.dtype == kBool ? (v != 0) : v);
    }
    return true;
  }
}

ElementsAttr toElementsAttr(MLIRContext *ctx, const HostTensor &t,
                            const std::string &blobName) {
  auto type = RankedTensorType::get(t.dims, elementTypeFor(ctx, t.dtype));
  constexpr int64_t kInlineLimit = 16;
  if (t.dtype == kBool || t.numElements() <= kInlineLimit) {
    if (t.dtype == kFloat) {
      std::vector<float> values(t.numElements());
      if (!values.empty())
        std::memcpy(values.data(), t.bytes.data(), t.bytes.size());
      return DenseElementsAttr::get(type, llvm::ArrayRef<float>(values));
    }
    SmallVector<APInt> values;
    unsigned width = type.getElementTypeBitWidth();
    for (int64_t v : t.asInt64())
      values.push_back(APInt(width, static_cast<uint64_t>(v), /*isSigned=*/true,
                             /*implicitTrunc=*/true));
    return DenseElementsAttr::get(type, values);
  }
  size_t align = HostTensor::elementSize(t.dtype);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      llvm::ArrayRef<char>(reinterpret_cast<const char *>(t.bytes.data()),
                           t.bytes.size()),
      align);
  return DenseResourceElementsAttr::get(type, blobName, std::move(blob));
}

} // namespace kiln
