// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize | FileCheck %s

// Matmul 64x80 @ 80x84: 32-lane column blocks outside 8-row blocks, the
// reduction innermost with the 8x32 accumulator carried in registers,
// starting from the fill's zeros (the fill is fused away, no pass over the
// output), one broadcast-FMA step per k. The 20-column remainder is peeled
// into its own loop and masked to 32 lanes.
// CHECK-LABEL: func @matmul
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.for %[[N:.*]] = %c0 to %c64 step %c32
// CHECK: scf.for %[[M:.*]] = %c0 to %c64 step %c8
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c80 step %c1 iter_args(%[[A:.*]] = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : vector<8x32xf32>
// CHECK: %[[S:.*]] = arith.addf %[[A]], %[[P]] : vector<8x32xf32>
// CHECK: scf.yield %[[S]]
// CHECK: vector.transfer_write %[[ACC]]
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: vector.constant_mask [8, 20] : vector<8x32xi1>
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mC = affine_map<(m, n, k) -> (m, n)>
func.func @matmul(%a: tensor<64x80xf32>, %b: tensor<80x84xf32>) -> tensor<64x84xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x84xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x84xf32>) -> tensor<64x84xf32>
  %r = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
    ins(%a, %b : tensor<64x80xf32>, tensor<80x84xf32>) outs(%f : tensor<64x84xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x84xf32>
  return %r : tensor<64x84xf32>
}

// -----

// A row max over 6625 columns: one loop over rows, 32 partial maxima in a
// vector register over 207 full chunks, the last column folded in, then one
// horizontal reduction per row.
// CHECK-LABEL: func @row_max
// CHECK: scf.for %{{.*}} = %c0 to %c40 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c6624 step %c32 iter_args(%[[P:.*]] = %{{.*}}) -> (vector<32xf32>)
// CHECK: arith.maximumf %[[P]], %{{.*}} : vector<32xf32>
// CHECK: vector.reduction <maximumf>
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
func.func @row_max(%a: tensor<40x6625xf32>) -> tensor<40xf32> {
  %z = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<40xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<40xf32>) -> tensor<40xf32>
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
    ins(%a : tensor<40x6625xf32>) outs(%f : tensor<40xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.maximumf %acc, %x : f32
    linalg.yield %s : f32
  } -> tensor<40xf32>
  return %r : tensor<40xf32>
}

// -----

// Elementwise with a per-channel broadcast: 32-lane strips of the innermost
// dim; a short innermost dim (4) is covered together with the next one.
// CHECK-LABEL: func @bias_relu
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<8x4xf32>
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<8x4xf32>
#x = affine_map<(c, h, w) -> (c, h, w)>
#b = affine_map<(c, h, w) -> (c)>
func.func @bias_relu(%x: tensor<8x16x4xf32>, %bias: tensor<8xf32>) -> tensor<8x16x4xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16x4xf32>
  %r = linalg.generic {indexing_maps = [#x, #b, #x], iterator_types = ["parallel", "parallel", "parallel"]}
    ins(%x, %bias : tensor<8x16x4xf32>, tensor<8xf32>) outs(%e : tensor<8x16x4xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    %m = arith.maximumf %s, %z : f32
    linalg.yield %m : f32
  } -> tensor<8x16x4xf32>
  return %r : tensor<8x16x4xf32>
}
