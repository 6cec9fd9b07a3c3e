// RUN: kiln-opt %s -split-input-file -one-shot-bufferize | FileCheck %s --check-prefix=BUF
// RUN: kiln-opt %s -split-input-file -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries},func.func(kiln-split-halide-calls))" | FileCheck %s --check-prefix=SPLIT
// RUN: kiln-opt %s -split-input-file -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries},func.func(kiln-split-halide-calls),kiln-lower-halide-calls)" | FileCheck %s --check-prefix=CALL

// Bufferized, the kernel writes its destination in place.
// BUF-LABEL: func @small
// BUF: %[[OUT:.*]] = memref.alloc() {{.*}} : memref<1x4x8x8xf32>
// BUF: kiln.halide_depthwise %{{.*}}, %{{.*}}, %{{.*}} into %[[OUT]] {activation = "hswish", kernel_size = 3 : i64, strides = array<i64: 1, 1>} : memref<1x4x10x10xf32{{.*}}>, memref<4x1x3x3xf32{{.*}}>, memref<4xf32{{.*}}>, memref<1x4x8x8xf32>
//
// Too little work to split: one call over all channels.
// SPLIT-LABEL: func @small
// SPLIT-NOT: scf.for
// SPLIT: %[[C0:.*]] = arith.constant 0 : index
// SPLIT: %[[C4:.*]] = arith.constant 4 : index
// SPLIT: kiln.halide_depthwise {{.*}} channels(%[[C0]], %[[C4]])
//
// Each buffer goes as (address, sizes, strides), then the channel range and
// the clip bounds.
// CALL: func.func private @kiln_hl_call_dw_k3_s1_hswish(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, f32, f32)
// CALL-LABEL: func @small
// CALL: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:4, %[[STRIDES:.*]]:4 = memref.extract_strided_metadata %arg0
// CALL: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CALL: %[[BYTES:.*]] = arith.muli %[[OFF]], %c4
// CALL: %[[ADDR:.*]] = arith.addi %[[PTR]], %[[BYTES]]
// CALL: call @kiln_hl_call_dw_k3_s1_hswish(%[[ADDR]], %[[SIZES]]#0, %[[SIZES]]#1, %[[SIZES]]#2, %[[SIZES]]#3, %[[STRIDES]]#0, %[[STRIDES]]#1, %[[STRIDES]]#2, %[[STRIDES]]#3,
// CALL-NOT: kiln.halide_depthwise
func.func @small(%x: tensor<1x4x10x10xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %init = tensor.empty() : tensor<1x4x8x8xf32>
  %0 = kiln.halide_depthwise %x, %w, %b into %init {activation = "hswish", kernel_size = 3 : i64, strides = array<i64: 1, 1>} : tensor<1x4x10x10xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// 64 x 32 x 32 x 9 multiply-adds: blocks of two channels (>= 16384 each),
// one loop iteration per block, the last block clamped to the channel count.
// SPLIT-LABEL: func @large
// SPLIT-DAG: %[[C0:.*]] = arith.constant 0 : index
// SPLIT-DAG: %[[C1:.*]] = arith.constant 1 : index
// SPLIT-DAG: %[[C2:.*]] = arith.constant 2 : index
// SPLIT-DAG: %[[C32:.*]] = arith.constant 32 : index
// SPLIT-DAG: %[[C64:.*]] = arith.constant 64 : index
// SPLIT: scf.for %[[I:.*]] = %[[C0]] to %[[C32]] step %[[C1]] {
// SPLIT:   %[[BEGIN:.*]] = arith.muli %[[I]], %[[C2]]
// SPLIT:   %[[NEXT:.*]] = arith.addi %[[BEGIN]], %[[C2]]
// SPLIT:   %[[END:.*]] = arith.minsi %[[NEXT]], %[[C64]]
// SPLIT:   kiln.halide_depthwise {{.*}} channels(%[[BEGIN]], %[[END]]) {activation = "clip", hi = 6.000000e+00 : f32, kernel_size = 3 : i64, strides = array<i64: 2, 2>}
// SPLIT: }
// CALL-LABEL: func @large
// CALL: scf.for
// CALL: call @kiln_hl_call_dw_k3_s2_clip
func.func @large(%x: tensor<1x64x65x65xf32>, %w: tensor<64x1x3x3xf32>, %b: tensor<64xf32>) -> tensor<1x64x32x32xf32> {
  %init = tensor.empty() : tensor<1x64x32x32xf32>
  %0 = kiln.halide_depthwise %x, %w, %b into %init {activation = "clip", lo = 0.0 : f32, hi = 6.0 : f32, kernel_size = 3 : i64, strides = array<i64: 2, 2>} : tensor<1x64x65x65xf32>, tensor<64x1x3x3xf32>, tensor<64xf32>, tensor<1x64x32x32xf32> -> tensor<1x64x32x32xf32>
  return %0 : tensor<1x64x32x32xf32>
}

