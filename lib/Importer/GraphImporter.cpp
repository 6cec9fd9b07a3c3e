//===- GraphImporter.cpp - Value, attribute and error plumbing ------------===//
#include "GraphImporter.h"

#include "Kiln/KilnOps.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace kiln {

GraphImporter::GraphImporter(MLIRContext *ctx, std::string modelPath,
                             int64_t opset)
    : ctx(ctx), builder(ctx), modelPath(std::move(modelPath)), opset(opset) {}

std::string describeNode(const onnx::NodeProto &node, int index,
                         const std::string &detail) {
  std::string details = node.op_type();
  if (!detail.empty())
    details += ", " + detail;
  if (!node.name().empty())
    return "node '" + node.name() + "' (" + details + ")";
  // Unnamed: its place, and what it produces (what a viewer shows).
  if (node.output_size() > 0 && !node.output(0).empty())
    details += ", output '" + node.output(0) + "'";
  return "node #" + std::to_string(index) + " (" + details + ")";
}

bool GraphImporter::fail(const std::string &message) {
  if (!error.empty())
    return false;
  if (node)
    error = modelPath + ": " +
            describeNode(*node, nodeIndex, "opset " + std::to_string(opset)) +
            ": " + message;
  else
    error = modelPath + ": " + message;
  return false;
}

bool GraphImporter::requireRunTimeType(int32_t dtype, const std::string &name) {
  const DataTypeInfo *info = lookupDataType(dtype);
  if (info && info->atRunTime)
    return true;
  return fail("'" + name + "' has data type " + dtypeName(dtype) +
              (info ? ", which compiled code does not compute on yet"
                    : ", which Kiln does not support"));
}

Location GraphImporter::loc() const {
  Location file = FileLineColLoc::get(ctx, modelPath, 0, 0);
  if (!node)
    return file;
  std::string name = node->name().empty() ? node->op_type() : node->name();
  return NameLoc::get(StringAttr::get(ctx, name), file);
}

size_t GraphImporter::numInputs() const { return node->input_size(); }

bool GraphImporter::hasInput(size_t i) const {
  return i < numInputs() && !node->input(i).empty();
}

ImportedValue *GraphImporter::lookup(size_t i) {
  if (!hasInput(i))
    return nullptr;
  auto it = values.find(node->input(i));
  return it == values.end() ? nullptr : &it->second;
}

const ImportedValue *GraphImporter::lookup(size_t i) const {
  return const_cast<GraphImporter *>(this)->lookup(i);
}

/// The ops that read uint8 tensors at run time (as quantized data or to
/// convert them); everything else computes on signless types.
static bool readsUInt8(const std::string &op) {
  static const char *const ops[] = {"DequantizeLinear", "QLinearConv",
                                    "QLinearMatMul", "ConvInteger",
                                    "MatMulInteger", "Cast", "Identity"};
  return llvm::is_contained(ops, op);
}

Value GraphImporter::input(size_t i) {
  ImportedValue *v = lookup(i);
  if (!v) {
    fail(hasInput(i) ? "input '" + node->input(i) + "' is not defined"
                     : "missing input " + std::to_string(i));
    return {};
  }
  if (!v->value)
    v->value = constant(*v->constant, node->input(i));
  if (v->value && !readsUInt8(node->op_type()) &&
      cast<RankedTensorType>(v->value.getType()).getElementType().isUnsignedInteger()) {
    fail("uint8 value '" + node->input(i) +
         "' is read at run time only by quantization ops and Cast");
    return {};
  }
  return v->value;
}

const HostTensor *GraphImporter::constantInput(size_t i) const {
  const ImportedValue *v = lookup(i);
  return v && v->constant ? v->constant.get() : nullptr;
}

RankedTensorType GraphImporter::inputType(size_t i) const {
  const ImportedValue *v = lookup(i);
  if (!v)
    return {};
  if (v->value)
    return cast<RankedTensorType>(v->value.getType());
  return RankedTensorType::get(v->constant->dims,
                               elementTypeFor(ctx, v->constant->dtype));
}

bool GraphImporter::constantInts(size_t i, std::vector<int64_t> &out,
                                 const char *what) {
  const HostTensor *t = constantInput(i);
  if (!t)
    return fail(std::string(what) + " must be a compile-time constant");
  out = t->asInt64();
  return true;
}

const onnx::AttributeProto *GraphImporter::attr(const std::string &name) const {
  for (const auto &a : node->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t GraphImporter::attrInt(const std::string &name, int64_t fallback) const {
  const auto *a = attr(name);
  return a ? a->i() : fallback;
}

float GraphImporter::attrFloat(const std::string &name, float fallback) const {
  const auto *a = attr(name);
  return a ? a->f() : fallback;
}

std::vector<int64_t> GraphImporter::attrInts(const std::string &name,
                                             std::vector<int64_t> fallback) const {
  const auto *a = attr(name);
  if (!a)
    return fallback;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::string GraphImporter::attrString(const std::string &name,
                                      const std::string &fallback) const {
  const auto *a = attr(name);
  return a ? a->s() : fallback;
}

size_t GraphImporter::numOutputs() const { return node->output_size(); }

bool GraphImporter::hasOutput(size_t i) const {
  return i < numOutputs() && !node->output(i).empty();
}

void GraphImporter::setOutput(size_t i, Value value) {
  if (hasOutput(i))
    values[node->output(i)] = ImportedValue{value, nullptr};
}

void GraphImporter::setOutput(size_t i, HostTensor constant) {
  if (hasOutput(i))
    values[node->output(i)] = ImportedValue{
        nullptr, std::make_shared<const HostTensor>(std::move(constant))};
}

Value GraphImporter::constant(const HostTensor &tensor, const std::string &name) {
  if (!requireRunTimeType(tensor.dtype, name))
    return {};
  if (tensor.dtype == kUInt8 && !readsUInt8(node->op_type())) {
    fail("uint8 constant '" + name +
         "' is read at run time only by quantization ops and Cast");
    return {};
  }
  ElementsAttr attr = toElementsAttr(ctx, tensor, name);
  return ConstantOp::create(builder, loc(), attr);
}

bool GraphImporter::failOnDiagnostics(llvm::function_ref<bool()> build,
                                      const std::string &fallback) {
  std::string message;
  bool ok;
  {
    ScopedDiagnosticHandler capture(ctx, [&](Diagnostic &d) {
      if (message.empty())
        message = d.str();
      return success();
    });
    ok = build();
  }
  return ok || fail(message.empty() ? fallback : message);
}

Value GraphImporter::reshape(Value value, ArrayRef<int64_t> shape) {
  if (!value) // building it failed and said why
    return {};
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  return ReshapeOp::create(builder, loc(),
                           RankedTensorType::get(shape, type.getElementType()),
                           value);
}

} // namespace kiln
