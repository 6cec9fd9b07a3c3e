// RUN: kiln-opt %s -kiln-entry-to-buffers | FileCheck %s

// A ranged input dim becomes a leading index argument, clamped to the
// range's maximum (the arena planner bounds sizes by it); the caller's
// buffers are bare pointers seen as dense row-major views at the run's sizes.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[W:.*]]: index, %[[X:.*]]: memref<f32>, %[[OUT:.*]]: memref<f32>)
// CHECK-SAME: passthrough = ["kiln-entry"]
// CHECK-NOT: kiln.dim_ranges
// CHECK: %[[SIZE:.*]] = affine.min #{{.*}}(%[[W]])
// CHECK: %[[IN:.*]] = memref.reinterpret_cast %[[X]] to offset: [0], sizes: [3, %[[SIZE]]], strides: [%[[SIZE]], 1] : memref<f32> to memref<3x?xf32, strided<[?, 1]>>
// CHECK: bufferization.to_tensor %[[IN]] restrict
// CHECK: %[[DIM:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<3x?xf32>
// CHECK: %[[DEST:.*]] = memref.reinterpret_cast %[[OUT]] to offset: [0], sizes: [3, %[[DIM]]], strides: [%[[DIM]], 1]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[DEST]]
func.func @main(%x: tensor<3x?xf32> {kiln.dim_ranges = array<i64: 3, 3, 4, 640>})
    -> tensor<3x?xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      outs(%x : tensor<3x?xf32>) {
  ^bb0(%o: f32):
    %n = arith.negf %o : f32
    linalg.yield %n : f32
  } -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}
