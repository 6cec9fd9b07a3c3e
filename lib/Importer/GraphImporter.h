//===- GraphImporter.h - State shared by the per-op importers -------------===//
//
// One GraphImporter walks one ONNX graph in topological order. Each ONNX op
// has one small import function (Ops/, one file per op family) that reads
// its inputs and attributes through this class and records its outputs. Values known at
// compile time stay HostTensors so shape computations fold on the host.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IMPORTER_GRAPHIMPORTER_H
#define KILN_IMPORTER_GRAPHIMPORTER_H

#include "HostTensor.h"
#include "kiln/Support/ShapeArithmetic.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace onnx {
class GraphProto;
class NodeProto;
class AttributeProto;
} // namespace onnx

namespace kiln {

struct ImportedValue {
  mlir::Value value;                      // set once materialized or computed
  std::shared_ptr<const HostTensor> constant; // set when known on the host
};

class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext *ctx, std::string modelPath, int64_t opset);

  mlir::MLIRContext *ctx;
  mlir::OpBuilder builder;
  std::string modelPath;
  int64_t opset;
  std::map<std::string, ImportedValue> values;
  std::string error;
  /// Some input has ranged dims: folded Shape values may hold
  /// kDynamicShapeValue entries.
  bool rangedDims = false;

  // --- the node being imported -------------------------------------------
  const onnx::NodeProto *node = nullptr;
  int nodeIndex = -1; // its place in the graph
  /// Records a one-line error naming the file, node, op and opset; returns
  /// false so importers can `return fail(...)`.
  bool fail(const std::string &message);
  mlir::Location loc() const;

  size_t numInputs() const;
  bool hasInput(size_t i) const;
  /// The input as an MLIR value, materializing a constant; null on error.
  mlir::Value input(size_t i);
  /// The input's host data when it is a compile-time constant, else null.
  const HostTensor *constantInput(size_t i) const;
  /// Static type of an input (runtime or constant).
  mlir::RankedTensorType inputType(size_t i) const;
  /// Reads an input that must be constant as int64s; fails otherwise.
  bool constantInts(size_t i, std::vector<int64_t> &out, const char *what);

  const onnx::AttributeProto *attr(const std::string &name) const;
  int64_t attrInt(const std::string &name, int64_t fallback) const;
  float attrFloat(const std::string &name, float fallback) const;
  std::vector<int64_t> attrInts(const std::string &name,
                                std::vector<int64_t> fallback = {}) const;
  std::string attrString(const std::string &name,
                         const std::string &fallback = "") const;

  size_t numOutputs() const;
  /// True when output i is named, i.e. consumed by someone.
  bool hasOutput(size_t i) const;
  void setOutput(size_t i, mlir::Value value);
  void setOutput(size_t i, HostTensor constant);
  /// Sets output 0 to `value`; false when it is null because building it
  /// already failed (and reported why).
  bool produce(mlir::Value value) {
    if (!value)
      return false;
    setOutput(0, value);
    return true;
  }

  /// Builds a kiln op whose result type is inferred, reporting a shape
  /// mismatch as this node's error (null result) instead of aborting.
  template <typename OpT, typename... Args>
  mlir::Value make(Args &&...args) {
    mlir::OperationState state(loc(), OpT::getOperationName());
    OpT::build(builder, state, mlir::TypeRange(), std::forward<Args>(args)...);
    llvm::SmallVector<mlir::Type> types;
    if (!failOnDiagnostics(
            [&] {
              return mlir::succeeded(OpT::inferReturnTypes(
                  ctx, state.location, state.operands,
                  state.attributes.getDictionary(ctx), state.getRawProperties(),
                  state.regions, types));
            },
            "operands do not fit the operator"))
      return {};
    state.addTypes(types);
    return builder.create(state)->getResult(0);
  }

  /// Runs `build`; when it returns false, the first diagnostic it emitted
  /// (or `fallback`) becomes this node's error.
  bool failOnDiagnostics(llvm::function_ref<bool()> build,
                         const std::string &fallback);

  /// Materializes a host tensor as a kiln.constant; null after fail() when
  /// its data type exists only at compile time.
  mlir::Value constant(const HostTensor &tensor, const std::string &name);
  /// False after fail() when compiled code cannot hold `dtype` (value `name`).
  bool requireRunTimeType(int32_t dtype, const std::string &name);
  /// kiln.reshape to `shape` (no-op when already that shape).
  mlir::Value reshape(mlir::Value value, llvm::ArrayRef<int64_t> shape);

private:
  ImportedValue *lookup(size_t i);
  const ImportedValue *lookup(size_t i) const;
};

/// An op import function: returns false after calling fail().
using OpImporter = std::function<bool(GraphImporter &)>;
using OpImporterTable = std::unordered_map<std::string, OpImporter>;
/// The table from ONNX op type to its importer (Ops/OpTable.cpp).
const OpImporterTable &opImporters();

/// Reads Slice's starts/ends/axes/steps (attributes before opset 10,
/// constant inputs from 10 on) and resolves them against `dims`.
bool readSlice(GraphImporter &g, const std::vector<int64_t> &dims,
               SliceBounds &bounds);

/// Imports the nodes of `graph` (the model's, or a branch or loop body
/// whose inputs are bound already) in order; false after fail().
bool importGraphNodes(GraphImporter &importer, const onnx::GraphProto &graph);

/// Evaluates the node on the host when every input is a constant and the op
/// has a host rule. Returns nullopt when it does not apply, else the result
/// of the evaluation (false after fail()).
std::optional<bool> foldOnHost(GraphImporter &importer);
/// Whether `opType` has a host rule (an op foldOnHost may evaluate).
bool hasHostRule(const std::string &opType);

/// How errors name `node` (the graph's node `index`): "node 'NAME' (OP,
/// DETAIL)", or for an unnamed node "node #INDEX (OP, DETAIL, output 'Y')".
/// DETAIL ("opset 13") may be empty.
std::string describeNode(const onnx::NodeProto &node, int index,
                         const std::string &detail);

} // namespace kiln

#endif
