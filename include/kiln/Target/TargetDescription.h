//===- TargetDescription.h - What the compiler knows of one target --------===//
//
// Made once from `--target` / `--cpu`, then asked by every backend decision:
// the code generator, the vector registers, the contraction register tile
// and the Halide kernel set. Nothing else in the compiler inspects triples
// or CPU features.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_TARGETDESCRIPTION_H
#define KILN_TARGET_TARGETDESCRIPTION_H

#include "llvm/TargetParser/Triple.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace kiln {

/// The target a compile is for, as the command line names it.
struct CodegenOptions {
  std::string triple; // empty: the host
  std::string cpu = "generic";
};

/// The f32 vector register file the code generator may use.
struct VectorRegisters {
  int64_t floatsPerRegister = 1;
  int64_t count = 32;
};

/// The contraction register tile: `rows` x `lanes` f32 accumulators that
/// stay in vector registers next to one row of the streamed operand and a
/// broadcast.
struct RegisterTile {
  int64_t rows = 8;
  int64_t lanes = 32;
  // The tile of large matmuls, where the target has a wider one; 0: none.
  int64_t wideRows = 0;
  int64_t wideLanes = 0;
  // More rows of the same lanes, where the registers hold them but not
  // twice `rows`: pointwise convs whose filters fill whole blocks of them
  // take it; 0: none.
  int64_t tallRows = 0;
};

/// The instruction that multiplies adjacent 16-bit pairs and adds each
/// pair's products into one 32-bit lane (x86 pmaddwd), which int8
/// contractions use on widened operands: twice the products of an i32
/// multiply per instruction. Empty `intrinsic`: the target has none that
/// Kiln uses, and integer contractions multiply lane by lane.
struct PairMultiply {
  std::string intrinsic; // LLVM intrinsic name
  int64_t i16Lanes = 0;  // 16-bit inputs per call (the result has half)
};

/// The instruction that multiplies adjacent groups of four 8-bit lanes and
/// adds each group's products into a 32-bit accumulator lane: four steps of
/// a contraction per instruction on the storage bytes themselves. AArch64's
/// sdot takes signed bytes on both sides; x86's vpdpbusd takes the inputs
/// (activations) unsigned and the weights signed. Empty `intrinsic`: none;
/// integer contractions use pairs.
///
/// Without a dot product (x86 AVX2, or AVX-512 without VNNI), pmaddubsw
/// multiplies unsigned by signed bytes and adds adjacent products into
/// saturating 16-bit sums, which a pmaddwd against ones adds pairwise into
/// 32-bit quad sums: then `widenIntrinsic` names that pmaddwd, and the
/// weights must lie in [-maxWeight, maxWeight] (64: 2 x 255 x 64 fits
/// 16 bits, so nothing saturates), or the contraction uses pairs.
struct QuadMultiply {
  std::string intrinsic;      // LLVM intrinsic name, (acc, x, w) -> acc
  int64_t i8Lanes = 0;        // 8-bit inputs per call (the result has a quarter)
  bool unsignedInput = false; // x is read as unsigned bytes
  std::string widenIntrinsic; // non-empty: (x, w) -> i16 pair sums, widened by it
  int64_t maxWeight = 128;    // |w| at most this (128: any signed byte)
};

struct TargetDescription {
  llvm::Triple triple;
  std::string cpu;      // as LLVM names it ("native" resolved)
  std::string features; // LLVM feature string, may be empty
  VectorRegisters vectors;
  RegisterTile tile;
  PairMultiply pairMultiply;
  QuadMultiply quadMultiply;
  /// The Halide kernel set the CPU's features allow ("x86-64-avx2", ...),
  /// or "" when no set fits (depthwise convs then stay on MLIR).
  std::string kernelSet;
  /// The folder holding that set's bitcode, or "" when it is not installed
  /// or kernels are off: the kernels a compile may call.
  std::string halideKernelDir;
  /// Depthwise shapes (`k5_s1`, `k3_s1x2`: kernel size, strides) whose MLIR
  /// kernel measured faster than the kernel set's Halide one on this class
  /// of CPU (DepthwiseChoices.def): they stay on MLIR.
  std::vector<std::string> mlirDepthwise;
  /// Owned by the description; emits the object.
  std::shared_ptr<llvm::TargetMachine> machine;

  bool hasHalideKernels() const { return !halideKernelDir.empty(); }
};

/// The description of `options`'s target with the Halide kernels under
/// `kernelRoot` (kilnc's lib/kiln/kernels; "" for none), or null with
/// `error` set when the triple or CPU is unknown.
std::unique_ptr<TargetDescription>
describeTarget(const CodegenOptions &options, const std::string &kernelRoot,
               std::string &error);

/// The pieces describeTarget is made of, each asked of a code generator.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CodegenOptions &options, std::string &error);
VectorRegisters vectorRegistersFor(const llvm::TargetMachine &tm);
RegisterTile registerTileFor(const llvm::TargetMachine &tm);
PairMultiply pairMultiplyFor(const llvm::TargetMachine &tm);
QuadMultiply quadMultiplyFor(const llvm::TargetMachine &tm);
/// The Halide kernel set for `tm`'s CPU, or "" when none fits.
std::string halideKernelSetFor(const llvm::TargetMachine &tm);
/// The depthwise shapes that measured faster on MLIR than on `kernelSet`'s
/// Halide kernels (DepthwiseChoices.def).
std::vector<std::string> mlirDepthwiseFor(const std::string &kernelSet);
/// The folder under `root` holding the kernel set for `tm`, or "".
std::string halideKernelDir(const llvm::TargetMachine &tm,
                            const std::string &root);

} // namespace kiln

#endif // KILN_TARGET_TARGETDESCRIPTION_H
