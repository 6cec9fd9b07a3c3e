// RUN: kiln-opt %s -kiln-cpu-pipeline | FileCheck %s

// The whole CPU path: kiln ops in, one LLVM function out whose arguments are
// bare pointers (input, output, arena), with no allocation calls.
// CHECK-NOT: malloc
// CHECK: llvm.mlir.global private constant @__constant_2x4xf32({{.*}}) {{.*}} : !llvm.array<2 x array<4 x f32>>
// CHECK: llvm.func @main(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK-SAME: kiln.arena_bytes = {{[0-9]+}} : i64
// CHECK-NOT: func.func
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
func.func @main(%x: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %w = kiln.constant dense<[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]> : tensor<2x4xf32>
  %r = kiln.reshape %x : (tensor<1x8xf32>) -> tensor<4x2xf32>
  %m = kiln.matmul %r, %w : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %s = kiln.softmax %m {axis = 1 : i64} : tensor<4x4xf32>
  %t = kiln.reshape %s : (tensor<4x4xf32>) -> tensor<16xf32>
  %c = kiln.slice %t {offsets = array<i64: 0>, sizes = array<i64: 4>, strides = array<i64: 4>} : (tensor<16xf32>) -> tensor<4xf32>
  %o = kiln.reshape %c : (tensor<4xf32>) -> tensor<1x4xf32>
  return %o : tensor<1x4xf32>
}
