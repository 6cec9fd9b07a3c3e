//===- ObjectEmitter.cpp - LLVM IR, O3 and code generation in process -----===//
#include "kiln/Target/ObjectEmitter.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/ARMTargetParser.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <chrono>
#include <mutex>

namespace kiln {

/// Functions the object may call: memory primitives and libm. Anything else
/// (malloc in particular) would break the no-allocation, no-runtime contract.
static bool isAllowedExternal(llvm::StringRef name) {
  static const char *allowed[] = {
      "memcpy", "memset", "memmove", "expf", "logf", "sqrtf", "powf",
      "tanhf", "erff", "expm1f", "log1pf", "fmaf", "floorf", "ceilf", "roundf", "fabsf",
      "fminf", "fmaxf", "exp2f", "log2f", "sinf", "cosf", "nearbyintf",
      "rintf", "truncf", "fmodf", "exp", "log", "sqrt", "pow", "tanh"};
  return llvm::is_contained(allowed, name);
}

static void initializeTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    // Kernels are loop nests with static trip counts; LLVM would unroll
    // whole nests into basic blocks of thousands of loads and stores, which
    // instruction selection and scheduling handle in superlinear time.
    const char *unroll = getenv("KILN_LLVM_ARGS");
    std::vector<const char *> args = {"kilnc",
                                      unroll ? unroll : "-unroll-threshold=50"};
    llvm::cl::ParseCommandLineOptions(static_cast<int>(args.size()),
                                      args.data());
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
    error = "GPU target '" + tripleText + "' is not supported yet";
    return nullptr;
  default:
    error = "unknown target '" + tripleText +
            "' (supported: x86_64-linux-gnu, aarch64-linux-gnu, "
            "armv7a-linux-gnueabihf, riscv64-linux-gnu)";
    return nullptr;
  }
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    error = "unknown target '" + tripleText + "'";
    return nullptr;
  }
  std::string cpu = options.cpu.empty() ? "generic" : options.cpu;
  if (cpu != "generic" && cpu != "native") {
    // Ask before building the target machine, which would only warn.
    std::unique_ptr<llvm::MCSubtargetInfo> sti(
        target->createMCSubtargetInfo(triple, "", ""));
    if (!sti || !sti->isCPUStringValid(cpu)) {
      error = "unknown CPU '" + cpu + "' for target '" + tripleText + "'";
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
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm) {
    error = "cannot create a code generator for '" + tripleText + "'";
    return nullptr;
  }
  return tm;
}

static void optimize(llvm::Module &module, llvm::TargetMachine &tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(module, mam);
}

bool emitModel(mlir::ModuleOp module, const ModelInterface &model,
               const std::string &implName, llvm::TargetMachine &tm,
               const std::string &halideKernels, EmitKind kind,
               llvm::raw_pwrite_stream &os, std::string &error) {
  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);

  auto t0 = std::chrono::steady_clock::now();
  auto lap = [&](const char *what) {
    if (!getenv("KILN_TIME_PHASES"))
      return;
    auto now = std::chrono::steady_clock::now();
    llvm::errs() << "kilnc: " << what << " "
                 << std::chrono::duration<double>(now - t0).count() << " s\n";
    t0 = now;
  };
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, llvmContext, model.name);
  lap("translate");
  if (!llvmModule) {
    error = "internal: translation to LLVM IR failed";
    return false;
  }
  llvmModule->setTargetTriple(tm.getTargetTriple());
  llvmModule->setDataLayout(tm.createDataLayout());
  if (!tm.Options.MCOptions.ABIName.empty())
    llvmModule->addModuleFlag(llvm::Module::Error, "target-abi",
                              llvm::MDString::get(llvmContext,
                                                  tm.Options.MCOptions.ABIName));
  if (!addCInterface(*llvmModule, model, implName, error))
    return false;
  if (!linkHalideKernels(*llvmModule, halideKernels, error))
    return false;
  // Only the C API is exported, so several models link into one program.
  // Kernels stay separate functions: inlining them back into the entry would
  // rebuild the one huge function they were split out of.
  for (llvm::Function &fn : *llvmModule) {
    if (fn.isDeclaration() || fn.getName().starts_with(model.name + "_"))
      continue;
    fn.setLinkage(llvm::GlobalValue::InternalLinkage);
    fn.addFnAttr(llvm::Attribute::NoInline);
  }
  for (llvm::Function &fn : *llvmModule)
    if (fn.isDeclaration() && !fn.isIntrinsic() &&
        !isAllowedExternal(fn.getName())) {
      error = "internal: generated code calls '" + fn.getName().str() + "'";
      return false;
    }
  if (llvm::verifyModule(*llvmModule, &llvm::errs())) {
    error = "internal: generated LLVM IR is invalid";
    return false;
  }
  lap("interface+verify");
  optimize(*llvmModule, tm);
  lap("optimize");

  if (kind == EmitKind::LLVMIR) {
    llvmModule->print(os, nullptr);
    return true;
  }
  llvm::legacy::PassManager codegen;
  auto fileType = kind == EmitKind::Object ? llvm::CodeGenFileType::ObjectFile
                                           : llvm::CodeGenFileType::AssemblyFile;
  if (tm.addPassesToEmitFile(codegen, os, nullptr, fileType)) {
    error = "target cannot emit this file type";
    return false;
  }
  codegen.run(*llvmModule);
  lap("codegen");
  return true;
}

} // namespace kiln
