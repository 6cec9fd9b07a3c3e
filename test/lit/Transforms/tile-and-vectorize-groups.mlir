// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize="rows=4 contraction-lanes=16 pair-intrinsic=llvm.x86.avx2.pmadd.wd pair-lanes=16" | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize="rows=4 contraction-lanes=16" | FileCheck %s --check-prefix=LANES
// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize="rows=4 contraction-lanes=16 quad-intrinsic=llvm.aarch64.neon.sdot.v4i32.v16i8 quad-lanes=16" | FileCheck %s --check-prefix=QUAD
// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize="rows=4 contraction-lanes=16 quad-intrinsic=llvm.x86.avx512.vpdpbusd.512 quad-lanes=64 quad-unsigned-input=true" | FileCheck %s --check-prefix=UQUAD
// RUN: kiln-opt %s -split-input-file -kiln-tile-and-vectorize="rows=4 contraction-lanes=16 quad-intrinsic=llvm.x86.avx2.pmadd.ub.sw quad-lanes=32 quad-unsigned-input=true quad-widen-intrinsic=llvm.x86.avx2.pmadd.wd" | FileCheck %s --check-prefix=WQUAD

// A channel-pair contraction (loops n, block, row, p, pair, j) over an
// input with each pair's values side by side: with a pair multiply-add,
// each step of the pair loop reads 16 lanes of pairs as one flat 32 x i16
// vector, widens nothing, reads the 4 rows' weight pairs as one vector of
// i32 and broadcasts each, and makes two calls per row, on accumulators
// held in registers across the pair loop. The last 4 columns are a partial
// tile: the same code on 8 lanes read past the end as zeros.
// CHECK-LABEL: func.func @pairs
// CHECK: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK-NOT: vector.interleave
// CHECK: vector.transfer_read {{.*}} : tensor<32xi16>, vector<32xi16>
// CHECK: vector.bitcast {{.*}} : vector<8xi16> to vector<4xi32>
// CHECK: vector.bitcast {{.*}} : vector<8xi32> to vector<16xi16>
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"({{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: scf.yield {{.*}} : vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>
// CHECK: scf.for {{.*}} -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
// CHECK: vector.transfer_read %{{.*}}[%{{.*}}], %{{.*}} : tensor<8xi16>, vector<16xi16>
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// Without one, the pairs are two steps of lane-by-lane multiplies.
// LANES-LABEL: func.func @pairs
// LANES-NOT: llvm.call_intrinsic
// LANES: arith.muli {{.*}} : vector<4x16xi32>
#x = affine_map<(n, b, r, p, c, j) -> (n, c, p, j)>
#w = affine_map<(n, b, r, p, c, j) -> (b, c, r, j)>
#acc = affine_map<(n, b, r, p, c, j) -> (n, b, r, p)>
func.func @pairs(%x: tensor<1x3x20x2xi16>, %w: tensor<2x3x4x2xi16>) -> tensor<1x2x4x20xi32> {
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<1x2x4x20xi32>
  %init = linalg.fill ins(%zero : i32) outs(%empty : tensor<1x2x4x20xi32>) -> tensor<1x2x4x20xi32>
  %y = linalg.generic {indexing_maps = [#x, #w, #acc],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x3x20x2xi16>, tensor<2x3x4x2xi16>) outs(%init : tensor<1x2x4x20xi32>)
      attrs = {kiln.group_reduction = 5 : i64} {
  ^bb0(%a: i16, %b: i16, %c: i32):
    %ea = arith.extsi %a : i16 to i32
    %eb = arith.extsi %b : i16 to i32
    %m = arith.muli %ea, %eb : i32
    %s = arith.addi %c, %m : i32
    linalg.yield %s : i32
  } -> tensor<1x2x4x20xi32>
  return %y : tensor<1x2x4x20xi32>
}

// -----

// Packed symmetric weights stay i8: a matmul's panel (the lane side)
// widens as it is loaded.
// CHECK-LABEL: func.func @narrow
// CHECK: vector.transfer_read {{.*}} : tensor<32xi8>, vector<32xi8>
// CHECK: arith.extsi {{.*}} : vector<32xi8> to vector<32xi16>
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
#xn = affine_map<(m, no, ni, c, j) -> (no, c, ni, j)>
#wn = affine_map<(m, no, ni, c, j) -> (m, c, j)>
#accn = affine_map<(m, no, ni, c, j) -> (m, no, ni)>
func.func @narrow(%b: tensor<2x3x16x2xi8>, %a: tensor<8x3x2xi16>) -> tensor<8x2x16xi32> {
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<8x2x16xi32>
  %init = linalg.fill ins(%zero : i32) outs(%empty : tensor<8x2x16xi32>) -> tensor<8x2x16xi32>
  %y = linalg.generic {indexing_maps = [#wn, #xn, #accn],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%a, %b : tensor<8x3x2xi16>, tensor<2x3x16x2xi8>) outs(%init : tensor<8x2x16xi32>)
      attrs = {kiln.group_reduction = 4 : i64} {
  ^bb0(%p: i16, %q: i8, %c: i32):
    %ep = arith.extsi %p : i16 to i32
    %eq = arith.extsi %q : i8 to i32
    %m = arith.muli %ep, %eq : i32
    %s = arith.addi %c, %m : i32
    linalg.yield %s : i32
  } -> tensor<8x2x16xi32>
  return %y : tensor<8x2x16xi32>
}

// -----

// A quad contraction (the pointwise conv's loops n, block, row, p, quad, j)
// on a dot product target: 16 bytes of quads per call, each row's four
// weight bytes one broadcast i32, and sdot adds into the accumulator
// itself, 4 lanes per call, 4 calls per row of 16 lanes. Pair intrinsics
// do not take it (their group is 2), nor does a target without quads.
// QUAD-LABEL: func.func @quads
// QUAD: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// QUAD: vector.transfer_read {{.*}} : tensor<64xi8>, vector<64xi8>
// QUAD: vector.bitcast {{.*}} : vector<16xi8> to vector<4xi32>
// QUAD: vector.bitcast {{.*}} : vector<4xi32> to vector<16xi8>
// QUAD-COUNT-4: llvm.call_intrinsic "llvm.aarch64.neon.sdot.v4i32.v16i8"({{.*}}) : (vector<4xi32>, vector<16xi8>, vector<16xi8>) -> vector<4xi32>
// QUAD-NOT: arith.addi {{.*}} : vector<4xi32>
// QUAD: scf.yield
// CHECK-LABEL: func.func @quads
// CHECK-NOT: llvm.call_intrinsic
#xq = affine_map<(n, b, r, p, c, j) -> (n, c, p, j)>
#wq = affine_map<(n, b, r, p, c, j) -> (b, c, r, j)>
#accq = affine_map<(n, b, r, p, c, j) -> (n, b, r, p)>
func.func @quads(%x: tensor<1x3x16x4xi8>, %w: tensor<2x3x4x4xi8>) -> tensor<1x2x4x16xi32> {
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<1x2x4x16xi32>
  %init = linalg.fill ins(%zero : i32) outs(%empty : tensor<1x2x4x16xi32>) -> tensor<1x2x4x16xi32>
  %y = linalg.generic {indexing_maps = [#xq, #wq, #accq],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x3x16x4xi8>, tensor<2x3x4x4xi8>) outs(%init : tensor<1x2x4x16xi32>)
      attrs = {kiln.group_reduction = 5 : i64} {
  ^bb0(%a: i8, %b: i8, %c: i32):
    %ea = arith.extsi %a : i8 to i32
    %eb = arith.extsi %b : i8 to i32
    %m = arith.muli %ea, %eb : i32
    %s = arith.addi %c, %m : i32
    linalg.yield %s : i32
  } -> tensor<1x2x4x16xi32>
  return %y : tensor<1x2x4x16xi32>
}

// -----

// The same tile with the input zero-extended (unsigned bytes against signed
// weights) on x86's vpdpbusd: 64 bytes of quads per call, one call per row
// of 16 lanes. sdot (signed on both sides) does not take it, and vpdpbusd
// does not take the signed tile above.
// UQUAD-LABEL: func.func @quads
// UQUAD-NOT: llvm.call_intrinsic
// UQUAD-LABEL: func.func @unsigned_quads
// UQUAD: vector.transfer_read {{.*}} : tensor<64xi8>, vector<64xi8>
// UQUAD: vector.bitcast {{.*}} : vector<16xi32> to vector<64xi8>
// UQUAD-COUNT-4: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"({{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// UQUAD: scf.yield
// QUAD-LABEL: func.func @unsigned_quads
// QUAD-NOT: llvm.call_intrinsic
// Without a dot product (x86 AVX2): pmaddubsw makes 16 pair sums of 32
// bytes, pmaddwd against ones adds them into 8 quad sums, and an add
// accumulates them: two calls of each per row of 16 lanes.
// WQUAD-LABEL: func.func @unsigned_quads
// WQUAD: %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// WQUAD: vector.transfer_read {{.*}} : tensor<64xi8>, vector<64xi8>
// WQUAD-COUNT-8: %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"({{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// WQUAD-NEXT: %[[S:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[P]], %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// WQUAD-NEXT: arith.addi %{{.*}}, %[[S]] : vector<8xi32>
// WQUAD: scf.yield
#xu = affine_map<(n, b, r, p, c, j) -> (n, c, p, j)>
#wu = affine_map<(n, b, r, p, c, j) -> (b, c, r, j)>
#accu = affine_map<(n, b, r, p, c, j) -> (n, b, r, p)>
func.func @unsigned_quads(%x: tensor<1x3x16x4xi8>, %w: tensor<2x3x4x4xi8>) -> tensor<1x2x4x16xi32> {
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<1x2x4x16xi32>
  %init = linalg.fill ins(%zero : i32) outs(%empty : tensor<1x2x4x16xi32>) -> tensor<1x2x4x16xi32>
  %y = linalg.generic {indexing_maps = [#xu, #wu, #accu],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x3x16x4xi8>, tensor<2x3x4x4xi8>) outs(%init : tensor<1x2x4x16xi32>)
      attrs = {kiln.group_reduction = 5 : i64} {
  ^bb0(%a: i8, %b: i8, %c: i32):
    %ea = arith.extui %a : i8 to i32
    %eb = arith.extsi %b : i8 to i32
    %m = arith.muli %ea, %eb : i32
    %s = arith.addi %c, %m : i32
    linalg.yield %s : i32
  } -> tensor<1x2x4x16xi32>
  return %y : tensor<1x2x4x16xi32>
}

// -----

// A matmul's quad tile: the activations (zero-extended) are the broadcast
// side, the packed weights the lane side, so vpdpbusd takes the broadcast
// first (its unsigned operand) and the weight bytes second.
// UQUAD-LABEL: func.func @unsigned_broadcast_quads
// UQUAD: vector.bitcast {{.*}} : vector<16xi32> to vector<64xi8>
// UQUAD: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[U:.*]], %[[S:.*]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// UQUAD-COUNT-3: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %{{.*}}, %[[S]])
#lm = affine_map<(m, n, k, j) -> (m, k, j)>
#rm = affine_map<(m, n, k, j) -> (k, n, j)>
#am = affine_map<(m, n, k, j) -> (m, n)>
func.func @unsigned_broadcast_quads(%a: tensor<4x3x4xi8>, %w: tensor<3x16x4xi8>, %init: tensor<4x16xi32>) -> tensor<4x16xi32> {
  %y = linalg.generic {indexing_maps = [#lm, #rm, #am],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%a, %w : tensor<4x3x4xi8>, tensor<3x16x4xi8>) outs(%init : tensor<4x16xi32>)
      attrs = {kiln.group_reduction = 3 : i64} {
  ^bb0(%x: i8, %v: i8, %c: i32):
    %ex = arith.extui %x : i8 to i32
    %ev = arith.extsi %v : i8 to i32
    %m = arith.muli %ex, %ev : i32
    %s = arith.addi %c, %m : i32
    linalg.yield %s : i32
  } -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}
