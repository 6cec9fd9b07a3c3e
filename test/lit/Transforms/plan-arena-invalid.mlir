// RUN: kiln-opt %s -kiln-plan-arena -split-input-file -verify-diagnostics

// Allocations inside loops cannot be given a static offset.
func.func @main(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-error @+1 {{cannot place this allocation in the arena}}
    %a = memref.alloc() : memref<4xf32>
  }
  return
}

// -----

func.func @main(%n: index) {
  // expected-error @+1 {{cannot place this allocation in the arena}}
  %a = memref.alloc(%n) : memref<?xf32>
  return
}
