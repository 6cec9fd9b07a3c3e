// The code generator kilnc would build for `--target triple --cpu cpu`;
// the test fails when there is none.
#ifndef KILN_TEST_UNIT_TARGETMACHINEFOR_H
#define KILN_TEST_UNIT_TARGETMACHINEFOR_H

#include "kiln/Target/ObjectEmitter.h"

#include "llvm/Target/TargetMachine.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

inline std::unique_ptr<llvm::TargetMachine>
targetMachineFor(const std::string &triple, const std::string &cpu) {
  kiln::CodegenOptions options;
  options.triple = triple;
  options.cpu = cpu;
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm =
      kiln::createTargetMachine(options, error);
  INFO(error);
  REQUIRE(tm);
  return tm;
}

#endif // KILN_TEST_UNIT_TARGETMACHINEFOR_H
