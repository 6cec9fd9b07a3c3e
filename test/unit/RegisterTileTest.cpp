// The contraction register tile follows each target's vector registers:
// accumulators plus one streamed row and a broadcast must fit, or every
// reduction step spills.
#include "TargetMachineFor.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

kiln::RegisterTile tileFor(const std::string &triple, const std::string &cpu) {
  return kiln::registerTileFor(*targetMachineFor(triple, cpu));
}

void checkTile(const std::string &triple, const std::string &cpu,
               int64_t rows, int64_t lanes) {
  INFO(triple << " --cpu " << cpu);
  kiln::RegisterTile tile = tileFor(triple, cpu);
  CHECK(tile.rows == rows);
  CHECK(tile.lanes == lanes);
}

} // namespace

TEST_CASE("x86-64 tiles follow the widest enabled vector unit", "[tile]") {
  checkTile("x86_64-linux-gnu", "generic", 4, 8);        // SSE: 16 x 4 floats
  checkTile("x86_64-linux-gnu", "haswell", 4, 16);       // AVX2: 16 x 8
  checkTile("x86_64-linux-gnu", "skylake-avx512", 8, 32); // AVX-512: 32 x 16
}

TEST_CASE("ARM and RISC-V tiles fit their register files", "[tile]") {
  checkTile("aarch64-linux-gnu", "generic", 8, 8);          // NEON: 32 x 4
  checkTile("armv7a-linux-gnueabihf", "cortex-a7", 4, 8);   // NEON: 16 x 4
  checkTile("armv7a-linux-gnueabihf", "generic", 8, 2);     // VFP scalars
  checkTile("riscv64-linux-gnu", "generic", 8, 2);          // RV64GC scalars
}

TEST_CASE("An unknown CPU has no code generator", "[tile]") {
  kiln::CodegenOptions options;
  options.triple = "aarch64-linux-gnu";
  options.cpu = "no-such-cpu";
  std::string error;
  CHECK_FALSE(kiln::createTargetMachine(options, error));
  CHECK(error.find("no-such-cpu") != std::string::npos);
}

TEST_CASE("Only 32 registers of 16 lanes afford the wide matmul tile",
          "[tile]") {
  kiln::RegisterTile wide = tileFor("x86_64-linux-gnu", "skylake-avx512");
  CHECK(wide.wideRows == 6); // 24 accumulators + 4 panel vectors + broadcast
  CHECK(wide.wideLanes == 64);
  for (auto [triple, cpu] :
       {std::pair<const char *, const char *>{"x86_64-linux-gnu", "haswell"},
        {"aarch64-linux-gnu", "generic"},
        {"armv7a-linux-gnueabihf", "cortex-a7"}}) {
    INFO(triple << " --cpu " << cpu);
    CHECK(tileFor(triple, cpu).wideLanes == 0);
  }
}
