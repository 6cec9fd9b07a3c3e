// RUN: kiln-opt %s -kiln-lower-to-linalg -split-input-file | FileCheck %s

// Integer Mod takes the divisor's sign; a 0 or -1 divisor divides by 1, so
// no input can trap.
// CHECK-LABEL: func @mod_int
// CHECK: linalg.generic
// CHECK: arith.cmpi eq
// CHECK: arith.cmpi eq
// CHECK: arith.ori
// CHECK: arith.select
// CHECK: arith.remsi
// CHECK: arith.xori
// CHECK: arith.addi
// CHECK: arith.select
func.func @mod_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = kiln.mod %a, %b {fmod = false} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// With fmod the remainder keeps the dividend's sign: no adjustment.
// CHECK-LABEL: func @mod_fmod_int
// CHECK: arith.remsi
// CHECK-NOT: arith.addi
// CHECK: linalg.yield
func.func @mod_fmod_int(%a: tensor<4xi64>, %b: tensor<1xi64>) -> tensor<4xi64> {
  %0 = kiln.mod %a, %b {fmod = true} : (tensor<4xi64>, tensor<1xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// CHECK-LABEL: func @mod_float
// CHECK: arith.remf
func.func @mod_float(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.mod %a, %b {fmod = true} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @logical
// CHECK: arith.andi
// CHECK: arith.ori
// CHECK: arith.xori
// CHECK: arith.constant true
// CHECK: arith.xori
func.func @logical(%a: tensor<2x3xi1>, %b: tensor<3xi1>) -> tensor<2x3xi1> {
  %0 = kiln.and %a, %b : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  %1 = kiln.or %0, %b : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  %2 = kiln.xor %1, %a : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  %3 = kiln.not %2 : tensor<2x3xi1>
  return %3 : tensor<2x3xi1>
}

// -----

// Round is ties-to-even; Sign keeps zeros and NaNs.
// CHECK-LABEL: func @round_sign
// CHECK: math.roundeven
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf olt
// CHECK: arith.constant -1.000000e+00
// CHECK: arith.select
// CHECK: arith.select
func.func @round_sign(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = kiln.round %x : tensor<5xf32>
  %1 = kiln.sign %0 : tensor<5xf32>
  return %1 : tensor<5xf32>
}

// -----

// CHECK-LABEL: func @reduce_min_prod
// CHECK: arith.constant 0x7F800000 : f32
// CHECK: arith.minimumf
// CHECK: arith.constant 1.000000e+00 : f32
// CHECK: arith.mulf
func.func @reduce_min_prod(%x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<3xf32>) {
  %0 = kiln.reduce_min %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  %1 = kiln.reduce_prod %x {axes = array<i64: 0>, keepdims = false} : (tensor<2x3xf32>) -> tensor<3xf32>
  return %0, %1 : tensor<2xf32>, tensor<3xf32>
}

// -----

// CumSum adds a reduction loop over the axis (d3 here) and takes element j
// into position i when j <= i.
// CHECK: #[[IN:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK: #[[OUT:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @cumsum
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: %[[I:.+]] = linalg.index 1
// CHECK: %[[J:.+]] = linalg.index 3
// CHECK: arith.cmpi sle, %[[J]], %[[I]]
// CHECK: arith.addf
func.func @cumsum(%x: tensor<2x5x3xf32>) -> tensor<2x5x3xf32> {
  %0 = kiln.cumsum %x {axis = 1 : i64, exclusive = false, reverse = false} : tensor<2x5x3xf32>
  return %0 : tensor<2x5x3xf32>
}

// -----

// Exclusive and reverse: j > i, in integers.
// CHECK-LABEL: func @cumsum_reverse_exclusive
// CHECK: arith.cmpi sgt
// CHECK: arith.addi
func.func @cumsum_reverse_exclusive(%x: tensor<6xi64>) -> tensor<6xi64> {
  %0 = kiln.cumsum %x {axis = 0 : i64, exclusive = true, reverse = true} : tensor<6xi64>
  return %0 : tensor<6xi64>
}

// -----

// GatherElements reads data at the clamped index on the axis and at the
// result's own position elsewhere.
// CHECK-LABEL: func @gather_elements
// CHECK: linalg.generic
// CHECK: %[[D0:.+]] = linalg.index 0
// CHECK: arith.index_cast
// CHECK: arith.maxsi
// CHECK: %[[I:.+]] = arith.minsi
// CHECK: tensor.extract %{{.*}}[%[[D0]], %[[I]]] : tensor<3x4xf32>
func.func @gather_elements(%data: tensor<3x4xf32>, %idx: tensor<2x2xi64>) -> tensor<2x2xf32> {
  %0 = kiln.gather_elements %data, %idx {axis = 1 : i64} : (tensor<3x4xf32>, tensor<2x2xi64>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// TopK ranks each element by how many beat it (larger, or equal at a lower
// index), then position r takes the element of rank r.
// CHECK-LABEL: func @top_k
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpi ult
// CHECK: arith.extui
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: arith.select
// CHECK: -> (tensor<3x2xf32>, tensor<3x2xi64>)
func.func @top_k(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %v, %i = kiln.top_k %x {axis = 1 : i64, k = 2 : i64, largest = true} : (tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// CHECK-LABEL: func @top_k_smallest
// CHECK: arith.cmpf olt
func.func @top_k_smallest(%x: tensor<5xf32>) -> (tensor<3xf32>, tensor<3xi64>) {
  %v, %i = kiln.top_k %x {axis = 0 : i64, k = 3 : i64, largest = false} : (tensor<5xf32>) -> (tensor<3xf32>, tensor<3xi64>)
  return %v, %i : tensor<3xf32>, tensor<3xi64>
}

// -----

// ScatterND starts from data and, in a reduction loop over the index rows
// (d2), combines the update wherever a row names the position.
// CHECK: #[[UPD:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @scatter_nd_add
// CHECK: linalg.generic {indexing_maps = [#[[UPD]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<2x3xf32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: %[[ROW:.+]] = linalg.index 2
// CHECK: tensor.extract %{{.*}}[%[[ROW]], %{{.*}}] : tensor<2x1xi64>
// CHECK: arith.cmpi eq
// CHECK: arith.andi
// CHECK: arith.addf
// CHECK: arith.select
func.func @scatter_nd_add(%data: tensor<4x3xf32>, %idx: tensor<2x1xi64>, %upd: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %0 = kiln.scatter_nd %data, %idx, %upd {reduction = "add"} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}
