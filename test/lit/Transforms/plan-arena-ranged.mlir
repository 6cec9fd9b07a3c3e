// RUN: kiln-opt %s -kiln-plan-arena | FileCheck %s

// A buffer whose size follows a ranged dim gets the bytes of its upper bound
// (the entry clamps the size to the range's maximum, 100: a 2x(100-2) f32
// buffer is 784 bytes) and a view with the run's size; sizes read back from
// the caller's views are the sizes those views were made with. The static
// buffer, alive at the same time, goes after it.
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[ARENA:[^:]*]]: memref<896xi8>
// CHECK-SAME: kiln.arena_bytes = 896 : i64
// CHECK-SAME: {bytes = 784 : i64, first = 0 : i64, last = 1 : i64, name = "?", offset = 0 : i64, type = "2x?xf32"}
// CHECK-SAME: offset = 832 : i64, type = "2x4xf32"
// CHECK: %[[W:.*]] = affine.min
// CHECK: %[[N:.*]] = affine.apply #{{.*}}()[%[[W]]]
// CHECK: memref.view %[[ARENA]][%{{.*}}][%[[N]]] : memref<896xi8> to memref<2x?xf32>
func.func @main(%size: index, %in: memref<f32>, %out: memref<f32>) {
  %c1 = arith.constant 1 : index
  %w = affine.min affine_map<(d0) -> (d0, 100)>(%size)
  %x = memref.reinterpret_cast %in to offset: [0], sizes: [2, %w], strides: [%w, 1]
      : memref<f32> to memref<2x?xf32, strided<[?, 1]>>
  %xw = memref.dim %x, %c1 : memref<2x?xf32, strided<[?, 1]>>
  %n = affine.apply affine_map<()[s0] -> (s0 - 2)>()[%xw]
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<2x?xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<2x4xf32>
  %sub = memref.subview %x[0, 0] [2, %n] [1, 1]
      : memref<2x?xf32, strided<[?, 1]>> to memref<2x?xf32, strided<[?, 1]>>
  memref.copy %sub, %a : memref<2x?xf32, strided<[?, 1]>> to memref<2x?xf32>
  %y = memref.reinterpret_cast %out to offset: [0], sizes: [2, %n], strides: [%n, 1]
      : memref<f32> to memref<2x?xf32, strided<[?, 1]>>
  memref.copy %a, %y : memref<2x?xf32> to memref<2x?xf32, strided<[?, 1]>>
  %z = memref.subview %x[0, 0] [2, 4] [1, 1]
      : memref<2x?xf32, strided<[?, 1]>> to memref<2x4xf32, strided<[?, 1]>>
  memref.copy %z, %b : memref<2x4xf32, strided<[?, 1]>> to memref<2x4xf32>
  return
}
