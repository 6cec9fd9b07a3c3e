// RUN: kiln-opt %s -kiln-select-cpu-kernels="halide-depthwise=true" -kiln-lower-to-linalg -split-input-file | FileCheck %s
// RUN: kiln-opt %s -kiln-select-cpu-kernels -kiln-lower-to-linalg -split-input-file | FileCheck %s --check-prefix=MLIR

// A 3x3 depthwise conv with bias and a Clip after it: the input is padded
// (border fills, interior inserted), the Clip runs inside the kernel.
// CHECK-LABEL: func @depthwise_clip
// CHECK: %[[PAD:.*]] = tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 1] [1, 8, 16, 16] [1, 1, 1, 1] : tensor<1x8x16x16xf32> into tensor<1x8x18x18xf32>
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<1x8x16x16xf32>
// CHECK: %[[R:.*]] = kiln.halide_depthwise %[[PAD]], %arg1, %arg2 into %[[INIT]] {activation = "clip", hi = 6.000000e+00 : f32, kernel_size = 3 : i64, strides = array<i64: 1, 1>}
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
// MLIR-LABEL: func @depthwise_clip
// MLIR-NOT: kiln.halide_depthwise
// MLIR: linalg.generic
func.func @depthwise_clip(%x: tensor<1x8x16x16xf32>, %w: tensor<8x1x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x16x16xf32> {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x16x16xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  %1 = kiln.clip %0 {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x8x16x16xf32>
  return %1 : tensor<1x8x16x16xf32>
}

// -----

// Relu is a clip to [0, inf); a missing bias becomes zeros.
// CHECK-LABEL: func @depthwise_relu_no_bias
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK: kiln.halide_depthwise %{{.*}}, %arg1, %[[ZERO]] into %{{.*}} {activation = "clip", hi = 0x7F800000 : f32, kernel_size = 5 : i64, strides = array<i64: 2, 2>} : tensor<1x4x13x13xf32>, tensor<4x1x5x5xf32>, tensor<4xf32>, tensor<1x4x5x5xf32> -> tensor<1x4x5x5xf32>
func.func @depthwise_relu_no_bias(%x: tensor<1x4x9x9xf32>, %w: tensor<4x1x5x5xf32>) -> tensor<1x4x5x5xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x9x9xf32>, tensor<4x1x5x5xf32>) -> tensor<1x4x5x5xf32>
  %1 = kiln.relu %0 : tensor<1x4x5x5xf32>
  return %1 : tensor<1x4x5x5xf32>
}

// -----

// HardSwish fuses; a conv with two users keeps its activation outside.
// CHECK-LABEL: func @depthwise_two_users
// CHECK: %[[R:.*]] = kiln.halide_depthwise {{.*}} {activation = "none"
// CHECK: linalg.generic {{.*}} ins(%[[R]]
func.func @depthwise_two_users(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = kiln.hard_swish %0 : tensor<1x4x8x8xf32>
  return %0, %1 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// CHECK-LABEL: func @depthwise_hswish
// CHECK: kiln.halide_depthwise {{.*}} {activation = "hswish"
func.func @depthwise_hswish(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = kiln.hard_swish %0 : tensor<1x4x8x8xf32>
  return %1 : tensor<1x4x8x8xf32>
}

// -----

// Shapes the kernels do not cover stay on the MLIR path: a 7x7 kernel,
// dilation, a channel multiplier, batch 2.
// CHECK-LABEL: func @not_covered
// CHECK-NOT: kiln.halide_depthwise
// CHECK: return
func.func @not_covered(%x: tensor<1x4x16x16xf32>, %w7: tensor<4x1x7x7xf32>, %w3: tensor<4x1x3x3xf32>, %wm: tensor<8x1x3x3xf32>, %x2: tensor<2x4x16x16xf32>) -> (tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x8x16x16xf32>, tensor<2x4x16x16xf32>) {
  %0 = kiln.conv %x, %w7 {strides = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x16x16xf32>, tensor<4x1x7x7xf32>) -> tensor<1x4x16x16xf32>
  %1 = kiln.conv %x, %w3 {strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>, group = 4 : i64} : (tensor<1x4x16x16xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x16x16xf32>
  %2 = kiln.conv %x, %wm {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x16x16xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x16x16xf32>
  %3 = kiln.conv %x2, %w3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<2x4x16x16xf32>, tensor<4x1x3x3xf32>) -> tensor<2x4x16x16xf32>
  return %0, %1, %2, %3 : tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x8x16x16xf32>, tensor<2x4x16x16xf32>
}
