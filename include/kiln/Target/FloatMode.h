//===- FloatMode.h - Denormals flushed to zero while a model runs ---------===//
#ifndef KILN_TARGET_FLOATMODE_H
#define KILN_TARGET_FLOATMODE_H

namespace llvm {
class IRBuilderBase;
class Value;
} // namespace llvm

namespace kiln {

/// Emits, at `b`'s insertion point, code that saves the thread's
/// floating-point control register and sets it to flush denormal inputs
/// and results to zero (x86-64 MXCSR FTZ|DAZ, AArch64 FPCR.FZ). Returns
/// the saved state for restoreFloatMode, or null where the target has no
/// such mode (RISC-V; ARMv7's NEON flushes denormals already).
llvm::Value *enterFlushDenormals(llvm::IRBuilderBase &b);

/// Emits code restoring the state enterFlushDenormals saved (no-op for
/// null).
void restoreFloatMode(llvm::IRBuilderBase &b, llvm::Value *saved);

} // namespace kiln

#endif // KILN_TARGET_FLOATMODE_H
