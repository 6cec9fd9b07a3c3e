//===- HalideKernels.cpp - Picking and linking the Halide kernel bitcode --===//
//
// The kernels are built once per kernel set (kernels/CMakeLists.txt): x86-64
// at three feature levels, AArch64, and 32-bit ARM with NEON. A target gets
// the richest set its CPU features allow, or none (RISC-V, ARM without NEON),
// in which case depthwise convs stay on the MLIR path. Linking pulls in only
// the entries the model calls and the kernels those call, makes all of it
// internal to the object, and lets it take the model's CPU and features.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/ObjectEmitter.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Target/TargetMachine.h"

namespace kiln {

namespace {

const char *kernelSetFor(const llvm::TargetMachine &tm) {
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
    return sti.checkFeatures("+neon") ? "arm-32" : nullptr;
  default:
    return nullptr;
  }
}

bool linkFile(llvm::Module &module, const std::string &path,
              std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "cannot read kernel bitcode '" + path +
            "': " + buffer.getError().message();
    return false;
  }
  llvm::Expected<std::unique_ptr<llvm::Module>> kernels =
      llvm::parseBitcodeFile(**buffer, module.getContext());
  if (!kernels) {
    error = "invalid kernel bitcode '" + path +
            "': " + llvm::toString(kernels.takeError());
    return false;
  }
  (*kernels)->setTargetTriple(module.getTargetTriple());
  (*kernels)->setDataLayout(module.getDataLayout());
  if (llvm::Linker::linkModules(module, std::move(*kernels),
                                llvm::Linker::Flags::LinkOnlyNeeded)) {
    error = "cannot link kernel bitcode '" + path + "'";
    return false;
  }
  return true;
}

/// Declarations of kernel symbols the module still needs.
std::vector<std::string> unresolvedKernels(const llvm::Module &module) {
  std::vector<std::string> names;
  for (const llvm::Function &fn : module)
    if (fn.isDeclaration() && fn.getName().starts_with("kiln_hl_"))
      names.push_back(fn.getName().str());
  return names;
}

} // namespace

std::string halideKernelDir(const llvm::TargetMachine &tm,
                            const std::string &root) {
  const char *set = kernelSetFor(tm);
  if (!set || root.empty())
    return "";
  llvm::SmallString<256> dir(root);
  llvm::sys::path::append(dir, set);
  llvm::SmallString<256> calls(dir);
  llvm::sys::path::append(calls, "calls.bc");
  return llvm::sys::fs::exists(calls) ? std::string(dir) : "";
}

bool linkHalideKernels(llvm::Module &module, const std::string &dir,
                       std::string &error) {
  std::vector<std::string> needed = unresolvedKernels(module);
  if (needed.empty())
    return true;
  if (dir.empty()) {
    error = "internal: the model calls '" + needed.front() +
            "' but the target has no Halide kernels";
    return false;
  }
  // The entries first; they declare the kernels they call.
  if (!linkFile(module, dir + "/calls.bc", error))
    return false;
  for (const std::string &name : unresolvedKernels(module))
    if (!linkFile(module, dir + "/" + name + ".bc", error))
      return false;
  if (std::vector<std::string> left = unresolvedKernels(module); !left.empty()) {
    error = "internal: no Halide kernel defines '" + left.front() + "'";
    return false;
  }
  for (llvm::Function &fn : module) {
    if (fn.isDeclaration() || !fn.getName().starts_with("kiln_hl_"))
      continue;
    fn.setLinkage(llvm::GlobalValue::InternalLinkage);
    // Compiled for the kernel set's baseline; generate for the model's CPU.
    fn.removeFnAttr("target-cpu");
    fn.removeFnAttr("target-features");
    fn.removeFnAttr("tune-cpu");
  }
  return true;
}

} // namespace kiln
