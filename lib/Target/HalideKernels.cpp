//===- HalideKernels.cpp - Linking the Halide kernel bitcode --------------===//
//
// The target description picks the kernel set (TargetDescription.cpp).
// Linking pulls in only the entries the model calls and the kernels those
// call, makes all of it internal to the object, and lets it take the
// model's CPU and features.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/ObjectEmitter.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/MemoryBuffer.h"

namespace kiln {

namespace {

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
