//===- SelectCpuKernels.cpp - The CPU backend's choice of kernel per op ---===//
//
// The first pass of the CPU backend, on kiln ops, before the target-neutral
// lowering. Two choices are made here and nowhere else:
//
// - Depthwise convs the ahead-of-time Halide kernels cover (batch 1, one
//   filter per channel, 3x3 or 5x5, strides 1 or 2 each, no dilation) become a
//   kiln.halide_depthwise on the padded input. A following Relu, Clip or
//   HardSwish that is the conv's only user runs inside the kernel, on the
//   accumulator, instead of as a second pass over the output.
// - Contractions over a constant weight are marked with the register tile
//   the weight is packed for. Large matmuls take the wide tile where the
//   target has one: more accumulators per broadcast and per panel load,
//   which small products would mostly spend on remainders.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"
#include "Kiln/QuantParams.h"
#include "kiln/Conversion/LoweringUtils.h"
#include "kiln/Transforms/Passes.h"

#include <limits>

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNSELECTCPUKERNELS
#include "kiln/Transforms/Passes.h.inc"

namespace {

bool coveredByHalideKernels(ConvOp op) {
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  if (inType.getRank() != 4 || inType.getDimSize(0) != 1)
    return false;
  int64_t channels = inType.getDimSize(1), k = wType.getDimSize(2);
  ArrayRef<int64_t> strides = op.getStrides();
  return static_cast<int64_t>(op.getGroup()) == channels &&
         wType.getDimSize(0) == channels && wType.getDimSize(1) == 1 &&
         (k == 3 || k == 5) && wType.getDimSize(3) == k &&
         llvm::all_of(strides, [](int64_t s) { return s == 1 || s == 2; }) &&
         llvm::all_of(op.getDilations(), [](int64_t d) { return d == 1; });
}

/// The activation the kernel applies for the conv's only user, or none.
struct FusedActivation {
  Operation *op = nullptr;
  StringRef name = "none";
  float lo = 0, hi = 0;
};

FusedActivation activationOf(ConvOp op) {
  FusedActivation act;
  if (!op->hasOneUse())
    return act;
  Operation *user = *op->getUsers().begin();
  if (isa<ReluOp>(user)) {
    act = {user, "clip", 0.0f, std::numeric_limits<float>::infinity()};
  } else if (auto clip = dyn_cast<ClipOp>(user)) {
    act = {user, "clip", clip.getMin().convertToFloat(),
           clip.getMax().convertToFloat()};
  } else if (isa<HardSwishOp>(user)) {
    act = {user, "hswish"};
  }
  return act;
}

void replaceWithHalideDepthwise(IRRewriter &rewriter, ConvOp op) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto outType = cast<RankedTensorType>(op.getType());
  Type elem = outType.getElementType();
  ArrayRef<int64_t> pads = op.getPads();
  Value padded = padSpatial(rewriter, loc, op.getInput(), pads.take_front(2),
                            pads.drop_front(2), floatConst(rewriter, loc, elem, 0));
  Value bias = op.getBias();
  if (!bias) {
    auto biasType = RankedTensorType::get({outType.getDimSize(1)}, elem);
    bias = arith::ConstantOp::create(
        rewriter, loc, biasType,
        DenseElementsAttr::get(biasType, rewriter.getF32FloatAttr(0)));
  }
  Value init = tensor::EmptyOp::create(rewriter, loc, outType.getShape(), elem);
  FusedActivation act = activationOf(op);
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  auto call = HalideDepthwiseOp::create(
      rewriter, loc, TypeRange{outType}, padded, op.getWeight(), bias, init,
      ValueRange{}, wType.getDimSize(2), op.getStrides(), act.name,
      llvm::APFloat(act.lo), llvm::APFloat(act.hi));
  if (act.op) {
    rewriter.replaceOp(act.op, call.getResult());
    rewriter.eraseOp(op);
  } else {
    rewriter.replaceOp(op, call.getResult());
  }
}

bool isF32Constant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  return constant &&
         cast<RankedTensorType>(constant.getType()).getElementType().isF32();
}

/// Ops on ranged (dynamic) dims keep the generic lowering: the kernels
/// chosen here are built for static shapes.
bool hasDynamicShape(Operation *op) {
  auto dynamic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return shaped && !shaped.hasStaticShape();
  };
  return llvm::any_of(op->getOperandTypes(), dynamic) ||
         llvm::any_of(op->getResultTypes(), dynamic);
}

struct KilnSelectCpuKernelsPass
    : impl::KilnSelectCpuKernelsBase<KilnSelectCpuKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    Builder b(&getContext());
    if (halideDepthwise) {
      SmallVector<ConvOp> depthwise;
      func.walk([&](ConvOp op) {
        if (!hasDynamicShape(op) && coveredByHalideKernels(op) &&
            !llvm::is_contained(
                mlirDepthwise,
                depthwiseShapeName(
                    cast<RankedTensorType>(op.getWeight().getType()).getDimSize(2),
                    op.getStrides())))
          depthwise.push_back(op);
      });
      IRRewriter rewriter(&getContext());
      for (ConvOp op : depthwise)
        replaceWithHalideDepthwise(rewriter, op);
    }
    auto mark = [&](Operation *op, int64_t r, int64_t l, bool registerTile) {
      op->setAttr(kPackTileAttr, b.getDenseI64ArrayAttr({r, l}));
      if (registerTile)
        op->setAttr(kRegisterTileAttr, b.getDenseI64ArrayAttr({r, l}));
    };
    auto markInteger = [&](Operation *op) {
      mark(op, rows, lanes, /*registerTile=*/false);
      if (channelGroup != 4)
        return;
      op->setAttr(kChannelGroupAttr, b.getI64IntegerAttr(channelGroup));
      if (unsignedQuads)
        op->setAttr(kUnsignedQuadsAttr, b.getUnitAttr());
      if (quadMaxWeight < 128)
        op->setAttr(kQuadMaxWeightAttr, b.getI64IntegerAttr(quadMaxWeight));
    };
    // Float weights are packed for this CPU's tiles, or for the ones
    // pack-lanes names (another CPU's, whose packing this one shares).
    const bool foreignPacking = packLanes > 0;
    const int64_t floatRows = foreignPacking ? packRows : rows;
    const int64_t floatLanes = foreignPacking ? packLanes : lanes;
    const int64_t floatWideRows = foreignPacking ? packWideRows : wideRows;
    const int64_t floatWideLanes = foreignPacking ? packWideLanes : wideLanes;
    // Large products take the wide tile, small ones the regular one.
    auto markProduct = [&](Operation *op, Value rhs, bool transposeRhs) {
      auto outType = cast<RankedTensorType>(op->getResult(0).getType());
      auto rhsType = cast<RankedTensorType>(rhs.getType());
      int64_t rank = outType.getRank();
      constexpr int64_t kWideMinimum = 128;
      bool wide = floatWideLanes > 0 && rank >= 2 && rhsType.getRank() == 2 &&
                  outType.getDimSize(rank - 2) >= kWideMinimum &&
                  outType.getDimSize(rank - 1) >= kWideMinimum &&
                  rhsType.getDimSize(transposeRhs ? 1 : 0) >= kWideMinimum;
      if (!wide) {
        mark(op, floatRows, floatLanes, /*registerTile=*/false);
        return;
      }
      mark(op, floatWideRows, floatWideLanes, /*registerTile=*/!foreignPacking);
      // A foreign wide packing: this CPU's wide tile where it reads whole
      // parts of a panel, else its regular tile (the pass's).
      if (foreignPacking && wideLanes > 0 && floatWideLanes % wideLanes == 0)
        op->setAttr(kRegisterTileAttr, b.getDenseI64ArrayAttr({wideRows, wideLanes}));
    };
    func.walk([&](Operation *op) {
      if (hasDynamicShape(op))
        return;
      if (auto conv = dyn_cast<ConvOp>(op)) {
        if (conv.getGroup() != 1 || !isF32Constant(conv.getWeight()))
          return;
        auto w = cast<RankedTensorType>(conv.getWeight().getType());
        bool pointwise = llvm::all_of(w.getShape().drop_front(2),
                                      [](int64_t k) { return k == 1; });
        if (tallRows > 0 && !foreignPacking && pointwise &&
            w.getDimSize(0) % tallRows == 0)
          mark(op, tallRows, floatLanes, /*registerTile=*/true);
        else
          mark(op, floatRows, floatLanes, /*registerTile=*/false);
      } else if (auto qconv = dyn_cast<QConvOp>(op)) {
        if (qconv.getGroup() == 1 && isQuantizedConstant(qconv.getWeight()))
          markInteger(op);
      } else if (auto qmatmul = dyn_cast<QMatMulOp>(op)) {
        if (isQuantizedConstant(qmatmul.getRhs()))
          markInteger(op);
      } else if (auto matmul = dyn_cast<MatMulOp>(op)) {
        if (isF32Constant(matmul.getRhs()))
          markProduct(op, matmul.getRhs(), false);
      } else if (auto gemm = dyn_cast<GemmOp>(op)) {
        if (isF32Constant(gemm.getB()))
          markProduct(op, gemm.getB(), gemm.getTransB());
      }
    });
  }
};

} // namespace
} // namespace kiln
