// RUN: kiln-opt %s -kiln-relax-fma | FileCheck %s

// Scalar and vector FMAs may fuse; their flags and the other ops stay.
// CHECK-LABEL: llvm.func @scalar
// CHECK-NOT: llvm.intr.fma
// CHECK: llvm.intr.fmuladd(%arg0, %arg1, %arg2) : (f32, f32, f32) -> f32
llvm.func @scalar(%a: f32, %b: f32, %c: f32) -> f32 {
  %s = llvm.intr.fma(%a, %b, %c) : (f32, f32, f32) -> f32
  llvm.return %s : f32
}

// CHECK-LABEL: llvm.func @vector
// CHECK-NOT: llvm.intr.fma
// CHECK: llvm.intr.fmuladd(%arg0, %arg0, %arg0) {fastmathFlags = #llvm.fastmath<contract>} : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK: llvm.fmul
llvm.func @vector(%v: vector<16xf32>) -> vector<16xf32> {
  %w = llvm.intr.fma(%v, %v, %v) {fastmathFlags = #llvm.fastmath<contract>} : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
  %m = llvm.fmul %w, %v : vector<16xf32>
  llvm.return %m : vector<16xf32>
}
