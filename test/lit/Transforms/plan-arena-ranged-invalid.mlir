// RUN: kiln-opt %s -kiln-plan-arena -verify-diagnostics

// A size nothing bounds (no clamp on the argument) cannot be planned.
func.func @main(%size: index, %out: memref<f32>) {
  // expected-error @+1 {{cannot place this allocation in the arena: its size has no upper bound}}
  %a = memref.alloc(%size) : memref<?xf32>
  %y = memref.reinterpret_cast %out to offset: [0], sizes: [%size], strides: [1]
      : memref<f32> to memref<?xf32, strided<[1]>>
  memref.copy %a, %y : memref<?xf32> to memref<?xf32, strided<[1]>>
  return
}
