//===- ParallelEntry.h - Entry that splits loop kernels over threads ------===//
#ifndef KILN_TARGET_PARALLELENTRY_H
#define KILN_TARGET_PARALLELENTRY_H

namespace llvm {
class Function;
class Module;
} // namespace llvm

namespace kiln {

/// Clones the lowered entry `impl` into `<impl>_parallel`, which takes one
/// more argument, a `const kiln_parallel *`, and runs every call to a loop
/// kernel (a function marked `kiln-loop-kernel`, whose last two arguments
/// are its iteration range) through the caller's parallel_for in chunks.
llvm::Function *addParallelEntry(llvm::Module &module, llvm::Function *impl);

} // namespace kiln

#endif // KILN_TARGET_PARALLELENTRY_H
