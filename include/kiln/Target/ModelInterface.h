//===- ModelInterface.h - The C API a compiled model exposes --------------===//
//
// What the generated header promises (names, dtypes, static dims, arena size)
// is computed once from the imported entry function and used both to write
// the header and to emit the matching descriptor tables and entry points.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_MODELINTERFACE_H
#define KILN_TARGET_MODELINTERFACE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llvm {
class Function;
class Module;
} // namespace llvm

namespace kiln {

struct TensorDesc {
  std::string name;
  int32_t dtype = 0; // ONNX TensorProto.DataType
  std::vector<int64_t> dims;
};

/// An input dim that takes any size in [min, max] at run time.
struct RangedDim {
  int32_t input = 0, axis = 0;
  int64_t min = 0, max = 0;
};

struct ModelInterface {
  std::string name; // C symbol prefix
  std::vector<TensorDesc> inputs, outputs; // dims: -1 where dynamic
  std::vector<RangedDim> ranged;           // in input, then axis order
  uint64_t arenaBytes = 0;
  uint64_t naiveBytes = 0;
};

/// Reads I/O names and types of an imported entry function; false with
/// `error` set when a type has no C representation.
bool describeModel(mlir::func::FuncOp entry, const std::string &name,
                   ModelInterface &out, std::string &error);

/// The generated header, exactly as the public contract specifies.
std::string renderHeader(const ModelInterface &model);

/// Adds NAME_run, the descriptor accessors and the tables to `module`, all
/// marked as exports, and makes `impl` (the lowered entry: inputs, outputs,
/// arena as bare pointers) internal so several models link into one program.
bool addCInterface(llvm::Module &module, const ModelInterface &model,
                   llvm::Function &impl, std::string &error);

/// Turns a model file stem into a C identifier ([A-Za-z0-9_], not starting
/// with a digit).
std::string sanitizeSymbol(const std::string &stem);

} // namespace kiln

#endif
