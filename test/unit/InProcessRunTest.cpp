// Code generation hands out an llvm::Module before any object exists, so a
// model can run in process (the seam calibration needs): kiln ops through
// the frontend and the CPU backend, the module into LLVM's ORC JIT, and
// NAME_run called like a linked object's.
#include "Kiln/KilnDialect.h"
#include "kiln/Pipeline/Pipelines.h"
#include "kiln/Target/ModelInterface.h"
#include "kiln/Target/ObjectEmitter.h"
#include "kiln/Target/TargetDescription.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Alignment.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <vector>

namespace {

// y = Relu(x W), x 4x8, W[k][n] = (k - n) / 8.
constexpr const char *kModel = R"mlir(
func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32>
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"]} {
  %w = kiln.constant dense<[
    [0.0, -0.125, -0.25, -0.375, -0.5, -0.625, -0.75, -0.875],
    [0.125, 0.0, -0.125, -0.25, -0.375, -0.5, -0.625, -0.75],
    [0.25, 0.125, 0.0, -0.125, -0.25, -0.375, -0.5, -0.625],
    [0.375, 0.25, 0.125, 0.0, -0.125, -0.25, -0.375, -0.5],
    [0.5, 0.375, 0.25, 0.125, 0.0, -0.125, -0.25, -0.375],
    [0.625, 0.5, 0.375, 0.25, 0.125, 0.0, -0.125, -0.25],
    [0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0.0, -0.125],
    [0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0.0]]> : tensor<8x8xf32>
  %m = kiln.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %y = kiln.relu %m : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
)mlir";

using RunFn = int (*)(const void *const *, void *const *, void *);

} // namespace

TEST_CASE("A compiled model runs in process through ORC", "[jit]") {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<kiln::KilnDialect>();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kModel, &context);
  REQUIRE(module);
  kiln::ModelInterface model;
  std::string error;
  REQUIRE(kiln::describeModel(module->lookupSymbol<mlir::func::FuncOp>("main"),
                              "net", model, error));

  kiln::CodegenOptions host;
  host.cpu = "native";
  std::unique_ptr<kiln::TargetDescription> target =
      kiln::describeTarget(host, "", error);
  INFO(error);
  REQUIRE(target);
  mlir::PassManager pm(&context);
  kiln::buildFrontend(pm, kiln::FrontendOptions());
  kiln::buildCpuBackend(pm, kiln::cpuBackendOptionsFor(*target, "main"));
  REQUIRE(mlir::succeeded(pm.run(*module)));
  auto lowered = module->lookupSymbol<mlir::LLVM::LLVMFuncOp>("main");
  REQUIRE(lowered);
  model.arenaBytes =
      lowered->getAttrOfType<mlir::IntegerAttr>("kiln.arena_bytes").getInt();

  auto llvmContext = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> llvmModule =
      kiln::buildLLVMModule(*module, model, *target, *llvmContext, error);
  INFO(error);
  REQUIRE(llvmModule);
  kiln::optimizeModule(*llvmModule, *target);

  auto jit = llvm::orc::LLJITBuilder().create();
  REQUIRE(static_cast<bool>(jit));
  // memcpy, memset and libm come from this process.
  (*jit)->getMainJITDylib().addGenerator(llvm::cantFail(
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          (*jit)->getDataLayout().getGlobalPrefix())));
  llvm::Error added = (*jit)->addIRModule(llvm::orc::ThreadSafeModule(
      std::move(llvmModule), std::move(llvmContext)));
  REQUIRE_FALSE(static_cast<bool>(added));
  auto run = (*jit)->lookup("net_run");
  REQUIRE(static_cast<bool>(run));
  auto runFn = run->toPtr<RunFn>();

  std::vector<float> x(32), y(32, -1.0f);
  for (int i = 0; i < 32; ++i)
    x[i] = static_cast<float>((i * 7) % 11) - 5.0f;
  std::vector<unsigned char> arena(model.arenaBytes + 64);
  void *aligned = reinterpret_cast<void *>(
      llvm::alignAddr(arena.data(), llvm::Align(64)));
  const void *inputs[] = {x.data()};
  void *outputs[] = {y.data()};
  REQUIRE(runFn(inputs, outputs, aligned) == 0);
  for (int r = 0; r < 4; ++r)
    for (int n = 0; n < 8; ++n) {
      float expected = 0;
      for (int k = 0; k < 8; ++k)
        expected += x[r * 8 + k] * static_cast<float>(k - n) / 8.0f;
      expected = std::fmax(expected, 0.0f);
      INFO("y[" << r << "][" << n << "]");
      CHECK(std::fabs(y[r * 8 + n] - expected) <= 1e-5f);
    }
}
