// RUN: kiln-opt %s -kiln-outline-kernels | FileCheck %s

// A loop nest whose iterations write disjoint tiles (the written view moves
// with the induction variables) and does enough work becomes `_p<N>` taking
// the range of iterations to run, counted over both loops (64 x 256); the
// entry passes the whole range. A loop that accumulates into a fixed place
// (a reduction) stays whole as `_k<N>`. (outline-kernels-linear-ranges.mlir
// has the range arithmetic and the nests split over the outer loop only.)
// CHECK-LABEL: func.func private @main_p0
// CHECK-SAME: (%{{.*}}: memref<64x4096xf32>, %{{.*}}: memref<64x4096xf32>, %[[FIRST:.*]]: index, %[[LAST:.*]]: index)
// CHECK: arith.divui %[[FIRST]], %[[TRIPS:.*]] :
// CHECK: arith.ceildivui %[[LAST]], %[[TRIPS]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c16
// CHECK-LABEL: func.func private @main_k1
// CHECK-LABEL: func.func @main
// CHECK: %[[N:.*]] = arith.constant 16384 : index
// CHECK: call @main_p0(%arg0, %arg1, %{{.*}}, %[[N]])
// CHECK: call @main_k1(%arg0, %arg2)
func.func @main(%in: memref<64x4096xf32>, %out: memref<64x4096xf32>, %sum: memref<4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c4096 = arith.constant 4096 : index
  %c16 = arith.constant 16 : index
  %pad = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c64 step %c1 {
    scf.for %j = %c0 to %c4096 step %c16 {
      %v = vector.transfer_read %in[%i, %j], %pad {in_bounds = [true]} : memref<64x4096xf32>, vector<16xf32>
      %w = arith.addf %v, %v : vector<16xf32>
      vector.transfer_write %w, %out[%i, %j] {in_bounds = [true]} : vector<16xf32>, memref<64x4096xf32>
    }
  }
  scf.for %i = %c0 to %c64 step %c1 {
    scf.for %j = %c0 to %c4096 step %c16 {
      %v = vector.transfer_read %in[%i, %j], %pad {in_bounds = [true]} : memref<64x4096xf32>, vector<16xf32>
      %s = vector.transfer_read %sum[%j], %pad {in_bounds = [true]} : memref<4096xf32>, vector<16xf32>
      %t = arith.addf %v, %s : vector<16xf32>
      vector.transfer_write %t, %sum[%j] {in_bounds = [true]} : vector<16xf32>, memref<4096xf32>
    }
  }
  return
}
