// RUN: kiln-opt %s -split-input-file -kiln-fold-qdq -canonicalize | FileCheck %s

!xq = !quant.uniform<u8:f32, 0.5:128>
!wq = !quant.uniform<i8:f32:0, {0.25,0.125}>
!bq = !quant.uniform<i32:f32:0, {0.125,0.0625}>
!yq = !quant.uniform<u8:f32, 0.75:10>

// CHECK-LABEL: func @conv_relu
// The int32 bias at scale 0.5 x w_scale is the model's own (same scales).
// CHECK: %[[B:.*]] = kiln.constant dense<[8, -16]> : tensor<2xi32>
// CHECK: %[[Y:.*]] = kiln.qconv %arg0, %{{.*}}, %[[B]] {clamp_min = 0.000000e+00 : f32, {{.*}}} : {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 7.500000e-01:10>>
// CHECK-NOT: kiln.conv
// CHECK-NOT: kiln.relu
// CHECK: return %[[Y]]
func.func @conv_relu(%x: tensor<1x3x4x4x!xq>) -> tensor<1x2x4x4x!yq> {
  %xf = kiln.dequantize %x : (tensor<1x3x4x4x!xq>) -> tensor<1x3x4x4xf32>
  %wc = kiln.constant dense<1> : tensor<2x3x1x1xi8>
  %w = kiln.storage_cast %wc : (tensor<2x3x1x1xi8>) -> tensor<2x3x1x1x!wq>
  %wf = kiln.dequantize %w : (tensor<2x3x1x1x!wq>) -> tensor<2x3x1x1xf32>
  %bc = kiln.constant dense<[8, -16]> : tensor<2xi32>
  %b = kiln.storage_cast %bc : (tensor<2xi32>) -> tensor<2x!bq>
  %bf = kiln.dequantize %b : (tensor<2x!bq>) -> tensor<2xf32>
  %y = kiln.conv %xf, %wf, %bf {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = kiln.relu %y : tensor<1x2x4x4xf32>
  %q = kiln.quantize %r : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4x!yq>
  return %q : tensor<1x2x4x4x!yq>
}

// -----

// A float bias is quantized at compile time: 1.0 / (0.5 * 0.25) = 8.
// CHECK-LABEL: func @matmul_float_bias
// trans_b: the weight is transposed at compile time.
// CHECK-DAG: kiln.constant dense<3> : tensor<4x2xi8>
// CHECK-DAG: kiln.constant dense<[8, -4]> : tensor<2xi32>
// CHECK: kiln.qmatmul {{.*}} {clamp_max = 6.000000e+00 : f32, clamp_min = 0.000000e+00 : f32}
func.func @matmul_float_bias(%a: tensor<3x4x!quant.uniform<i8:f32, 0.5>>) -> tensor<3x2x!quant.uniform<i8:f32, 0.1>> {
  %af = kiln.dequantize %a : (tensor<3x4x!quant.uniform<i8:f32, 0.5>>) -> tensor<3x4xf32>
  %wc = kiln.constant dense<3> : tensor<2x4xi8>
  %w = kiln.storage_cast %wc : (tensor<2x4xi8>) -> tensor<2x4x!quant.uniform<i8:f32, 0.25>>
  %wf = kiln.dequantize %w : (tensor<2x4x!quant.uniform<i8:f32, 0.25>>) -> tensor<2x4xf32>
  %c = kiln.constant dense<[1.0, -0.5]> : tensor<2xf32>
  %y = kiln.gemm %af, %wf, %c {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true}
      : (tensor<3x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %r = kiln.clip %y {min = 0.0 : f32, max = 6.0 : f32} : tensor<3x2xf32>
  %q = kiln.quantize %r : (tensor<3x2xf32>) -> tensor<3x2x!quant.uniform<i8:f32, 0.1>>
  return %q : tensor<3x2x!quant.uniform<i8:f32, 0.1>>
}

// -----

// No QuantizeLinear after the conv: it stays float, and says why.
// CHECK-LABEL: func @float_output
// CHECK: kiln.conv {{.*}}kiln.stays_float = "its output is not quantized (no QuantizeLinear follows)"
func.func @float_output(%x: tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>, %w: tensor<1x1x1x1x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x2x2xf32> {
  %xf = kiln.dequantize %x : (tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x2x2xf32>
  %wf = kiln.dequantize %w : (tensor<1x1x1x1x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x1x1xf32>
  %y = kiln.conv %xf, %wf {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// CHECK-LABEL: func @float_weight
// CHECK: kiln.conv {{.*}}kiln.stays_float = "its weight is not dequantized from int8/uint8"
func.func @float_weight(%x: tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>, %w: tensor<1x1x1x1xf32>) -> tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>> {
  %xf = kiln.dequantize %x : (tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x2x2xf32>
  %y = kiln.conv %xf, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %q = kiln.quantize %y : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>
  return %q : tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>
}
