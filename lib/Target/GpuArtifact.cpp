//===- GpuArtifact.cpp - The GPU backend's output as one flatbuffer -------===//
//
// Resolves the host function the GPU pipeline leaves into the artifact's
// launch list. Only a pointer's aligned base matters: with bare-pointer
// kernels a memref argument is passed as that pointer and the kernel applies
// the static offset of its type itself, so subviews, reshapes and casts keep
// their source's base; memref.view moves it by its byte shift.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/GpuArtifact.h"
#include "kiln/Target/ModelInterface.h"

#include "kiln_artifact_generated.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
namespace fb = kiln::artifact;

namespace kiln {
namespace {

constexpr uint64_t kWeightAlignment = 256;

/// Where an aligned pointer points: a buffer and a byte offset into it.
struct Pointer {
  fb::ArgumentKind kind;
  uint32_t index = 0;
  uint64_t offset = 0;
};

/// The ONNX element type as the schema names it, and its size in bytes.
bool elementType(int32_t onnxType, fb::ElementType &type, uint64_t &bytes) {
  switch (onnxType) {
  case 1: type = fb::ElementType::F32, bytes = 4; return true;
  case 10: type = fb::ElementType::F16, bytes = 2; return true;
  case 11: type = fb::ElementType::F64, bytes = 8; return true;
  case 3: type = fb::ElementType::I8, bytes = 1; return true;
  case 2: type = fb::ElementType::U8, bytes = 1; return true;
  case 5: type = fb::ElementType::I16, bytes = 2; return true;
  case 6: type = fb::ElementType::I32, bytes = 4; return true;
  case 7: type = fb::ElementType::I64, bytes = 8; return true;
  case 9: type = fb::ElementType::Bool, bytes = 1; return true;
  default: return false;
  }
}

/// Appends `global`'s initial value to `blob` as the kernels read it (one
/// byte per i1); false if it has none or its size does not match its type.
bool appendGlobal(memref::GlobalOp global, std::vector<uint8_t> &blob,
                  std::string &error) {
  auto type = global.getType();
  Type element = type.getElementType();
  // Index tables (resize coordinates) are 64-bit on the GPU, as MLIR
  // stores them.
  if (!element.isIntOrIndexOrFloat()) {
    error = "global '" + global.getSymName().str() + "' has elements of a type "
            "the GPU artifact cannot hold";
    return false;
  }
  uint64_t elementBytes =
      element.isIndex() ? 8 : llvm::divideCeil(element.getIntOrFloatBitWidth(), 8);
  uint64_t bytes = type.getNumElements() * elementBytes;
  auto value = global.getInitialValue();
  size_t start = blob.size();
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(
          value ? *value : Attribute())) {
    AsmResourceBlob *data = resource.getRawHandle().getBlob();
    if (!data || data->getData().size() != bytes) {
      error = "weights '" + global.getSymName().str() + "' have no data of " +
              std::to_string(bytes) + " bytes";
      return false;
    }
    ArrayRef<char> raw = data->getData();
    blob.insert(blob.end(), raw.begin(), raw.end());
    return true;
  }
  auto dense = dyn_cast_or_null<DenseElementsAttr>(value ? *value : Attribute());
  if (!dense) {
    error = "global '" + global.getSymName().str() + "' has no constant value";
    return false;
  }
  if (element.isInteger(1)) {
    for (bool b : dense.getValues<bool>())
      blob.push_back(b ? 1 : 0);
  } else {
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat()) {
      for (int64_t i = 0; i < type.getNumElements(); ++i)
        blob.insert(blob.end(), raw.begin(), raw.begin() + elementBytes);
    } else {
      blob.insert(blob.end(), raw.begin(), raw.end());
    }
  }
  if (blob.size() - start != bytes) {
    error = "global '" + global.getSymName().str() + "' holds " +
            std::to_string(blob.size() - start) + " bytes, its type " +
            std::to_string(bytes);
    return false;
  }
  return true;
}

/// A kernel argument from a host value: a pointer resolved through
/// `pointers`, or a constant scalar.
FailureOr<fb::Argument> argumentFor(Value value,
                                    const llvm::DenseMap<Value, Pointer> &pointers) {
  if (isa<MemRefType>(value.getType())) {
    auto it = pointers.find(value);
    if (it == pointers.end())
      return failure();
    return fb::Argument(it->second.kind, it->second.index, it->second.offset);
  }
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return failure();
  Type type = value.getType();
  if (auto integer = dyn_cast<IntegerAttr>(attr)) {
    if (type.isIndex() || type.isInteger(64))
      return fb::Argument(fb::ArgumentKind::Int64, 0,
                          static_cast<uint64_t>(integer.getInt()));
    // i1, i8, i16 and i32 parameters: the driver reads as many low bytes
    // as the kernel's parameter has.
    if (type.isInteger() && type.getIntOrFloatBitWidth() <= 32)
      return fb::Argument(fb::ArgumentKind::Int32, 0,
                          integer.getValue().getZExtValue());
  }
  if (auto real = dyn_cast<FloatAttr>(attr); real && type.isF32()) {
    float f = static_cast<float>(real.getValueAsDouble());
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return fb::Argument(fb::ArgumentKind::Float32, 0, bits);
  }
  return failure();
}

/// Three constant launch dimensions, or failure.
FailureOr<std::vector<uint32_t>> constantDims(gpu::KernelDim3 dims) {
  std::vector<uint32_t> out;
  for (Value v : {dims.x, dims.y, dims.z}) {
    std::optional<int64_t> c = getConstantIntValue(v);
    if (!c || *c < 1 || *c > UINT32_MAX)
      return failure();
    out.push_back(static_cast<uint32_t>(*c));
  }
  return out;
}

/// The functions the PTX calls but does not define (a libdevice __nv_*
/// nothing linked), comma separated; empty when there are none.
std::string unresolvedCalls(StringRef ptx) {
  llvm::Regex externFunc(
      "\\.extern \\.func (\\([^)]*\\) *)?([A-Za-z_$][A-Za-z0-9_$]*)");
  std::string names;
  SmallVector<StringRef> match;
  while (externFunc.match(ptx, &match)) {
    if (!names.empty())
      names += ", ";
    names += match[2].str();
    ptx = ptx.substr(match[0].data() - ptx.data() + match[0].size());
  }
  return names;
}

} // namespace

bool gpuKernelsPtx(ModuleOp module, std::string &ptx, std::string &error) {
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.size() > 1) {
    error = "internal: the GPU kernels are in " + std::to_string(binaries.size()) +
            " modules, not one";
    return false;
  }
  ptx.clear();
  if (binaries.empty())
    return true;
  for (Attribute attr : binaries.front().getObjects()) {
    auto object = cast<gpu::ObjectAttr>(attr);
    if (object.getFormat() == gpu::CompilationTarget::Assembly) {
      ptx = object.getObject().str();
      if (std::string names = unresolvedCalls(ptx); !names.empty()) {
        error = "the GPU kernels call " + names +
                ", which nothing defines (libdevice from the CUDA toolkit "
                "was not found)";
        return false;
      }
      return true;
    }
  }
  error = "internal: the GPU kernels were not written as PTX";
  return false;
}

bool writeGpuArtifact(ModuleOp module, const std::string &entryName,
                      const ModelInterface &model, const std::string &chip,
                      llvm::raw_ostream &os, std::string &error) {
  auto entry = module.lookupSymbol<func::FuncOp>(entryName);
  if (!entry || entry.isExternal()) {
    error = "internal: the GPU entry function '" + entryName + "' is missing";
    return false;
  }
  size_t ioCount = model.inputs.size() + model.outputs.size();
  if (entry.getNumArguments() < ioCount ||
      entry.getNumArguments() > ioCount + 1) {
    error = "internal: the GPU entry takes " +
            std::to_string(entry.getNumArguments()) + " buffers, not " +
            std::to_string(ioCount) + " and an arena";
    return false;
  }
  std::string ptx;
  if (!gpuKernelsPtx(module, ptx, error))
    return false;

  llvm::DenseMap<Value, Pointer> pointers;
  for (auto [i, arg] : llvm::enumerate(entry.getArguments())) {
    if (i < model.inputs.size())
      pointers[arg] = {fb::ArgumentKind::Input, static_cast<uint32_t>(i), 0};
    else if (i < ioCount)
      pointers[arg] = {fb::ArgumentKind::Output,
                       static_cast<uint32_t>(i - model.inputs.size()), 0};
    else
      pointers[arg] = {fb::ArgumentKind::Arena, 0, 0};
  }

  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  // Every field present, the checksum's zero included: it is patched in
  // place once the buffer is finished.
  fbb.ForceDefaults(true);
  std::vector<uint8_t> weights;
  llvm::DenseMap<StringAttr, uint64_t> globalOffsets;
  std::vector<flatbuffers::Offset<fb::Launch>> launches;
  auto fail = [&](Operation *op, const std::string &what) {
    std::string text;
    llvm::raw_string_ostream s(text);
    s << "GPU artifact: '" << op->getName() << "' " << what;
    error = text;
    return false;
  };
  for (Operation &op : entry.getBody().front()) {
    if (isa<func::ReturnOp>(op) || matchPattern(&op, m_Constant()))
      continue;
    if (auto get = dyn_cast<memref::GetGlobalOp>(op)) {
      StringAttr name = get.getNameAttr().getAttr();
      auto it = globalOffsets.find(name);
      if (it == globalOffsets.end()) {
        auto global = module.lookupSymbol<memref::GlobalOp>(get.getNameAttr());
        if (!global || !global.getConstant())
          return fail(&op, "reads a global that is not a constant");
        uint64_t align = std::max<uint64_t>(
            kWeightAlignment, global.getAlignment().value_or(1));
        weights.resize(llvm::alignTo(weights.size(), align), 0);
        uint64_t offset = weights.size();
        if (!appendGlobal(global, weights, error))
          return false;
        it = globalOffsets.insert({name, offset}).first;
      }
      pointers[get.getResult()] = {fb::ArgumentKind::Weights, 0, it->second};
      continue;
    }
    if (auto view = dyn_cast<memref::ViewOp>(op)) {
      std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
      auto source = pointers.find(view.getSource());
      if (!shift || source == pointers.end())
        return fail(&op, "is not a constant view of a known buffer");
      Pointer p = source->second;
      p.offset += *shift;
      pointers[view.getResult()] = p;
      continue;
    }
    if (auto viewLike = dyn_cast<ViewLikeOpInterface>(op)) {
      auto source = pointers.find(viewLike.getViewSource());
      if (source == pointers.end() || op.getNumResults() != 1)
        return fail(&op, "views a buffer the artifact does not know");
      // Copied before operator[] may grow the map and free what `source`
      // points into.
      Pointer p = source->second;
      pointers[op.getResult(0)] = p;
      continue;
    }
    if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
      FailureOr<std::vector<uint32_t>> grid =
          constantDims(launch.getGridSizeOperandValues());
      FailureOr<std::vector<uint32_t>> block =
          constantDims(launch.getBlockSizeOperandValues());
      if (failed(grid) || failed(block))
        return fail(&op, "has a grid or block size that is not a constant");
      if (launch.hasClusterSize() || launch.getAsyncToken())
        return fail(&op, "is clustered or asynchronous");
      uint32_t shared = 0;
      if (Value bytes = launch.getDynamicSharedMemorySize()) {
        std::optional<int64_t> c = getConstantIntValue(bytes);
        if (!c || *c < 0 || *c > UINT32_MAX)
          return fail(&op, "has a dynamic shared memory size that is not a constant");
        shared = static_cast<uint32_t>(*c);
      }
      std::vector<fb::Argument> args;
      for (auto [i, operand] : llvm::enumerate(launch.getKernelOperands())) {
        FailureOr<fb::Argument> arg = argumentFor(operand, pointers);
        if (failed(arg))
          return fail(&op, "argument #" + std::to_string(i) +
                               " is neither a known buffer nor a constant scalar");
        args.push_back(*arg);
      }
      launches.push_back(fb::CreateLaunch(
          fbb, fbb.CreateString(launch.getKernelName().str()),
          fbb.CreateVector(*grid), fbb.CreateVector(*block), shared,
          fbb.CreateVectorOfStructs(args)));
      continue;
    }
    return fail(&op, "stays on the host, which the GPU artifact cannot run");
  }

  auto tensors = [&](const std::vector<TensorDesc> &descs,
                     std::vector<flatbuffers::Offset<fb::Tensor>> &out) {
    for (const TensorDesc &t : descs) {
      fb::ElementType type;
      uint64_t bytes;
      if (!elementType(t.dtype, type, bytes)) {
        error = "'" + t.name + "' has an element type the GPU artifact cannot describe";
        return false;
      }
      for (int64_t d : t.dims)
        bytes *= static_cast<uint64_t>(d);
      out.push_back(fb::CreateTensor(fbb, fbb.CreateString(t.name), type,
                                     fbb.CreateVector(t.dims), bytes));
    }
    return true;
  };
  std::vector<flatbuffers::Offset<fb::Tensor>> inputs, outputs;
  if (!tensors(model.inputs, inputs) || !tensors(model.outputs, outputs))
    return false;

  uint64_t arenaBytes = 0;
  if (auto bytes = entry->getAttrOfType<IntegerAttr>("kiln.arena_bytes"))
    arenaBytes = bytes.getInt();
  std::vector<flatbuffers::Offset<fb::ArenaBuffer>> plan;
  if (auto entries = entry->getAttrOfType<ArrayAttr>("kiln.arena_plan")) {
    for (Attribute attr : entries) {
      auto dict = cast<DictionaryAttr>(attr);
      auto text = [&](StringRef key) {
        auto s = dyn_cast_or_null<StringAttr>(dict.get(key));
        return fbb.CreateString(s ? s.str() : std::string());
      };
      auto number = [&](StringRef key) -> uint64_t {
        auto i = dyn_cast_or_null<IntegerAttr>(dict.get(key));
        return i ? i.getInt() : 0;
      };
      plan.push_back(fb::CreateArenaBuffer(fbb, text("name"), text("type"),
                                           number("offset"), number("bytes")));
    }
  }

  fbb.ForceVectorAlignment(weights.size(), sizeof(uint8_t), kWeightAlignment);
  auto weightsVector = fbb.CreateVector(weights);
  auto root = fb::CreateArtifact(
      fbb, kGpuArtifactVersion, fbb.CreateString(model.name),
      fbb.CreateString(chip), fbb.CreateVector(inputs), fbb.CreateVector(outputs),
      arenaBytes, fbb.CreateVector(plan), weightsVector, fbb.CreateString(ptx),
      fbb.CreateVector(launches), /*checksum=*/0);
  fb::FinishArtifactBuffer(fbb, root);
  uint8_t *buffer = fbb.GetBufferPointer();
  const uint8_t *field =
      reinterpret_cast<const flatbuffers::Table *>(fb::GetArtifact(buffer))
          ->GetAddressOf(fb::Artifact::VT_CHECKSUM);
  uint32_t crc = llvm::crc32(ArrayRef<uint8_t>(buffer, fbb.GetSize()));
  uint8_t *patch = buffer + (field - buffer);
  for (int i = 0; i < 4; ++i) // little-endian, as flatbuffers stores it
    patch[i] = static_cast<uint8_t>(crc >> (8 * i));
  os.write(reinterpret_cast<const char *>(buffer), fbb.GetSize());
  return true;
}

} // namespace kiln
