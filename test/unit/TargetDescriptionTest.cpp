// The target description is made once and answers every backend question:
// triple, CPU, vector registers, register tile, Halide kernel set.
#include "kiln/Target/TargetDescription.h"

#include "llvm/Target/TargetMachine.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

namespace {

std::unique_ptr<kiln::TargetDescription>
describe(const std::string &triple, const std::string &cpu,
         const std::string &root = "") {
  kiln::CodegenOptions options;
  options.triple = triple;
  options.cpu = cpu;
  std::string error;
  auto target = kiln::describeTarget(options, root, error);
  INFO(error);
  REQUIRE(target);
  return target;
}

} // namespace

TEST_CASE("An AVX-512 description holds its registers, tiles and kernels",
          "[target]") {
  auto t = describe("x86_64-linux-gnu", "skylake-avx512");
  CHECK(t->triple.getArch() == llvm::Triple::x86_64);
  CHECK(t->cpu == "skylake-avx512");
  CHECK(t->vectors.floatsPerRegister == 16);
  CHECK(t->vectors.count == 32);
  CHECK(t->tile.rows == 8);
  CHECK(t->tile.lanes == 32);
  CHECK(t->tile.wideRows == 6);
  CHECK(t->tile.wideLanes == 64);
  CHECK(t->kernelSet == "x86-64-avx512");
  CHECK(t->pairMultiply.intrinsic == "llvm.x86.avx512.pmaddw.d.512");
  // No VNNI: quads on vpmaddubsw (7-bit weights) widened by vpmaddwd.
  CHECK(t->quadMultiply.intrinsic == "llvm.x86.avx512.pmaddubs.w.512");
  CHECK(t->quadMultiply.widenIntrinsic == "llvm.x86.avx512.pmaddw.d.512");
  CHECK(t->quadMultiply.maxWeight == 64);
  // No kernel folder given: the set is known but nothing can be linked.
  CHECK_FALSE(t->hasHalideKernels());
  REQUIRE(t->machine);
  CHECK(t->machine->getTargetCPU() == "skylake-avx512");
}

TEST_CASE("x86 CPUs with VNNI take int8 quads on vpdpbusd", "[target]") {
  // AVX-512 VNNI: zmm, 64 bytes per call; the inputs are unsigned bytes.
  auto zmm = describe("x86_64-linux-gnu", "cascadelake");
  CHECK(zmm->quadMultiply.intrinsic == "llvm.x86.avx512.vpdpbusd.512");
  CHECK(zmm->quadMultiply.i8Lanes == 64);
  CHECK(zmm->quadMultiply.unsignedInput);
  // AVX-VNNI without AVX-512 (Alder Lake): ymm.
  auto ymm = describe("x86_64-linux-gnu", "alderlake");
  CHECK(ymm->quadMultiply.intrinsic == "llvm.x86.avx512.vpdpbusd.256");
  CHECK(ymm->quadMultiply.i8Lanes == 32);
  CHECK(ymm->vectors.floatsPerRegister == 8);
  CHECK(zmm->quadMultiply.widenIntrinsic.empty());
  CHECK(zmm->quadMultiply.maxWeight == 128);
  // AVX2 without VNNI (Zen 3): vpmaddubsw quads for 7-bit weights; baseline
  // x86-64 stays on pairs.
  auto avx2 = describe("x86_64-linux-gnu", "znver3");
  CHECK(avx2->quadMultiply.intrinsic == "llvm.x86.avx2.pmadd.ub.sw");
  CHECK(avx2->quadMultiply.widenIntrinsic == "llvm.x86.avx2.pmadd.wd");
  CHECK(avx2->quadMultiply.maxWeight == 64);
  CHECK(avx2->quadMultiply.unsignedInput);
  CHECK(describe("x86_64-linux-gnu", "generic")->quadMultiply.intrinsic.empty());
  CHECK_FALSE(describe("aarch64-linux-gnu", "cortex-a76")->quadMultiply.unsignedInput);
}

TEST_CASE("Descriptions of the edge targets", "[target]") {
  auto arm = describe("aarch64-linux-gnu", "cortex-a76");
  CHECK(arm->vectors.floatsPerRegister == 4);
  CHECK(arm->kernelSet == "arm-64");
  // The dot product extension gives int8 contractions sdot on quads.
  CHECK(arm->quadMultiply.intrinsic == "llvm.aarch64.neon.sdot.v4i32.v16i8");
  CHECK(arm->quadMultiply.i8Lanes == 16);
  CHECK(arm->pairMultiply.intrinsic.empty());
  CHECK(describe("aarch64-linux-gnu", "cortex-a53")->quadMultiply.intrinsic.empty());
  CHECK(describe("aarch64-linux-gnu", "generic")->quadMultiply.intrinsic.empty());
  auto v7 = describe("armv7a-linux-gnueabihf", "generic");
  CHECK(v7->vectors.floatsPerRegister == 1);
  CHECK(v7->kernelSet.empty());
  auto rv = describe("riscv64-linux-gnu", "generic");
  CHECK(rv->kernelSet.empty());
  CHECK(rv->tile.lanes == 2);
}

TEST_CASE("RISC-V vector tiles follow the VLEN the CPU guarantees", "[target]") {
  // `+v` on a CPU name: RVV 1.0, VLEN >= 128, so 4 floats per register.
  auto v = describe("riscv64-linux-gnu", "generic-rv64+v");
  CHECK(v->cpu == "generic-rv64");
  CHECK(v->features.find("+v") != std::string::npos);
  CHECK(v->features.find("+d") != std::string::npos); // still RV64GC under it
  CHECK(v->vectors.floatsPerRegister == 4);
  CHECK(v->vectors.count == 32);
  CHECK(v->tile.lanes == 8);
  // A core that promises wider vectors (zvl256b, zvl512b) gets wider tiles.
  CHECK(describe("riscv64-linux-gnu", "spacemit-x60")->vectors.floatsPerRegister == 8);
  CHECK(describe("riscv64-linux-gnu", "sifive-x280")->vectors.floatsPerRegister == 16);
  kiln::CodegenOptions options;
  options.triple = "riscv64-linux-gnu";
  options.cpu = "generic-rv64+vector";
  std::string error;
  CHECK_FALSE(kiln::describeTarget(options, "", error));
  CHECK(error == "unknown CPU feature '+vector' for target 'riscv64-linux-gnu'");
}

TEST_CASE("A bad triple or CPU is an error, not a description", "[target]") {
  kiln::CodegenOptions options;
  options.triple = "sparc-sun-solaris";
  std::string error;
  CHECK_FALSE(kiln::describeTarget(options, "", error));
  CHECK(error.find("unknown target") != std::string::npos);
  options.triple = "x86_64-linux-gnu";
  options.cpu = "pentium9000";
  error.clear();
  CHECK_FALSE(kiln::describeTarget(options, "", error));
  CHECK(error.find("pentium9000") != std::string::npos);
}
