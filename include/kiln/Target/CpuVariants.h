//===- CpuVariants.h - One object, kernels for several CPUs of a target ---===//
//
// A portable object (x86-64 `--cpu generic`) carries the model compiled for
// several CPU levels and runs the richest one the machine has: the CPU is
// tested once, on the first run, and the answer kept. The variants share
// every weight whose packing they share (the backend packs float weights
// for the richest variant's tiles), so the object grows by code only.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_CPUVARIANTS_H
#define KILN_TARGET_CPUVARIANTS_H

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Module;
class Triple;
} // namespace llvm

namespace kiln {

struct ModelInterface;
struct TargetDescription;

/// The CPUs a portable object for `triple` and `cpu` carries variants for,
/// the baseline first and the richest last; empty where the object is for
/// one CPU (a named CPU, or a target without variants).
std::vector<std::string> portableCpuVariants(const llvm::Triple &triple,
                                             const std::string &cpu);

/// Links `variants` (buildLLVMModule's modules of `model`, one per CPU of
/// portableCpuVariants, the same order, in one LLVMContext) into the first:
/// each variant's functions are compiled for its CPU, identical constants
/// are kept once, and `NAME_run` / `NAME_run_parallel` call the richest
/// variant the running CPU supports. Null with `error` set on failure.
std::unique_ptr<llvm::Module>
linkCpuVariants(std::vector<std::unique_ptr<llvm::Module>> variants,
                const std::vector<std::string> &cpus,
                const ModelInterface &model, std::string &error);

} // namespace kiln

#endif // KILN_TARGET_CPUVARIANTS_H
