//===- CompilerStage.h - What kilnc is doing, for internal errors --------===//
//
// An internal compiler error names where it happened: the MLIR pass that
// was running, or the stage outside the pass managers (import, LLVM
// translation, code generation). The name is readable from a signal
// handler: a NUL-terminated string that lives as long as the process.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_KILNC_COMPILERSTAGE_H
#define KILN_TOOLS_KILNC_COMPILERSTAGE_H

namespace mlir {
class PassManager;
} // namespace mlir

namespace kiln {

/// `stage` must outlive the process (a string literal).
void setCompilerStage(const char *stage);
const char *compilerStage();

/// Makes `pm` set the stage to "pass 'ARGUMENT'" while each pass runs.
void trackPassStages(mlir::PassManager &pm);

} // namespace kiln

#endif // KILN_TOOLS_KILNC_COMPILERSTAGE_H
