//===- PairMultiply.cpp - Integer tiles on a pair multiply-add ------------===//
//
// x86's pmaddwd multiplies 16-bit lanes and adds each adjacent pair of
// products into one 32-bit lane: two multiply-accumulate steps of a
// contraction per instruction, where an i32 multiply (pmulld) does one at
// twice the cost. A channel-pair tile feeds it directly: the lowering lays
// the input out with each pair's values side by side, (x0[p], x1[p]), each
// output row's weight pair (w0, w1) is one 32-bit broadcast, and the
// products land in lane p in order, so neither side needs shuffles.
//
//===----------------------------------------------------------------------===//
#include "PairMultiply.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace kiln {
namespace {

/// The loops of a pair tile, and which operand is which.
struct PairTile {
  unsigned pair;                // the reduction loop, extent 2
  unsigned lane;                // the accumulator's contiguous loop
  std::optional<unsigned> row;  // the other parallel loop, if any
  OpOperand *x = nullptr;       // indexed (lane, pair): pairs adjacent
  OpOperand *w = nullptr;       // indexed (row, pair) or (pair)
};

SmallVector<unsigned> loopsOf(AffineMap map) {
  SmallVector<unsigned> loops;
  for (AffineExpr e : map.getResults())
    loops.push_back(cast<AffineDimExpr>(e).getPosition());
  return loops;
}

bool hasElement(Value v, unsigned width) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getElementType().isSignlessInteger(width);
}

std::optional<PairTile> matchPairTile(linalg::GenericOp op) {
  if (op.hasDynamicShape() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isProjectedPermutation(); }))
    return std::nullopt;
  // The body: both operands sign-extended, acc + a * b.
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 5 || !isa<arith::ExtSIOp>(body.front()) ||
      !isa<arith::ExtSIOp>(*std::next(body.begin())) ||
      !isa<arith::MulIOp>(*std::next(body.begin(), 2)) ||
      !isa<arith::AddIOp>(*std::next(body.begin(), 3)))
    return std::nullopt;
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  PairTile tile;
  for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
    if (it == utils::IteratorType::reduction)
      tile.pair = d;
  if (bounds[tile.pair] != 2)
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<unsigned> accLoops = loopsOf(op.getMatchingIndexingMap(init));
  if (accLoops.empty() || accLoops.size() > 2 || !hasElement(init->get(), 32))
    return std::nullopt;
  tile.lane = accLoops.back();
  if (accLoops.size() == 2)
    tile.row = accLoops.front();
  SmallVector<unsigned> wLoops = {tile.pair};
  if (tile.row)
    wLoops.insert(wLoops.begin(), *tile.row);
  for (OpOperand *in : op.getDpsInputOperands()) {
    SmallVector<unsigned> loops = loopsOf(op.getMatchingIndexingMap(in));
    if (loops == SmallVector<unsigned>{tile.lane, tile.pair})
      tile.x = in;
    else if (loops == wLoops)
      tile.w = in;
  }
  // Operands i16, or i8 (packed symmetric weights) widened as they are
  // loaded or broadcast.
  auto narrowEnough = [](OpOperand *in) {
    return hasElement(in->get(), 16) || hasElement(in->get(), 8);
  };
  if (!tile.x || !tile.w || !narrowEnough(tile.x) || !narrowEnough(tile.w))
    return std::nullopt;
  return tile;
}

} // namespace

LogicalResult vectorizePairTile(RewriterBase &rewriter, linalg::GenericOp op,
                                StringRef intrinsic, int64_t lanes) {
  std::optional<PairTile> tile = matchPairTile(op);
  if (!tile || intrinsic.empty() || lanes < 2 || lanes % 2 != 0)
    return failure();
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  const int64_t perCall = lanes / 2;
  int64_t rows = tile->row ? bounds[*tile->row] : 1, width = bounds[tile->lane];
  // A partial tile reads and writes whole calls' worth of lanes; transfers
  // past the tile's end read zeros and write nothing.
  int64_t padded = llvm::alignTo(width, perCall);
  bool whole = padded == width;

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Type i16 = rewriter.getI16Type(), i32 = rewriter.getI32Type();
  Value zeroIndex = arith::ConstantIndexOp::create(rewriter, loc, 0);
  // A `shape` vector from `source` at `lead` (leading indices), then 0s;
  // the source's trailing dims are read as the vector's.
  auto read = [&](Value source, ArrayRef<int64_t> shape, Type elem,
                  bool inBounds, ValueRange lead) -> Value {
    auto type = cast<RankedTensorType>(source.getType());
    SmallVector<Value> indices(lead.begin(), lead.end());
    indices.resize(type.getRank(), zeroIndex);
    if (type.getRank() < static_cast<int64_t>(shape.size()))
      shape = shape.take_back(type.getRank()); // no row loop: w is [2]
    SmallVector<bool> bounded(shape.size(), true);
    bounded.back() = inBounds;
    Value pad = arith::ConstantOp::create(rewriter, loc,
                                          rewriter.getIntegerAttr(elem, 0));
    return vector::TransferReadOp::create(rewriter, loc,
                                          VectorType::get(shape, elem), source,
                                          indices, pad, bounded);
  };

  // (x0[p], x1[p]) pairs, `lanes` inputs per call, as they lie in memory:
  // one flat read.
  Type xElem = cast<RankedTensorType>(tile->x->get().getType()).getElementType();
  Value flat = tensor::CollapseShapeOp::create(
      rewriter, loc, tile->x->get(), SmallVector<ReassociationIndices>{{0, 1}});
  Value pairs = read(flat, {2 * padded}, xElem, whole, {});
  if (xElem != i16) // sign-extending loads (pmovsxbw)
    pairs = arith::ExtSIOp::create(
        rewriter, loc,
        VectorType::get(cast<VectorType>(pairs.getType()).getShape(), i16), pairs);
  SmallVector<Value> chunks;
  for (int64_t k = 0; k < 2 * padded; k += lanes)
    chunks.push_back(vector::ExtractStridedSliceOp::create(
        rewriter, loc, pairs, ArrayRef<int64_t>{k}, ArrayRef<int64_t>{lanes},
        ArrayRef<int64_t>{1}));

  // Accumulators row by row: each row's read and write pair up, so the
  // rows stay in registers across the pair loop.
  Value acc = op.getDpsInitOperand(0)->get();
  // Every row's (w0, w1) as one i32: narrow weights widen in one go
  // (pmovsxbw), not row by row.
  Type wElem = cast<RankedTensorType>(tile->w->get().getType()).getElementType();
  Value w = read(tile->w->get(), {rows, 2}, wElem, true, {});
  w = vector::ShapeCastOp::create(rewriter, loc,
                                  VectorType::get({2 * rows}, wElem), w);
  if (wElem != i16)
    w = arith::ExtSIOp::create(rewriter, loc,
                               VectorType::get({2 * rows}, i16), w);
  Value rowPairs = vector::BitCastOp::create(
      rewriter, loc, VectorType::get({rows}, i32), w);
  auto callType = VectorType::get({perCall}, i32);
  for (int64_t r = 0; r < rows; ++r) {
    // The row's (w0, w1), broadcast to every pair.
    Value weights = vector::BitCastOp::create(
        rewriter, loc, VectorType::get({lanes}, i16),
        vector::BroadcastOp::create(
            rewriter, loc, callType,
            vector::ExtractOp::create(rewriter, loc, rowPairs, r)));
    SmallVector<Value> at;
    if (tile->row)
      at.push_back(arith::ConstantIndexOp::create(rewriter, loc, r));
    Value row = read(acc, {padded}, i32, whole, at);
    for (auto [k, chunk] : llvm::enumerate(chunks)) {
      int64_t offset = static_cast<int64_t>(k) * perCall;
      Value products =
          LLVM::CallIntrinsicOp::create(rewriter, loc, callType,
                                        rewriter.getStringAttr(intrinsic),
                                        ValueRange{chunk, weights})
              ->getResult(0);
      Value part = vector::ExtractStridedSliceOp::create(
          rewriter, loc, row, ArrayRef<int64_t>{offset},
          ArrayRef<int64_t>{perCall}, ArrayRef<int64_t>{1});
      part = arith::AddIOp::create(rewriter, loc, part, products);
      row = vector::InsertStridedSliceOp::create(
          rewriter, loc, part, row, ArrayRef<int64_t>{offset},
          ArrayRef<int64_t>{1});
    }
    at.push_back(zeroIndex);
    acc = vector::TransferWriteOp::create(rewriter, loc, row, acc, at,
                                          ArrayRef<bool>{whole})
              ->getResult(0);
  }
  rewriter.replaceOp(op, acc);
  return success();
}

} // namespace kiln
