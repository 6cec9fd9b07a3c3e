//===- Pipelines.h - The compiler's pass order: frontend, then a backend --===//
//
//   import (kiln/Importer) ──▶ buildFrontend ──▶ buildCpuBackend ──▶ LLVM dialect
//                               graph passes      kernel choice, neutral lowering,
//                               on kiln ops       tiles, buffers, arena, kernels
//
// Each builder takes typed options; backends get theirs from the target
// description (cpuBackendOptionsFor). kiln-opt registers the same builders.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PIPELINE_PIPELINES_H
#define KILN_PIPELINE_PIPELINES_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace kiln {

struct TargetDescription;

/// Target-neutral graph passes on the imported kiln ops.
struct FrontendOptions {
  /// Fold BatchNorm and per-channel scale/shift into conv weights.
  bool foldIntoConv = true;
};

/// The CPU backend: from kiln ops to the LLVM dialect.
struct CpuBackendOptions {
  std::string entry = "main";
  uint64_t arenaAlignment = 64;
  /// Bits of index arithmetic in the LLVM dialect: the target's pointer
  /// width, so 32-bit cores do no 64-bit math (nor call libgcc to divide).
  unsigned indexBitwidth = 64;
  /// Contraction register tile (and the blocks weights are packed into).
  int64_t tileRows = 8;
  int64_t tileLanes = 32;
  /// The wide tile of large matmuls (0: none).
  int64_t wideRows = 0;
  int64_t wideLanes = 0;
  /// Rows of the tall tile of pointwise convs (0: none).
  int64_t tallRows = 0;
  /// The tiles float weights are packed for when not this CPU's
  /// (packLanes 0): another variant's in a multi-CPU object, so that the
  /// variants share the weights.
  int64_t packRows = 0;
  int64_t packLanes = 0;
  int64_t packWideRows = 0;
  int64_t packWideLanes = 0;
  /// Lanes of elementwise and reduction strips.
  int64_t stripLanes = 32;
  /// Unroll factor of the innermost accumulator loops (1: none).
  int64_t unroll = 4;
  /// Integer contractions over 16-bit pairs call this intrinsic, on
  /// `pairLanes` 16-bit inputs at a time ("": lane by lane).
  std::string pairIntrinsic;
  int64_t pairLanes = 0;
  /// Integer contractions over 8-bit quads call this accumulating
  /// intrinsic on `quadLanes` 8-bit inputs at a time ("": they use pairs).
  std::string quadIntrinsic;
  int64_t quadLanes = 0;
  bool quadUnsignedInput = false; // the quads' inputs are unsigned bytes
  /// Non-empty: the quad intrinsic returns saturating 16-bit pair sums,
  /// widened by this pair intrinsic, for weights up to `quadMaxWeight`.
  std::string quadWidenIntrinsic;
  int64_t quadMaxWeight = 128;
  /// Depthwise convs call the Halide kernels (the target has them).
  bool halideKernels = false;
  /// Depthwise shapes (`k5_s1`, ...) that stay on MLIR, faster on this CPU.
  std::vector<std::string> mlirDepthwise;
  /// Multiply-adds per Halide channel block, at least.
  int64_t minBlockWork = 16384;
};

/// The NVIDIA GPU backend: from kiln ops to PTX kernels and a host function
/// of launches.
struct GpuBackendOptions {
  std::string entry = "main";
  uint64_t arenaAlignment = 256; // what cudaMalloc gives; coalesced rows
  /// The GPU architecture (`--cpu`); the PTX ISA follows from it
  /// (gpuPtxFeatures).
  std::string chip = "sm_80";
  /// The CUDA toolkit's libdevice.10.bc, linked into every kernel so that
  /// math calls (__nv_expf, ...) resolve ("": none).
  std::string libdevice;
  /// Threads per block of the plain SIMT kernels.
  int64_t blockSize = 256;
};

/// The PTX ISA features for GPU architecture `chip` (sm_75 ... sm_90a take
/// PTX 8.0, what CUDA 12.0 and later drivers accept; Blackwell's sm_100 ...
/// sm_121 need 8.8, CUDA 12.9); empty for a chip Kiln does not know.
std::string gpuPtxFeatures(const std::string &chip);

/// The CPU backend options for `target` (tiles, kernel set), entry `entry`.
CpuBackendOptions cpuBackendOptionsFor(const TargetDescription &target,
                                       const std::string &entry);

void buildFrontend(mlir::OpPassManager &pm, const FrontendOptions &options);
void buildCpuBackend(mlir::OpPassManager &pm, const CpuBackendOptions &options);
void buildGpuBackend(mlir::OpPassManager &pm, const GpuBackendOptions &options);
/// The GPU backend up to its launches, then each launch run as loops on the
/// CPU and the CPU's lowering to LLVM: an object that computes what the GPU
/// kernels would, for testing the GPU mapping without a GPU.
void buildGpuEmulation(mlir::OpPassManager &pm, const GpuBackendOptions &options,
                       unsigned indexBitwidth);
/// The CPU backend's last part: loops and buffers to the LLVM dialect with
/// bare-pointer entry arguments.
void buildLoopsToLLVM(mlir::OpPassManager &pm, unsigned indexBitwidth);
/// What the GPU backend needs registered in the context: the translations
/// to LLVM IR and the NVVM target that writes PTX.
void registerGpuBackendDependencies(mlir::DialectRegistry &registry);
/// Both backends' buffers: the entry's I/O as caller-owned buffers, every
/// other buffer planned into one arena of `alignment`-aligned slots.
/// `expandCopies`: copies become the CPU's vector row loops (the GPU keeps
/// memref.copy, which it launches like any loop nest).
void buildArenaBuffers(mlir::OpPassManager &pm, const std::string &entry,
                       uint64_t alignment, bool expandCopies);
/// After post-training quantization wrapped ops in quantize/dequantize:
/// folds them into integer ops and cleans up (part of the frontend).
void buildQuantizedFold(mlir::OpPassManager &pm);

/// Registers Kiln's passes and the pipelines `kiln-frontend`,
/// `kiln-cpu-backend` and `kiln-cpu-pipeline` (both), with their options.
void registerKilnPipelines();

} // namespace kiln

#endif // KILN_PIPELINE_PIPELINES_H
