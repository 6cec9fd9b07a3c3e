//===- OnnxImporter.cpp - Load, bind shapes, infer, walk the graph --------===//
//
// The model file is untrusted: every field is checked before use, ONNX's
// exceptions are caught here, and any problem becomes one error line.
//
//===----------------------------------------------------------------------===//
#include "kiln/Importer/OnnxImporter.h"

#include "GraphImporter.h"
#include "ModelLoading.h"
#include "Kiln/KilnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <climits>
#include <set>

using namespace mlir;

namespace kiln {

bool parseShapeText(const std::string &text, std::vector<int64_t> &dims) {
  std::vector<DimRange> ranges;
  if (!parseShapeRanges(text, ranges))
    return false;
  dims.clear();
  for (const DimRange &r : ranges) {
    if (r.min != r.max)
      return false;
    dims.push_back(r.min);
  }
  return true;
}

/// One dim: `N` or `MIN..MAX` with MIN < MAX.
static bool parseDimRange(const std::string &part, DimRange &range) {
  auto number = [](const std::string &digits, int64_t &value) {
    if (digits.empty() || digits.size() > 12 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return false;
    value = std::stoll(digits);
    return true;
  };
  size_t dots = part.find("..");
  if (dots == std::string::npos) {
    if (!number(part, range.min))
      return false;
    range.max = range.min;
    return true;
  }
  return number(part.substr(0, dots), range.min) &&
         number(part.substr(dots + 2), range.max) && range.min >= 1 &&
         range.min < range.max;
}

bool parseShapeRanges(const std::string &text, std::vector<DimRange> &dims) {
  dims.clear();
  if (text.empty())
    return true; // a scalar
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('x', pos);
    if (end == std::string::npos)
      end = text.size();
    DimRange range;
    if (!parseDimRange(text.substr(pos, end - pos), range))
      return false;
    dims.push_back(range);
    pos = end + 1;
  }
  return true;
}

namespace {

std::string joinNames(const std::vector<std::string> &names) {
  std::string out;
  for (const std::string &n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string rangeText(const DimRange &r) {
  return r.ranged() ? std::to_string(r.min) + ".." + std::to_string(r.max)
                    : std::to_string(r.min);
}

/// The dim_param a ranged dim gets for ONNX's shape inference.
std::string rangeSymbol(const std::string &input, size_t dim) {
  return "kiln.range." + input + "." + std::to_string(dim);
}

/// Applies the user's --shape bindings to the graph inputs and checks that no
/// dynamic dimension is left. Returns false with `error` set.
bool bindInputShapes(onnx::GraphProto &graph,
                     const std::set<std::string> &initializers,
                     const ImportOptions &options, const std::string &path,
                     std::string &error) {
  std::vector<std::string> inputNames;
  for (const auto &in : graph.input())
    if (!initializers.count(in.name()))
      inputNames.push_back(in.name());
  for (const auto &[name, dims] : options.inputShapes)
    if (std::find(inputNames.begin(), inputNames.end(), name) ==
        inputNames.end()) {
      error = path + ": --shape names '" + name +
              "', which is not a model input (inputs: " +
              joinNames(inputNames) + ")";
      return false;
    }

  for (auto &in : *graph.mutable_input()) {
    if (initializers.count(in.name()))
      continue;
    if (!in.type().has_tensor_type()) {
      error = path + ": input '" + in.name() + "' is not a tensor";
      return false;
    }
    auto *tensorType = in.mutable_type()->mutable_tensor_type();
    auto bound = options.inputShapes.find(in.name());
    if (bound != options.inputShapes.end()) {
      const std::vector<DimRange> &dims = bound->second;
      if (tensorType->has_shape() &&
          tensorType->shape().dim_size() != static_cast<int>(dims.size())) {
        error = path + ": --shape for '" + in.name() + "' has rank " +
                std::to_string(dims.size()) + ", the model's input has rank " +
                std::to_string(tensorType->shape().dim_size());
        return false;
      }
      for (size_t d = 0; tensorType->has_shape() && d < dims.size(); ++d) {
        const auto &dim = tensorType->shape().dim(d);
        if (dim.has_dim_value() &&
            (dims[d].ranged() || dim.dim_value() != dims[d].min)) {
          error = path + ": --shape for '" + in.name() + "' sets dimension " +
                  std::to_string(d) + " to " + rangeText(dims[d]) +
                  ", but the model fixes it to " +
                  std::to_string(dim.dim_value());
          return false;
        }
      }
      auto *shape = tensorType->mutable_shape();
      shape->clear_dim();
      // A ranged dim stays symbolic for ONNX's shape inference.
      for (size_t d = 0; d < dims.size(); ++d)
        if (dims[d].ranged())
          shape->add_dim()->set_dim_param(rangeSymbol(in.name(), d));
        else
          shape->add_dim()->set_dim_value(dims[d].min);
      continue;
    }
    if (!tensorType->has_shape()) {
      error = path + ": input '" + in.name() +
              "' has no shape; bind it with --shape " + in.name() + "=D0xD1...";
      return false;
    }
    for (int d = 0; d < tensorType->shape().dim_size(); ++d) {
      const auto &dim = tensorType->shape().dim(d);
      if (!dim.has_dim_value() || dim.dim_value() < 0) {
        std::string label = dim.has_dim_param() && !dim.dim_param().empty()
                                ? "'" + dim.dim_param() + "'"
                                : "(unnamed)";
        error = path + ": input '" + in.name() + "' has unbound dynamic dimension " +
                label + " at index " + std::to_string(d) +
                "; bind it with --shape " + in.name() + "=D0xD1...";
        return false;
      }
    }
  }
  return true;
}

} // namespace

std::string firstLine(const std::string &text) {
  return text.substr(0, text.find('\n'));
}

int64_t defaultOpset(const onnx::ModelProto &model) {
  for (const auto &opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      return opset.version();
  return 1;
}

static void collectUnsupported(const onnx::GraphProto &graph, int64_t opset,
                               std::vector<std::string> &missing) {
  const OpImporterTable &table = opImporters();
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &node = graph.node(i);
    if (!table.count(node.op_type()) && !hasHostRule(node.op_type()))
      missing.push_back(describeNode(node, i, "opset " + std::to_string(opset)));
    // Branches and loop bodies are part of the model too.
    for (const onnx::AttributeProto &a : node.attribute())
      if (a.has_g())
        collectUnsupported(a.g(), opset, missing);
  }
}

/// Every operator Kiln lacks, in one line: a user porting a model wants the
/// whole list, not one per attempt.
static bool allOperatorsSupported(const onnx::GraphProto &graph, int64_t opset,
                                  const std::string &path, std::string &error) {
  std::vector<std::string> missing;
  collectUnsupported(graph, opset, missing);
  if (missing.size() == 1)
    error = path + ": " + missing.front() + ": unsupported operator";
  else if (!missing.empty())
    error = path + ": " + std::to_string(missing.size()) + " unsupported operators: " +
            llvm::join(missing, ", ");
  return missing.empty();
}

bool loadOnnxModel(const std::string &path, const ImportOptions &options,
                   onnx::ModelProto &model, std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = path + ": cannot read file: " + buffer.getError().message();
    return false;
  }
  return parseOnnxModel((*buffer)->getBuffer(), path, options, model, error);
}

bool parseOnnxModel(llvm::StringRef bytes, const std::string &path,
                    const ImportOptions &options, onnx::ModelProto &model,
                    std::string &error) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    error = path + ": file is larger than 2 GiB; store weights as external data";
    return false;
  }
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = path + ": not a valid ONNX model (malformed or truncated protobuf)";
    return false;
  }
  if (!model.has_graph() || model.graph().output_size() == 0 ||
      model.ir_version() <= 0) {
    error = path + ": not a valid ONNX model (no graph outputs or IR version)";
    return false;
  }
  int64_t opset = defaultOpset(model);
  constexpr int64_t kMaxOpset = 21;
  if (opset < 1 || opset > kMaxOpset) {
    error = path + ": opset " + std::to_string(opset) +
            " is not supported (1 to " + std::to_string(kMaxOpset) + ")";
    return false;
  }

  onnx::GraphProto &graph = *model.mutable_graph();
  // Ops of other domains are unknown to ONNX's shape inference too; name
  // them before it gets a chance to fail on them.
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &node = graph.node(i);
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      error = path + ": " + describeNode(node, i, "") +
              ": unsupported operator (domain '" + node.domain() + "')";
      return false;
    }
    // An operator newer than the model's opset is a malformed model, not a
    // missing feature.
    if (onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(opset)) ==
            nullptr &&
        onnx::OpSchemaRegistry::Schema(node.op_type(), kMaxOpset) != nullptr) {
      error = path + ": " + describeNode(node, i, "") + ": not defined in opset " +
              std::to_string(opset);
      return false;
    }
  }
  // Operators Kiln lacks are refused before ONNX's shape inference runs on
  // them: its inference of ops nothing here uses need not be trusted.
  if (!allOperatorsSupported(graph, opset, path, error))
    return false;
  std::set<std::string> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());
  if (!bindInputShapes(graph, initializerNames, options, path, error))
    return false;

  if (!checkBeforeShapeInference(graph, error)) {
    error = path + ": " + error;
    return false;
  }
  try {
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(),
        onnx::ShapeInferenceOptions(/*check_type=*/false, /*error_mode=*/0,
                                    /*data_prop=*/true));
  } catch (const std::exception &e) {
    error = path + ": shape inference failed: " + firstLine(e.what());
    return false;
  }
  return true;
}

/// False, after fail(), when a run-time operand of `node` has no elements:
/// then no importer has to consider empty operands (see below).
static bool operandsHaveElements(GraphImporter &importer, const onnx::NodeProto &node) {
  for (const std::string &name : node.input()) {
    auto it = importer.values.find(name);
    auto type = it != importer.values.end() && it->second.value
                    ? dyn_cast<RankedTensorType>(it->second.value.getType())
                    : RankedTensorType();
    if (type && type.hasStaticShape() && type.getNumElements() == 0)
      return importer.fail("input '" + name + "' of shape " + formatDims(type.getShape()) +
                           " has no elements: empty tensors are not supported yet");
  }
  return true;
}

bool importGraphNodes(GraphImporter &importer, const onnx::GraphProto &graph) {
  const OpImporterTable &table = opImporters();
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &node = graph.node(i);
    importer.node = &node;
    importer.nodeIndex = i;
    bool ok;
    if (!operandsHaveElements(importer, node)) {
      ok = false;
    } else if (auto folded = foldOnHost(importer)) {
      ok = *folded;
    } else if (auto it = table.find(node.op_type()); it != table.end()) {
      ok = it->second(importer);
    } else {
      ok = importer.fail("unsupported operator");
    }
    for (size_t i = 0; ok && i < importer.numOutputs(); ++i) {
      if (!importer.hasOutput(i))
        continue;
      auto it = importer.values.find(node.output(i));
      if (it == importer.values.end()) {
        ok = importer.fail("output " + std::to_string(i) + " ('" +
                           node.output(i) + "') is not supported");
        continue;
      }
      // Absurd attributes (pads of 10^8, say) make absurd tensors: refuse
      // them here rather than plan an exabyte arena.
      auto type = it->second.value
                      ? dyn_cast<RankedTensorType>(it->second.value.getType())
                      : RankedTensorType();
      if (type && type.hasStaticShape() && !fitsTensorLimit(type.getShape()))
        ok = importer.fail("output '" + node.output(i) + "' of shape " +
                           formatDims(type.getShape()) +
                           " has more elements than Kiln supports (2^31)");
      // Computed empty tensors are legal ONNX, but nothing downstream plans
      // for them yet (constants folded on the host are fine).
      else if (type && type.hasStaticShape() && type.getNumElements() == 0 &&
               !it->second.constant)
        ok = importer.fail("output '" + node.output(i) + "' of shape " +
                           formatDims(type.getShape()) +
                           " has no elements: empty tensors are not supported yet");
    }
    if (!ok)
      return false;
  }
  return true;
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &context,
                                     const std::string &path,
                                     const ImportOptions &options,
                                     std::string &error) {
  onnx::ModelProto model;
  if (!loadOnnxModel(path, options, model, error))
    return nullptr;
  return importOnnxModel(context, model, path, options, error);
}

OwningOpRef<ModuleOp> importOnnxModel(MLIRContext &context,
                                      const onnx::ModelProto &model,
                                      const std::string &path,
                                      const ImportOptions &options,
                                      std::string &error, TensorShapes *shapes) {
  context.loadDialect<KilnDialect, func::FuncDialect>();
  const onnx::GraphProto &graph = model.graph();
  int64_t opset = defaultOpset(model);
  std::set<std::string> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());
  std::string modelDir =
      std::string(llvm::sys::path::parent_path(path));
  GraphImporter importer(&context, path, opset);
  for (const auto &init : graph.initializer()) {
    HostTensor tensor;
    if (!readTensorProto(init, modelDir, tensor, error)) {
      error = path + ": initializer: " + error;
      return nullptr;
    }
    importer.values[init.name()] =
        ImportedValue{nullptr, std::make_shared<const HostTensor>(std::move(tensor))};
  }

  // The entry function: graph inputs (minus initializers) in order.
  OpBuilder &b = importer.builder;
  Location fileLoc = FileLineColLoc::get(&context, path, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  SmallVector<Type> argTypes;
  SmallVector<Attribute> inputNames, outputNames;
  std::vector<std::string> argValueNames;
  SmallVector<Attribute> argRanges;
  for (const auto &in : graph.input()) {
    if (initializerNames.count(in.name()))
      continue;
    int32_t dtype = in.type().tensor_type().elem_type();
    Type elem = elementTypeFor(&context, dtype);
    const DataTypeInfo *info = lookupDataType(dtype);
    if (!elem || !info || !info->atRunTime) {
      error = path + ": input '" + in.name() + "' has " +
              (info ? "data type " + std::string(dtypeName(dtype)) +
                          ", which compiled code does not compute on yet"
                    : "unsupported data type " + std::string(dtypeName(dtype)));
      return nullptr;
    }
    std::vector<int64_t> dims;
    auto bound = options.inputShapes.find(in.name());
    bool ranged = false;
    for (const auto &dim : in.type().tensor_type().shape().dim()) {
      size_t d = dims.size();
      if (bound != options.inputShapes.end() && bound->second[d].ranged()) {
        dims.push_back(ShapedType::kDynamic);
        ranged = true;
      } else {
        dims.push_back(dim.dim_value());
      }
    }
    argTypes.push_back(RankedTensorType::get(dims, elem));
    // min, max of every dim (equal where static), for the backends.
    SmallVector<int64_t> ranges;
    for (size_t d = 0; ranged && d < dims.size(); ++d) {
      const DimRange &r = bound->second[d];
      ranges.append({r.min, r.max});
    }
    argRanges.push_back(ranged ? b.getDenseI64ArrayAttr(ranges) : nullptr);
    inputNames.push_back(b.getStringAttr(in.name()));
    argValueNames.push_back(in.name());
  }
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(b, fileLoc, options.entry,
                                   b.getFunctionType(argTypes, {}));
  for (auto [i, ranges] : llvm::enumerate(argRanges))
    if (ranges)
      func.setArgAttr(i, "kiln.dim_ranges", ranges);
  Block *body = func.addEntryBlock();
  for (auto [name, arg] : llvm::zip(argValueNames, body->getArguments())) {
    importer.values[name] = ImportedValue{arg, nullptr};
    importer.rangedDims |= !cast<RankedTensorType>(arg.getType()).hasStaticShape();
  }
  b.setInsertionPointToStart(body);

  if (!importGraphNodes(importer, graph)) {
    error = importer.error;
    return nullptr;
  }
  importer.node = nullptr;

  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    auto it = importer.values.find(out.name());
    if (it == importer.values.end()) {
      error = path + ": graph output '" + out.name() + "' is never produced";
      return nullptr;
    }
    if (!it->second.value)
      it->second.value = importer.constant(*it->second.constant, out.name());
    if (!it->second.value) {
      error = importer.error;
      return nullptr;
    }
    results.push_back(it->second.value);
    outputNames.push_back(b.getStringAttr(out.name()));
  }
  func::ReturnOp::create(b, fileLoc, results);
  func.setFunctionType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  func->setAttr("kiln.input_names", b.getArrayAttr(inputNames));
  func->setAttr("kiln.output_names", b.getArrayAttr(outputNames));

  std::string message;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &d) {
    if (message.empty())
      message = d.str();
    return success();
  });
  if (failed(verify(*module))) {
    error = path + ": imported graph is invalid: " + message;
    return nullptr;
  }
  if (shapes)
    for (const auto &[name, imported] : importer.values) {
      if (imported.value)
        if (auto type = dyn_cast<RankedTensorType>(imported.value.getType())) {
          (*shapes)[name] = std::vector<int64_t>(type.getShape());
          continue;
        }
      if (imported.constant)
        (*shapes)[name] = imported.constant->dims;
    }
  return module;
}

} // namespace kiln
