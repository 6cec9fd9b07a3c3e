// RUN: kiln-opt %s -kiln-outline-kernels | FileCheck %s

// Outlined, a loop of channel-block calls is a splittable kernel when the
// whole op's multiply-adds reach the splitting threshold (64 x 32 x 32 x 9
// = 589824 >= 2^17), and one whole kernel when they do not (4 x 8 x 8 x 9).
// CHECK-LABEL: func.func private @main_p0
// CHECK-SAME: %{{.*}}: index, %{{.*}}: index)
// CHECK: kiln.halide_depthwise {{.*}} channels(
// CHECK-LABEL: func.func private @main_k1(
// CHECK-LABEL: func.func @main
// CHECK: call @main_p0(
// CHECK: call @main_k1(
func.func @main(%x: memref<1x64x65x65xf32>, %w: memref<64x1x3x3xf32>, %b: memref<64xf32>, %o: memref<1x64x32x32xf32>,
                %xs: memref<1x4x10x10xf32>, %ws: memref<4x1x3x3xf32>, %bs: memref<4xf32>, %os: memref<1x4x8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %c32 step %c1 {
    %begin = arith.muli %i, %c2 : index
    %next = arith.addi %begin, %c2 : index
    %end = arith.minsi %next, %c64 : index
    kiln.halide_depthwise %x, %w, %b into %o channels(%begin, %end) {activation = "none", kernel_size = 3 : i64, strides = array<i64: 2, 2>} : memref<1x64x65x65xf32>, memref<64x1x3x3xf32>, memref<64xf32>, memref<1x64x32x32xf32>
  }
  scf.for %i = %c0 to %c2 step %c1 {
    %begin = arith.muli %i, %c2 : index
    %end = arith.addi %begin, %c2 : index
    kiln.halide_depthwise %xs, %ws, %bs into %os channels(%begin, %end) {activation = "none", kernel_size = 3 : i64, strides = array<i64: 1, 1>} : memref<1x4x10x10xf32>, memref<4x1x3x3xf32>, memref<4xf32>, memref<1x4x8x8xf32>
  }
  return
}
