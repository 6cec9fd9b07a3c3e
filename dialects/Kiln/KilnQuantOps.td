#ifndef KILN_QUANT_OPS_TD
#define KILN_QUANT_OPS_TD

// Quantized values are tensors of MLIR `quant` types: per tensor
// (!quant.uniform<i8:f32, 0.02:-3>) or per axis
// (!quant.uniform<i8:f32:0, {0.1,0.2}>). The scales and zero points live in
// the type, so every op that consumes a quantized value knows its meaning.

include "mlir/Dialect/Quant/IR/QuantBase.td"

def Kiln_QuantTensor : RankedTensorOf<[quant_QuantizedType]>;
def Kiln_AccumulatorTensor : RankedTensorOf<[I32]>;
def Kiln_QuantOrAccumulatorTensor
    : AnyTypeOf<[Kiln_QuantTensor, Kiln_AccumulatorTensor]>;
def Kiln_QuantOrStorageTensor
    : AnyTypeOf<[Kiln_QuantTensor, RankedTensorOf<[I8, UI8, I32]>]>;

def Kiln_QuantizeOp : Kiln_Op<"quantize", [Pure]> {
  let summary = "f32 to quantized: saturate(round(x / scale) + zero_point)";
  let description = [{
    Rounds half to even, as ONNX QuantizeLinear. Per-axis types scale each
    slice of their quantized dimension by its own scale and zero point.
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_QuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_DequantizeOp : Kiln_Op<"dequantize", [Pure]> {
  let summary = "Quantized to f32: (q - zero_point) * scale";
  let arguments = (ins Kiln_QuantTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Kiln_StorageCastOp : Kiln_Op<"storage_cast", [Pure]> {
  let summary = "Reinterprets integers as a quantized type, or back";
  let description = [{
    One side is a quantized type, the other its storage: signless iN of the
    same width, or ui8 for unsigned 8-bit types (uint8 model inputs and
    outputs). The bits do not change.
  }];
  let arguments = (ins Kiln_QuantOrStorageTensor:$input);
  let results = (outs Kiln_QuantOrStorageTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_QConvOp : Kiln_Op<"qconv", [Pure]> {
  let summary = "Integer N-d grouped convolution with a requantizing epilogue";
  let description = [{
    Layout and attributes as kiln.conv. `input` is 8-bit, quantized per
    tensor; `weight` 8-bit, per tensor or per output channel (axis 0). The
    products (x - x_zero_point) * (w - w_zero_point) accumulate in int32,
    starting from `bias` (int32, M elements, scale input_scale x
    weight_scale). A quantized result is the accumulator rescaled to its
    scale and zero point in fixed point, saturated, and clamped to
    [clamp_min, clamp_max] (real values: a fused Relu or Clip) when given.
    An i32 result is the accumulator itself (ONNX ConvInteger).
  }];
  let arguments = (ins Kiln_QuantTensor:$input, Kiln_QuantTensor:$weight,
      Optional<Kiln_AccumulatorTensor>:$bias, DenseI64ArrayAttr:$strides,
      DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
      I64Attr:$group, OptionalAttr<F32Attr>:$clamp_min,
      OptionalAttr<F32Attr>:$clamp_max);
  let results = (outs Kiln_QuantOrAccumulatorTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_QMatMulOp : Kiln_Op<"qmatmul", [Pure]> {
  let summary = "Integer batched matrix product with a requantizing epilogue";
  let description = [{
    Shapes as kiln.matmul. `lhs` is 8-bit per tensor; `rhs` 8-bit per
    tensor or per column (its last axis). Accumulation, `bias` (N
    elements), rescaling and clamps as kiln.qconv; an i32 result is the
    accumulator (ONNX MatMulInteger).
  }];
  let arguments = (ins Kiln_QuantTensor:$lhs, Kiln_QuantTensor:$rhs,
      Optional<Kiln_AccumulatorTensor>:$bias,
      OptionalAttr<F32Attr>:$clamp_min, OptionalAttr<F32Attr>:$clamp_max);
  let results = (outs Kiln_QuantOrAccumulatorTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // KILN_QUANT_OPS_TD
