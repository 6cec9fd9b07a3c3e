// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize | FileCheck %s

// Matmul 64x80 @ 80x84: 32-lane column blocks outside 8-row blocks, the
// reduction innermost with the 8x32 accumulator carried in registers,
// starting from the fill's zeros (the fill is fused away, no pass over the
// output), one broadcast-FMA step per k. The 20-column remainder is peeled
// into its own loop and masked to 32 lanes.
// CHECK-LABEL: func @matmul
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.for %[[N:.*]] = %c0 to %c64 step %c32
// CHECK: scf.for %[[M:.*]] = %c0 to %c64 step %c8
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c80 step %c1 iter_args(%[[A:.*]] = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : vector<8x32xf32>
// CHECK: %[[S:.*]] = arith.addf %[[A]], %[[P]] : vector<8x32xf32>
// CHECK: scf.yield %[[S]]
// CHECK: vector.transfer_write %[[ACC]]
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: vector.constant_mask [8, 20] : vector<8x32xi1>
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mC = affine_map<(m, n, k) -> (m, n)>
func.func @matmul(%a: tensor<64x80xf32>, %b: tensor<80x84xf32>) -> tensor<64x84xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x84xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x84xf32>) -> tensor<64x84xf32>
  %r = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
    ins(%a, %b : tensor<64x80xf32>, tensor<80x84xf32>) outs(%f : tensor<64x84xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x84xf32>
  return %r : tensor<64x84xf32>
}

// -----

// A row max over 6625 columns: one loop over rows, 32 partial maxima in a
// vector register over 207 full chunks, the last column folded in, then one
// horizontal reduction per row.
// CHECK-LABEL: func @row_max
// CHECK: scf.for %{{.*}} = %c0 to %c40 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c6624 step %c32 iter_args(%[[P:.*]] = %{{.*}}) -> (vector<32xf32>)
// CHECK: arith.maximumf %[[P]], %{{.*}} : vector<32xf32>
// CHECK: vector.reduction <maximumf>
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
func.func @row_max(%a: tensor<40x6625xf32>) -> tensor<40xf32> {
  %z = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<40xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<40xf32>) -> tensor<40xf32>
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
    ins(%a : tensor<40x6625xf32>) outs(%f : tensor<40xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.maximumf %acc, %x : f32
    linalg.yield %s : f32
  } -> tensor<40xf32>
  return %r : tensor<40xf32>
}

// -----

// Elementwise with a per-channel broadcast: 32-lane strips of the innermost
// dim; a short innermost dim (4) is covered together with the next one.
// CHECK-LABEL: func @bias_relu
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<8x4xf32>
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<8x4xf32>
#x = affine_map<(c, h, w) -> (c, h, w)>
#b = affine_map<(c, h, w) -> (c)>
func.func @bias_relu(%x: tensor<8x16x4xf32>, %bias: tensor<8xf32>) -> tensor<8x16x4xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16x4xf32>
  %r = linalg.generic {indexing_maps = [#x, #b, #x], iterator_types = ["parallel", "parallel", "parallel"]}
    ins(%x, %bias : tensor<8x16x4xf32>, tensor<8xf32>) outs(%e : tensor<8x16x4xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    %m = arith.maximumf %s, %z : f32
    linalg.yield %m : f32
  } -> tensor<8x16x4xf32>
  return %r : tensor<8x16x4xf32>
}

// -----

// A pointwise conv over packed weights (16 filters as 2 blocks of 8, 48
// pixels) whose accumulator starts from the bias: the bias broadcast is not
// tiled on its own but read into each tile's registers; the pixel panels
// are outside the filter blocks (one input panel serves both blocks), the
// 8 weights of a step are one contiguous read, and each tile is written
// back with a single insert (no unit-dim slice in between, which would make
// bufferization copy the tile). The last 16 pixels are 8x16 tiles.
// CHECK-LABEL: func @packed_pointwise_bias
// CHECK-NOT: linalg.generic
// CHECK: scf.for %[[P:.*]] = %c0 to %c64 step %c32
// CHECK: scf.for %[[B:.*]] = %c0 to %c2 step %c1
// CHECK: %[[BIAS:.*]] = tensor.extract_slice %{{.*}}[%[[B]], 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<8xf32>
// CHECK: %[[INIT:.*]] = vector.transfer_read %[[BIAS]]{{.*}} : tensor<8xf32>, vector<8x32xf32>
// CHECK: %[[ACC:.*]] = scf.for %[[K:.*]] = %c0 to %c24 step %c1 iter_args(%{{.*}} = %[[INIT]]) -> (vector<8x32xf32>)
// CHECK: tensor.extract_slice %{{.*}}[%[[B]], %[[K]], 0] [1, 1, 8] [1, 1, 1] : tensor<2x24x8xf32> to tensor<8xf32>
// CHECK: %[[TILE:.*]] = vector.transfer_write %[[ACC]], %{{.*}} : vector<8x32xf32>, tensor<8x32xf32>
// CHECK-NEXT: tensor.insert_slice %[[TILE]] into %{{.*}}[0, %[[B]], 0, %[[P]]] [1, 1, 8, 32] [1, 1, 1, 1] : tensor<8x32xf32> into tensor<1x2x8x80xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c24 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<8x16xf32>)
#bias = affine_map<(n, io, ii, p) -> (io, ii)>
#id4 = affine_map<(n, io, ii, p) -> (n, io, ii, p)>
#pin = affine_map<(n, io, ii, p, c) -> (n, c, p)>
#pw = affine_map<(n, io, ii, p, c) -> (io, c, ii)>
#pout = affine_map<(n, io, ii, p, c) -> (n, io, ii, p)>
func.func @packed_pointwise_bias(%x: tensor<1x24x80xf32>, %w: tensor<2x24x8xf32>, %b: tensor<2x8xf32>) -> tensor<1x2x8x80xf32> {
  %e = tensor.empty() : tensor<1x2x8x80xf32>
  %init = linalg.generic {indexing_maps = [#bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%b : tensor<2x8xf32>) outs(%e : tensor<1x2x8x80xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<1x2x8x80xf32>
  %r = linalg.generic {indexing_maps = [#pin, #pw, #pout], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
    ins(%x, %w : tensor<1x24x80xf32>, tensor<2x24x8xf32>) outs(%init : tensor<1x2x8x80xf32>) {
  ^bb0(%xv: f32, %wv: f32, %acc: f32):
    %p = arith.mulf %xv, %wv : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x8x80xf32>
  return %r : tensor<1x2x8x80xf32>
}

// -----

// A stride-phase split (N x E x s -> N x s x E): each tile reads the input
// whole along its short contiguous dim (2 phases x 32 positions, one
// contiguous block) and transposes in registers, instead of 32 strided
// scalar reads per phase.
// CHECK-LABEL: func @phase_split
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK: %[[IN:.*]] = vector.transfer_read %{{.*}} {in_bounds = [true, true]} : tensor<32x2xf32>, vector<32x2xf32>
// CHECK: %[[T:.*]] = vector.transpose %[[IN]], [1, 0] : vector<32x2xf32> to vector<2x32xf32>
// CHECK: vector.transfer_write %[[T]], %{{.*}} : vector<2x32xf32>, tensor<2x32xf32>
func.func @phase_split(%x: tensor<4x64x2xf32>) -> tensor<4x2x64xf32> {
  %e = tensor.empty() : tensor<4x2x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(c, r, e) -> (c, e, r)>, affine_map<(c, r, e) -> (c, r, e)>], iterator_types = ["parallel", "parallel", "parallel"]}
    ins(%x : tensor<4x64x2xf32>) outs(%e : tensor<4x2x64xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<4x2x64xf32>
  return %r : tensor<4x2x64xf32>
}

// -----

// A contraction whose packed operand names its register tile (a wide
// matmul's 64-column panels) is tiled to it, 6 rows x 64 lanes, whatever
// the pass's own tile; 128 rows leave a 2-row remainder.
// CHECK-LABEL: func @wide_packed_tile
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<6x64xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c126 step %c6
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c1 iter_args(%{{.*}} = %[[ZERO]]) -> (vector<6x64xf32>)
#wA = affine_map<(no, m, ni, k) -> (m, k)>
#wB = affine_map<(no, m, ni, k) -> (no, k, ni)>
#wC = affine_map<(no, m, ni, k) -> (m, no, ni)>
func.func @wide_packed_tile(%a: tensor<128x128xf32>, %b: tensor<2x128x64xf32>) -> tensor<128x2x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x2x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<128x2x64xf32>) -> tensor<128x2x64xf32>
  %r = linalg.generic {indexing_maps = [#wA, #wB, #wC], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
    ins(%a, %b : tensor<128x128xf32>, tensor<2x128x64xf32>) outs(%f : tensor<128x2x64xf32>)
    attrs = {kiln.register_tile = array<i64: 6, 64>} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<128x2x64xf32>
  return %r : tensor<128x2x64xf32>
}

// -----

// Nearest 2x resize along the rows (as kiln-lower-to-linalg writes it): the
// tap table is an index operand and the body reads a 1-D view of the input.
// It is tiled like any elementwise op (so its rows split over threads); a
// tile reads one contiguous run of the input row its tap names.
// CHECK-LABEL: func @resize_rows
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK: vector.transfer_read {{.*}} : tensor<index>, vector<32xindex>
// CHECK: %[[AT:.*]] = vector.extract %{{.*}}[0] : index from vector<32xindex>
// CHECK: %[[ROW:.*]] = vector.transfer_read %{{.*}}[%[[AT]]], %{{.*}} {in_bounds = [true]} : tensor<1024xf32>, vector<32xf32>
// CHECK: vector.transfer_write %[[ROW]]
// CHECK-NOT: tensor.extract %
#rows = affine_map<(d0, d1, d2) -> (d1)>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @resize_rows(%x: tensor<4x8x32xf32>) -> tensor<4x16x32xf32> {
  %taps = arith.constant dense<[0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]> : tensor<16xindex>
  %flat = tensor.collapse_shape %x [[0, 1, 2]] : tensor<4x8x32xf32> into tensor<1024xf32>
  %init = tensor.empty() : tensor<4x16x32xf32>
  %c256 = arith.constant 256 : index
  %c32 = arith.constant 32 : index
  %0 = linalg.generic {indexing_maps = [#rows, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%taps : tensor<16xindex>) outs(%init : tensor<4x16x32xf32>) {
  ^bb0(%tap: index, %out: f32):
    %c = linalg.index 0 : index
    %w = linalg.index 2 : index
    %0 = arith.muli %c, %c256 : index
    %1 = arith.muli %tap, %c32 : index
    %2 = arith.addi %0, %1 : index
    %3 = arith.addi %2, %w : index
    %v = tensor.extract %flat[%3] : tensor<1024xf32>
    linalg.yield %v : f32
  } -> tensor<4x16x32xf32>
  return %0 : tensor<4x16x32xf32>
}

// -----

// Along the columns, the taps vary across a tile's lanes: one gather per
// 32-lane tile, at offsets within the 1-D view.
// CHECK-LABEL: func @resize_columns
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK: vector.transfer_read {{.*}} : tensor<32xindex>, vector<32xindex>
// CHECK: %[[G:.*]] = vector.gather %{{.*}}[%c0] [%{{.*}}], %{{.*}}, %{{.*}} : tensor<1024xf32>, vector<32xindex>, vector<32xi1>, vector<32xf32> into vector<32xf32>
// CHECK: vector.transfer_write %[[G]]
// CHECK-NOT: tensor.extract %
#cols = affine_map<(d0, d1, d2) -> (d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @resize_columns(%x: tensor<4x8x32xf32>) -> tensor<4x8x64xf32> {
  %taps = arith.constant dense<[0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16, 16, 17, 17, 18, 18, 19, 19, 20, 20, 21, 21, 22, 22, 23, 23, 24, 24, 25, 25, 26, 26, 27, 27, 28, 28, 29, 29, 30, 30, 31, 31]> : tensor<64xindex>
  %flat = tensor.collapse_shape %x [[0, 1, 2]] : tensor<4x8x32xf32> into tensor<1024xf32>
  %init = tensor.empty() : tensor<4x8x64xf32>
  %c256 = arith.constant 256 : index
  %c32 = arith.constant 32 : index
  %0 = linalg.generic {indexing_maps = [#cols, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%taps : tensor<64xindex>) outs(%init : tensor<4x8x64xf32>) {
  ^bb0(%tap: index, %out: f32):
    %c = linalg.index 0 : index
    %h = linalg.index 1 : index
    %0 = arith.muli %c, %c256 : index
    %1 = arith.muli %h, %c32 : index
    %2 = arith.addi %0, %1 : index
    %3 = arith.addi %2, %tap : index
    %v = tensor.extract %flat[%3] : tensor<1024xf32>
    linalg.yield %v : f32
  } -> tensor<4x8x64xf32>
  return %0 : tensor<4x8x64xf32>
}
