// RUN: kiln-opt %s -kiln-lower-to-linalg -split-input-file | FileCheck %s

// Ops on a ranged (dynamic) dim take its size from their operands at run time.

// A pointwise conv is a plain product; its constant weights are stored C x M.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2, d3)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d4, d1)>
// CHECK-LABEL: func @pointwise
// CHECK: %[[N:.*]] = tensor.dim %arg0, %{{.*}} : tensor<1x2x1x?xf32>
// CHECK: tensor.empty(%{{.*}}) : tensor<1x3x1x?xf32>
// CHECK: arith.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00, 5.000000e+00], [2.000000e+00, 4.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[W]], #{{.*}}]
// CHECK-SAME: outs(%{{.*}} : tensor<1x3x1x?xf32>)
func.func @pointwise(%x: tensor<1x2x1x?xf32>) -> tensor<1x3x1x?xf32> {
  %w = kiln.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]], [[[5.0]], [[6.0]]]]> : tensor<3x2x1x1xf32>
  %y = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x1x?xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x1x?xf32>
  return %y : tensor<1x3x1x?xf32>
}

// -----

// A strided, padded conv: tensor.pad, the output width (W + 2 - 3) / 2 + 1
// from the input's, one generic over n, m, oh, ow, c, kh, kw.
// CHECK-DAG: #[[SIZE:.*]] = affine_map<()[s0] -> ((s0 - 1) floordiv 2 + 1)>
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 2 + d5, d3 * 2 + d6)>
// CHECK-LABEL: func @strided
// CHECK: %[[W:.*]] = tensor.dim %arg0, %{{.*}} : tensor<1x1x4x?xf32>
// CHECK: %[[OW:.*]] = affine.apply #[[SIZE]]()[%[[W]]]
// CHECK: tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.empty(%[[OW]]) : tensor<1x2x2x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[WIN]], #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
func.func @strided(%x: tensor<1x1x4x?xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x2x?xf32> {
  %y = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x1x4x?xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x2x?xf32>
  return %y : tensor<1x2x2x?xf32>
}

// -----

// A reshape whose one dynamic result dim is the element count over the
// static ones, as an affine map the arena planner can bound.
// CHECK-DAG: #[[REST:.*]] = affine_map<()[s0] -> (s0 * 3)>
// CHECK-LABEL: func @reshape
// CHECK: %[[L:.*]] = tensor.dim %arg0, %{{.*}} : tensor<1x?x1080xf32>
// CHECK: %[[N:.*]] = affine.apply #[[REST]]()[%[[L]]]
// CHECK: tensor.collapse_shape %arg0 {{\[}}[0, 1, 2]] : tensor<1x?x1080xf32> into tensor<?xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2, 3]] output_shape [1, %[[N]], 3, 120]
func.func @reshape(%x: tensor<1x?x1080xf32>) -> tensor<1x?x3x120xf32> {
  %y = kiln.reshape %x : (tensor<1x?x1080xf32>) -> tensor<1x?x3x120xf32>
  return %y : tensor<1x?x3x120xf32>
}

// -----

// A mean over a dynamic dim divides by its run-time size.
// CHECK-LABEL: func @mean
// CHECK: %[[L:.*]] = tensor.dim %arg0, %{{.*}} : tensor<2x?xf32>
// CHECK: %[[I:.*]] = arith.index_cast %[[L]] : index to i64
// CHECK: %[[F:.*]] = arith.sitofp %[[I]] : i64 to f32
// CHECK: linalg.generic
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
func.func @mean(%x: tensor<2x?xf32>) -> tensor<2x1xf32> {
  %y = kiln.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : (tensor<2x?xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}
