// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize="rows=4 tall-rows=6 contraction-lanes=16" | FileCheck %s

// With a tall block (6 rows where 16 registers of 8 floats hold them), an
// f32 contraction whose block loop 6 divides takes 6-row blocks: 48 rows.
// CHECK-LABEL: func @tall
// CHECK: scf.for %{{.*}} = %c0 to %c48 step %c6
// CHECK: iter_args(%{{.*}} = %{{.*}}) -> (vector<6x16xf32>)
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mC = affine_map<(m, n, k) -> (m, n)>
func.func @tall(%a: tensor<48x80xf32>, %b: tensor<80x64xf32>) -> tensor<48x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<48x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<48x64xf32>) -> tensor<48x64xf32>
  %r = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
    ins(%a, %b : tensor<48x80xf32>, tensor<80x64xf32>) outs(%f : tensor<48x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<48x64xf32>
  return %r : tensor<48x64xf32>
}

// -----

// 64 rows: a 6-row block would leave a partial one, so the regular 4 rows.
// CHECK-LABEL: func @regular
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c4
// CHECK: iter_args(%{{.*}} = %{{.*}}) -> (vector<4x16xf32>)
// CHECK-NOT: vector<6x16xf32>
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mC = affine_map<(m, n, k) -> (m, n)>
func.func @regular(%a: tensor<64x80xf32>, %b: tensor<80x64xf32>) -> tensor<64x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
  %r = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
    ins(%a, %b : tensor<64x80xf32>, tensor<80x64xf32>) outs(%f : tensor<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}
