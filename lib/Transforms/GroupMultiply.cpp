//===- GroupMultiply.cpp - Integer tiles on a group multiply-add -----------===//
//
// x86's pmaddwd multiplies 16-bit lanes and adds each adjacent pair of
// products into one 32-bit lane: two multiply-accumulate steps of a
// contraction per instruction, where an i32 multiply (pmulld) does one at
// twice the cost. A channel-pair tile feeds it directly: the lowering lays
// the input out with each pair's values side by side, (x0[p], x1[p]), each
// output row's weight pair (w0, w1) is one 32-bit broadcast, and the
// products land in lane p in order, so neither side needs shuffles. Dot
// products over quads of bytes (AArch64 sdot, x86 vpdpbusd) take the same
// layout with groups of four and accumulate in the instruction itself.
//
//===----------------------------------------------------------------------===//
#include "GroupMultiply.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace kiln {
namespace {

/// The loops of a group tile, and which operand is which.
struct GroupTile {
  unsigned group;               // the reduction loop, extent 2 or 4
  unsigned lane;                // the accumulator's contiguous loop
  std::optional<unsigned> row;  // the other parallel loop, if any
  OpOperand *x = nullptr;       // indexed (lane, group): groups adjacent
  OpOperand *w = nullptr;       // indexed (row, group) or (group)
  /// w holds the unsigned bytes of an unsigned-input intrinsic, which then
  /// takes it as its first multiplicand.
  bool unsignedBroadcast = false;
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

std::optional<GroupTile> matchGroupTile(linalg::GenericOp op,
                                        const GroupIntrinsic &intrinsic) {
  if (op.hasDynamicShape() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isProjectedPermutation(); }))
    return std::nullopt;
  // The body: both operands extended, acc + a * b.
  Block &body = op.getRegion().front();
  auto isExtension = [](Operation &o) {
    return isa<arith::ExtSIOp, arith::ExtUIOp>(o);
  };
  if (body.getOperations().size() != 5 || !isExtension(body.front()) ||
      !isExtension(*std::next(body.begin())) ||
      !isa<arith::MulIOp>(*std::next(body.begin(), 2)) ||
      !isa<arith::AddIOp>(*std::next(body.begin(), 3)))
    return std::nullopt;
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  GroupTile tile;
  for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
    if (it == utils::IteratorType::reduction)
      tile.group = d;
  if (bounds[tile.group] != intrinsic.group)
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<unsigned> accLoops = loopsOf(op.getMatchingIndexingMap(init));
  if (accLoops.empty() || accLoops.size() > 2 || !hasElement(init->get(), 32))
    return std::nullopt;
  tile.lane = accLoops.back();
  if (accLoops.size() == 2)
    tile.row = accLoops.front();
  SmallVector<unsigned> wLoops = {tile.group};
  if (tile.row)
    wLoops.insert(wLoops.begin(), *tile.row);
  for (OpOperand *in : op.getDpsInputOperands()) {
    SmallVector<unsigned> loops = loopsOf(op.getMatchingIndexingMap(in));
    if (loops == SmallVector<unsigned>{tile.lane, tile.group})
      tile.x = in;
    else if (loops == wLoops)
      tile.w = in;
  }
  // Pairs: operands i16, or i8 (packed symmetric weights) widened as they
  // are loaded or broadcast. Quads: i8.
  auto narrowEnough = [&](OpOperand *in) {
    return hasElement(in->get(), 8) ||
           (intrinsic.group == 2 && hasElement(in->get(), 16));
  };
  if (!tile.x || !tile.w || !narrowEnough(tile.x) || !narrowEnough(tile.w))
    return std::nullopt;
  // Both sides signed, or (an unsigned-input intrinsic) one zero-extended:
  // the activations, on the lane side of a conv and the broadcast side of
  // a matmul.
  auto zeroExtended = [&](OpOperand *in) {
    Value arg = op.getMatchingBlockArgument(in);
    return llvm::any_of(body.without_terminator(), [&](Operation &o) {
      return isa<arith::ExtUIOp>(o) && o.getOperand(0) == arg;
    });
  };
  bool unsignedX = zeroExtended(tile.x), unsignedW = zeroExtended(tile.w);
  if (intrinsic.unsignedInput ? unsignedX == unsignedW : unsignedX || unsignedW)
    return std::nullopt;
  tile.unsignedBroadcast = unsignedW;
  return tile;
}

} // namespace

LogicalResult vectorizeGroupTile(RewriterBase &rewriter, linalg::GenericOp op,
                                 const GroupIntrinsic &intrinsic) {
  const int64_t g = intrinsic.group;
  if (intrinsic.name.empty() || (g != 2 && g != 4) || intrinsic.lanes < g ||
      intrinsic.lanes % g != 0)
    return failure();
  std::optional<GroupTile> tile = matchGroupTile(op, intrinsic);
  if (!tile)
    return failure();
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  const int64_t lanes = intrinsic.lanes, perCall = lanes / g;
  int64_t rows = tile->row ? bounds[*tile->row] : 1, width = bounds[tile->lane];
  // A partial tile reads and writes whole calls' worth of lanes; transfers
  // past the tile's end read zeros and write nothing.
  int64_t padded = llvm::alignTo(width, perCall);
  bool whole = padded == width;

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  // The intrinsic's operand element: i16 for pairs, i8 for quads.
  Type narrow = rewriter.getIntegerType(g == 2 ? 16 : 8);
  Type i32 = rewriter.getI32Type();
  Value zeroIndex = arith::ConstantIndexOp::create(rewriter, loc, 0);
  // A `shape` vector from `source` at `lead` (leading indices), then 0s;
  // the source's trailing dims are read as the vector's.
  auto read = [&](Value source, ArrayRef<int64_t> shape, Type elem,
                  bool inBounds, ValueRange lead) -> Value {
    auto type = cast<RankedTensorType>(source.getType());
    SmallVector<Value> indices(lead.begin(), lead.end());
    indices.resize(type.getRank(), zeroIndex);
    if (type.getRank() < static_cast<int64_t>(shape.size()))
      shape = shape.take_back(type.getRank()); // no row loop: w is [g]
    SmallVector<bool> bounded(shape.size(), true);
    bounded.back() = inBounds;
    Value pad = arith::ConstantOp::create(rewriter, loc,
                                          rewriter.getIntegerAttr(elem, 0));
    return vector::TransferReadOp::create(rewriter, loc,
                                          VectorType::get(shape, elem), source,
                                          indices, pad, bounded);
  };

  // (x0[p], .., x{g-1}[p]) groups, `lanes` inputs per call, as they lie in
  // memory: one flat read.
  Type xElem = cast<RankedTensorType>(tile->x->get().getType()).getElementType();
  Value flat = tensor::CollapseShapeOp::create(
      rewriter, loc, tile->x->get(), SmallVector<ReassociationIndices>{{0, 1}});
  Value groups = read(flat, {g * padded}, xElem, whole, {});
  if (xElem != narrow) // sign-extending loads (pmovsxbw)
    groups = arith::ExtSIOp::create(
        rewriter, loc,
        VectorType::get(cast<VectorType>(groups.getType()).getShape(), narrow),
        groups);
  SmallVector<Value> chunks;
  for (int64_t k = 0; k < g * padded; k += lanes)
    chunks.push_back(vector::ExtractStridedSliceOp::create(
        rewriter, loc, groups, ArrayRef<int64_t>{k}, ArrayRef<int64_t>{lanes},
        ArrayRef<int64_t>{1}));

  // Accumulators row by row: each row's read and write pair up, so the
  // rows stay in registers across the group loop.
  Value acc = op.getDpsInitOperand(0)->get();
  // Every row's weight group as one i32: narrow weights widen in one go
  // (pmovsxbw), not row by row.
  Type wElem = cast<RankedTensorType>(tile->w->get().getType()).getElementType();
  Value w = read(tile->w->get(), {rows, g}, wElem, true, {});
  w = vector::ShapeCastOp::create(rewriter, loc,
                                  VectorType::get({g * rows}, wElem), w);
  if (wElem != narrow)
    w = arith::ExtSIOp::create(rewriter, loc,
                               VectorType::get({g * rows}, narrow), w);
  Value rowGroups = vector::BitCastOp::create(
      rewriter, loc, VectorType::get({rows}, i32), w);
  auto callType = VectorType::get({perCall}, i32);
  // Saturating quads: 16-bit pair sums, added pairwise against ones.
  auto pairType = VectorType::get({lanes / 2}, rewriter.getI16Type());
  Value ones;
  if (!intrinsic.widen.empty())
    ones = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(pairType, rewriter.getI16IntegerAttr(1)));
  for (int64_t r = 0; r < rows; ++r) {
    // The row's weight group, broadcast to every lane.
    Value weights = vector::BitCastOp::create(
        rewriter, loc, VectorType::get({lanes}, narrow),
        vector::BroadcastOp::create(
            rewriter, loc, callType,
            vector::ExtractOp::create(rewriter, loc, rowGroups, r)));
    SmallVector<Value> at;
    if (tile->row)
      at.push_back(arith::ConstantIndexOp::create(rewriter, loc, r));
    Value row = read(acc, {padded}, i32, whole, at);
    for (auto [k, chunk] : llvm::enumerate(chunks)) {
      int64_t offset = static_cast<int64_t>(k) * perCall;
      Value part = vector::ExtractStridedSliceOp::create(
          rewriter, loc, row, ArrayRef<int64_t>{offset},
          ArrayRef<int64_t>{perCall}, ArrayRef<int64_t>{1});
      StringAttr name = rewriter.getStringAttr(intrinsic.name);
      // The unsigned operand first, where the intrinsic has one.
      Value first = tile->unsignedBroadcast ? weights : chunk;
      Value second = tile->unsignedBroadcast ? chunk : weights;
      if (intrinsic.accumulates) {
        part = LLVM::CallIntrinsicOp::create(rewriter, loc, callType, name,
                                             ValueRange{part, first, second})
                   ->getResult(0);
      } else if (!intrinsic.widen.empty()) {
        Value pairSums =
            LLVM::CallIntrinsicOp::create(rewriter, loc, pairType, name,
                                          ValueRange{first, second})
                ->getResult(0);
        Value sums = LLVM::CallIntrinsicOp::create(
                         rewriter, loc, callType,
                         rewriter.getStringAttr(intrinsic.widen),
                         ValueRange{pairSums, ones})
                         ->getResult(0);
        part = arith::AddIOp::create(rewriter, loc, part, sums);
      } else {
        Value sums = LLVM::CallIntrinsicOp::create(rewriter, loc, callType, name,
                                                   ValueRange{chunk, weights})
                         ->getResult(0);
        part = arith::AddIOp::create(rewriter, loc, part, sums);
      }
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
