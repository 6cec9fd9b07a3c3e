//===- CpuPipeline.cpp - The compiler's CPU pass order, in one place ------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace kiln {

static std::string cpuPipelineText(const CpuPipelineOptions &opts) {
  return llvm::formatv(
             // Graph rewrites, then value-semantic linalg with elementwise
             // chains fused into one loop nest each.
             "func.func(kiln-fold-into-conv), canonicalize, "
             "kiln-lower-to-linalg{{pack-rows={2} pack-lanes={3} wide-rows={5} "
             "wide-lanes={6} halide-depthwise={4}}, "
             "canonicalize, "
             "func.func(kiln-fuse-elementwise), "
             // Register tiles of vector code, still on tensors.
             "func.func(kiln-tile-and-vectorize{{rows={2} contraction-lanes={3}}, "
             "kiln-approximate-math), canonicalize, "
             // Buffers: caller-owned I/O, then everything else in one arena.
             "kiln-entry-to-buffers{{entry={0}}, "
             "eliminate-empty-tensors, one-shot-bufferize{{buffer-alignment={1}}, "
             // Scratch tiles (partial reductions) leave their loops, so the
             // arena holds them too.
             "func.func(buffer-loop-hoisting), "
             "cse, canonicalize, "
             "kiln-expand-copies, "
             "kiln-plan-arena{{entry={0} alignment={1}}, "
             // Kernel calls: channel blocks for threads, then calls.
             "func.func(kiln-split-halide-calls), "
             "kiln-outline-kernels{{entry={0}}, kiln-lower-halide-calls, "
             // Loops, then the LLVM dialect with bare-pointer arguments.
             "convert-vector-to-scf{{full-unroll=true}, "
             "convert-linalg-to-loops, expand-strided-metadata, lower-affine, "
             "convert-scf-to-cf, finalize-memref-to-llvm, "
             // libm for what LLVM has no intrinsic for (erf, tanh, expm1).
             "convert-math-to-funcs, convert-math-to-llvm, convert-math-to-libm, "
             "convert-vector-to-llvm, convert-ub-to-llvm, "
             "convert-arith-to-llvm, "
             "convert-cf-to-llvm, "
             "convert-func-to-llvm{{use-bare-ptr-memref-call-conv=1}, "
             "reconcile-unrealized-casts",
             opts.entry, opts.arenaAlignment, opts.tileRows, opts.tileLanes,
             opts.halideKernels, opts.wideRows, opts.wideLanes)
      .str();
}

void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &opts) {
  // Every pass named here is registered, so parsing cannot fail.
  if (failed(parsePassPipeline(cpuPipelineText(opts), pm)))
    llvm::report_fatal_error("kiln: malformed built-in CPU pipeline");
}

void registerKilnPipelines() {
  registerAllPasses();
  registerKilnPasses();
  PassPipelineRegistration<>(
      "kiln-cpu-pipeline", "Lower a kiln model to the LLVM dialect for CPUs",
      [](OpPassManager &pm) { buildCpuPipeline(pm, CpuPipelineOptions()); });
}

} // namespace kiln
