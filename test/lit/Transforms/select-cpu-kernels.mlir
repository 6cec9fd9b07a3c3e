// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="rows=4 lanes=16 wide-rows=6 wide-lanes=64" | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="halide-depthwise=true" | FileCheck %s --check-prefix=HALIDE
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="halide-depthwise=true mlir-depthwise=k5_s2x1,k3_s1" | FileCheck %s --check-prefix=MEASURED
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="channel-group=4" | FileCheck %s --check-prefix=QUADS
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="rows=4 lanes=16 tall-rows=6" | FileCheck %s --check-prefix=TALL
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="channel-group=4 unsigned-quads=true" | FileCheck %s --check-prefix=UQUADS
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="channel-group=4 unsigned-quads=true quad-max-weight=64" | FileCheck %s --check-prefix=SATQUADS

// Contractions over a constant weight are marked with the tile their weight
// is packed for; a weight computed at run time cannot be packed.
// CHECK-LABEL: func @marks
// CHECK: kiln.conv {{.*}}kiln.pack_tile = array<i64: 4, 16>
// CHECK-NOT: kiln.register_tile
// CHECK: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 4, 16>}
// CHECK: kiln.matmul %arg1, %arg2 :
// CHECK: kiln.gemm {{.*}}kiln.pack_tile = array<i64: 4, 16>
func.func @marks(%x: tensor<1x8x4x4xf32>, %a: tensor<4x8xf32>, %v: tensor<8x16xf32>) -> (tensor<1x8x4x4xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %w = kiln.constant dense<1.0> : tensor<8x8x1x1xf32>
  %b = kiln.constant dense<2.0> : tensor<8x16xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %m = kiln.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %n = kiln.matmul %a, %v : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %g = kiln.gemm %a, %b {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %c, %m, %n, %g : tensor<1x8x4x4xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// A matmul of at least 128 in every dim takes the wide tile and tells
// kiln-tile-and-vectorize so; 127 rows are too few.
// CHECK-LABEL: func @wide
// CHECK: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 6, 64>, kiln.register_tile = array<i64: 6, 64>}
// CHECK: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 4, 16>}
func.func @wide(%a: tensor<128x128xf32>, %b: tensor<127x128xf32>) -> (tensor<128x128xf32>, tensor<127x128xf32>) {
  %w = kiln.constant dense<1.0> : tensor<128x128xf32>
  %0 = kiln.matmul %a, %w : (tensor<128x128xf32>, tensor<128x128xf32>) -> tensor<128x128xf32>
  %1 = kiln.matmul %b, %w : (tensor<127x128xf32>, tensor<128x128xf32>) -> tensor<127x128xf32>
  return %0, %1 : tensor<128x128xf32>, tensor<127x128xf32>
}

// -----

// Without halide-depthwise (a target with no Halide kernels) a depthwise
// conv stays a kiln.conv; with it, the conv and its Relu become one call on
// the padded input.
// CHECK-LABEL: func @depthwise
// CHECK-NOT: kiln.halide_depthwise
// HALIDE-LABEL: func @depthwise
// HALIDE: %[[PAD:.*]] = tensor.insert_slice %arg0 into
// HALIDE: kiln.halide_depthwise %[[PAD]], %arg1, %{{.*}} into %{{.*}} {activation = "clip", hi = 0x7F800000 : f32, kernel_size = 3 : i64, strides = array<i64: 1, 1>}
// HALIDE-NOT: kiln.relu
// HALIDE-NOT: kiln.conv
func.func @depthwise(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = kiln.relu %0 : tensor<1x4x8x8xf32>
  return %1 : tensor<1x4x8x8xf32>
}

// -----

// Strides that differ per axis (a recognizer halving height alone) take
// their own variants; stride 3 has none and stays a kiln.conv.
// HALIDE-LABEL: func @depthwise_strides
// HALIDE: kiln.halide_depthwise {{.*}}kernel_size = 5 : i64, strides = array<i64: 2, 1>} : tensor<1x4x12x12xf32>, tensor<4x1x5x5xf32>, tensor<4xf32>, tensor<1x4x4x8xf32>
// HALIDE: kiln.halide_depthwise {{.*}}kernel_size = 3 : i64, strides = array<i64: 1, 2>} : tensor<1x4x10x10xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<1x4x8x4xf32>
// HALIDE: kiln.conv {{.*}}strides = array<i64: 3, 1>
// The shapes a target's measurements put on MLIR (kernel size and strides,
// here 5x5 with strides 2x1) stay kiln.convs; the others still call Halide.
// MEASURED-LABEL: func @depthwise_strides
// MEASURED: kiln.conv {{.*}}strides = array<i64: 2, 1>{{.*}}tensor<4x1x5x5xf32>
// MEASURED: kiln.halide_depthwise {{.*}}kernel_size = 3 : i64, strides = array<i64: 1, 2>}
// MEASURED: kiln.conv {{.*}}strides = array<i64: 3, 1>
func.func @depthwise_strides(%x: tensor<1x4x8x8xf32>, %w5: tensor<4x1x5x5xf32>, %w3: tensor<4x1x3x3xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x8x4xf32>, tensor<1x4x3x8xf32>) {
  %0 = kiln.conv %x, %w5 {strides = array<i64: 2, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x5x5xf32>) -> tensor<1x4x4x8xf32>
  %1 = kiln.conv %x, %w3 {strides = array<i64: 1, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x8x4xf32>
  %2 = kiln.conv %x, %w3 {strides = array<i64: 3, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x3x8xf32>
  return %0, %1, %2 : tensor<1x4x4x8xf32>, tensor<1x4x8x4xf32>, tensor<1x4x3x8xf32>
}

// -----

// Integer contractions over constant weights are packed too; on a dot
// product target they also take input channels in quads. Float ones never
// do.
// CHECK-LABEL: func.func @integer
// CHECK: kiln.qconv {{.*}}kiln.pack_tile = array<i64: 4, 16>
// CHECK-NOT: kiln.channel_group
// QUADS-LABEL: func.func @integer
// QUADS: kiln.qconv {{.*}}kiln.channel_group = 4 : i64, kiln.pack_tile = array<i64: 8, 32>
// QUADS: kiln.qmatmul {{.*}}kiln.channel_group = 4 : i64, kiln.pack_tile = array<i64: 8, 32>
// QUADS-NOT: kiln.unsigned_quads
// QUADS: kiln.matmul
// QUADS-NOT: kiln.channel_group
// A dot product over unsigned input bytes (x86 vpdpbusd) marks them so.
// UQUADS-LABEL: func.func @integer
// UQUADS: kiln.qconv {{.*}}kiln.channel_group = 4 : i64, kiln.pack_tile = array<i64: 8, 32>, kiln.unsigned_quads
// UQUADS: kiln.qmatmul {{.*}}kiln.channel_group = 4 : i64, kiln.pack_tile = array<i64: 8, 32>, kiln.unsigned_quads
// UQUADS: kiln.matmul
// UQUADS-NOT: kiln.unsigned_quads
// UQUADS-NOT: kiln.quad_max_weight
// A dot product whose pair sums saturate (x86 pmaddubsw) also marks the
// weight magnitude its quads take.
// SATQUADS-LABEL: func.func @integer
// SATQUADS: kiln.qconv {{.*}}kiln.channel_group = 4 : i64, kiln.pack_tile = array<i64: 8, 32>, kiln.quad_max_weight = 64 : i64, kiln.unsigned_quads
// SATQUADS: kiln.qmatmul {{.*}}kiln.channel_group = 4 : i64, kiln.pack_tile = array<i64: 8, 32>, kiln.quad_max_weight = 64 : i64, kiln.unsigned_quads
// SATQUADS: kiln.matmul
// SATQUADS-NOT: kiln.quad_max_weight
func.func @integer(%x: tensor<1x8x4x4x!quant.uniform<i8:f32, 0.02:3>>, %a: tensor<2x8x!quant.uniform<i8:f32, 0.02:3>>, %f: tensor<2x8xf32>)
    -> (tensor<1x16x4x4x!quant.uniform<i8:f32, 0.05>>, tensor<2x16x!quant.uniform<i8:f32, 0.05>>, tensor<2x16xf32>) {
  %wc = kiln.constant dense<1> : tensor<16x8x1x1xi8>
  %w = kiln.storage_cast %wc : (tensor<16x8x1x1xi8>) -> tensor<16x8x1x1x!quant.uniform<i8:f32, 0.1>>
  %y = kiln.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x8x4x4x!quant.uniform<i8:f32, 0.02:3>>, tensor<16x8x1x1x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x16x4x4x!quant.uniform<i8:f32, 0.05>>
  %bc = kiln.constant dense<1> : tensor<8x16xi8>
  %b = kiln.storage_cast %bc : (tensor<8x16xi8>) -> tensor<8x16x!quant.uniform<i8:f32, 0.1>>
  %z = kiln.qmatmul %a, %b : (tensor<2x8x!quant.uniform<i8:f32, 0.02:3>>, tensor<8x16x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x16x!quant.uniform<i8:f32, 0.05>>
  %fc = kiln.constant dense<1.0> : tensor<8x16xf32>
  %g = kiln.matmul %f, %fc : (tensor<2x8xf32>, tensor<8x16xf32>) -> tensor<2x16xf32>
  return %y, %z, %g : tensor<1x16x4x4x!quant.uniform<i8:f32, 0.05>>, tensor<2x16x!quant.uniform<i8:f32, 0.05>>, tensor<2x16xf32>
}

// -----

// With a tall tile, a float pointwise conv whose filters fill 6-row blocks
// is packed for it and tiled on it; 8 filters, or a 3x3 conv, keep the
// regular tile.
// TALL-LABEL: func @tall
// TALL: kiln.conv {{.*}}kiln.pack_tile = array<i64: 6, 16>, kiln.register_tile = array<i64: 6, 16>{{.*}} : (tensor<1x8x4x4xf32>, tensor<12x8x1x1xf32>)
// TALL: kiln.conv {{.*}}kiln.pack_tile = array<i64: 4, 16>, pads{{.*}} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>)
// TALL: kiln.conv {{.*}}kiln.pack_tile = array<i64: 4, 16>, pads{{.*}} : (tensor<1x8x4x4xf32>, tensor<12x8x3x3xf32>)
func.func @tall(%x: tensor<1x8x4x4xf32>) -> (tensor<1x12x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x12x4x4xf32>) {
  %w12 = kiln.constant dense<1.0> : tensor<12x8x1x1xf32>
  %w8 = kiln.constant dense<1.0> : tensor<8x8x1x1xf32>
  %w3 = kiln.constant dense<1.0> : tensor<12x8x3x3xf32>
  %a = kiln.conv %x, %w12 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<12x8x1x1xf32>) -> tensor<1x12x4x4xf32>
  %b = kiln.conv %x, %w8 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %c = kiln.conv %x, %w3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<12x8x3x3xf32>) -> tensor<1x12x4x4xf32>
  return %a, %b, %c : tensor<1x12x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x12x4x4xf32>
}
