// RUN: kiln-opt %s -kiln-approximate-math | FileCheck %s

// Vector exp/tanh/erf become polynomials: no math op is left for LLVM to
// scalarize into one libm call per lane. sqrt has a vector instruction and
// stays.
// CHECK-LABEL: func @transcendentals
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK: math.sqrt
func.func @transcendentals(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.exp %x : vector<16xf32>
  %1 = math.tanh %0 : vector<16xf32>
  %2 = math.erf %1 : vector<16xf32>
  %3 = math.sqrt %2 : vector<16xf32>
  return %3 : vector<16xf32>
}
