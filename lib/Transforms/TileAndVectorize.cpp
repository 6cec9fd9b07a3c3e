//===- TileAndVectorize.cpp - Register-blocked vector kernels -------------===//
//
// Turns the value-semantic linalg ops into loops over register-sized tiles
// whose bodies are vector code, still on tensors so that bufferization places
// everything afterwards:
//
//   contractions (conv, matmul, depthwise): the parallel dims are tiled to a
//   block of R rows x V lanes, every reduction dim to 1, so one step of the
//   innermost loop is R broadcast-FMAs over V lanes. Dropping the unit dims
//   leaves an elementwise `acc += a * b` that vectorizes to plain vector ops,
//   and hoisting the accumulator's read/write out of the reduction loops keeps
//   it in registers for the whole reduction. A fill or bias broadcast that
//   initializes the accumulator is fused into each tile.
//
//   other reductions over the contiguous dim (softmax max/sum, pooling):
//   V lanes of partial results per output, merged once at the end.
//
//   everything else elementwise: V-lane strips of the innermost dims.
//
// Partial tiles are peeled into their own loops so that every tile has a
// static shape; remainders whose width is not a power of two are masked.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "GroupMultiply.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNTILEANDVECTORIZE
#include "kiln/Transforms/Passes.h.inc"

namespace {

/// How one linalg op is cut into register tiles.
struct TilePlan {
  SmallVector<int64_t> tileSizes;   // per loop; 0 = not tiled
  SmallVector<int64_t> interchange; // loop order of the tile loops
  // Reductions: tiles of the reduction loops for a second, partial-reduction
  // tiling of each tile (V-lane partial results, merged once at the end).
  SmallVector<int64_t> partialTiles;
  // Contractions: the block loop, whose steps reuse one input vector.
  std::optional<unsigned> reuseBlock;
};

/// Loop extents for planning tiles: a dynamic extent (a ranged input's
/// dim) counts as larger than any tile.
SmallVector<int64_t> planningBounds(linalg::LinalgOp op) {
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  for (int64_t &b : bounds)
    if (ShapedType::isDynamic(b))
      b = int64_t{1} << 40;
  return bounds;
}

/// Ops over f32 values (dynamic dims of ranged inputs included: their
/// full tiles are static after peeling, the partial ones masked).
bool isF32(linalg::LinalgOp op) {
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type)
      return false;
    // Index inputs are lookup tables (a resize's taps, read by the body).
    Type elem = type.getElementType();
    if (!elem.isF32() && !(elem.isIndex() && op.isDpsInput(&operand)))
      return false;
  }
  return true;
}

/// The loop that indexes the last dim of `map`'s result, if that is a plain
/// loop (the operand is contiguous along it).
std::optional<unsigned> innermostLoop(AffineMap map) {
  if (map.getNumResults() == 0)
    return std::nullopt;
  if (auto dim = dyn_cast<AffineDimExpr>(map.getResults().back()))
    return dim.getPosition();
  return std::nullopt;
}

bool mapUsesLoop(AffineMap map, unsigned loop) {
  return llvm::any_of(map.getResults(), [&](AffineExpr e) {
    return e.isFunctionOfDim(loop);
  });
}

/// Contractions: parallel loops tiled to (R rows of `block`) x (V lanes of
/// the output's innermost loop), reductions to 1; loop order keeps the
/// block loop innermost among the parallel ones so one input panel is reused
/// by every block while it is in L1.
std::optional<TilePlan> planContraction(linalg::GenericOp op, int64_t lanes,
                                        int64_t rows) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!outMap.isProjectedPermutation())
    return std::nullopt;
  std::optional<unsigned> vec = innermostLoop(outMap);
  if (!vec)
    return std::nullopt;
  SmallVector<int64_t> bounds = planningBounds(op);
  // The block loop: the innermost parallel loop (other than the lane loop)
  // that the lane-contiguous input does not depend on, so each of its R
  // steps reuses the same input vector; else the next-outer output loop.
  std::optional<unsigned> block;
  AffineMap streamMap;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (mapUsesLoop(map, *vec))
      streamMap = map;
  }
  if (!streamMap)
    return std::nullopt;
  for (unsigned d = 0; d < outMap.getNumResults() - 1; ++d) {
    unsigned loop = cast<AffineDimExpr>(outMap.getResult(d)).getPosition();
    if (bounds[loop] > 1 && !mapUsesLoop(streamMap, loop))
      block = loop;
  }
  bool reuseInput = block.has_value();
  if (!block && outMap.getNumResults() >= 2)
    block = cast<AffineDimExpr>(outMap.getResult(outMap.getNumResults() - 2))
                .getPosition();

  TilePlan plan;
  if (reuseInput)
    plan.reuseBlock = block;
  plan.tileSizes.assign(iterators.size(), 1);
  plan.tileSizes[*vec] = std::min(bounds[*vec], lanes);
  if (block)
    plan.tileSizes[*block] =
        std::min(bounds[*block], reuseInput ? rows : rows / 2);
  // Loops that move the streamed input go outside the lane loop, the
  // others inside it, so one panel of the streamed input is reused by
  // every block (and, for packed weights, every block of blocks).
  SmallVector<int64_t> inner;
  for (unsigned d = 0; d < iterators.size(); ++d) {
    if (iterators[d] != utils::IteratorType::parallel || d == *vec ||
        d == block)
      continue;
    if (mapUsesLoop(streamMap, d))
      plan.interchange.push_back(d);
    else
      inner.push_back(d);
  }
  plan.interchange.push_back(*vec);
  plan.interchange.append(inner);
  if (block)
    plan.interchange.push_back(*block);
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (iterators[d] == utils::IteratorType::reduction)
      plan.interchange.push_back(d);
  return plan;
}

/// Longest dim of an input read across the output's lanes in one tile.
constexpr int64_t kMaxTransposedExtent = 4;

/// Elementwise and other all-parallel ops: V-lane tiles over the innermost
/// loops of the output (more than one when the innermost extent is short).
std::optional<TilePlan> planElementwise(linalg::GenericOp op, int64_t lanes) {
  if (op.getNumReductionLoops() != 0 || op.getNumDpsInits() != 1)
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  // Broadcast operands may index size-1 dims with a constant 0.
  if (outMap.getNumResults() == 0 || !outMap.isPermutation() ||
      !llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
        return map.isProjectedPermutation(/*allowZeroInResults=*/true);
      }))
    return std::nullopt;
  SmallVector<int64_t> bounds = planningBounds(op);
  TilePlan plan;
  plan.tileSizes.assign(bounds.size(), 1);
  SmallVector<unsigned> inner;
  int64_t remaining = lanes;
  for (unsigned r = outMap.getNumResults(); r-- > 0 && remaining > 1;) {
    unsigned loop = outMap.getDimPosition(r);
    int64_t tile = std::min(bounds[loop], remaining);
    plan.tileSizes[loop] = tile;
    inner.insert(inner.begin(), loop);
    if (tile < bounds[loop] || !llvm::isPowerOf2_64(tile))
      break;
    remaining /= tile;
  }
  // An input whose contiguous dim is another short loop (a stride-phase
  // split or a small transpose) is read whole along it too: the tile becomes
  // a contiguous read plus a register transpose instead of strided scalars.
  for (OpOperand *in : op.getDpsInputOperands()) {
    std::optional<unsigned> loop =
        innermostLoop(op.getMatchingIndexingMap(in));
    if (loop && !llvm::is_contained(inner, *loop) && bounds[*loop] > 1 &&
        bounds[*loop] <= kMaxTransposedExtent) {
      plan.tileSizes[*loop] = bounds[*loop];
      inner.insert(inner.begin(), *loop);
    }
  }
  for (unsigned d = 0; d < bounds.size(); ++d)
    if (!llvm::is_contained(inner, d))
      plan.interchange.push_back(d);
  plan.interchange.append(inner.begin(), inner.end());
  return plan;
}

/// Vector sizes for a tile whose lane extent is not a power of two (a
/// peeled remainder): rounded up and masked, since odd-sized vectors
/// legalize into scalar code. Empty means the tile's own static shape.
SmallVector<int64_t> maskedVectorSizes(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1)
    return {};
  std::optional<unsigned> lane =
      innermostLoop(op.getMatchingIndexingMap(op.getDpsInitOperand(0)));
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  if (!lane || sizes[*lane] <= 1 || llvm::isPowerOf2_64(sizes[*lane]))
    return {};
  sizes[*lane] = llvm::PowerOf2Ceil(sizes[*lane]);
  return sizes;
}

/// Other reductions over the contiguous innermost dim (softmax max/sum,
/// global pooling): one tile per output element, and inside it V lanes of
/// partial results so the loop body is elementwise vector code.
std::optional<TilePlan> planReduction(linalg::GenericOp op, int64_t lanes) {
  if (op.getNumDpsInits() != 1 || op.getNumDpsInputs() < 1 ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }))
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  std::optional<unsigned> inner =
      innermostLoop(op.getMatchingIndexingMap(op.getDpsInputOperand(0)));
  if (!inner || iterators[*inner] != utils::IteratorType::reduction)
    return std::nullopt;
  SmallVector<int64_t> bounds = planningBounds(op);
  TilePlan plan;
  plan.tileSizes.assign(bounds.size(), 0);
  plan.partialTiles.assign(bounds.size(), 0);
  for (unsigned d = 0; d < bounds.size(); ++d) {
    if (iterators[d] == utils::IteratorType::parallel) {
      plan.tileSizes[d] = 1;
      plan.interchange.push_back(d);
    } else {
      plan.partialTiles[d] = d == *inner ? std::min(bounds[d], lanes) : 1;
    }
  }
  for (unsigned d = 0; d < bounds.size(); ++d)
    if (iterators[d] == utils::IteratorType::reduction)
      plan.interchange.push_back(d);
  return plan;
}

/// Tiles `op` and peels the partial tiles of every loop, innermost first
/// so the outer loop's partial copy holds the inner loop's peeled pair.
FailureOr<scf::SCFTilingResult>
tileAndPeel(RewriterBase &rewriter, TilingInterface op,
            const scf::SCFTilingOptions &options) {
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, op, options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  for (LoopLikeOpInterface loop : llvm::reverse(tiled->loops)) {
    scf::ForOp partial;
    (void)scf::peelForLoopAndSimplifyBounds(
        rewriter, cast<scf::ForOp>(loop.getOperation()), partial);
  }
  return tiled;
}

/// Marks contraction tiles whose reduction loops are still to be tiled.
constexpr llvm::StringLiteral kReduceLaterAttr = "kiln.reduce_later";

/// The accumulator starts from a fill or a broadcast (the bias) that nothing
/// else reads: computing it per tile, in registers, saves a pass over the
/// output. Fills may have other users (CSE merges equal fills); each
/// consumer gets its own copy in its tiles.
bool hasFusableInit(linalg::GenericOp op) {
  Operation *producer = op.getDpsInitOperand(0)->get().getDefiningOp();
  if (!producer)
    return false;
  if (isa<linalg::FillOp>(producer))
    return true;
  if (!producer->hasOneUse())
    return false;
  auto generic = dyn_cast<linalg::GenericOp>(producer);
  // An f32 bias broadcast, or an int32 one for an integer accumulator.
  auto isStaticI32 = [](linalg::GenericOp g) {
    return !g.hasDynamicShape() &&
           llvm::all_of(g->getOperandTypes(), [](Type t) {
             auto tensor = dyn_cast<RankedTensorType>(t);
             return tensor && tensor.getElementType().isSignlessInteger(32);
           });
  };
  return generic && generic.getNumReductionLoops() == 0 &&
         generic.getNumDpsInits() == 1 &&
         (isF32(generic) || isStaticI32(generic));
}

/// Tiles the parallel loops of contraction `op` with its init producer fused
/// into each tile, peels, and marks the tiles for their reduction tiling.
LogicalResult tileFusingInit(RewriterBase &rewriter, linalg::GenericOp op,
                             const TilePlan &plan) {
  SmallVector<int64_t> sizes = plan.tileSizes;
  for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
    if (it == utils::IteratorType::reduction)
      sizes[d] = 0;
  scf::SCFTileAndFuseOptions options;
  options.tilingOptions.setTileSizes(
      getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  options.tilingOptions.setInterchange(plan.interchange);
  options.setFusionControlFn(
      [](tensor::ExtractSliceOp, OpResult, bool isDestination)
          -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        if (isDestination)
          return scf::SCFTileAndFuseOptions::ControlFnResult{};
        return std::nullopt;
      });
  op->setAttr(kReduceLaterAttr, rewriter.getUnitAttr());
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return op.emitError("kiln: tiling failed");
  for (auto [original, replacement] : tiled->replacements)
    rewriter.replaceAllUsesWith(original, replacement);
  for (LoopLikeOpInterface loop : llvm::reverse(tiled->loops)) {
    scf::ForOp partial;
    (void)scf::peelForLoopAndSimplifyBounds(
        rewriter, cast<scf::ForOp>(loop.getOperation()), partial);
  }
  return success();
}

bool isMultiplyAccumulate(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (body.getOperations().size() == 3) {
    auto mul = dyn_cast<arith::MulFOp>(body.front());
    auto add = dyn_cast<arith::AddFOp>(*std::next(body.begin()));
    if (mul && add)
      return true;
  }
  // Integer: operands extended to the accumulator (inputs read as unsigned
  // bytes zero-extend), then acc + a * b.
  auto it = body.begin();
  while (isa<arith::ExtSIOp, arith::ExtUIOp>(*it))
    ++it;
  return isa<arith::MulIOp>(*it) && isa<arith::AddIOp>(*std::next(it)) &&
         isa<linalg::YieldOp>(*std::next(it, 2));
}

/// An integer contraction (int8/int16 operands, int32 accumulator) on
/// static shapes: tiled like an f32 one, with i32 vector accumulators.
bool isStaticIntegerContraction(linalg::GenericOp op) {
  if (op.hasDynamicShape() || op.getNumReductionLoops() == 0 ||
      op.getNumDpsInits() != 1 || !isMultiplyAccumulate(op))
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type || !type.getElementType().isSignlessInteger())
      return false;
    unsigned width = type.getElementType().getIntOrFloatBitWidth();
    if (op.isDpsInput(&operand) ? (width != 8 && width != 16) : width != 32)
      return false;
  }
  return true;
}

/// An all-parallel op on static shapes over f32 and integer values: the
/// epilogues of integer kernels (requantization, with the float activation
/// between dequantize and quantize) and the storage casts around them.
bool isStaticElementwise(linalg::GenericOp op) {
  if (op.hasDynamicShape() || op.getNumReductionLoops() != 0)
    return false;
  return llvm::all_of(op->getOpOperands(), [&](OpOperand &operand) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type)
      return false;
    Type elem = type.getElementType();
    return elem.isF32() || elem.isSignlessInteger() ||
           (elem.isIndex() && op.isDpsInput(&operand));
  });
}

/// Strip width for an elementwise op: `lanes` f32-sized lanes, fewer when
/// the body computes in 64 bits (requantization): the same registers per
/// strip, so the code stays as long as an f32 strip's.
int64_t stripLanesFor(linalg::GenericOp op, int64_t lanes) {
  bool wide = false;
  op.getRegion().walk([&](Operation *inner) {
    for (Type t : inner->getResultTypes())
      if (t.isIntOrFloat() && t.getIntOrFloatBitWidth() > 32)
        wide = true;
  });
  return wide ? std::max<int64_t>(1, lanes / 2) : lanes;
}

/// The ops this pass cuts into register tiles.
bool isTileable(linalg::GenericOp op) {
  return isF32(op) || isStaticIntegerContraction(op) ||
         isStaticElementwise(op);
}

/// An init that the tiling of its contraction fuses into each tile (and
/// so is not tiled on its own first).
bool isFusedIntoContraction(linalg::GenericOp op) {
  if (!op->hasOneUse())
    return false;
  auto user = dyn_cast<linalg::GenericOp>(*op->user_begin());
  return user && isTileable(user) && user.getNumReductionLoops() > 0 &&
         isMultiplyAccumulate(user) && user.getNumDpsInits() == 1 &&
         user.getDpsInitOperand(0)->get() == op->getResult(0) &&
         hasFusableInit(user);
}

/// The static trip count of an innermost loop over vector accumulators (the
/// register tile's reduction loop); none for any other loop.
std::optional<int64_t> accumulatorLoopTrips(scf::ForOp loop) {
  if (loop.getNumRegionIterArgs() == 0 ||
      !llvm::all_of(loop.getRegionIterArgs(), [](BlockArgument arg) {
        return isa<VectorType>(arg.getType());
      }))
    return std::nullopt;
  bool innermost = true;
  loop.getBody()->walk([&](LoopLikeOpInterface) { innermost = false; });
  std::optional<APInt> trips = loop.getStaticTripCount();
  if (!innermost || !trips)
    return std::nullopt;
  return trips->getSExtValue();
}

/// The channel-group loop of `op` when the target has a multiply-add for
/// groups of its extent (`intrinsics`): tiled whole (every step in one tile)
/// rather than by one.
std::optional<unsigned> groupLoop(linalg::GenericOp op,
                                  ArrayRef<GroupIntrinsic> intrinsics) {
  auto attr = op->getAttrOfType<IntegerAttr>(kGroupReductionAttr);
  if (!attr || attr.getInt() < 0 ||
      attr.getInt() >= static_cast<int64_t>(op.getNumLoops()))
    return std::nullopt;
  auto loop = static_cast<unsigned>(attr.getInt());
  int64_t extent = op.getStaticLoopRanges()[loop];
  if (llvm::none_of(intrinsics, [&](const GroupIntrinsic &i) {
        return !i.name.empty() && i.group == extent;
      }))
    return std::nullopt;
  return loop;
}

struct KilnTileAndVectorizePass
    : impl::KilnTileAndVectorizeBase<KilnTileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    const GroupIntrinsic intrinsics[] = {
        {pairIntrinsic, 2, pairLanes, /*accumulates=*/false},
        {quadIntrinsic, 4, quadLanes, /*accumulates=*/quadWidenIntrinsic.empty(),
         quadUnsignedInput, quadWidenIntrinsic}};

    // 1. Tile, and peel partial tiles so every tile is static.
    SmallVector<linalg::GenericOp> targets;
    func.walk([&](linalg::GenericOp op) {
      if (isTileable(op) && !op->getParentOfType<scf::ForOp>() &&
          !isFusedIntoContraction(op))
        targets.push_back(op);
    });
    for (linalg::GenericOp op : targets) {
      std::optional<TilePlan> plan;
      auto packedTile = op->getAttrOfType<DenseI64ArrayAttr>(kRegisterTileAttr);
      if (op.getNumReductionLoops() > 0 && isMultiplyAccumulate(op)) {
        // A packed operand fixes its tile; other contractions use the
        // pass's.
        if (packedTile && packedTile.size() == 2)
          plan = planContraction(op, packedTile[1], packedTile[0]);
        else
          plan = planContraction(op, contractionLanes, rows);
        // The tall block where it divides the f32 block loop (no partial
        // block, which would cost what the taller block gains).
        if (!packedTile && tallRows > 0 && isF32(op)) {
          std::optional<TilePlan> tall =
              planContraction(op, contractionLanes, tallRows);
          if (tall && tall->reuseBlock &&
              op.getStaticLoopRanges()[*tall->reuseBlock] % tallRows == 0)
            plan = tall;
        }
      } else if (op.getNumReductionLoops() > 0) {
        plan = planReduction(op, lanes);
      } else {
        plan = planElementwise(op, stripLanesFor(op, lanes));
      }
      if (!plan)
        continue;
      if (std::optional<unsigned> pair = groupLoop(op, intrinsics))
        plan->tileSizes[*pair] = 0;
      if (op.getNumReductionLoops() > 0 && plan->partialTiles.empty() &&
          hasFusableInit(op)) {
        if (failed(tileFusingInit(rewriter, op, *plan)))
          return signalPassFailure();
        continue;
      }
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(ctx, plan->tileSizes));
      options.setInterchange(plan->interchange);
      FailureOr<scf::SCFTilingResult> tiled =
          tileAndPeel(rewriter, cast<TilingInterface>(op.getOperation()),
                      options);
      if (failed(tiled)) {
        op.emitError("kiln: tiling failed");
        return signalPassFailure();
      }
      if (plan->partialTiles.empty())
        continue;
      SmallVector<unsigned> reductionDims;
      for (auto [d, tile] : llvm::enumerate(plan->partialTiles))
        if (tile)
          reductionDims.push_back(d);
      scf::SCFTilingOptions partial;
      partial.setTileSizes(getAsIndexOpFoldResult(ctx, plan->partialTiles));
      partial.setReductionTilingStrategy(
          ReductionTilingStrategy::PartialReductionOuterReduction);
      partial.setReductionDims(reductionDims);
      auto tile = cast<TilingInterface>(tiled->tiledOps.back());
      if (failed(tileAndPeel(rewriter, tile, partial))) {
        op.emitError("kiln: reduction tiling failed");
        return signalPassFailure();
      }
    }
    if (failed(cleanup(func)))
      return signalPassFailure();

    // 1a. Partial tiles of a ranged dim (a run-time remainder below the
    // tile size) go one step at a time along it, so that they are static.
    // (A step of 8 first does not help: the peeled 8-wide tiles keep a
    // size that canonicalization does not bound, and end up stepping by 1.)
    SmallVector<linalg::LinalgOp> partial;
    func.walk([&](linalg::LinalgOp tile) {
      if (tile->getParentOfType<scf::ForOp>() && tile.hasDynamicShape())
        partial.push_back(tile);
    });
    for (linalg::LinalgOp tile : partial) {
      SmallVector<int64_t> sizes;
      for (int64_t range : tile.getStaticLoopRanges())
        sizes.push_back(ShapedType::isDynamic(range) ? 1 : 0);
      scf::SCFTilingOptions unit;
      unit.setTileSizes(getAsIndexOpFoldResult(ctx, sizes));
      if (failed(tileAndPeel(rewriter, cast<TilingInterface>(tile.getOperation()),
                             unit))) {
        tile.emitError("kiln: tiling failed");
        return signalPassFailure();
      }
    }
    if (failed(cleanup(func)))
      return signalPassFailure();

    // 1b. Contraction tiles whose init was fused: now static, their
    // reduction loops step by one inside.
    SmallVector<linalg::GenericOp> pending;
    func.walk([&](linalg::GenericOp tile) {
      if (tile->hasAttr(kReduceLaterAttr))
        pending.push_back(tile);
    });
    for (linalg::GenericOp tile : pending) {
      tile->removeAttr(kReduceLaterAttr);
      SmallVector<int64_t> sizes;
      for (utils::IteratorType it : tile.getIteratorTypesArray())
        sizes.push_back(it == utils::IteratorType::reduction ? 1 : 0);
      if (std::optional<unsigned> pair = groupLoop(tile, intrinsics))
        sizes[*pair] = 0;
      scf::SCFTilingOptions inner;
      inner.setTileSizes(getAsIndexOpFoldResult(ctx, sizes));
      if (failed(tileAndPeel(rewriter,
                             cast<TilingInterface>(tile.getOperation()),
                             inner))) {
        tile.emitError("kiln: tiling failed");
        return signalPassFailure();
      }
    }
    if (failed(cleanup(func)))
      return signalPassFailure();

    // 2. Drop the unit dims of every tile so the bodies become plain
    // elementwise ops with projected-permutation maps. Fills fused into
    // tiles become generics first, so that they lose their unit dims too
    // and their vector store folds into the accumulator's first read.
    func.walk([&](linalg::FillOp fill) {
      if (!fill->getParentOfType<scf::ForOp>())
        return;
      rewriter.setInsertionPoint(fill);
      (void)linalg::generalizeNamedOp(rewriter, fill);
    });
    {
      RewritePatternSet patterns(ctx);
      linalg::ControlDropUnitDims control;
      control.rankReductionStrategy = linalg::ControlDropUnitDims::
          RankReductionStrategy::ExtractInsertSlice;
      control.controlFn = [](Operation *op) -> SmallVector<unsigned> {
        auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
        if (!linalgOp || !op->getParentOfType<scf::ForOp>())
          return {};
        SmallVector<unsigned> unit;
        for (auto [i, range] : llvm::enumerate(linalgOp.getStaticLoopRanges()))
          if (range == 1)
            unit.push_back(i);
        return unit;
      };
      linalg::populateFoldUnitExtentDimsPatterns(patterns, control);
      tensor::populateMergeConsecutiveInsertExtractSlicePatterns(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }

    // 3. Vectorize every tile.
    SmallVector<linalg::LinalgOp> tiles;
    func.walk([&](linalg::LinalgOp op) {
      if (op->getParentOfType<scf::ForOp>() && !op.hasDynamicShape())
        tiles.push_back(op);
    });
    for (linalg::LinalgOp op : tiles) {
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (generic && llvm::any_of(intrinsics, [&](const GroupIntrinsic &i) {
            return succeeded(vectorizeGroupTile(rewriter, generic, i));
          }))
        continue;
      rewriter.setInsertionPoint(op);
      SmallVector<int64_t> sizes = maskedVectorSizes(op);
      SmallVector<bool> scalable(sizes.size(), false);
      FailureOr<linalg::VectorizationResult> result =
          linalg::vectorize(rewriter, op, sizes, scalable);
      if (succeeded(result))
        rewriter.replaceOp(op, result->replacements);
    }
    {
      // Masks move into the transfers themselves before anything folds the
      // one-op regions of `vector.mask`.
      RewritePatternSet patterns(ctx);
      vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    if (failed(cleanup(func)))
      return signalPassFailure();

    // 4. Keep accumulators in registers across the reduction loops.
    SmallVector<scf::ForOp> loops;
    func.walk([&](scf::ForOp loop) { loops.push_back(loop); }); // post-order
    // Not out of the outermost loop: each top-level op is one kernel.
    for (scf::ForOp loop : loops)
      if (loop->getParentOfType<scf::ForOp>())
        hoistLoopInvariantSubsets(rewriter, loop);
    if (failed(cleanup(func)))
      return signalPassFailure();

    // 5. Reductions that remain (partial results merged once per output)
    // become vector.reduction, which LLVM lowers directly.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorMultiReductionLoweringPatterns(
          patterns, vector::VectorMultiReductionLowering::InnerReduction);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }

    // 6. Transposing reads (stride-phase splits) become a contiguous read
    // and a register transpose; broadcasting reads stay as they are.
    {
      SmallVector<Operation *> transposing;
      func.walk([&](vector::TransferReadOp read) {
        AffineMap map = read.getPermutationMap();
        if (map.isPermutation() && !map.isMinorIdentity())
          transposing.push_back(read);
      });
      RewritePatternSet patterns(ctx);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      if (!transposing.empty() &&
          failed(applyOpPatternsGreedily(transposing, std::move(patterns))))
        return signalPassFailure();
    }

    // 7. Unroll the innermost loops that carry accumulators: one step of a
    // 6x64 tile is 24 FMAs for two pipes, and the loop's own add and branch
    // would otherwise compete with them every 12 cycles. LLVM unrolls them:
    // scf-to-cf and cf-to-llvm copy LLVM-dialect attributes by name, so one
    // named `loop_annotation` becomes the back edge's llvm.br annotation.
    // Unrolling here would multiply the vector code every later conversion
    // has to lower (rec compiled 1.3 s slower).
    if (unroll > 1) {
      auto annotate = [&](IntegerAttr count, BoolAttr full) {
        auto how = LLVM::LoopUnrollAttr::get(
            ctx, /*disable=*/{}, count, /*runtimeDisable=*/{}, full,
            /*followupUnrolled=*/{}, /*followupRemainder=*/{},
            /*followupAll=*/{});
        return LLVM::LoopAnnotationAttr::get(
            ctx, /*disableNonforced=*/{}, /*vectorize=*/{}, /*interleave=*/{},
            how, /*unrollAndJam=*/{}, /*licm=*/{}, /*distribute=*/{},
            /*pipeline=*/{}, /*peeled=*/{}, /*unswitch=*/{},
            /*mustProgress=*/{}, /*isVectorized=*/{}, /*startLoc=*/{},
            /*endLoc=*/{}, /*parallelAccesses=*/{});
      };
      // Short loops (a 3x3 conv's kernel-width taps) unroll completely.
      auto byCount = annotate(rewriter.getI32IntegerAttr(unroll), {});
      auto completely = annotate({}, rewriter.getBoolAttr(true));
      func.walk([&](scf::ForOp loop) {
        std::optional<int64_t> trips = accumulatorLoopTrips(loop);
        if (trips && *trips >= 2 * unroll)
          loop->setAttr("loop_annotation", byCount);
        else if (trips && *trips > 1)
          loop->setAttr("loop_annotation", completely);
      });
    }
  }

  /// Canonicalization between the steps; collected once per pass instance,
  /// not once per step and function.
  LogicalResult initialize(MLIRContext *ctx) override {
    RewritePatternSet patterns(ctx);
    for (RegisteredOperationName name : ctx->getRegisteredOperations())
      name.getCanonicalizationPatterns(patterns, ctx);
    for (Dialect *dialect : ctx->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    scf::populateSCFForLoopCanonicalizationPatterns(patterns);
    // A tile's result re-inserted through its unit-dim slice: one insert,
    // or bufferization copies the tile through a temporary.
    tensor::populateMergeConsecutiveInsertExtractSlicePatterns(patterns);
    cleanupPatterns = FrozenRewritePatternSet(std::move(patterns));
    return success();
  }

  LogicalResult cleanup(func::FuncOp func) {
    return applyPatternsGreedily(func, cleanupPatterns);
  }

  FrozenRewritePatternSet cleanupPatterns;
};

} // namespace
} // namespace kiln
