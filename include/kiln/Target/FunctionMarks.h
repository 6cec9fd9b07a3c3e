//===- FunctionMarks.h - How generated functions say what they are --------===//
//
// The lowering marks the functions it makes with these LLVM function
// attributes (MLIR `passthrough` on the func), and code generation asks the
// marks instead of recognising names: any `--name` works, `main` included.
// They are removed before the object is written.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_FUNCTIONMARKS_H
#define KILN_TARGET_FUNCTIONMARKS_H

#include "llvm/ADT/StringRef.h"

namespace kiln {

/// The lowered model entry (inputs, outputs, arena); kiln-entry-to-buffers.
inline constexpr llvm::StringLiteral kEntryFnAttr = "kiln-entry";
/// A kernel whose last two arguments are the range of iterations it runs,
/// so a parallel caller may split it; kiln-outline-kernels.
inline constexpr llvm::StringLiteral kLoopKernelFnAttr = "kiln-loop-kernel";
/// The ranged model's output dims from its sizes; kiln-output-dims.
inline constexpr llvm::StringLiteral kOutputDimsFnAttr = "kiln-output-dims";
/// Part of the model's C API; the only functions the object exports.
inline constexpr llvm::StringLiteral kExportFnAttr = "kiln-export";

} // namespace kiln

#endif // KILN_TARGET_FUNCTIONMARKS_H
