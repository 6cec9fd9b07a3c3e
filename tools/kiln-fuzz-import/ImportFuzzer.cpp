//===- ImportFuzzer.cpp - libFuzzer target over the ONNX importer ---------===//
//
// Feeds arbitrary bytes through what kilnc does to a model file before the
// pass pipeline: protobuf parsing, the checks before ONNX's shape
// inference, shape inference itself, and the import into the kiln dialect.
// Any crash, sanitizer report or leak is a finding; refusals are expected.
// Built with -DKILN_FUZZ=ON and clang (README, "Fuzzing").
//
//===----------------------------------------------------------------------===//
#include "ModelLoading.h"

#include "Kiln/KilnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::ImportOptions options; // a model with unbound dims is refused
  onnx::ModelProto model;
  std::string error;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (!kiln::parseOnnxModel(bytes, "fuzz.onnx", options, model, error))
    return 0;
  mlir::MLIRContext context;
  context.disableMultithreading();
  context.loadDialect<kiln::KilnDialect, mlir::func::FuncDialect>();
  (void)kiln::importOnnxModel(context, model, "fuzz.onnx", options, error);
  return 0;
}
