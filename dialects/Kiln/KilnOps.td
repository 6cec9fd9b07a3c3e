#ifndef KILN_OPS_TD
#define KILN_OPS_TD

include "Kiln/KilnBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"

def Kiln_Tensor : RankedTensorOf<[F32, I64, I32, I8, I1]>;
def Kiln_FloatTensor : RankedTensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Kiln_ConstantOp : Kiln_Op<"constant",
    [ConstantLike, Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "A tensor constant (weights are dense resources, never text)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Kiln_BroadcastBinaryOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat(traits, [Pure,
        DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let description = [{
    Elementwise with multidirectional (numpy) broadcasting of the operands.
  }];
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  }

def Kiln_AddOp : Kiln_BroadcastBinaryOp<"add", [Commutative]> {
  let summary = "Elementwise addition";
}
def Kiln_SubOp : Kiln_BroadcastBinaryOp<"sub"> {
  let summary = "Elementwise subtraction";
}
def Kiln_MulOp : Kiln_BroadcastBinaryOp<"mul", [Commutative]> {
  let summary = "Elementwise multiplication";
}
def Kiln_DivOp : Kiln_BroadcastBinaryOp<"div"> {
  let summary = "Elementwise division";
}
def Kiln_MaxOp : Kiln_BroadcastBinaryOp<"max", [Commutative]> {
  let summary = "Elementwise maximum (NaN propagates)";
}
def Kiln_MinOp : Kiln_BroadcastBinaryOp<"min", [Commutative]> {
  let summary = "Elementwise minimum (NaN propagates)";
}
def Kiln_ModOp : Kiln_BroadcastBinaryOp<"mod"> {
  let summary = "Elementwise remainder";
  let description = [{
    Without `fmod` (integers only) the remainder takes the divisor's sign, as
    Python's `%`; with `fmod` it takes the dividend's, as C's `fmod`. A zero
    divisor gives 0 rather than a trap.
  }];
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs, BoolAttr:$fmod);
  let hasVerifier = 1;
}

class Kiln_LogicalBinaryOp<string mnemonic>
    : Kiln_Op<mnemonic, [Pure, Commutative,
        DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let description = [{
    Elementwise on booleans with numpy broadcasting.
  }];
  let arguments = (ins RankedTensorOf<[I1]>:$lhs, RankedTensorOf<[I1]>:$rhs);
  let results = (outs RankedTensorOf<[I1]>:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}
def Kiln_AndOp : Kiln_LogicalBinaryOp<"and"> { let summary = "lhs && rhs"; }
def Kiln_OrOp : Kiln_LogicalBinaryOp<"or"> { let summary = "lhs || rhs"; }
def Kiln_XorOp : Kiln_LogicalBinaryOp<"xor"> { let summary = "lhs != rhs"; }
def Kiln_NotOp : Kiln_Op<"not", [Pure, SameOperandsAndResultType]> {
  let summary = "Elementwise boolean negation";
  let arguments = (ins RankedTensorOf<[I1]>:$input);
  let results = (outs RankedTensorOf<[I1]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

class Kiln_CompareOp<string mnemonic>
    : Kiln_Op<mnemonic, [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let description = [{
    Elementwise comparison with numpy broadcasting; the result is i1.
  }];
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs RankedTensorOf<[I1]>:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}
def Kiln_EqualOp : Kiln_CompareOp<"equal"> { let summary = "lhs == rhs"; }
def Kiln_LessOp : Kiln_CompareOp<"less"> { let summary = "lhs < rhs"; }
def Kiln_LessEqualOp : Kiln_CompareOp<"less_equal"> { let summary = "lhs <= rhs"; }
def Kiln_GreaterOp : Kiln_CompareOp<"greater"> { let summary = "lhs > rhs"; }
def Kiln_GreaterEqualOp : Kiln_CompareOp<"greater_equal"> {
  let summary = "lhs >= rhs";
}

def Kiln_WhereOp : Kiln_Op<"where",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "condition ? lhs : rhs, all three broadcast together";
  let arguments = (ins RankedTensorOf<[I1]>:$condition, Kiln_Tensor:$lhs,
      Kiln_Tensor:$rhs);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Kiln_CastOp : Kiln_Op<"cast", [Pure]> {
  let summary = "Elementwise conversion between f32, i64, i32, i8 and i1";
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

class Kiln_UnaryOp<string mnemonic, dag attrs = (ins)>
    : Kiln_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let arguments = !con((ins Kiln_FloatTensor:$input), attrs);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kiln_ReluOp : Kiln_UnaryOp<"relu"> {
  let summary = "max(x, 0)";
}
def Kiln_SigmoidOp : Kiln_UnaryOp<"sigmoid"> {
  let summary = "1 / (1 + exp(-x))";
}
def Kiln_ClipOp : Kiln_UnaryOp<"clip", (ins F32Attr:$min, F32Attr:$max)> {
  let summary = "min(max(x, min), max)";
  let hasVerifier = 1;
}
def Kiln_HardSigmoidOp
    : Kiln_UnaryOp<"hard_sigmoid", (ins F32Attr:$alpha, F32Attr:$beta)> {
  let summary = "max(0, min(1, alpha * x + beta))";
}

def Kiln_SqrtOp : Kiln_UnaryOp<"sqrt"> { let summary = "Square root"; }
def Kiln_ExpOp : Kiln_UnaryOp<"exp"> { let summary = "e^x"; }
def Kiln_LogOp : Kiln_UnaryOp<"log"> { let summary = "Natural logarithm"; }
def Kiln_TanhOp : Kiln_UnaryOp<"tanh"> { let summary = "Hyperbolic tangent"; }
def Kiln_ErfOp : Kiln_UnaryOp<"erf"> { let summary = "Gauss error function"; }
def Kiln_NegOp : Kiln_UnaryOp<"neg"> { let summary = "-x"; }
def Kiln_AbsOp : Kiln_UnaryOp<"abs"> { let summary = "|x|"; }
def Kiln_ReciprocalOp : Kiln_UnaryOp<"reciprocal"> { let summary = "1 / x"; }
def Kiln_FloorOp : Kiln_UnaryOp<"floor"> { let summary = "Round down"; }
def Kiln_CeilOp : Kiln_UnaryOp<"ceil"> { let summary = "Round up"; }
def Kiln_RoundOp : Kiln_UnaryOp<"round"> {
  let summary = "Round to the nearest integer, halves to even";
}
def Kiln_SignOp : Kiln_UnaryOp<"sign"> {
  let summary = "-1, 0 or 1 by the sign of x (NaN stays NaN)";
}
def Kiln_SoftplusOp : Kiln_UnaryOp<"softplus"> { let summary = "log(1 + e^x)"; }
def Kiln_HardSwishOp : Kiln_UnaryOp<"hard_swish"> {
  let summary = "x * max(0, min(1, x / 6 + 1 / 2))";
}
def Kiln_LeakyReluOp : Kiln_UnaryOp<"leaky_relu", (ins F32Attr:$alpha)> {
  let summary = "x < 0 ? alpha * x : x";
}
def Kiln_EluOp : Kiln_UnaryOp<"elu", (ins F32Attr:$alpha)> {
  let summary = "x < 0 ? alpha * (e^x - 1) : x";
}
def Kiln_SeluOp : Kiln_UnaryOp<"selu", (ins F32Attr:$alpha, F32Attr:$gamma)> {
  let summary = "gamma * (x <= 0 ? alpha * (e^x - 1) : x)";
}

def Kiln_PowOp : Kiln_BroadcastBinaryOp<"pow"> {
  let summary = "Elementwise power (float)";
}
def Kiln_PReluOp : Kiln_BroadcastBinaryOp<"prelu"> {
  let summary = "x < 0 ? slope * x : x, slope broadcast to x";
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Kiln_ReduceOp<string mnemonic>
    : Kiln_Op<mnemonic, [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let description = [{
    Reduces over `axes` (sorted, non-negative, unique); with `keepdims` the
    reduced dimensions stay as size 1.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, DenseI64ArrayAttr:$axes,
      BoolAttr:$keepdims);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}
def Kiln_ReduceSumOp : Kiln_ReduceOp<"reduce_sum"> { let summary = "Sum"; }
def Kiln_ArgMaxOp : Kiln_Op<"arg_max",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Index (i64) of the largest element along one axis";
  let description = [{
    Ties pick the first index, or the last with `select_last_index`.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, I64Attr:$axis,
      BoolAttr:$keepdims, BoolAttr:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}
def Kiln_ReduceMeanOp : Kiln_ReduceOp<"reduce_mean"> { let summary = "Mean"; }
def Kiln_ReduceMaxOp : Kiln_ReduceOp<"reduce_max"> { let summary = "Maximum"; }
def Kiln_ReduceMinOp : Kiln_ReduceOp<"reduce_min"> { let summary = "Minimum"; }
def Kiln_ReduceProdOp : Kiln_ReduceOp<"reduce_prod"> { let summary = "Product"; }

def Kiln_TopKOp : Kiln_Op<"top_k",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "The k largest (or smallest) elements along one axis";
  let description = [{
    Values come sorted, best first, with their i64 indices along `axis`;
    equal values keep their order (the lower index first).
  }];
  let arguments = (ins Kiln_FloatTensor:$input, I64Attr:$k, I64Attr:$axis,
      BoolAttr:$largest);
  let results = (outs Kiln_FloatTensor:$values, RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Kiln_CumSumOp : Kiln_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "Running sum along one axis";
  let description = [{
    Element i is the sum of elements 0..i along `axis` (0..i-1 with
    `exclusive`; from the end with `reverse`).
  }];
  let arguments = (ins RankedTensorOf<[F32, I64, I32]>:$input, I64Attr:$axis,
      BoolAttr:$exclusive, BoolAttr:$reverse);
  let results = (outs RankedTensorOf<[F32, I64, I32]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Dense and windowed ops
//===----------------------------------------------------------------------===//

def Kiln_ConvOp : Kiln_Op<"conv",
    [Pure,
     DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "N-d grouped convolution, NC[spatial] layout";
  let description = [{
    `input` is N x C x S1..Sk, `weight` is M x C/group x K1..Kk, the optional
    `bias` has M elements. `pads` holds k begin paddings then k end paddings
    (auto_pad is resolved by the importer).
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$weight,
      Optional<Kiln_FloatTensor>:$bias, DenseI64ArrayAttr:$strides,
      DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
      I64Attr:$group);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  }

def Kiln_ConvTransposeOp : Kiln_Op<"conv_transpose",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "N-d grouped transposed convolution, NC[spatial] layout";
  let description = [{
    `input` is N x C x S1..Sk, `weight` is C x M/group x K1..Kk. Output
    extent: stride * (S - 1) + output_padding + dilation * (K - 1) + 1 -
    pad_begin - pad_end. `pads` holds k begin then k end paddings.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$weight,
      Optional<Kiln_FloatTensor>:$bias, DenseI64ArrayAttr:$strides,
      DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
      DenseI64ArrayAttr:$output_padding, I64Attr:$group);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Kiln_GemmOp : Kiln_Op<"gemm",
    [Pure,
     DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "alpha * op(A) * op(B) + beta * C, C broadcast to M x N";
  let arguments = (ins Kiln_FloatTensor:$a, Kiln_FloatTensor:$b,
      Optional<Kiln_FloatTensor>:$c, F32Attr:$alpha, F32Attr:$beta,
      BoolAttr:$trans_a, BoolAttr:$trans_b);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)
  }];
  }

def Kiln_MatMulOp : Kiln_Op<"matmul",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Batched matrix product with broadcast batch dimensions";
  let description = [{
    Both operands have rank >= 2; the importer turns ONNX's 1-D forms into
    matrices with reshapes.
  }];
  let arguments = (ins Kiln_FloatTensor:$lhs, Kiln_FloatTensor:$rhs);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  }

class Kiln_PoolOp<string mnemonic, dag extraAttrs = (ins)>
    : Kiln_Op<mnemonic, [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let arguments = !con((ins Kiln_FloatTensor:$input,
      DenseI64ArrayAttr:$kernel_shape, DenseI64ArrayAttr:$strides,
      DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
      BoolAttr:$ceil_mode), extraAttrs);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  }

def Kiln_MaxPoolOp : Kiln_PoolOp<"max_pool"> {
  let summary = "N-d max pooling; padding never wins the max";
}
def Kiln_AveragePoolOp
    : Kiln_PoolOp<"average_pool", (ins BoolAttr:$count_include_pad)> {
  let summary = "N-d average pooling";
}

def Kiln_GlobalAveragePoolOp : Kiln_Op<"global_average_pool",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Mean over all spatial dimensions, kept as size 1";
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  }

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Kiln_BatchNormOp : Kiln_Op<"batch_norm",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Inference-mode batch normalization over dimension 1";
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$scale,
      Kiln_FloatTensor:$bias, Kiln_FloatTensor:$mean, Kiln_FloatTensor:$var,
      F32Attr:$epsilon);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  }

def Kiln_SoftmaxOp : Kiln_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "Softmax along one axis";
  let arguments = (ins Kiln_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Kiln_ReshapeOp : Kiln_Op<"reshape", [Pure]> {
  let summary = "Same elements, new static shape";
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Kiln_TransposeOp : Kiln_Op<"transpose",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Permutes dimensions: result dim i is input dim perm[i]";
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
    let hasFolder = 1;
}

def Kiln_SliceOp : Kiln_Op<"slice",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Strided window of a tensor with static bounds";
  let description = [{
    Result dim i holds `sizes[i]` elements of input dim i starting at
    `offsets[i]` with step `strides[i]` (non-zero; negative walks
    backwards). The importer resolves ONNX's negative and out-of-range
    starts/ends into these.
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$offsets,
      DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$strides);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Kiln_PadOp : Kiln_Op<"pad", [Pure]> {
  let summary = "Constant padding at the begin and end of every dimension";
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$low,
      DenseI64ArrayAttr:$high, F64Attr:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_ResizeOp : Kiln_Op<"resize", [Pure]> {
  let summary = "ONNX Resize: nearest, linear or cubic, separable per dimension";
  let description = [{
    The result type gives the output extents; `scales` (one per dimension)
    enter the coordinate transformation exactly as ONNX specifies, which can
    differ from output / input when the output size was rounded.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, DenseF64ArrayAttr:$scales,
      StrAttr:$mode, StrAttr:$coordinate_mode, StrAttr:$nearest_mode,
      F32Attr:$cubic_coeff_a, BoolAttr:$exclude_outside,
      OptionalAttr<DenseF64ArrayAttr>:$roi,
      DefaultValuedAttr<F32Attr, "0.0f">:$extrapolation_value);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_GatherOp : Kiln_Op<"gather",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Takes slices of `data` along `axis` at `indices`";
  let description = [{
    Result shape: data[:axis] + indices + data[axis + 1:]. Negative indices
    count from the end; out-of-range indices are clamped.
  }];
  let arguments = (ins Kiln_Tensor:$data, RankedTensorOf<[I64, I32]>:$indices,
      I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Kiln_GatherElementsOp : Kiln_Op<"gather_elements",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Takes one element of `data` per index, along `axis`";
  let description = [{
    result[p] = data[p with its `axis` coordinate replaced by indices[p]];
    the result has the shape of `indices`, which may be smaller than `data`
    in every dimension. Negative indices count from the end; out-of-range
    indices are clamped.
  }];
  let arguments = (ins Kiln_Tensor:$data, RankedTensorOf<[I64, I32]>:$indices,
      I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Kiln_ScatterNDOp : Kiln_Op<"scatter_nd", [Pure]> {
  let summary = "A copy of `data` with the slices `indices` names replaced";
  let description = [{
    `indices` is [U, q]: row u names the slice data[indices[u, 0], ...,
    indices[u, q - 1], ...] (negative indices count from the end), which
    `updates` [U, data dims q...] replaces, or adds to, multiplies, or
    takes the max or min with, by `reduction`. With `none` a later row
    wins over an earlier one naming the same slice.
  }];
  let arguments = (ins Kiln_Tensor:$data, RankedTensorOf<[I64]>:$indices,
      Kiln_Tensor:$updates, StrAttr:$reduction);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_ConcatOp : Kiln_Op<"concat",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Joins tensors along one axis";
  let arguments = (ins Variadic<Kiln_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  }

//===----------------------------------------------------------------------===//
// Kernels compiled ahead of time
//===----------------------------------------------------------------------===//

def Kiln_FloatTensorOrBuffer : AnyTypeOf<[RankedTensorOf<[F32]>, MemRefOf<[F32]>]>;

def Kiln_HalideDepthwiseOp : Kiln_Op<"halide_depthwise",
    [DestinationStyleOpInterface,
     DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
     DeclareOpInterfaceMethods<BufferizableOpInterface,
         ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
          "getAliasingValues", "bufferize"]>]> {
  let summary = "Depthwise conv + bias + activation by a Halide kernel";
  let description = [{
    Calls the depthwise kernel that kiln-halide-kernels compiled ahead of
    time for the target: a `kernel_size` x `kernel_size` convolution of
    `strides` (height, width; each 1 or 2) over `input` (1 x C x Hp x Wp,
    already padded, so every tap is in bounds), with `weight` C x 1 x K x K and `bias` C, then
    `activation`: "none", "clip" (to [lo, hi]) or "hswish" (hard swish).
    `init` is 1 x C x OH x OW. With `range` (begin, end) the op computes
    only channels [begin, end), so calls on disjoint ranges may run
    concurrently. Value semantics on tensors (one result, tied to `init`);
    on buffers it writes `init` and has no result.
  }];
  let arguments = (ins Kiln_FloatTensorOrBuffer:$input,
      Kiln_FloatTensorOrBuffer:$weight, Kiln_FloatTensorOrBuffer:$bias,
      Kiln_FloatTensorOrBuffer:$init, Variadic<Index>:$range,
      I64Attr:$kernel_size, DenseI64ArrayAttr:$strides, StrAttr:$activation,
      DefaultValuedAttr<F32Attr, "0.0f">:$lo,
      DefaultValuedAttr<F32Attr, "0.0f">:$hi);
  let results = (outs Variadic<RankedTensorOf<[F32]>>:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias `into` $init (`channels` `(` $range^ `)`)?
    attr-dict `:` type($input) `,` type($weight) `,` type($bias) `,`
    type($init) (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// The kernel variant, e.g. dw_k3_s1_clip (strides 1, 1) or
    /// dw_k5_s2x1_none (strides 2, 1): kiln-halide-kernels defines
    /// it as kiln_hl_<variant>, kernels/halide/calls.c wraps it as
    /// kiln_hl_call_<variant>.
    std::string getVariant();
    /// Multiply-adds of the whole op (all channels, whatever the range).
    int64_t getMultiplyAdds();
  }];
}

include "Kiln/KilnQuantOps.td"

#endif // KILN_OPS_TD
