// RUN: kiln-opt %s -kiln-lower-to-linalg -split-input-file | FileCheck %s

// Grouped strided conv: pad (fill the border, insert the interior), split the padded input
// into stride phases (N x C x s x s x E x E) so every tap reads unit-stride
// rows, zero-pad the 3x3 kernel to 4x4 = (q, r) x (q, r), split channels into
// (group, per-group), one generic reading phase r at o + q, bias as the init.
// CHECK-DAG: #[[PHASE:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d2, d5, d3)>
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d0, d1, d5, d6, d7, d3 + d8, d4 + d9)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d1, d2, d5, d8, d6, d9, d7)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func @conv_grouped
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x1x10xf32>)
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 0, 0] [1, 4, 1, 10]
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 9, 0] [1, 4, 1, 10]
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 1, 0] [1, 4, 8, 1]
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 1, 9] [1, 4, 8, 1]
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 1] [1, 4, 8, 8] [1, 1, 1, 1]
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 4, 5, 2, 5, 2]
// CHECK: linalg.generic {indexing_maps = [#[[PHASE]], #{{.*}}]
// CHECK-SAME: outs(%{{.*}} : tensor<1x4x2x2x5x5xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [6, 2, 3, 3] [1, 1, 1, 1] : tensor<6x2x3x3xf32> into tensor<6x2x4x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x4x4xf32> into tensor<1x6x4x4xf32>
func.func @conv_grouped(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x4x4xf32> {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x4x4xf32>
  return %0 : tensor<1x6x4x4xf32>
}

// -----

// Max pooling pads with -inf, including the extra tail of ceil mode (only
// that tail is filled).
// CHECK-LABEL: func @max_pool_ceil
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEG]] : f32) outs(%{{.*}} : tensor<1x1x1xf32>)
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 4] [1, 1, 1] [1, 1, 1]
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0, 0] [1, 1, 4] [1, 1, 1]
// CHECK: linalg.fill ins(%{{.*}} : f32)
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.maximumf
func.func @max_pool_ceil(%x: tensor<1x1x4xf32>) -> tensor<1x1x2xf32> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, ceil_mode = true} : (tensor<1x1x4xf32>) -> tensor<1x1x2xf32>
  return %0 : tensor<1x1x2xf32>
}

// -----

// Average pooling divides by a per-position count computed at compile time:
// padding is not counted unless count_include_pad.
// CHECK-LABEL: func @avg_pool
// CHECK: arith.addf
// CHECK: arith.constant dense<{{\[}}[4.000000e+00, 6.000000e+00], [6.000000e+00, 9.000000e+00]]> : tensor<2x2xf32>
// CHECK: arith.divf
func.func @avg_pool(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %0 = kiln.average_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// CHECK-LABEL: func @avg_pool_include_pad
// CHECK: arith.constant dense<9.000000e+00> : tensor<2x2xf32>
func.func @avg_pool_include_pad(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %0 = kiln.average_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = true} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// CHECK-LABEL: func @global_average_pool
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: arith.constant 1.200000e+01 : f32
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]] output_shape [2, 5, 1, 1]
func.func @global_average_pool(%x: tensor<2x5x3x4xf32>) -> tensor<2x5x1x1xf32> {
  %0 = kiln.global_average_pool %x : (tensor<2x5x3x4xf32>) -> tensor<2x5x1x1xf32>
  return %0 : tensor<2x5x1x1xf32>
}

// -----

// The padded buffer of a conv whose input is computed by an elementwise op
// is built (border fills only) before that op, so that bufferization can
// let the op write the interior in place instead of copying it there.
// CHECK-LABEL: func @pad_before_producer
// CHECK: tensor.empty() : tensor<1x2x6x6xf32>
// CHECK: linalg.fill
// CHECK-SAME: tensor<1x2x1x6xf32>
// CHECK: %[[BORDER:.*]] = tensor.insert_slice %{{.*}}[0, 0, 1, 5] [1, 2, 4, 1]
// CHECK: %[[RELU:.*]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: tensor.insert_slice %[[RELU]] into %[[BORDER]][0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1]
func.func @pad_before_producer(%x: tensor<1x2x4x4xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %r = kiln.relu %x : tensor<1x2x4x4xf32>
  %0 = kiln.conv %r, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}
