// RUN: kiln-opt %s -kiln-lower-to-linalg -split-input-file | FileCheck %s

// Broadcast operands are read through maps that drop or pin their dims.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func @add_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addf
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ID]], #[[ID]]]
// CHECK: arith.subf
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>) -> tensor<2x3xf32> {
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = kiln.sub %c, %0 : (tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Integer tensors use integer arithmetic.
// CHECK-LABEL: func @int_ops
// CHECK: arith.muli
// CHECK: arith.divsi
// CHECK: arith.maxsi
func.func @int_ops(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi64> {
  %0 = kiln.mul %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %1 = kiln.div %0, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %2 = kiln.max %1, %a : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %2 : tensor<4xi64>
}

// -----

// CHECK-LABEL: func @activations
// CHECK: %[[ZERO:.*]] = arith.constant 0.0
// CHECK: arith.maximumf %{{.*}}, %[[ZERO]]
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.fma
// CHECK: arith.minimumf
// CHECK: arith.maximumf
func.func @activations(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = kiln.relu %x : tensor<8xf32>
  %1 = kiln.sigmoid %0 : tensor<8xf32>
  %2 = kiln.clip %1 {min = 0.0 : f32, max = 6.0 : f32} : tensor<8xf32>
  %3 = kiln.hard_sigmoid %2 {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<8xf32>
  return %3 : tensor<8xf32>
}

// -----

// Batch norm reads its parameters along dimension 1.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func @batch_norm
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CH]], #[[CH]], #[[CH]], #[[CH]], #{{.*}}]
// CHECK: arith.addf
// CHECK: math.sqrt
func.func @batch_norm(%x: tensor<1x4x2x2xf32>, %p: tensor<4xf32>) -> tensor<1x4x2x2xf32> {
  %0 = kiln.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<1x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

// CHECK-LABEL: func @constant
// CHECK: arith.constant dense<1.000000e+00> : tensor<3xf32>
// CHECK-NOT: kiln.
func.func @constant() -> tensor<3xf32> {
  %0 = kiln.constant dense<1.0> : tensor<3xf32>
  return %0 : tensor<3xf32>
}
