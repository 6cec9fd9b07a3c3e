//===- InProcessModel.cpp - Compile for the host, run through ORC ---------===//
#include "kiln/Quantize/InProcessModel.h"

#include "Kiln/DataTypes.h"
#include "kiln/Pipeline/Pipelines.h"
#include "kiln/Target/ObjectEmitter.h"
#include "kiln/Target/TargetDescription.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Alignment.h"

namespace kiln {

using RunFn = int (*)(const void *const *, void *const *, void *);

struct InProcessModel::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  RunFn run = nullptr;
  std::vector<char> arena;
};

InProcessModel::~InProcessModel() = default;

std::unique_ptr<InProcessModel>
InProcessModel::compile(mlir::ModuleOp module, const std::string &entry,
                        std::string &error) {
  auto result = std::unique_ptr<InProcessModel>(new InProcessModel());
  auto func = module.lookupSymbol<mlir::func::FuncOp>(entry);
  if (!func || !describeModel(func, "kiln_calibration", result->model, error)) {
    if (error.empty())
      error = "internal: no entry function '" + entry + "'";
    return nullptr;
  }
  CodegenOptions host;
  host.cpu = "native";
  std::unique_ptr<TargetDescription> target = describeTarget(host, "", error);
  if (!target)
    return nullptr;
  mlir::PassManager pm(module.getContext());
  buildCpuBackend(pm, cpuBackendOptionsFor(*target, entry));
  if (mlir::failed(pm.run(module))) {
    error = "internal: the calibration model did not compile";
    return nullptr;
  }
  auto lowered = module.lookupSymbol<mlir::LLVM::LLVMFuncOp>(entry);
  if (auto bytes = lowered->getAttrOfType<mlir::IntegerAttr>("kiln.arena_bytes"))
    result->model.arenaBytes = bytes.getInt();
  auto context = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> llvmModule =
      buildLLVMModule(module, result->model, *target, *context, error);
  if (!llvmModule)
    return nullptr;
  optimizeModule(*llvmModule, *target);

  auto impl = std::make_unique<Impl>();
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit) {
    error = "cannot start the JIT: " + llvm::toString(jit.takeError());
    return nullptr;
  }
  impl->jit = std::move(*jit);
  // memcpy, memset and libm come from this process.
  auto generator = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      impl->jit->getDataLayout().getGlobalPrefix());
  if (!generator) {
    error = llvm::toString(generator.takeError());
    return nullptr;
  }
  impl->jit->getMainJITDylib().addGenerator(std::move(*generator));
  if (llvm::Error e = impl->jit->addIRModule(
          llvm::orc::ThreadSafeModule(std::move(llvmModule), std::move(context)))) {
    error = llvm::toString(std::move(e));
    return nullptr;
  }
  auto run = impl->jit->lookup("kiln_calibration_run");
  if (!run) {
    error = llvm::toString(run.takeError());
    return nullptr;
  }
  impl->run = run->toPtr<RunFn>();
  impl->arena.resize(result->model.arenaBytes + 64);
  result->impl = std::move(impl);
  return result;
}

bool InProcessModel::run(const std::vector<const void *> &inputs,
                         std::vector<std::vector<char>> &outputs,
                         std::string &error) {
  if (inputs.size() != model.inputs.size()) {
    error = "internal: wrong number of inputs";
    return false;
  }
  outputs.resize(model.outputs.size());
  std::vector<void *> outPtrs;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorDesc &d = model.outputs[i];
    size_t bytes = elementSize(d.dtype);
    for (int64_t dim : d.dims)
      bytes *= static_cast<size_t>(dim);
    outputs[i].resize(bytes ? bytes : 1);
    outPtrs.push_back(outputs[i].data());
  }
  void *arena = reinterpret_cast<void *>(
      llvm::alignAddr(impl->arena.data(), llvm::Align(64)));
  if (impl->run(inputs.data(), outPtrs.data(), arena) != 0) {
    error = "the calibration model failed to run";
    return false;
  }
  return true;
}

} // namespace kiln
