// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// Quantized values round-trip through the printer and parser.

// CHECK-LABEL: func @qdq
// CHECK: kiln.storage_cast %{{.*}} : (tensor<4xui8>) -> tensor<4x!quant.uniform<u8:f32, 5.000000e-01:128>>
// CHECK: kiln.dequantize %{{.*}} : (tensor<4x!quant.uniform<u8:f32, 5.000000e-01:128>>) -> tensor<4xf32>
// CHECK: kiln.quantize %{{.*}} : (tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 2.500000e-01:-3>>
func.func @qdq(%x: tensor<4xui8>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-3>> {
  %q = kiln.storage_cast %x : (tensor<4xui8>) -> tensor<4x!quant.uniform<u8:f32, 0.5:128>>
  %f = kiln.dequantize %q : (tensor<4x!quant.uniform<u8:f32, 0.5:128>>) -> tensor<4xf32>
  %r = kiln.quantize %f : (tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-3>>
  return %r : tensor<4x!quant.uniform<i8:f32, 0.25:-3>>
}

// CHECK-LABEL: func @per_axis
// CHECK: kiln.quantize %{{.*}} : (tensor<1x3x2xf32>) -> tensor<1x3x2x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01,3.000000e-01}>>
func.func @per_axis(%x: tensor<1x3x2xf32>) -> tensor<1x3x2x!quant.uniform<i8:f32:1, {0.1,0.2,0.3}>> {
  %q = kiln.quantize %x : (tensor<1x3x2xf32>) -> tensor<1x3x2x!quant.uniform<i8:f32:1, {0.1,0.2,0.3}>>
  return %q : tensor<1x3x2x!quant.uniform<i8:f32:1, {0.1,0.2,0.3}>>
}

// CHECK-LABEL: func @qconv
// CHECK: kiln.qconv %{{.*}}, %{{.*}}, %{{.*}} {clamp_min = 0.000000e+00 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
func.func @qconv(%x: tensor<1x3x8x8x!quant.uniform<u8:f32, 0.02:128>>,
                 %w: tensor<4x3x3x3x!quant.uniform<i8:f32:0, {0.1,0.2,0.3,0.4}>>,
                 %b: tensor<4xi32>) -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.05:-128>> {
  %y = kiln.qconv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, clamp_min = 0.0 : f32}
      : (tensor<1x3x8x8x!quant.uniform<u8:f32, 0.02:128>>, tensor<4x3x3x3x!quant.uniform<i8:f32:0, {0.1,0.2,0.3,0.4}>>, tensor<4xi32>) -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.05:-128>>
  return %y : tensor<1x4x4x4x!quant.uniform<i8:f32, 0.05:-128>>
}

// CHECK-LABEL: func @qmatmul_accumulator
// CHECK: kiln.qmatmul %{{.*}}, %{{.*}} : {{.*}} -> tensor<2x3xi32>
func.func @qmatmul_accumulator(%a: tensor<2x4x!quant.uniform<u8:f32, 1.0:12>>,
                               %b: tensor<4x3x!quant.uniform<u8:f32, 1.0:0>>) -> tensor<2x3xi32> {
  %y = kiln.qmatmul %a, %b : (tensor<2x4x!quant.uniform<u8:f32, 1.0:12>>, tensor<4x3x!quant.uniform<u8:f32, 1.0:0>>) -> tensor<2x3xi32>
  return %y : tensor<2x3xi32>
}
