//===- GpuArtifact.h - The GPU backend's output as one flatbuffer ---------===//
//
// After the GPU pipeline the module holds a host function of views,
// constants and gpu.launch_func ops, the weights as memref.globals and one
// gpu.binary of PTX. The artifact (runtime/kiln_artifact.fbs) is that
// function resolved into data: every kernel argument a buffer offset or a
// scalar, every global packed into one aligned blob.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_GPUARTIFACT_H
#define KILN_TARGET_GPUARTIFACT_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace llvm {
class raw_ostream;
}

namespace kiln {

struct ModelInterface;

/// The artifact schema version this writer produces (Artifact.version).
constexpr unsigned kGpuArtifactVersion = 1;

/// Writes the artifact of `module`'s entry `entry`; false with `error` set
/// when the host function holds something the artifact cannot express (an
/// op that is not a view, constant or launch; a launch size that is not a
/// constant) or the PTX calls a function nothing defines.
bool writeGpuArtifact(mlir::ModuleOp module, const std::string &entry,
                      const ModelInterface &model, const std::string &chip,
                      llvm::raw_ostream &os, std::string &error);

/// The PTX text of `module`'s kernels, for --emit asm.
bool gpuKernelsPtx(mlir::ModuleOp module, std::string &ptx, std::string &error);

} // namespace kiln

#endif
