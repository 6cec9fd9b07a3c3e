//===- TargetDescription.cpp - One target, described once -----------------===//
//
// The code generator for a triple and CPU, and what the backends ask of it:
// vector registers, the contraction register tile, the Halide kernel set.
//
// A contraction tile keeps rows x lanes accumulators in vector registers for
// its whole reduction, next to the streamed operand's vectors and one
// broadcast. Too large a tile spills on every step (an 8x32 tile is 64 NEON
// registers); too small a one leaves the FMA pipes waiting on loads. The tile
// is two vectors wide, and 8 rows when 8 x 2 accumulators plus operands fit
// the register file, else 4 (rows stay a power of two so that packed weight
// blocks divide typical channel counts).
//
// The Halide kernels are built once per kernel set (kernels/CMakeLists.txt):
// x86-64 at three feature levels, AArch64, and 32-bit ARM with NEON. A target
// gets the richest set its CPU features allow, or none (RISC-V, ARM without
// NEON).
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/TargetDescription.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/ARMTargetParser.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <mutex>

namespace kiln {

static void initializeTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    // Objects may hold inline assembly (the CPU test of portable objects).
    llvm::InitializeAllAsmParsers();
  });
}

std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CodegenOptions &options, std::string &error) {
  initializeTargets();
  std::string tripleText = options.triple.empty()
                               ? llvm::sys::getDefaultTargetTriple()
                               : options.triple;
  llvm::Triple triple(llvm::Triple::normalize(tripleText));
  switch (triple.getArch()) {
  case llvm::Triple::x86_64:
  case llvm::Triple::aarch64:
  case llvm::Triple::arm:
  case llvm::Triple::riscv64:
    break;
  case llvm::Triple::nvptx64:
    // kilnc takes the GPU path before describing a CPU target.
    error = "GPU target '" + tripleText + "' has no CPU description";
    return nullptr;
  default:
    error = "unknown target '" + tripleText +
            "' (supported: x86_64-linux-gnu, aarch64-linux-gnu, "
            "armv7a-linux-gnueabihf, riscv64-linux-gnu, nvptx64-nvidia-cuda)";
    return nullptr;
  }
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    error = "unknown target '" + tripleText + "'";
    return nullptr;
  }
  std::string cpu = options.cpu.empty() ? "generic" : options.cpu;
  // `CPU+feature+...` adds features to a CPU: `generic-rv64+v` is RV64GC
  // with the vector extension.
  std::vector<std::string> extraFeatures;
  if (size_t plus = cpu.find('+'); plus != std::string::npos && cpu != "native") {
    llvm::SmallVector<llvm::StringRef> names;
    llvm::StringRef(cpu).substr(plus + 1).split(names, '+');
    for (llvm::StringRef name : names)
      extraFeatures.push_back(name.str());
    cpu = cpu.substr(0, plus);
  }
  // Ask before building the target machine, which would only warn.
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, "", ""));
  if (cpu != "generic" && cpu != "native" && (!info || !info->isCPUStringValid(cpu))) {
    error = "unknown CPU '" + cpu + "' for target '" + tripleText + "'";
    return nullptr;
  }
  for (const std::string &name : extraFeatures) {
    bool known = info && llvm::any_of(info->getAllProcessorFeatures(),
                                      [&](const llvm::SubtargetFeatureKV &kv) {
                                        return name == kv.Key;
                                      });
    if (!known) {
      error = "unknown CPU feature '+" + name + "' for target '" + tripleText + "'";
      return nullptr;
    }
  }
  std::string features;
  if (cpu == "native") {
    if (triple.getArch() != llvm::Triple(llvm::sys::getProcessTriple()).getArch()) {
      error = "--cpu native is only valid for the host target";
      return nullptr;
    }
    cpu = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures f;
    for (auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
      f.AddFeature(name, enabled);
    features = f.getString();
  }
  if (triple.getArch() == llvm::Triple::arm && cpu != "generic" &&
      features.empty()) {
    // As with clang's -mcpu: an ARM core brings its default FPU (NEON on
    // Cortex-A), which LLVM's CPU table alone does not enable.
    std::vector<llvm::StringRef> fpu;
    llvm::ARM::getFPUFeatures(
        llvm::ARM::getDefaultFPU(cpu, llvm::ARM::parseCPUArch(cpu)), fpu);
    llvm::SubtargetFeatures f;
    for (llvm::StringRef feature : fpu)
      f.AddFeature(feature);
    features = f.getString();
  }
  llvm::TargetOptions targetOptions;
  // Multiply-adds become FMAs: faster, and one rounding instead of two.
  targetOptions.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  if (triple.getArch() == llvm::Triple::riscv64) {
    // Linux distributions build RV64GC with the double-float ABI; objects
    // must match it to link.
    targetOptions.MCOptions.ABIName = "lp64d";
    if (features.empty())
      features = "+m,+a,+f,+d,+c";
  }
  for (const std::string &name : extraFeatures)
    features += (features.empty() ? "+" : ",+") + name;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm) {
    error = "cannot create a code generator for '" + tripleText + "'";
    return nullptr;
  }
  return tm;
}

VectorRegisters vectorRegistersFor(const llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo &sti = *tm.getMCSubtargetInfo();
  switch (tm.getTargetTriple().getArch()) {
  case llvm::Triple::x86_64:
    if (sti.checkFeatures("+avx512f"))
      return {16, 32};
    if (sti.checkFeatures("+avx"))
      return {8, 16};
    return {4, 16};
  case llvm::Triple::aarch64:
    return {4, 32};
  case llvm::Triple::arm:
    if (sti.checkFeatures("+neon"))
      return {4, 16};
    return {1, 32};
  case llvm::Triple::riscv64:
    // RVV: 32 registers of at least VLEN bits, VLEN the minimum the CPU
    // guarantees (V itself: 128), so the code runs on every such core.
    if (sti.checkFeatures("+v")) {
      for (auto [bits, floats] : {std::pair{512, 16}, std::pair{256, 8}})
        if (sti.checkFeatures("+zvl" + std::to_string(bits) + "b"))
          return {floats, 32};
      return {4, 32};
    }
    return {1, 32}; // RV64GC: scalar FP registers
  default:
    return {1, 32};
  }
}

RegisterTile registerTileFor(const llvm::TargetMachine &tm) {
  RegisterTile tile;
  VectorRegisters file = vectorRegistersFor(tm);
  constexpr int64_t vectorsPerRow = 2;
  tile.lanes = vectorsPerRow * file.floatsPerRegister;
  // Accumulators, the streamed row, and one broadcast.
  auto fits = [&](int64_t rows) {
    return rows * vectorsPerRow + vectorsPerRow + 1 <= file.count;
  };
  tile.rows = fits(8) ? 8 : 4;
  // 16 registers of 8 floats (AVX2) hold 6 rows: 12 accumulators, the row
  // and a broadcast. `--cpu znver3` on Zen 4 (medians of 5 rounds), every
  // contraction on 6 rows: GEMM 512^3 2.62 -> 2.44 ms, rec 16.9 -> 15.7,
  // det 68.1 -> 61.7, but cls 0.51 -> 0.58 (its filter counts are rarely
  // multiples of 6, and those convs lost their packing); hence only where
  // the filters fill blocks (bench/RESULTS.md, AVX2 tall block).
  if (!fits(8) && fits(6))
    tile.tallRows = 6;
  // With 32 registers of 16 lanes a large matmul affords 6 rows of four
  // vectors: 24 accumulators, four panel vectors and a broadcast, 24 FMAs
  // per 10 loads instead of 16 per 10 (4-7% faster on a 512^3 GEMM in three
  // paired runs; on small or narrow products the remainders cost more).
  if (file.floatsPerRegister == 16 && file.count >= 32) {
    tile.wideRows = 6;
    tile.wideLanes = 4 * file.floatsPerRegister;
  }
  return tile;
}

PairMultiply pairMultiplyFor(const llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo &sti = *tm.getMCSubtargetInfo();
  if (tm.getTargetTriple().getArch() != llvm::Triple::x86_64)
    return {};
  // With AVX-512 VNNI or AVX-VNNI, LLVM folds the following add into the
  // multiply (vpdpwssd).
  if (sti.checkFeatures("+avx512bw"))
    return {"llvm.x86.avx512.pmaddw.d.512", 32};
  if (sti.checkFeatures("+avx2"))
    return {"llvm.x86.avx2.pmadd.wd", 16};
  return {"llvm.x86.sse2.pmadd.wd", 8}; // baseline x86-64
}

QuadMultiply quadMultiplyFor(const llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo &sti = *tm.getMCSubtargetInfo();
  switch (tm.getTargetTriple().getArch()) {
  case llvm::Triple::aarch64:
    if (sti.checkFeatures("+dotprod"))
      return {"llvm.aarch64.neon.sdot.v4i32.v16i8", 16, false};
    return {};
  case llvm::Triple::x86_64:
    // The vector width follows the float tiles': zmm where AVX-512 is
    // there, else ymm (AVX-VNNI, VEX-encoded).
    if (sti.checkFeatures("+avx512vnni,+avx512bw"))
      return {"llvm.x86.avx512.vpdpbusd.512", 64, true};
    if (sti.checkFeatures("+avxvnni") || sti.checkFeatures("+avx512vnni,+avx512vl"))
      return {"llvm.x86.avx512.vpdpbusd.256", 32, true};
    // 7-bit weights on pmaddubsw + pmaddwd (see QuadMultiply).
    if (sti.checkFeatures("+avx512bw"))
      return {"llvm.x86.avx512.pmaddubs.w.512", 64, true,
              "llvm.x86.avx512.pmaddw.d.512", 64};
    if (sti.checkFeatures("+avx2"))
      return {"llvm.x86.avx2.pmadd.ub.sw", 32, true, "llvm.x86.avx2.pmadd.wd", 64};
    return {};
  default:
    return {};
  }
}

std::string halideKernelSetFor(const llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo &sti = *tm.getMCSubtargetInfo();
  switch (tm.getTargetTriple().getArch()) {
  case llvm::Triple::x86_64:
    if (sti.checkFeatures("+avx512f,+avx512bw,+avx512dq,+avx512vl,+avx512cd,"
                          "+avx2,+fma,+f16c"))
      return "x86-64-avx512";
    if (sti.checkFeatures("+avx2,+fma,+f16c,+sse4.1"))
      return "x86-64-avx2";
    return "x86-64";
  case llvm::Triple::aarch64:
    return "arm-64";
  case llvm::Triple::arm:
    return sti.checkFeatures("+neon") ? "arm-32" : "";
  default:
    return "";
  }
}

std::vector<std::string> mlirDepthwiseFor(const std::string &kernelSet) {
  struct Choice {
    const char *kernelSet, *shape;
  };
  static const Choice kMlirFaster[] = {
#define KILN_MLIR_DEPTHWISE(SET, SHAPE) {SET, SHAPE},
#include "DepthwiseChoices.def"
#undef KILN_MLIR_DEPTHWISE
  };
  std::vector<std::string> shapes;
  for (const Choice &c : kMlirFaster)
    if (kernelSet == c.kernelSet)
      shapes.push_back(c.shape);
  return shapes;
}

static std::string kernelSetDir(const std::string &set,
                                const std::string &root) {
  if (set.empty() || root.empty())
    return "";
  llvm::SmallString<256> dir(root);
  llvm::sys::path::append(dir, set);
  llvm::SmallString<256> calls(dir);
  llvm::sys::path::append(calls, "calls.bc");
  return llvm::sys::fs::exists(calls) ? std::string(dir) : "";
}

std::string halideKernelDir(const llvm::TargetMachine &tm,
                            const std::string &root) {
  return kernelSetDir(halideKernelSetFor(tm), root);
}

std::unique_ptr<TargetDescription>
describeTarget(const CodegenOptions &options, const std::string &kernelRoot,
               std::string &error) {
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(options, error);
  if (!tm)
    return nullptr;
  auto target = std::make_unique<TargetDescription>();
  target->triple = tm->getTargetTriple();
  target->cpu = tm->getTargetCPU().str();
  target->features = tm->getTargetFeatureString().str();
  target->vectors = vectorRegistersFor(*tm);
  target->tile = registerTileFor(*tm);
  target->pairMultiply = pairMultiplyFor(*tm);
  target->quadMultiply = quadMultiplyFor(*tm);
  target->kernelSet = halideKernelSetFor(*tm);
  target->halideKernelDir = kernelSetDir(target->kernelSet, kernelRoot);
  target->mlirDepthwise = mlirDepthwiseFor(target->kernelSet);
  target->machine = std::move(tm);
  return target;
}

} // namespace kiln
