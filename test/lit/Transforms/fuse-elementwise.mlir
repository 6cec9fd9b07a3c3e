// RUN: kiln-opt %s -kiln-fuse-elementwise | FileCheck %s

// The activation chain after a conv fuses into one generic, but is never
// pulled into the reduction that consumes it (that would recompute it for
// every tap and filter).
// CHECK-LABEL: func @chain_then_reduction
// CHECK: %[[ACT:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel"]
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic {{.*}}["parallel"]
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK-SAME: ins(%[[ACT]]
#id = affine_map<(d0) -> (d0)>
#all = affine_map<(d0) -> ()>
func.func @chain_then_reduction(%x: tensor<16xf32>, %acc: tensor<f32>) -> tensor<f32> {
  %c3 = arith.constant 3.0 : f32
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16xf32>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %c3 : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%0 : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %z : f32
    linalg.yield %m : f32
  } -> tensor<16xf32>
  %2 = linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction"]} ins(%1 : tensor<16xf32>) outs(%acc : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %2 : tensor<f32>
}
