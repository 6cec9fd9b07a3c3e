// RUN: kiln-opt %s -kiln-map-to-gpu -split-input-file | FileCheck %s

// A 2-D nest of 3x100 points: 300 threads as 2 blocks of 256, the last
// block guarded, the linear index split row-major (last dim fastest).
// CHECK-LABEL: func.func @nest
// CHECK-DAG: %[[GRID:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[BLOCK:.*]] = arith.constant 256 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID]], {{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCK]]
// CHECK: %[[BASE:.*]] = arith.muli %[[BX]], %[[BLOCK]]
// CHECK: %[[LIN:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK: %[[INSIDE:.*]] = arith.cmpi ult, %[[LIN]], %{{.*}}
// CHECK: scf.if %[[INSIDE]]
// CHECK: affine.delinearize_index %[[LIN]] into (3, 100)
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK-NOT: scf.parallel
func.func @nest(%a: memref<3x100xf32>, %b: memref<3x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c100 = arith.constant 100 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c100) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<3x100xf32>
    %y = arith.addf %x, %x : f32
    memref.store %y, %b[%i, %j] : memref<3x100xf32>
    scf.reduce
  }
  return
}

// -----

// 64 points fit one block exactly: no guard. A reduction loop stays
// sequential in its thread; views stay on the host.
// CHECK-LABEL: func.func @reduce
// CHECK: memref.view
// CHECK: gpu.launch
// CHECK-NOT: scf.if
// CHECK: scf.for
// CHECK: gpu.terminator
func.func @reduce(%a: memref<64x8xf32>, %arena: memref<256xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %out = memref.view %arena[%c0][] : memref<256xi8> to memref<64xf32>
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<64x8xf32>
      %s = memref.load %out[%i] : memref<64xf32>
      %t = arith.addf %s, %x : f32
      memref.store %t, %out[%i] : memref<64xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A copy launches like a loop nest; a rank-0 store runs in one thread.
// Every launch of a function outlines into one kernel module, numbered in
// order.
// CHECK-LABEL: func.func @copy_and_scalar
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c6
// CHECK: memref.load %{{.*}} : memref<2x3xf32>
// CHECK: gpu.launch {{.*}} in ({{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c1{{.*}}) module(@copy_and_scalar_kernels) function(@copy_and_scalar_k1)
// CHECK: memref.store %{{.*}}, %{{.*}}[] : memref<f32>
// CHECK-NOT: memref.copy
func.func @copy_and_scalar(%a: memref<2x3xf32>, %b: memref<2x3xf32>, %s: memref<f32>) {
  memref.copy %a, %b : memref<2x3xf32> to memref<2x3xf32>
  %one = arith.constant 1.0 : f32
  memref.store %one, %s[] : memref<f32>
  return
}

// -----

// A rank-0 result read back (a mean's division) runs in the same one-thread
// launch as the load it needs: the host reads no data.
// CHECK-LABEL: func.func @scalar_chain
// CHECK: gpu.launch
// CHECK: memref.load %{{.*}}[] : memref<f32>
// CHECK-NEXT: arith.divf
// CHECK-NEXT: memref.store
// CHECK: gpu.terminator
// CHECK-NOT: memref.load
// CHECK: return
func.func @scalar_chain(%a: memref<f32>, %b: memref<f32>) {
  %c = arith.constant 12.0 : f32
  %v = memref.load %a[] : memref<f32>
  %d = arith.divf %v, %c : f32
  memref.store %d, %b[] : memref<f32>
  return
}
