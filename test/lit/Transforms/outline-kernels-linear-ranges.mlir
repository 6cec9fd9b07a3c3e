// RUN: kiln-opt %s -kiln-outline-kernels | FileCheck %s

// An outer loop (15 column tiles) around a loop of its own tiles splits as
// one range of 15 x 60 iterations, so two threads get 450 each instead of 8
// and 7 column tiles. The kernel runs whole outer
// iterations in the middle of its range and part of the inner range at
// both ends.
// CHECK-LABEL: func.func private @main_p0
// CHECK-SAME: %[[FIRST:[^:]*]]: index, %[[LAST:[^:]*]]: index)
// CHECK: %[[C60:.*]] = arith.constant 60 : index
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: arith.divui %[[FIRST]], %[[C60]]
// CHECK: arith.ceildivui %[[LAST]], %[[C60]]
// CHECK: scf.for %[[COL:.*]] = %{{.*}} to %{{.*}} step %c32
// CHECK:   %[[ORDINAL:.*]] = arith.divui %{{.*}}, %c32
// CHECK:   %[[DONE:.*]] = arith.muli %[[ORDINAL]], %[[C60]]
// CHECK:   %[[LO_RAW:.*]] = arith.subi %[[FIRST]], %[[DONE]]
// CHECK:   %[[LO:.*]] = arith.maxsi %[[LO_RAW]], %[[C0]]
// CHECK:   %[[HI_RAW:.*]] = arith.subi %[[LAST]], %[[DONE]]
// CHECK:   %[[HI:.*]] = arith.minsi %[[HI_RAW]], %[[C60]]
// CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// CHECK:     scf.for
// CHECK: return

// The outer loop's iterations own their outputs, but the inner loop
// accumulates into one place per outer iteration: only the outer loop is
// split, over column tiles [FIRST, LAST).
// CHECK-LABEL: func.func private @main_p1
// CHECK-SAME: %[[FIRST:[^:]*]]: index, %[[LAST:[^:]*]]: index)
// CHECK-NOT: arith.ceildivui
// CHECK: arith.muli %[[FIRST]], %c32
// CHECK: arith.muli %[[LAST]], %c32
// CHECK: %[[END:.*]] = arith.minsi %c480, %{{.*}}
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[END]] step %c32
// CHECK: return

// Something besides the inner loop writes memory in each outer iteration:
// only the outer loop is split.
// CHECK-LABEL: func.func private @main_p2
// CHECK-NOT: arith.ceildivui
// CHECK: return

// CHECK-LABEL: func.func @main
// CHECK: %[[N0:.*]] = arith.constant 900 : index
// CHECK: call @main_p0(%arg0, %arg1, %{{.*}}, %[[N0]])
// CHECK: %[[N1:.*]] = arith.constant 15 : index
// CHECK: call @main_p1(%arg0, %arg2, %{{.*}}, %[[N1]])
// CHECK: %[[N2:.*]] = arith.constant 15 : index
// CHECK: call @main_p2(%arg0, %arg1, %arg2, %{{.*}}, %[[N2]])
func.func @main(%in: memref<480x480xf32>, %out: memref<60x480xf32>, %rows: memref<480xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c60 = arith.constant 60 : index
  %c480 = arith.constant 480 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<16xf32>
  scf.for %col = %c0 to %c480 step %c32 {
    scf.for %oc = %c0 to %c60 step %c1 {
      %acc = scf.for %k = %c0 to %c480 step %c1 iter_args(%a = %zero) -> (vector<16xf32>) {
        %v = vector.transfer_read %in[%k, %col], %pad {in_bounds = [true]} : memref<480x480xf32>, vector<16xf32>
        %s = arith.addf %a, %v : vector<16xf32>
        scf.yield %s : vector<16xf32>
      }
      vector.transfer_write %acc, %out[%oc, %col] {in_bounds = [true]} : vector<16xf32>, memref<60x480xf32>
    }
  }
  scf.for %col = %c0 to %c480 step %c32 {
    scf.for %r = %c0 to %c480 step %c1 {
      scf.for %k = %c0 to %c480 step %c16 {
        %v = vector.transfer_read %in[%r, %k], %pad {in_bounds = [true]} : memref<480x480xf32>, vector<16xf32>
        %s = vector.transfer_read %rows[%col], %pad {in_bounds = [true]} : memref<480xf32>, vector<16xf32>
        %t = arith.addf %v, %s : vector<16xf32>
        vector.transfer_write %t, %rows[%col] {in_bounds = [true]} : vector<16xf32>, memref<480xf32>
      }
    }
  }
  scf.for %col = %c0 to %c480 step %c32 {
    vector.transfer_write %zero, %rows[%col] {in_bounds = [true]} : vector<16xf32>, memref<480xf32>
    scf.for %oc = %c0 to %c60 step %c1 {
      %acc = scf.for %k = %c0 to %c480 step %c1 iter_args(%a = %zero) -> (vector<16xf32>) {
        %v = vector.transfer_read %in[%k, %col], %pad {in_bounds = [true]} : memref<480x480xf32>, vector<16xf32>
        %s = arith.addf %a, %v : vector<16xf32>
        scf.yield %s : vector<16xf32>
      }
      vector.transfer_write %acc, %out[%oc, %col] {in_bounds = [true]} : vector<16xf32>, memref<60x480xf32>
    }
  }
  return
}
