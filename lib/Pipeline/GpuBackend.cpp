//===- GpuBackend.cpp - The NVIDIA GPU backend's pass order ----------------===//
//
// kiln ops -> linalg (elementwise chains fused) -> buffers in one arena (the
// CPU backend's planner) -> parallel loops -> one gpu.launch per loop nest
// -> outlined kernels -> NVVM -> PTX text in a gpu.binary. The host function
// that is left holds views, constants and launches only.
//
//===----------------------------------------------------------------------===//
#include "kiln/Pipeline/Pipelines.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace kiln {

void registerGpuBackendDependencies(DialectRegistry &registry) {
  // gpu-module-to-binary translates each kernel module to LLVM IR, then to
  // PTX through the NVVM target.
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
}

std::string gpuPtxFeatures(const std::string &chip) {
  static const char *const ptx80[] = {"sm_75", "sm_80", "sm_86", "sm_87",
                                      "sm_89", "sm_90", "sm_90a"};
  static const char *const ptx88[] = {"sm_100", "sm_100a", "sm_101", "sm_101a",
                                      "sm_103", "sm_103a", "sm_120", "sm_120a",
                                      "sm_121", "sm_121a"};
  if (llvm::is_contained(ptx80, chip))
    return "+ptx80";
  if (llvm::is_contained(ptx88, chip))
    return "+ptx88";
  return "";
}

/// Both GPU pipelines' first part: kiln ops to launches on the host.
static void buildGpuLaunches(OpPassManager &pm, const GpuBackendOptions &options) {
  pm.addPass(createKilnLowerToLinalg());
  pm.addPass(createCanonicalizerPass());
  // Padded and transposed filters computed once, here, not by a kernel on
  // every run.
  pm.addNestedPass<func::FuncOp>(createKilnFoldWeightTransforms());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createKilnFuseElementwise());
  // Math the polynomials below do not cover becomes libdevice calls
  // (__nv_*), resolved by linking the CUDA toolkit's libdevice
  // (`libdevice`); without it they stay unresolved in the PTX.
  buildArenaBuffers(pm, options.entry, options.arenaAlignment,
                    /*expandCopies=*/false);

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // Consecutive nests over one iteration space become one launch when the
  // alias analysis proves no thread reads what another writes (it takes
  // views of the arena as overlapping, so fusion stays on the safe side).
  pm.addNestedPass<func::FuncOp>(createParallelLoopFusionPass());
  // The CPU's polynomial exp/tanh/erf/...: the same numbers on both
  // backends, and no libdevice needed for them.
  pm.addNestedPass<func::FuncOp>(createKilnApproximateMath());
  // Integer powers have no NVVM lowering: functions the outliner copies
  // into the kernel module.
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(
      createKilnMapToGpu(KilnMapToGpuOptions{options.blockSize}));
}

void buildGpuEmulation(OpPassManager &pm, const GpuBackendOptions &options,
                       unsigned indexBitwidth) {
  buildGpuLaunches(pm, options);
  pm.addNestedPass<func::FuncOp>(createKilnEmulateGpuLaunches());
  pm.addPass(createCanonicalizerPass());
  buildLoopsToLLVM(pm, indexBitwidth);
}

void buildGpuBackend(OpPassManager &pm, const GpuBackendOptions &options) {
  buildGpuLaunches(pm, options);
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());

  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  // A chip Kiln does not list (kiln-opt takes any) gets PTX 8.0, what
  // CUDA 12.0 and later drivers accept.
  target.features = gpuPtxFeatures(options.chip);
  if (target.features.empty())
    target.features = "+ptx80";
  target.optLevel = 3;
  if (!options.libdevice.empty())
    target.linkLibs.push_back(options.libdevice);
  pm.addPass(createGpuNVVMAttachTarget(target));
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.useBarePtrCallConv = true;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(nvvm));
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa"; // PTX text, assembled by the driver
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

} // namespace kiln
