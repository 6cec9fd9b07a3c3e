//===- Registration.cpp - The pipelines as kiln-opt sees them -------------===//
#include "kiln/Pipeline/Pipelines.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace kiln {

namespace {

/// The defaults kiln-opt shows are the backends' own.
const CpuBackendOptions kDefaults;
const GpuBackendOptions kGpuDefaults;

/// CpuBackendOptions on the command line: `-kiln-cpu-pipeline="rows=4 ..."`.
struct CpuBackendCLOptions : PassPipelineOptions<CpuBackendCLOptions> {
  Option<std::string> entry{*this, "entry", llvm::cl::desc("Entry function"),
                            llvm::cl::init(kDefaults.entry)};
  Option<uint64_t> alignment{*this, "alignment",
                             llvm::cl::desc("Arena buffer alignment"),
                             llvm::cl::init(kDefaults.arenaAlignment)};
  Option<int64_t> rows{*this, "rows",
                       llvm::cl::desc("Rows of the contraction register tile"),
                       llvm::cl::init(kDefaults.tileRows)};
  Option<int64_t> lanes{*this, "lanes",
                        llvm::cl::desc("Lanes of the contraction register tile"),
                        llvm::cl::init(kDefaults.tileLanes)};
  Option<int64_t> wideRows{*this, "wide-rows",
                           llvm::cl::desc("Rows of the wide matmul tile"),
                           llvm::cl::init(kDefaults.wideRows)};
  Option<int64_t> wideLanes{*this, "wide-lanes",
                            llvm::cl::desc("Lanes of the wide matmul tile"),
                            llvm::cl::init(kDefaults.wideLanes)};
  Option<int64_t> stripLanes{
      *this, "strip-lanes",
      llvm::cl::desc("Lanes of elementwise and reduction strips"),
      llvm::cl::init(kDefaults.stripLanes)};
  Option<int64_t> unroll{*this, "unroll",
                         llvm::cl::desc("Unroll factor of accumulator loops"),
                         llvm::cl::init(kDefaults.unroll)};
  Option<bool> halideKernels{*this, "halide-kernels",
                             llvm::cl::desc("Call the Halide depthwise kernels"),
                             llvm::cl::init(kDefaults.halideKernels)};
  Option<int64_t> minBlockWork{
      *this, "min-block-work",
      llvm::cl::desc("Multiply-adds per Halide channel block, at least"),
      llvm::cl::init(kDefaults.minBlockWork)};
  Option<unsigned> indexBitwidth{
      *this, "index-bitwidth",
      llvm::cl::desc("Bits of index arithmetic (the target's pointer width)"),
      llvm::cl::init(kDefaults.indexBitwidth)};

  CpuBackendOptions get() const {
    CpuBackendOptions o;
    o.entry = entry;
    o.arenaAlignment = alignment;
    o.tileRows = rows;
    o.tileLanes = lanes;
    o.wideRows = wideRows;
    o.wideLanes = wideLanes;
    o.stripLanes = stripLanes;
    o.unroll = unroll;
    o.halideKernels = halideKernels;
    o.minBlockWork = minBlockWork;
    o.indexBitwidth = indexBitwidth;
    return o;
  }
};

/// GpuBackendOptions on the command line: `-kiln-gpu-pipeline="chip=sm_90"`.
struct GpuBackendCLOptions : PassPipelineOptions<GpuBackendCLOptions> {
  Option<std::string> entry{*this, "entry", llvm::cl::desc("Entry function"),
                            llvm::cl::init(kGpuDefaults.entry)};
  Option<std::string> chip{*this, "chip", llvm::cl::desc("GPU architecture"),
                           llvm::cl::init(kGpuDefaults.chip)};
  Option<std::string> libdevice{*this, "libdevice",
                                llvm::cl::desc("libdevice bitcode to link"),
                                llvm::cl::init(kGpuDefaults.libdevice)};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block"),
                            llvm::cl::init(kGpuDefaults.blockSize)};

  GpuBackendOptions get() const {
    GpuBackendOptions o;
    o.entry = entry;
    o.chip = chip;
    o.libdevice = libdevice;
    o.blockSize = blockSize;
    return o;
  }
};

struct FrontendCLOptions : PassPipelineOptions<FrontendCLOptions> {
  Option<bool> foldIntoConv{*this, "fold-into-conv",
                            llvm::cl::desc("Fold BatchNorm and scale/shift "
                                           "into conv weights"),
                            llvm::cl::init(FrontendOptions().foldIntoConv)};
};

} // namespace

void registerKilnPipelines() {
  registerAllPasses();
  registerKilnPasses();
  PassPipelineRegistration<FrontendCLOptions>(
      "kiln-frontend", "Target-neutral graph passes on kiln ops",
      [](OpPassManager &pm, const FrontendCLOptions &cl) {
        buildFrontend(pm, FrontendOptions{cl.foldIntoConv});
      });
  PassPipelineRegistration<CpuBackendCLOptions>(
      "kiln-cpu-backend", "Lower kiln ops to the LLVM dialect for CPUs",
      [](OpPassManager &pm, const CpuBackendCLOptions &cl) {
        buildCpuBackend(pm, cl.get());
      });
  PassPipelineRegistration<CpuBackendCLOptions>(
      "kiln-cpu-pipeline",
      "The frontend, then the CPU backend (the options are the backend's)",
      [](OpPassManager &pm, const CpuBackendCLOptions &cl) {
        buildFrontend(pm, FrontendOptions());
        buildCpuBackend(pm, cl.get());
      });
  PassPipelineRegistration<GpuBackendCLOptions>(
      "kiln-gpu-backend", "Lower kiln ops to PTX kernels and launches",
      [](OpPassManager &pm, const GpuBackendCLOptions &cl) {
        buildGpuBackend(pm, cl.get());
      });
  PassPipelineRegistration<GpuBackendCLOptions>(
      "kiln-gpu-pipeline",
      "The frontend, then the GPU backend (the options are the backend's)",
      [](OpPassManager &pm, const GpuBackendCLOptions &cl) {
        buildFrontend(pm, FrontendOptions());
        buildGpuBackend(pm, cl.get());
      });
}

} // namespace kiln
