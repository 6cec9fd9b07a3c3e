//===- OnnxImporter.h - ONNX model to kiln dialect ------------------------===//
#ifndef KILN_IMPORTER_ONNXIMPORTER_H
#define KILN_IMPORTER_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace kiln {

/// One dim of `--shape`: a size (min == max) or a bounded range `MIN..MAX`.
struct DimRange {
  int64_t min = 0, max = 0;
  bool ranged() const { return min != max; }
};

struct ImportOptions {
  /// Shapes for graph inputs, from `--shape NAME=D0xD1...`; a ranged dim
  /// (`MIN..MAX`) is imported as a dynamic dim whose range the entry
  /// function's argument carries (`kiln.dim_ranges`).
  std::map<std::string, std::vector<DimRange>> inputShapes;
  /// Name of the generated entry function.
  std::string entry = "main";
};

/// Reads an ONNX file and builds a module with one function `entry` whose
/// arguments and results are the graph's inputs and outputs, in order. The
/// function carries `kiln.input_names` / `kiln.output_names`. On bad input
/// returns null and sets `error` to a one-line message naming the problem.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &context,
                                                 const std::string &path,
                                                 const ImportOptions &options,
                                                 std::string &error);

/// Parses `D0xD1x...` (or an empty string for a scalar); false on bad syntax
/// or a range.
bool parseShapeText(const std::string &text, std::vector<int64_t> &dims);

/// Parses `D0xD1x...` where a dim may also be `MIN..MAX` (1 <= MIN < MAX).
bool parseShapeRanges(const std::string &text, std::vector<DimRange> &dims);

} // namespace kiln

#endif
