// RUN: kiln-opt %s -split-input-file -kiln-emulate-gpu-launches -verify-diagnostics | FileCheck %s

// A launch becomes loops over grid z, y, x then block z, y, x; the body
// reads the loop variables for its ids and the launch sizes for its dims.
// CHECK-LABEL: func.func @launch
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C1]]
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C1]]
// CHECK: scf.for %[[BX:.*]] = %[[C0]] to %[[C3]]
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C1]]
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C1]]
// CHECK: scf.for %[[TX:.*]] = %[[C0]] to %[[C64]]
// CHECK: %[[BASE:.*]] = arith.muli %[[BX]], %[[C64]]
// CHECK: %[[I:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[I]]]
// CHECK-NOT: gpu.
func.func @launch(%out: memref<192xf32>) {
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c64 = arith.constant 64 : index
  %v = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c3, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %sx : index
    %i = arith.addi %base, %tx : index
    memref.store %v, %out[%i] : memref<192xf32>
    gpu.terminator
  }
  return
}

// -----

// Threads that synchronize cannot run one after another.
func.func @barrier(%out: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{emulation: threads that synchronize cannot run one by one}}
    gpu.barrier
    gpu.terminator
  }
  return
}
