// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize=unroll=1 | FileCheck %s --check-prefix=NONE

// The loop that carries a register tile's accumulators through the
// reduction is marked for LLVM to unroll by 4 (its own add and branch would
// otherwise take issue slots from the FMAs every step); the loops around it
// are not. `unroll=1` marks nothing.
// CHECK-DAG: #[[COUNT:.*]] = #llvm.loop_unroll<count = 4 : i32>
// CHECK-DAG: #[[UNROLL:.*]] = #llvm.loop_annotation<unroll = #[[COUNT]]>
// CHECK-LABEL: func @matmul
// CHECK: scf.for
// CHECK-NOT: loop_annotation
// CHECK: scf.for
// CHECK-NOT: loop_annotation
// CHECK: scf.for %{{.*}} = %c0 to %c80 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: arith.mulf
// CHECK: scf.yield
// CHECK-NEXT: } {loop_annotation = #[[UNROLL]]}
// NONE-NOT: loop_annotation
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mC = affine_map<(m, n, k) -> (m, n)>
func.func @matmul(%a: tensor<64x80xf32>, %b: tensor<80x64xf32>) -> tensor<64x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
  %r = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
    ins(%a, %b : tensor<64x80xf32>, tensor<80x64xf32>) outs(%f : tensor<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// A reduction of fewer than 8 steps (a 3x3 conv's taps along a row) is
// unrolled completely instead: by 4 it would be mostly remainder.
// CHECK: #[[FULL:.*]] = #llvm.loop_unroll<full = true>
// CHECK: #[[UNROLL_FULL:.*]] = #llvm.loop_annotation<unroll = #[[FULL]]>
// CHECK-LABEL: func @short_reduction
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK: scf.for %{{.*}} = %c0 to %c6 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: scf.yield
// CHECK-NEXT: } {loop_annotation = #[[UNROLL_FULL]]}
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: return
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mC = affine_map<(m, n, k) -> (m, n)>
func.func @short_reduction(%a: tensor<16x6xf32>, %b: tensor<6x32xf32>) -> tensor<16x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
    ins(%a, %b : tensor<16x6xf32>, tensor<6x32xf32>) outs(%f : tensor<16x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// -----

// Elementwise strips carry no accumulator: nothing to unroll.
// CHECK-LABEL: func @relu
// CHECK: scf.for
// CHECK-NOT: loop_annotation
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu(%a: tensor<64x256xf32>) -> tensor<64x256xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x256xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
    ins(%a : tensor<64x256xf32>) outs(%e : tensor<64x256xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.maximumf %x, %z : f32
    linalg.yield %m : f32
  } -> tensor<64x256xf32>
  return %r : tensor<64x256xf32>
}
