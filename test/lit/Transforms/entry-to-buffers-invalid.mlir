// RUN: kiln-opt %s -kiln-entry-to-buffers -split-input-file -verify-diagnostics

// expected-error @+1 {{no entry function 'main'}}
module {
  func.func @other() {
    return
  }
}

// -----

// A dynamic dim needs the range --shape gave it.
// expected-error @+1 {{entry argument 0 has a dynamic dim without a range}}
func.func @main(%x: tensor<?xf32>) -> tensor<?xf32> {
  return %x : tensor<?xf32>
}

// -----

// expected-error @+1 {{entry argument 1 has a dynamic dim without a range}}
func.func @main(%x: tensor<2x?xf32> {kiln.dim_ranges = array<i64: 2, 2, 1, 8>},
                %y: tensor<?xf32>) -> tensor<2x?xf32> {
  return %x : tensor<2x?xf32>
}
