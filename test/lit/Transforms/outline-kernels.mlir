// RUN: kiln-opt %s -kiln-outline-kernels | FileCheck %s

// Each linalg op moves into its own private function that takes only the
// entry arguments it needs; views, constants and globals are re-created
// inside, and the entry keeps just the calls.
// CHECK: memref.global "private" constant @w
// CHECK: func.func private @main_k0(%{{.*}}: memref<4xf32>, %[[ARENA:.*]]: memref<64xi8>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[ARENA]][%[[C0]]][] : memref<64xi8> to memref<4xf32>
// CHECK: linalg.generic
// CHECK-LABEL: func.func private @main_k1(%{{.*}}: memref<4xf32>, %{{.*}}: memref<64xi8>)
// CHECK: memref.get_global @w
// CHECK: linalg.generic
// CHECK-LABEL: func.func @main
// CHECK-NEXT: call @main_k0(%arg0, %arg2)
// CHECK-NEXT: call @main_k1(%arg1, %arg2)
// CHECK-NEXT: return
#id = affine_map<(d0) -> (d0)>
memref.global "private" constant @w : memref<4xf32> = dense<2.0>
func.func @main(%in: memref<4xf32>, %out: memref<4xf32>, %arena: memref<64xi8>) {
  %c0 = arith.constant 0 : index
  %t = memref.view %arena[%c0][] : memref<64xi8> to memref<4xf32>
  %w = memref.get_global @w : memref<4xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%in : memref<4xf32>) outs(%t : memref<4xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%t, %w : memref<4xf32>, memref<4xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  }
  return
}
