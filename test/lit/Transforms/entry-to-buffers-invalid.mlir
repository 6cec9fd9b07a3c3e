// RUN: kiln-opt %s -kiln-entry-to-buffers -split-input-file -verify-diagnostics

// expected-error @+1 {{no entry function 'main'}}
module {
  func.func @other() {
    return
  }
}

// -----

// expected-error @+1 {{entry argument 0 is not a static tensor}}
func.func @main(%x: tensor<?xf32>) -> tensor<?xf32> {
  return %x : tensor<?xf32>
}
