// RUN: kiln-opt %s -kiln-select-cpu-kernels -kiln-lower-to-linalg -split-input-file | FileCheck %s
// RUN: kiln-opt %s -kiln-select-cpu-kernels="rows=4 lanes=16" -kiln-lower-to-linalg -split-input-file | FileCheck %s --check-prefix=TILE4
// RUN: kiln-opt %s -kiln-select-cpu-kernels="wide-rows=6 wide-lanes=64" -kiln-lower-to-linalg -split-input-file | FileCheck %s --check-prefix=WIDE
// The lowering alone is target-neutral: no contraction is packed.
// RUN: kiln-opt %s -kiln-lower-to-linalg -split-input-file | FileCheck %s --check-prefix=NEUTRAL
// NEUTRAL-NOT: packed>
// NEUTRAL-NOT: tensor<1x2x8xf32>
// NEUTRAL-NOT: kiln.register_tile

// The blocks follow the target's register tile: 4 rows x 16 lanes (AVX2,
// 16-register NEON) gives blocks of 4 filters and 16-column panels.
// TILE4-LABEL: func @pointwise_packed
// TILE4: arith.constant dense<{{\[\[\[}}0.000000e+00, 2.000000e+00, 4.000000e+00, 6.000000e+00], [1.000000e+00, 3.000000e+00, 5.000000e+00, 7.000000e+00]], {{\[\[}}8.000000e+00, 1.000000e+01, 1.200000e+01, 1.400000e+01], [9.000000e+00, 1.100000e+01, 1.300000e+01, 1.500000e+01]]]> : tensor<2x2x4xf32>
// TILE4-LABEL: func @matmul_panels
// TILE4: arith.constant dense_resource<packed> : tensor<2x1x16xf32>
// TILE4: tensor.insert_slice %{{.*}}[0, 0, 32] [1, 2, 1] [1, 1, 1]

// A pointwise conv's constant weight M x C becomes M/8 x C x 8 blocks (the
// 8 rows one register tile broadcasts per step are adjacent); the
// accumulator N x M/8 x 8 x P starts from the bias and is the output seen
// through a reshape.
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d3)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @pointwise_packed
// CHECK: %[[PACKED:.*]] = arith.constant dense<{{\[\[\[}}0.000000e+00, 2.000000e+00, 4.000000e+00, 6.000000e+00, 8.000000e+00, 1.000000e+01, 1.200000e+01, 1.400000e+01], [1.000000e+00, 3.000000e+00, 5.000000e+00, 7.000000e+00, 9.000000e+00, 1.100000e+01, 1.300000e+01, 1.500000e+01]]]> : tensor<1x2x8xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], {{.*}}]{{.*}} outs(%{{.*}} : tensor<1x1x8x12xf32>)
// CHECK: %[[CONV:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %[[PACKED]] : tensor<1x2x12xf32>, tensor<1x2x8xf32>) outs(%[[ACC]] : tensor<1x1x8x12xf32>)
// CHECK: tensor.collapse_shape %[[CONV]] {{\[\[}}0], [1, 2], [3]] : tensor<1x1x8x12xf32> into tensor<1x8x12xf32>
func.func @pointwise_packed(%x: tensor<1x2x3x4xf32>) -> tensor<1x8x3x4xf32> {
  %w = kiln.constant dense<[[[[0.0]], [[1.0]]], [[[2.0]], [[3.0]]], [[[4.0]], [[5.0]]], [[[6.0]], [[7.0]]], [[[8.0]], [[9.0]]], [[[10.0]], [[11.0]]], [[[12.0]], [[13.0]]], [[[14.0]], [[15.0]]]]> : tensor<8x2x1x1xf32>
  %b = kiln.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x3x4xf32>, tensor<8x2x1x1xf32>, tensor<8xf32>) -> tensor<1x8x3x4xf32>
  return %0 : tensor<1x8x3x4xf32>
}

// -----

// Filters not a multiple of 8, a weight that is not a constant, or groups:
// the plain layout.
// CHECK-LABEL: func @pointwise_unpacked
// CHECK-NOT: tensor<1x{{.*}}x8xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x1x2x12xf32>, tensor<1x4x2x1xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x1x2x12xf32>, tensor<1x8x2x1xf32>)
func.func @pointwise_unpacked(%x: tensor<1x2x3x4xf32>, %v: tensor<8x2x1x1xf32>) -> (tensor<1x4x3x4xf32>, tensor<1x8x3x4xf32>) {
  %w = kiln.constant dense<1.0> : tensor<4x2x1x1xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x3x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x3x4xf32>
  %1 = kiln.conv %x, %v {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x3x4xf32>, tensor<8x2x1x1xf32>) -> tensor<1x8x3x4xf32>
  return %0, %1 : tensor<1x4x3x4xf32>, tensor<1x8x3x4xf32>
}

// -----

// A constant B K x N becomes N/32 x K x 32 panels; the last N mod 32
// columns are an unpacked op, and both write their slice of the result.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d4)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d3)>
// CHECK-DAG: #[[TA:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[TB:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-LABEL: func @matmul_panels
// CHECK: %[[PANELS:.*]] = arith.constant dense_resource<packed> : tensor<1x1x32xf32>
// CHECK: %[[MAIN:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %[[PANELS]] : tensor<1x2x1xf32>, tensor<1x1x32xf32>) outs(%{{.*}} : tensor<1x2x1x32xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[MAIN]] {{\[\[}}0], [1], [2, 3]] : tensor<1x2x1x32xf32> into tensor<1x2x32xf32>
// CHECK: %[[TAILB:.*]] = arith.constant dense<3.200000e+01> : tensor<1x1xf32>
// CHECK: %[[TAIL:.*]] = linalg.generic {indexing_maps = [#[[TA]], #[[TB]], {{.*}}]{{.*}} ins(%arg0, %[[TAILB]] : tensor<1x2x1xf32>, tensor<1x1xf32>)
// CHECK: %[[R0:.*]] = tensor.insert_slice %[[FLAT]] into %{{.*}}[0, 0, 0] [1, 2, 32] [1, 1, 1]
// CHECK: tensor.insert_slice %[[TAIL]] into %[[R0]][0, 0, 32] [1, 2, 1] [1, 1, 1]
// CHECK: packed: "0x04000000000000000000803F00000040
func.func @matmul_panels(%a: tensor<1x2x1xf32>) -> tensor<1x2x33xf32> {
  %b = kiln.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0]]> : tensor<1x33xf32>
  %0 = kiln.matmul %a, %b : (tensor<1x2x1xf32>, tensor<1x33xf32>) -> tensor<1x2x33xf32>
  return %0 : tensor<1x2x33xf32>
}

// -----

// Gemm with a transposed constant B N x K: the panels read B[n][k].
// CHECK-LABEL: func @gemm_trans_b
// CHECK: arith.constant dense_resource<packed> : tensor<1x2x32xf32>
// CHECK: linalg.generic
// CHECK-SAME: tensor<4x2xf32>, tensor<1x2x32xf32>
// CHECK: packed: "0x04000000000000000000803F0000004000004040
func.func @gemm_trans_b(%a: tensor<4x2xf32>) -> tensor<4x32xf32> {
  %b = kiln.constant dense<[[0.0, 32.0], [1.0, 33.0], [2.0, 34.0], [3.0, 35.0], [4.0, 36.0], [5.0, 37.0], [6.0, 38.0], [7.0, 39.0], [8.0, 40.0], [9.0, 41.0], [10.0, 42.0], [11.0, 43.0], [12.0, 44.0], [13.0, 45.0], [14.0, 46.0], [15.0, 47.0], [16.0, 48.0], [17.0, 49.0], [18.0, 50.0], [19.0, 51.0], [20.0, 52.0], [21.0, 53.0], [22.0, 54.0], [23.0, 55.0], [24.0, 56.0], [25.0, 57.0], [26.0, 58.0], [27.0, 59.0], [28.0, 60.0], [29.0, 61.0], [30.0, 62.0], [31.0, 63.0]]> : tensor<32x2xf32>
  %0 = kiln.gemm %a, %b {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<4x2xf32>, tensor<32x2xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

// With a wide tile (AVX-512: 6 rows x 64 lanes), a large matmul's B is
// packed into 64-column panels and its contraction names the tile; a
// product under 128 rows keeps the regular 32-column panels.
// CHECK-LABEL: func @wide_matmul
// CHECK: tensor<4x128x32xf32>
// CHECK-NOT: kiln.register_tile
// CHECK: ins(%arg1, %{{.*}} : tensor<127x128xf32>, tensor<4x128x32xf32>)
// WIDE-LABEL: func @wide_matmul
// WIDE: linalg.generic
// WIDE-SAME: ins(%arg0, %{{.*}} : tensor<128x128xf32>, tensor<2x128x64xf32>)
// WIDE-SAME: attrs =  {kiln.register_tile = array<i64: 6, 64>}
// WIDE: linalg.generic
// WIDE-SAME: ins(%arg1, %{{.*}} : tensor<127x128xf32>, tensor<4x128x32xf32>)
// WIDE-NOT: kiln.register_tile
func.func @wide_matmul(%a: tensor<128x128xf32>, %small: tensor<127x128xf32>) -> (tensor<128x128xf32>, tensor<127x128xf32>) {
  %b = kiln.constant dense<0.5> : tensor<128x128xf32>
  %0 = kiln.matmul %a, %b : (tensor<128x128xf32>, tensor<128x128xf32>) -> tensor<128x128xf32>
  %1 = kiln.matmul %small, %b : (tensor<127x128xf32>, tensor<128x128xf32>) -> tensor<127x128xf32>
  return %0, %1 : tensor<128x128xf32>, tensor<127x128xf32>
}
