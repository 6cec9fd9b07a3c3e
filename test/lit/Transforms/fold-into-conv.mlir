// RUN: kiln-opt %s -split-input-file -kiln-fold-into-conv | FileCheck %s

// conv -> mul by a per-channel constant -> add of a scalar: one conv whose
// weights were scaled (w * s[m]) and bias shifted (b * s[m] + t).
// CHECK-LABEL: func @scale_shift
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<[{{\[}}[4.000000e+00]], {{\[}}[-3.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<[6.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK: %[[C:.*]] = kiln.conv %arg0, %[[W]], %[[B]]
// CHECK-NOT: kiln.mul
// CHECK-NOT: kiln.add
// CHECK: return %[[C]]
func.func @scale_shift(%x: tensor<1x1x8xf32>) -> tensor<1x2x8xf32> {
  %w = kiln.constant dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>
  %b = kiln.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %s = kiln.constant dense<[[2.0], [-1.0]]> : tensor<2x1xf32>
  %t = kiln.constant dense<4.0> : tensor<1xf32>
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x1x8xf32>, tensor<2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x8xf32>
  %1 = kiln.mul %s, %0 : (tensor<2x1xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %2 = kiln.add %1, %t : (tensor<1x2x8xf32>, tensor<1xf32>) -> tensor<1x2x8xf32>
  return %2 : tensor<1x2x8xf32>
}

// -----

// BatchNorm folds: scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
// CHECK-LABEL: func @batch_norm
// CHECK-DAG: kiln.constant dense<5.000000e-01> : tensor<1x1x1xf32>
// CHECK-DAG: kiln.constant dense<-1.000000e+00> : tensor<1xf32>
// CHECK-NOT: kiln.batch_norm
func.func @batch_norm(%x: tensor<1x1x8xf32>) -> tensor<1x1x8xf32> {
  %w = kiln.constant dense<1.0> : tensor<1x1x1xf32>
  %g = kiln.constant dense<1.0> : tensor<1xf32>
  %beta = kiln.constant dense<0.0> : tensor<1xf32>
  %mean = kiln.constant dense<2.0> : tensor<1xf32>
  %var = kiln.constant dense<4.0> : tensor<1xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x1x8xf32>, tensor<1x1x1xf32>) -> tensor<1x1x8xf32>
  %1 = kiln.batch_norm %0, %g, %beta, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x1x8xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x8xf32>
  return %1 : tensor<1x1x8xf32>
}

// -----

// A conv with a second user, or a constant that varies along the image, is
// left alone; division by a constant becomes multiplication.
// CHECK-LABEL: func @not_foldable
// CHECK-DAG: %[[R:.*]] = kiln.constant dense<2.500000e-01> : tensor<f32>
// CHECK-DAG: %[[C:.*]] = kiln.conv
// CHECK: kiln.mul %[[C]], %{{.*}} : (tensor<1x1x4xf32>, tensor<4xf32>)
// CHECK: kiln.mul %[[C]], %[[R]]
func.func @not_foldable(%x: tensor<1x1x4xf32>) -> (tensor<1x1x4xf32>, tensor<1x1x4xf32>) {
  %w = kiln.constant dense<1.0> : tensor<1x1x1xf32>
  %v = kiln.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %four = kiln.constant dense<4.0> : tensor<f32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x1x4xf32>, tensor<1x1x1xf32>) -> tensor<1x1x4xf32>
  %1 = kiln.mul %0, %v : (tensor<1x1x4xf32>, tensor<4xf32>) -> tensor<1x1x4xf32>
  %2 = kiln.div %0, %four : (tensor<1x1x4xf32>, tensor<f32>) -> tensor<1x1x4xf32>
  return %1, %2 : tensor<1x1x4xf32>, tensor<1x1x4xf32>
}

// -----

// A scalar result has no channel dim: nothing folds, nothing crashes (an
// audio front end's ReduceMax(keepdims=0) - 80.0).
// CHECK-LABEL: func.func @scalar_sub
// CHECK: %[[S:.*]] = kiln.sub %arg0, %{{.*}} : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK: return %[[S]]
func.func @scalar_sub(%m: tensor<f32>) -> tensor<f32> {
  %c = kiln.constant dense<80.0> : tensor<f32>
  %y = kiln.sub %m, %c : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %y : tensor<f32>
}
