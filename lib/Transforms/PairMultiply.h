//===- PairMultiply.h - Integer tiles on a pair multiply-add -----*- C++ -*-===//
//
// Private to kiln-tile-and-vectorize.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_PAIRMULTIPLY_H
#define KILN_TRANSFORMS_PAIRMULTIPLY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// Replaces a pair tile `op`, `acc[r][p] += x[p][j] * w[r][j]` summed over
/// j = 0, 1 (i16 or i8 operands, i32 accumulator: what the channel-pair
/// contractions, kiln.pair_reduction, leave once their other reductions step
/// by one and unit dims are dropped), by vector code: x read as a flat run
/// of pairs, each row's weight pair broadcast, one call of `intrinsic`
/// (pair multiply-add, `lanes` i16 inputs) per `lanes` / 2 outputs. Fails,
/// leaving `op`, on any other op.
mlir::LogicalResult vectorizePairTile(mlir::RewriterBase &rewriter,
                                      mlir::linalg::GenericOp op,
                                      llvm::StringRef intrinsic, int64_t lanes);

} // namespace kiln

#endif // KILN_TRANSFORMS_PAIRMULTIPLY_H
