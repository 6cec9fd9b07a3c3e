//===- InProcessModel.h - A kiln-level module compiled and run in process -===//
//
// Calibration runs the float model compiled by Kiln's own pipeline for the
// host, JIT-executed with LLVM's ORC: the numbers it observes are the ones
// the shipped object computes, and no second runtime is involved.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_QUANTIZE_INPROCESSMODEL_H
#define KILN_QUANTIZE_INPROCESSMODEL_H

#include "kiln/Target/ModelInterface.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>
#include <vector>

namespace kiln {

class InProcessModel {
public:
  ~InProcessModel();

  /// Compiles `module` (kiln ops after the frontend; it is lowered in place)
  /// for the host. Null with `error` set on failure.
  static std::unique_ptr<InProcessModel>
  compile(mlir::ModuleOp module, const std::string &entry, std::string &error);

  const ModelInterface &interface() const { return model; }

  /// One inference: `inputs` and `outputs` as the header describes them
  /// (outputs are resized to fit).
  bool run(const std::vector<const void *> &inputs,
           std::vector<std::vector<char>> &outputs, std::string &error);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
  ModelInterface model;
};

} // namespace kiln

#endif // KILN_QUANTIZE_INPROCESSMODEL_H
