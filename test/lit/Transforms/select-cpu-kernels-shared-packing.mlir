// An object with kernel variants for several CPUs packs every float weight
// once, for the widest CPU's tiles; each variant keeps its own register tile.
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="rows=4 lanes=16 pack-rows=8 pack-lanes=32 pack-wide-rows=6 pack-wide-lanes=64" | FileCheck %s --check-prefix=AVX2
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="rows=8 lanes=32 wide-rows=6 wide-lanes=64 pack-rows=8 pack-lanes=32 pack-wide-rows=6 pack-wide-lanes=64" | FileCheck %s --check-prefix=AVX512
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="rows=8 lanes=32 wide-rows=4 wide-lanes=48 pack-rows=8 pack-lanes=32 pack-wide-rows=6 pack-wide-lanes=64" | FileCheck %s --check-prefix=ODD
// RUN: kiln-opt %s -split-input-file -kiln-select-cpu-kernels="rows=4 lanes=16 wide-rows=6 wide-lanes=64 pack-rows=8" | FileCheck %s --check-prefix=OWN

// The packing is the named one; a CPU without a wide tile of its own takes
// none (kiln-tile-and-vectorize then uses its regular tile on the wide
// panels), one whose wide tile divides the panel takes it, one whose does
// not takes none. Without pack-lanes the CPU's own tiles pack.
// AVX2-LABEL: func @shared
// AVX2: kiln.conv {{.*}}kiln.pack_tile = array<i64: 8, 32>
// AVX2-NOT: kiln.register_tile
// AVX2: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 6, 64>}
// AVX2: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 8, 32>}
// AVX512-LABEL: func @shared
// AVX512: kiln.conv {{.*}}kiln.pack_tile = array<i64: 8, 32>
// AVX512: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 6, 64>, kiln.register_tile = array<i64: 6, 64>}
// AVX512: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 8, 32>}
// ODD-LABEL: func @shared
// ODD: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 6, 64>}
// OWN-LABEL: func @shared
// OWN: kiln.conv {{.*}}kiln.pack_tile = array<i64: 4, 16>
// OWN: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 6, 64>, kiln.register_tile = array<i64: 6, 64>}
// OWN: kiln.matmul {{.*}}{kiln.pack_tile = array<i64: 4, 16>}
func.func @shared(%x: tensor<1x8x4x4xf32>, %a: tensor<128x128xf32>, %s: tensor<4x128xf32>) -> (tensor<1x8x4x4xf32>, tensor<128x128xf32>, tensor<4x128xf32>) {
  %w = kiln.constant dense<1.0> : tensor<8x8x1x1xf32>
  %b = kiln.constant dense<2.0> : tensor<128x128xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %m = kiln.matmul %a, %b : (tensor<128x128xf32>, tensor<128x128xf32>) -> tensor<128x128xf32>
  %n = kiln.matmul %s, %b : (tensor<4x128xf32>, tensor<128x128xf32>) -> tensor<4x128xf32>
  return %c, %m, %n : tensor<1x8x4x4xf32>, tensor<128x128xf32>, tensor<4x128xf32>
}

// -----

// Integer weights keep this CPU's packing: their variants differ anyway
// (pairs or quads).
// AVX2-LABEL: func.func @integer
// AVX2: kiln.qconv {{.*}}kiln.pack_tile = array<i64: 4, 16>
func.func @integer(%x: tensor<1x8x4x4x!quant.uniform<i8:f32, 0.02:3>>) -> tensor<1x16x4x4x!quant.uniform<i8:f32, 0.05>> {
  %wc = kiln.constant dense<1> : tensor<16x8x1x1xi8>
  %w = kiln.storage_cast %wc : (tensor<16x8x1x1xi8>) -> tensor<16x8x1x1x!quant.uniform<i8:f32, 0.1>>
  %y = kiln.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x8x4x4x!quant.uniform<i8:f32, 0.02:3>>, tensor<16x8x1x1x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x16x4x4x!quant.uniform<i8:f32, 0.05>>
  return %y : tensor<1x16x4x4x!quant.uniform<i8:f32, 0.05>>
}
