//===- HalideDepthwiseOp.cpp - The depthwise kernel call -------------------===//
//
// Verification, memory effects and bufferization of kiln.halide_depthwise.
// The op is destination-style, so bufferizing it is only swapping each
// tensor for its buffer: the kernel writes `init` in place.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

using namespace mlir;

namespace kiln {

std::string depthwiseShapeName(int64_t kernelSize, ArrayRef<int64_t> strides) {
  std::string name = "k" + std::to_string(kernelSize) + "_s" + std::to_string(strides[0]);
  if (strides[1] != strides[0])
    name += "x" + std::to_string(strides[1]);
  return name;
}

std::string HalideDepthwiseOp::getVariant() {
  return "dw_" + depthwiseShapeName(getKernelSize(), getStrides()) + "_" +
         getActivation().str();
}

int64_t HalideDepthwiseOp::getMultiplyAdds() {
  return cast<ShapedType>(getInit().getType()).getNumElements() *
         getKernelSize() * getKernelSize();
}

LogicalResult HalideDepthwiseOp::verify() {
  int64_t k = getKernelSize();
  ArrayRef<int64_t> s = getStrides();
  if (k != 3 && k != 5)
    return emitOpError("kernel_size must be 3 or 5, got ") << k;
  auto oneOrTwo = [](int64_t v) { return v == 1 || v == 2; };
  if (s.size() != 2 || !llvm::all_of(s, oneOrTwo))
    return emitOpError("strides must be two values, each 1 or 2");
  StringRef act = getActivation();
  if (act != "none" && act != "clip" && act != "hswish")
    return emitOpError("unknown activation '") << act << "'";
  if (!getRange().empty() && getRange().size() != 2)
    return emitOpError("channel range needs a begin and an end");
  auto shape = [](Value v) { return cast<ShapedType>(v.getType()).getShape(); };
  ArrayRef<int64_t> in = shape(getInput()), w = shape(getWeight()),
                    b = shape(getBias()), out = shape(getInit());
  if (in.size() != 4 || out.size() != 4 || in[0] != 1 || out[0] != 1)
    return emitOpError("input and init must be 1 x C x H x W");
  if (in[1] != out[1])
    return emitOpError("input and init channel counts differ");
  if (w != ArrayRef<int64_t>{in[1], 1, k, k})
    return emitOpError("weight must be C x 1 x K x K");
  if (b != ArrayRef<int64_t>{in[1]})
    return emitOpError("bias must have one element per channel");
  // Every tap of every output pixel lies inside the padded input.
  if ((out[2] - 1) * s[0] + k > in[2] || (out[3] - 1) * s[1] + k > in[3])
    return emitOpError("input is too small for the output: pad it first");
  bool tensors = isa<RankedTensorType>(getInit().getType());
  if (tensors != (getNumResults() == 1))
    return emitOpError("has a result exactly when it works on tensors");
  if (tensors && getResult()[0].getType() != getInit().getType())
    return emitOpError("result type must be the init type");
  return success();
}

void HalideDepthwiseOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

bool HalideDepthwiseOp::bufferizesToMemoryRead(
    OpOperand &operand, const bufferization::AnalysisState &) {
  // The kernel overwrites all of `init`: its old contents are never read.
  return !isDpsInit(&operand);
}

bool HalideDepthwiseOp::bufferizesToMemoryWrite(
    OpOperand &operand, const bufferization::AnalysisState &) {
  return isDpsInit(&operand);
}

bufferization::AliasingValueList HalideDepthwiseOp::getAliasingValues(
    OpOperand &operand, const bufferization::AnalysisState &) {
  if (!isDpsInit(&operand) || getNumResults() == 0)
    return {};
  return {{getResult()[0], bufferization::BufferRelation::Equivalent}};
}

LogicalResult HalideDepthwiseOp::bufferize(
    RewriterBase &rewriter, const bufferization::BufferizationOptions &options,
    bufferization::BufferizationState &state) {
  SmallVector<Value> buffers;
  for (Value v : {getInput(), getWeight(), getBias(), getInit()}) {
    FailureOr<Value> buffer =
        bufferization::getBuffer(rewriter, v, options, state);
    if (failed(buffer))
      return failure();
    buffers.push_back(*buffer);
  }
  rewriter.setInsertionPoint(*this);
  HalideDepthwiseOp::create(rewriter, getLoc(), TypeRange{}, buffers[0],
                            buffers[1], buffers[2], buffers[3], getRange(),
                            getKernelSize(), getStrides(), getActivation(),
                            getLo(), getHi());
  bufferization::replaceOpWithBufferizedValues(rewriter, *this, buffers[3]);
  return success();
}

} // namespace kiln
