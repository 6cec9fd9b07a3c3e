//===- ObjectEmitter.cpp - LLVM IR, O3 and code generation in process -----===//
#include "kiln/Target/ObjectEmitter.h"
#include "kiln/Target/FunctionMarks.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Target/TargetMachine.h"

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

/// Kernels are loop nests with static trip counts; LLVM would unroll whole
/// nests into basic blocks of thousands of loads and stores, which
/// instruction selection and scheduling handle in superlinear time. LLVM's
/// own `-unroll-threshold`, when given on the command line, wins.
static void limitFullUnrolling() {
  auto &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("unroll-threshold");
  if (it == options.end())
    return;
  // LLVM reads the option only when it occurred, so it must occur.
  llvm::cl::Option *threshold = it->second;
  if (threshold->getNumOccurrences() == 0)
    threshold->addOccurrence(0, "unroll-threshold", "50");
}

/// LLVM's diagnostics while it optimizes Kiln's code, printed as LLVM does,
/// but for one kind: the kernels mark their accumulator loops for unrolling,
/// and where a target cannot honour the mark (RV64GC's scalar tiles) LLVM
/// would warn once per loop about code the user never wrote.
static void reportDiagnostic(const llvm::DiagnosticInfo *diagnostic, void *) {
  const llvm::DiagnosticInfo &info = *diagnostic;
  if (info.getKind() == llvm::DK_OptimizationFailure)
    return;
  llvm::raw_ostream &os = llvm::errs();
  os << llvm::LLVMContext::getDiagnosticMessagePrefix(info.getSeverity())
     << ": ";
  llvm::DiagnosticPrinterRawOStream printer(os);
  info.print(printer);
  os << "\n";
}

static void optimize(llvm::Module &module, llvm::TargetMachine &tm) {
  limitFullUnrolling();
  module.getContext().setDiagnosticHandlerCallBack(reportDiagnostic, nullptr,
                                                  /*RespectFilters=*/true);
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

/// The one function `module` marks as the lowered entry, or null.
static llvm::Function *findEntry(llvm::Module &module) {
  llvm::Function *entry = nullptr;
  for (llvm::Function &fn : module)
    if (fn.hasFnAttribute(kEntryFnAttr)) {
      if (entry)
        return nullptr;
      entry = &fn;
    }
  return entry;
}

std::unique_ptr<llvm::Module> buildLLVMModule(mlir::ModuleOp module,
                                              const ModelInterface &model,
                                              const TargetDescription &target,
                                              llvm::LLVMContext &context,
                                              std::string &error) {
  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);

  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context, model.name);
  if (!llvmModule) {
    error = "internal: translation to LLVM IR failed";
    return nullptr;
  }
  llvm::TargetMachine &tm = *target.machine;
  llvmModule->setTargetTriple(tm.getTargetTriple());
  llvmModule->setDataLayout(tm.createDataLayout());
  if (!tm.Options.MCOptions.ABIName.empty())
    llvmModule->addModuleFlag(llvm::Module::Error, "target-abi",
                              llvm::MDString::get(context,
                                                  tm.Options.MCOptions.ABIName));
  llvm::Function *entry = findEntry(*llvmModule);
  if (!entry) {
    error = "internal: the lowered module has no single entry function";
    return nullptr;
  }
  if (!addCInterface(*llvmModule, model, *entry, error))
    return nullptr;
  if (!linkHalideKernels(*llvmModule, target.halideKernelDir, error))
    return nullptr;
  // Only the C API is exported, so several models link into one program.
  // Kernels stay separate functions: inlining them back into the entry would
  // rebuild the one huge function they were split out of.
  for (llvm::Function &fn : *llvmModule) {
    if (fn.isDeclaration())
      continue;
    // Nothing here throws: no unwind personality to reference (ARM's EHABI
    // tables would name libgcc's).
    fn.addFnAttr(llvm::Attribute::NoUnwind);
    bool exported = fn.hasFnAttribute(kExportFnAttr);
    if (!exported)
      fn.setLinkage(llvm::GlobalValue::InternalLinkage);
    if (!exported && !fn.hasFnAttribute(kEntryFnAttr))
      fn.addFnAttr(llvm::Attribute::NoInline);
    // The marks have served; they are no LLVM attributes.
    for (llvm::StringRef mark : {kEntryFnAttr, kLoopKernelFnAttr, kExportFnAttr})
      fn.removeFnAttr(mark);
  }
  for (llvm::Function &fn : *llvmModule)
    if (fn.isDeclaration() && !fn.isIntrinsic() &&
        !isAllowedExternal(fn.getName())) {
      error = "internal: generated code calls '" + fn.getName().str() + "'";
      return nullptr;
    }
  if (llvm::verifyModule(*llvmModule, &llvm::errs())) {
    error = "internal: generated LLVM IR is invalid";
    return nullptr;
  }
  return llvmModule;
}

void optimizeModule(llvm::Module &module, const TargetDescription &target) {
  optimize(module, *target.machine);
}

bool writeObject(llvm::Module &module, const TargetDescription &target,
                 EmitKind kind, llvm::raw_pwrite_stream &os,
                 std::string &error) {
  llvm::TargetMachine &tm = *target.machine;
  optimize(module, tm);
  if (kind == EmitKind::LLVMIR) {
    module.print(os, nullptr);
    return true;
  }
  llvm::legacy::PassManager codegen;
  auto fileType = kind == EmitKind::Object ? llvm::CodeGenFileType::ObjectFile
                                           : llvm::CodeGenFileType::AssemblyFile;
  if (tm.addPassesToEmitFile(codegen, os, nullptr, fileType)) {
    error = "target cannot emit this file type";
    return false;
  }
  codegen.run(module);
  return true;
}

} // namespace kiln
