//===- ModelLoading.h - The ONNX model behind importOnnxFile --*- C++ -*-===//
//
// importOnnxFile in two steps, for the code of this library that needs the
// checked ModelProto itself (the QDQ writer).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IMPORTER_MODELLOADING_H
#define KILN_IMPORTER_MODELLOADING_H

#include "kiln/Importer/OnnxImporter.h"

#include <onnx/onnx_pb.h>

namespace kiln {

/// Static dims of every tensor of a graph, by ONNX name.
using TensorShapes = std::map<std::string, std::vector<int64_t>>;

/// The model's opset of the default domain (1 when it names none).
int64_t defaultOpset(const onnx::ModelProto &model);

/// The first line of a (multi-line) exception message.
std::string firstLine(const std::string &text);

/// The largest tensor a compiled model may hold, in elements: 8 GiB of
/// float32, beyond any model meant for the devices Kiln targets.
constexpr int64_t kMaxTensorElements = int64_t{1} << 31;

/// Whether a tensor of `dims` has at most kMaxTensorElements elements
/// (checked without overflow).
bool fitsTensorLimit(llvm::ArrayRef<int64_t> dims);

/// Checks what ONNX's shape inference reads without bounds checks (tensor
/// data against dims, weight ranks, window attributes); false with `error`
/// naming the tensor or node (ModelChecks.cpp).
bool checkBeforeShapeInference(const onnx::GraphProto &graph, std::string &error);

/// Parses and checks `path`, binds the --shape options to its inputs and runs
/// ONNX's shape inference. False with a one-line `error`.
bool loadOnnxModel(const std::string &path, const ImportOptions &options,
                   onnx::ModelProto &model, std::string &error);
/// loadOnnxModel on a model already in memory; every model reaches
/// importOnnxModel through one of the two, which refuse unsupported
/// operators and check what shape inference assumes (`path` names it in errors
/// and locates external data).
bool parseOnnxModel(llvm::StringRef bytes, const std::string &path,
                    const ImportOptions &options, onnx::ModelProto &model,
                    std::string &error);

/// Builds the kiln module of a loaded model. `shapes`, when given, receives
/// the static dims of every tensor the import computed or folded.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxModel(mlir::MLIRContext &context, const onnx::ModelProto &model,
                const std::string &path, const ImportOptions &options,
                std::string &error, TensorShapes *shapes = nullptr);

} // namespace kiln

#endif // KILN_IMPORTER_MODELLOADING_H
