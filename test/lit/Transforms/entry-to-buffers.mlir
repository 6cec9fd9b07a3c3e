// RUN: kiln-opt %s -kiln-entry-to-buffers -split-input-file | FileCheck %s

// Inputs become read-only memrefs, results become trailing output memrefs.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[IN:.*]]: memref<2x3xf32>, %[[OUT0:.*]]: memref<2x3xf32>, %[[OUT1:.*]]: memref<3xi64>)
// CHECK-NOT: ->
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[IN]] restrict : memref<2x3xf32> to tensor<2x3xf32>
// CHECK: %[[R:.*]] = kiln.relu %[[T]]
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[OUT0]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[OUT1]]
// CHECK: return{{$}}
func.func @main(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3xi64>) {
  %0 = kiln.relu %x : tensor<2x3xf32>
  %1 = kiln.constant dense<[1, 2, 3]> : tensor<3xi64>
  return %0, %1 : tensor<2x3xf32>, tensor<3xi64>
}

// -----

// Only the named entry is rewritten.
// CHECK-LABEL: func.func @helper(%{{.*}}: tensor<4xf32>) -> tensor<4xf32>
// CHECK-LABEL: func.func @main(%{{.*}}: memref<4xf32>, %{{.*}}: memref<4xf32>)
func.func @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
