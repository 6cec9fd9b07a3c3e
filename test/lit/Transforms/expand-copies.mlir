// RUN: kiln-opt %s -kiln-expand-copies | FileCheck %s

// A strided copy would otherwise call the C runner's memrefCopy.
// CHECK-LABEL: func @strided_copy
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%{{.*}} : memref<2x3xf32>) outs(%{{.*}} : memref<2x3xf32, strided<[7, 1], offset: 1>>)
func.func @strided_copy(%src: memref<2x3xf32>, %dst: memref<2x7xf32>) {
  %view = memref.subview %dst[0, 1] [2, 3] [1, 1] : memref<2x7xf32> to memref<2x3xf32, strided<[7, 1], offset: 1>>
  memref.copy %src, %view : memref<2x3xf32> to memref<2x3xf32, strided<[7, 1], offset: 1>>
  return
}
