//===- GroupMultiply.h - Integer tiles on a group multiply-add ---*- C++ -*-===//
//
// Private to kiln-tile-and-vectorize.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_GROUPMULTIPLY_H
#define KILN_TRANSFORMS_GROUPMULTIPLY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// A target's instruction that multiplies groups of adjacent narrow
/// integers and adds each group's products into one i32 lane.
struct GroupIntrinsic {
  llvm::StringRef name; // LLVM intrinsic; "" for none
  int64_t group = 0;    // 2: i16 pairs (pmaddwd), 4: i8 quads (sdot)
  int64_t lanes = 0;    // narrow inputs per call; lanes / group results
  /// name(acc, x, w) adds into acc (sdot); else name(x, w) returns the sums.
  bool accumulates = false;
  /// name(acc, u, s) reads u as unsigned bytes and s as signed ones
  /// (vpdpbusd): the tile's body zero-extends one operand, which goes first.
  bool unsignedInput = false;
  /// Non-empty (quads, not accumulating): name(x, w) returns saturating
  /// 16-bit pair sums (pmaddubsw), which this pair intrinsic (pmaddwd)
  /// against ones adds into the i32 quad sums.
  llvm::StringRef widen;
};

/// Replaces a group tile `op`, `acc[r][p] += x[p][j] * w[r][j]` summed over
/// j < g (i16 or i8 operands for pairs, i8 for quads, i32 accumulator: what
/// the channel-group contractions, kiln.group_reduction, leave once their
/// other reductions step by one and unit dims are dropped), by vector code:
/// x read as a flat run of groups, each row's weight group broadcast, one
/// call of `intrinsic` per `lanes` / g outputs. Fails, leaving `op`, on any
/// other op or when g is not the intrinsic's group.
mlir::LogicalResult vectorizeGroupTile(mlir::RewriterBase &rewriter,
                                       mlir::linalg::GenericOp op,
                                       const GroupIntrinsic &intrinsic);

} // namespace kiln

#endif // KILN_TRANSFORMS_GROUPMULTIPLY_H
