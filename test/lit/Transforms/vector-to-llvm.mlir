// RUN: kiln-opt %s -kiln-vector-to-llvm="index-bitwidth=32" | FileCheck %s --check-prefix=I32
// RUN: kiln-opt %s -kiln-vector-to-llvm | FileCheck %s --check-prefix=I64

// A 32-bit target's vector loads address memory with 32-bit indices and
// 32-bit memref descriptors, as the other conversions to LLVM make them.
// I32-LABEL: func.func @load
// I32: builtin.unrealized_conversion_cast %{{.*}} : index to i32
// I32: builtin.unrealized_conversion_cast %{{.*}} : memref<16xf32> to !llvm.struct<(ptr, ptr, i32, array<1 x i32>, array<1 x i32>)>
// I32: llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr, i32) -> !llvm.ptr, f32
// I32: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> vector<4xf32>
// I64-LABEL: func.func @load
// I64: !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
// I64: llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, f32
func.func @load(%m: memref<16xf32>, %i: index) -> vector<4xf32> {
  %v = vector.load %m[%i] : memref<16xf32>, vector<4xf32>
  return %v : vector<4xf32>
}

// An n-D from_elements (left by lowering a 2-D reduction tile) is unrolled
// into rows that convert.
// I32-LABEL: func.func @from_elements
// I32-NOT: vector.from_elements
// I32: llvm.insertvalue
func.func @from_elements(%a: i32, %b: i32) -> vector<2x2xi32> {
  %v = vector.from_elements %a, %b, %b, %a : vector<2x2xi32>
  return %v : vector<2x2xi32>
}
