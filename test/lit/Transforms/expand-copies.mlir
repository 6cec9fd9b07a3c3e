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

// A tile read that spans whole contiguous rows (a stride-phase tile before
// its transpose) becomes one flat read.
// CHECK-LABEL: func @contiguous_tile_read
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1]] : memref<32x2xf32, strided<[2, 1], offset: ?>> into memref<64xf32, strided<[1], offset: ?>>
// CHECK: %[[V:.*]] = vector.transfer_read %[[FLAT]]{{.*}} : memref<64xf32, strided<[1], offset: ?>>, vector<64xf32>
// CHECK: vector.shape_cast %[[V]] : vector<64xf32> to vector<32x2xf32>
func.func @contiguous_tile_read(%src: memref<4x64x2xf32>, %i: index, %j: index) -> vector<32x2xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %tile = memref.subview %src[%i, %j, 0] [1, 32, 2] [1, 1, 1] : memref<4x64x2xf32> to memref<32x2xf32, strided<[2, 1], offset: ?>>
  %v = vector.transfer_read %tile[%c0, %c0], %pad {in_bounds = [true, true]} : memref<32x2xf32, strided<[2, 1], offset: ?>>, vector<32x2xf32>
  return %v : vector<32x2xf32>
}
