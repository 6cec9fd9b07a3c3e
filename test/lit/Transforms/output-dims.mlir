// RUN: kiln-opt %s -kiln-output-dims -split-input-file | FileCheck %s

// The output dims function keeps the entry's shape arithmetic only: a 3-tap
// conv without padding over a ranged width gives width - 2; the static
// output dims are not stored.
// CHECK-LABEL: func.func @main(
// CHECK-LABEL: func.func @main_output_dims
// CHECK-SAME: (%[[W:.*]]: index, %[[DIMS:.*]]: memref<1xi64>)
// CHECK-SAME: passthrough = ["kiln-output-dims"]
// CHECK-NOT: linalg
// CHECK: %[[N:.*]] = affine.apply #{{.*}}()[%[[W]]]
// CHECK: %[[V:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: memref.store %[[V]], %[[DIMS]][%{{.*}}] : memref<1xi64>
// CHECK-NEXT: return
func.func @main(%x: tensor<2x?xf32> {kiln.dim_ranges = array<i64: 2, 2, 3, 64>})
    -> tensor<2x?xf32> attributes {kiln.input_names = ["x"], kiln.output_names = ["y"]} {
  %c1 = arith.constant 1 : index
  %w = tensor.dim %x, %c1 : tensor<2x?xf32>
  %n = affine.apply affine_map<()[s0] -> (s0 - 2)>()[%w]
  %init = tensor.empty(%n) : tensor<2x?xf32>
  %k = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %y = linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1 + d2)>,
                       affine_map<(d0, d1, d2) -> (d2)>,
                       affine_map<(d0, d1, d2) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %k : tensor<2x?xf32>, tensor<3xf32>) outs(%init : tensor<2x?xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x?xf32>
  return %y : tensor<2x?xf32>
}

// -----

// Static outputs need no function.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: func.func @main_output_dims
func.func @main(%x: tensor<2x?xf32> {kiln.dim_ranges = array<i64: 2, 2, 3, 64>})
    -> tensor<2xf32> {
  %c0 = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<2xf32>
  %fill = linalg.fill ins(%c0 : f32) outs(%init : tensor<2xf32>) -> tensor<2xf32>
  %y = linalg.generic {
      indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<2x?xf32>) outs(%fill : tensor<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  return %y : tensor<2xf32>
}
