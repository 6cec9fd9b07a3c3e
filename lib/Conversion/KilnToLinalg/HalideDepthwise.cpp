//===- HalideDepthwise.cpp - Depthwise convs to the Halide kernels --------===//
//
// A depthwise conv the ahead-of-time Halide kernels cover (batch 1, one
// filter per channel, 3x3 or 5x5, stride 1 or 2, no dilation) becomes a
// kiln.halide_depthwise on the padded input. A following Relu, Clip or
// HardSwish that is the conv's only user runs inside the kernel, on the
// accumulator, instead of as a second pass over the output.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;

namespace kiln {

namespace {

bool coveredByKernels(ConvOp op) {
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  if (inType.getRank() != 4 || inType.getDimSize(0) != 1)
    return false;
  int64_t channels = inType.getDimSize(1), k = wType.getDimSize(2);
  ArrayRef<int64_t> strides = op.getStrides();
  return static_cast<int64_t>(op.getGroup()) == channels && wType.getDimSize(0) == channels &&
         wType.getDimSize(1) == 1 && (k == 3 || k == 5) &&
         wType.getDimSize(3) == k && strides[0] == strides[1] &&
         (strides[0] == 1 || strides[0] == 2) &&
         llvm::all_of(op.getDilations(), [](int64_t d) { return d == 1; });
}

/// The activation the kernel applies for `user`, or none.
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

} // namespace

bool lowerToHalideDepthwise(ConversionPatternRewriter &rewriter, ConvOp op,
                            Value padded, Value weight, Value bias) {
  if (!coveredByKernels(op))
    return false;
  Location loc = op.getLoc();
  auto outType = cast<RankedTensorType>(op.getType());
  if (!bias) {
    auto biasType = RankedTensorType::get({outType.getDimSize(1)},
                                          outType.getElementType());
    bias = arith::ConstantOp::create(
        rewriter, loc, biasType,
        DenseElementsAttr::get(biasType, rewriter.getF32FloatAttr(0)));
  }
  Value init = tensor::EmptyOp::create(rewriter, loc, outType.getShape(),
                                       outType.getElementType());
  FusedActivation act = activationOf(op);
  auto wType = cast<RankedTensorType>(weight.getType());
  auto call = HalideDepthwiseOp::create(
      rewriter, loc, TypeRange{outType}, padded, weight, bias, init,
      ValueRange{}, wType.getDimSize(2), op.getStrides()[0], act.name,
      llvm::APFloat(act.lo), llvm::APFloat(act.hi));
  if (act.op) {
    rewriter.replaceOp(act.op, call.getResult());
    rewriter.eraseOp(op);
  } else {
    rewriter.replaceOp(op, call.getResult());
  }
  return true;
}

} // namespace kiln
