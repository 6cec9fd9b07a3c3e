// RUN: kiln-opt %s -kiln-lower-to-linalg -split-input-file | FileCheck %s

// Comparisons give i1 tensors; Where selects with broadcasting.
// CHECK-LABEL: func @compare_where
// CHECK: arith.cmpf olt
// CHECK: -> tensor<2x3xi1>
// CHECK: arith.select
func.func @compare_where(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.less %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %1 = kiln.where %0, %a, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @int_compare
// CHECK: arith.cmpi sge
func.func @int_compare(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi1> {
  %0 = kiln.greater_equal %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// CHECK-LABEL: func @casts
// CHECK: arith.fptosi %{{.*}} : f32 to i64
// CHECK: arith.cmpi ne
// CHECK: arith.uitofp %{{.*}} : i1 to f32
func.func @casts(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.cast %x : (tensor<4xf32>) -> tensor<4xi64>
  %1 = kiln.cast %0 : (tensor<4xi64>) -> tensor<4xi1>
  %2 = kiln.cast %1 : (tensor<4xi1>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// ArgMax carries (max, index) through one reduction; keepdims expands.
// CHECK-LABEL: func @arg_max
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: outs(%{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xi64>)
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [3, 1] : tensor<3xi64> into tensor<3x1xi64>
func.func @arg_max(%x: tensor<3x5xf32>) -> tensor<3x1xi64> {
  %0 = kiln.arg_max %x {axis = 1 : i64, keepdims = true, select_last_index = false} : (tensor<3x5xf32>) -> tensor<3x1xi64>
  return %0 : tensor<3x1xi64>
}

// -----

// Gather reads the index (made non-negative and clamped) with tensor.extract.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func @gather
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.*}}]
// CHECK: arith.index_cast
// CHECK: arith.select
// CHECK: arith.minsi
// CHECK: tensor.extract %arg0
func.func @gather(%data: tensor<2x10x3xf32>, %idx: tensor<4xi64>) -> tensor<2x4x3xf32> {
  %0 = kiln.gather %data, %idx {axis = 1 : i64} : (tensor<2x10x3xf32>, tensor<4xi64>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}
