// RUN: kiln-opt %s -kiln-lower-to-linalg -split-input-file | FileCheck %s

// Reductions keep reduced dims as size 1 by expanding the reduced result.
// CHECK-LABEL: func @reduce_mean_keepdims
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel", "reduction"]
// CHECK: arith.addf
// CHECK: arith.constant 1.500000e+01 : f32
// CHECK: arith.divf
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [2, 1, 4, 1] : tensor<2x4xf32> into tensor<2x1x4x1xf32>
func.func @reduce_mean_keepdims(%x: tensor<2x3x4x5xf32>) -> tensor<2x1x4x1xf32> {
  %0 = kiln.reduce_mean %x {axes = array<i64: 1, 3>, keepdims = true} : (tensor<2x3x4x5xf32>) -> tensor<2x1x4x1xf32>
  return %0 : tensor<2x1x4x1xf32>
}

// -----

// A leading reduced dim joins the first kept dim's group.
// CHECK-LABEL: func @reduce_max_leading
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [1, 3]
func.func @reduce_max_leading(%x: tensor<2x3xf32>) -> tensor<1x3xf32> {
  %0 = kiln.reduce_max %x {axes = array<i64: 0>, keepdims = true} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// Transposed conv: spread the input by the stride into a zero tensor (with
// padding), flip the kernel and swap its channel roles, then a stride-1 conv.
// CHECK-DAG: #[[FLIP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0 * 4 + d2, d1, -d3 + 2, -d4 + 2)>
// CHECK-LABEL: func @conv_transpose
// CHECK: linalg.fill
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 4, 3, 3] [1, 1, 2, 2] : tensor<1x4x3x3xf32> into tensor<1x4x8x8xf32>
// CHECK: linalg.generic {indexing_maps = [#[[FLIP]], #{{.*}}]
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] : tensor<1x2x4x3x3xf32> into tensor<2x4x3x3xf32>
// CHECK: arith.mulf
// CHECK: into tensor<1x2x6x6xf32>
func.func @conv_transpose(%x: tensor<1x4x3x3xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x2x6x6xf32> {
  %0 = kiln.conv_transpose %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, group = 1 : i64} : (tensor<1x4x3x3xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x6x6xf32>
  return %0 : tensor<1x2x6x6xf32>
}

// -----

// Nearest resize: one tap per output index, read with tensor.extract from
// a 1-D view of the input at the element's dense offset (the tap replaces
// the resized dim's index).
// CHECK-LABEL: func @resize_nearest
// CHECK: arith.constant dense<[0, 0, 1, 1]> : tensor<4xindex>
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2, 3]] : tensor<1x1x2x3xf32> into tensor<6xf32>
// CHECK: linalg.generic
// CHECK: ^bb0(%[[TAP:[^:]*]]: index, %{{.*}}: f32)
// CHECK: %[[W:.*]] = linalg.index 3
// CHECK: %[[ROWS:.*]] = arith.muli %{{.*}}, %c2
// CHECK: %[[ROW:.*]] = arith.addi %[[ROWS]], %[[TAP]]
// CHECK: %[[COLS:.*]] = arith.muli %[[ROW]], %c3
// CHECK: %[[OFF:.*]] = arith.addi %[[COLS]], %[[W]]
// CHECK: tensor.extract %[[FLAT]][%[[OFF]]] : tensor<6xf32>
// CHECK-NOT: arith.mulf %
// CHECK: arith.constant dense<[0, 0, 1, 1, 2, 2]> : tensor<6xindex>
func.func @resize_nearest(%x: tensor<1x1x2x3xf32>) -> tensor<1x1x4x6xf32> {
  %0 = kiln.resize %x {scales = array<f64: 1.0, 1.0, 2.0, 2.0>, mode = "nearest", coordinate_mode = "asymmetric", nearest_mode = "floor", cubic_coeff_a = -0.75 : f32, exclude_outside = false} : (tensor<1x1x2x3xf32>) -> tensor<1x1x4x6xf32>
  return %0 : tensor<1x1x4x6xf32>
}

// -----

// Linear resize: two weighted taps per output index.
// CHECK-LABEL: func @resize_linear
// CHECK: arith.constant dense<[0, 0, 0, 1]> : tensor<4xindex>
// CHECK: arith.constant dense<[1.000000e+00, 7.500000e-01, 2.500000e-01, 1.000000e+00]> : tensor<4xf32>
// CHECK: arith.constant dense<1> : tensor<4xindex>
// CHECK: arith.constant dense<[0.000000e+00, 2.500000e-01, 7.500000e-01, 0.000000e+00]> : tensor<4xf32>
// CHECK: tensor.extract
// CHECK: arith.mulf
// CHECK: tensor.extract
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @resize_linear(%x: tensor<1x1x2xf32>) -> tensor<1x1x4xf32> {
  %0 = kiln.resize %x {scales = array<f64: 1.0, 1.0, 2.0>, mode = "linear", coordinate_mode = "half_pixel", nearest_mode = "round_prefer_floor", cubic_coeff_a = -0.75 : f32, exclude_outside = false} : (tensor<1x1x2xf32>) -> tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}

// -----

// CHECK-LABEL: func @unary_formulas
// CHECK: math.sqrt
// CHECK: math.expm1
// CHECK: arith.select
// CHECK: math.log1p
// CHECK: math.fma
// CHECK: arith.cmpf olt
// CHECK: arith.select
func.func @unary_formulas(%x: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.sqrt %x : tensor<4xf32>
  %1 = kiln.elu %0 {alpha = 1.0 : f32} : tensor<4xf32>
  %2 = kiln.softplus %1 : tensor<4xf32>
  %3 = kiln.hard_swish %2 : tensor<4xf32>
  %4 = kiln.prelu %3, %s : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %4 : tensor<4xf32>
}
