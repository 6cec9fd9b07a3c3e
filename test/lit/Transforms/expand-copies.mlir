// RUN: kiln-opt %s -kiln-expand-copies | FileCheck %s

// A strided copy would otherwise call the C runner's memrefCopy. Contiguous
// rows move in 16-lane transfers, masked where the row is shorter.
// CHECK-LABEL: func @strided_copy
// CHECK-NOT: memref.copy
// CHECK: scf.for %[[I:.*]] = %c0 to %c2 step %c1
// CHECK: scf.for %[[J:.*]] = %c0 to %c3 step %c16
// CHECK: %[[ROW:.*]] = vector.transfer_read %{{.*}}[%[[I]], %[[J]]], %{{.*}} : memref<2x3xf32>, vector<16xf32>
// CHECK: vector.transfer_write %[[ROW]], %{{.*}}[%[[I]], %[[J]]] : vector<16xf32>, memref<2x3xf32, strided<[7, 1], offset: 1>>
func.func @strided_copy(%src: memref<2x3xf32>, %dst: memref<2x7xf32>) {
  %view = memref.subview %dst[0, 1] [2, 3] [1, 1] : memref<2x7xf32> to memref<2x3xf32, strided<[7, 1], offset: 1>>
  memref.copy %src, %view : memref<2x3xf32> to memref<2x3xf32, strided<[7, 1], offset: 1>>
  return
}

// Rows that are not contiguous keep a scalar linalg.copy.
// CHECK-LABEL: func @every_other_column
// CHECK: linalg.copy ins(%{{.*}} : memref<3x2xf32, strided<[4, 2]>>) outs(%{{.*}} : memref<3x2xf32>)
func.func @every_other_column(%src: memref<3x4xf32>, %dst: memref<3x2xf32>) {
  %a = memref.subview %src[0, 0] [3, 2] [1, 2] : memref<3x4xf32> to memref<3x2xf32, strided<[4, 2]>>
  memref.copy %a, %dst : memref<3x2xf32, strided<[4, 2]>> to memref<3x2xf32>
  return
}
