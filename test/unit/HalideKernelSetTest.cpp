// kilnc links the richest Halide kernel set a target's CPU features allow,
// and none where no set fits (its depthwise convs then stay on MLIR).
#include "TargetMachineFor.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

/// A kernels folder with every set present (empty calls.bc files suffice:
/// choosing a set does not read them), removed when the tests end.
struct FakeKernelRoot {
  llvm::SmallString<128> dir;
  FakeKernelRoot() {
    if (llvm::sys::fs::createUniqueDirectory("kiln-kernels", dir))
      return;
    for (const char *set :
         {"x86-64-avx512", "x86-64-avx2", "x86-64", "arm-64", "arm-32"}) {
      llvm::SmallString<128> sub(dir);
      llvm::sys::path::append(sub, set);
      (void)llvm::sys::fs::create_directories(sub);
      llvm::sys::path::append(sub, "calls.bc");
      std::error_code ec;
      llvm::raw_fd_ostream(sub, ec);
    }
  }
  ~FakeKernelRoot() { (void)llvm::sys::fs::remove_directories(dir); }
};

std::string fakeKernelRoot() {
  static FakeKernelRoot root;
  REQUIRE(!root.dir.empty());
  return std::string(root.dir);
}

std::string setFor(const std::string &triple, const std::string &cpu,
                   const std::string &root) {
  std::string dir = kiln::halideKernelDir(*targetMachineFor(triple, cpu), root);
  return dir.empty() ? "" : llvm::sys::path::filename(dir).str();
}

void checkSet(const std::string &triple, const std::string &cpu,
              const std::string &set) {
  INFO(triple << " --cpu " << cpu);
  CHECK(setFor(triple, cpu, fakeKernelRoot()) == set);
}

} // namespace

TEST_CASE("x86-64 gets the kernels of its widest vector unit", "[halide]") {
  checkSet("x86_64-linux-gnu", "skylake-avx512", "x86-64-avx512");
  checkSet("x86_64-linux-gnu", "haswell", "x86-64-avx2");
  checkSet("x86_64-linux-gnu", "generic", "x86-64");
  checkSet("x86_64-linux-gnu", "x86-64-v2", "x86-64");
}

TEST_CASE("ARM kernels need NEON; RISC-V has none", "[halide]") {
  checkSet("aarch64-linux-gnu", "generic", "arm-64");
  checkSet("armv7a-linux-gnueabihf", "cortex-a7", "arm-32");
  checkSet("armv7a-linux-gnueabihf", "generic", "");
  checkSet("riscv64-linux-gnu", "generic", "");
}

TEST_CASE("No kernels folder, no kernels", "[halide]") {
  auto tm = targetMachineFor("x86_64-linux-gnu", "generic");
  CHECK(kiln::halideKernelDir(*tm, "").empty());
  CHECK(kiln::halideKernelDir(*tm, "/nonexistent/kernels").empty());
}
