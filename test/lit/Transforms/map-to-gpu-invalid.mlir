// RUN: kiln-opt %s -kiln-map-to-gpu -split-input-file -verify-diagnostics

func.func @dynamic_bound(%a: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @below {{GPU launch of a loop nest whose bounds are not constant}}
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf32>
    memref.store %x, %a[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

func.func @host_value(%a: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{GPU: 'memref.load' computes a value the host would need}}
  %x = memref.load %a[%c0] : memref<4xf32>
  return %x : f32
}
