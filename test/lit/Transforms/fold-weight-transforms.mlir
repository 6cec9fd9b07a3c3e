// RUN: kiln-opt %s -kiln-fold-weight-transforms -canonicalize -split-input-file | FileCheck %s
// RUN: kiln-opt %s -kiln-fold-weight-transforms=slack-elements=0 -canonicalize -split-input-file | FileCheck %s --check-prefix=NOSLACK

// A filter padded into a zero border (a stride-2 conv's phases) becomes one
// constant; the conv keeps reading the input.
// CHECK-LABEL: func @padded_filter
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00, 0.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00, 0.000000e+00]]> : tensor<2x4xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK: linalg.generic {{.*}} ins(%arg0, %[[W]] :
func.func @padded_filter(%x: tensor<4xf32>) -> tensor<2xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %border = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %padded = tensor.insert_slice %w into %border[0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x4xf32>
  %acc0 = tensor.empty() : tensor<2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<2xf32>) -> tensor<2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(o, k) -> (k)>, affine_map<(o, k) -> (o, k)>, affine_map<(o, k) -> (o)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x, %padded : tensor<4xf32>, tensor<2x4xf32>) outs(%acc : tensor<2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// A transpose, a reshape and arithmetic on two weights (a scale folded into
// a filter): f32 as the kernel would compute it.
// CHECK-LABEL: func @transposed_scaled
// CHECK: %[[C:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 1.600000e+01], [4.000000e+00, 2.000000e+01], [6.000000e+00, 2.400000e+01]]> : tensor<3x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @transposed_scaled() -> tensor<3x2xf32> {
  %w = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<6xf32>
  %s = arith.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %r = tensor.expand_shape %w [[0, 1]] output_shape [2, 3] : tensor<6xf32> into tensor<2x3xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%r, %s : tensor<2x3xf32>, tensor<2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<3x2xf32>
  return %t : tensor<3x2xf32>
}

// -----

// A bias broadcast over an image would store far more than the bias: it
// stays a loop. So does a chain that reads the input, or one whose body has
// an op the evaluator does not know.
// CHECK-LABEL: func @stays
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK: arith.addf
// NOSLACK-LABEL: func @stays
// NOSLACK-COUNT-3: linalg.generic
func.func @stays(%x: tensor<4xf32>) -> (tensor<4x2048xf32>, tensor<4xf32>, tensor<4xf32>) {
  %b = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<4x2048xf32>
  %wide = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
                          iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<4xf32>) outs(%e : tensor<4x2048xf32>) {
  ^bb0(%a: f32, %c: f32):
    linalg.yield %a : f32
  } -> tensor<4x2048xf32>
  %e4 = tensor.empty() : tensor<4xf32>
  %exp = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                         iterator_types = ["parallel"]}
      ins(%b : tensor<4xf32>) outs(%e4 : tensor<4xf32>) {
  ^bb0(%a: f32, %c: f32):
    %v = math.exp %a : f32
    linalg.yield %v : f32
  } -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                         iterator_types = ["parallel"]}
      ins(%b, %x : tensor<4xf32>, tensor<4xf32>) outs(%e4 : tensor<4xf32>) {
  ^bb0(%a: f32, %y: f32, %c: f32):
    %v = arith.addf %a, %y : f32
    linalg.yield %v : f32
  } -> tensor<4xf32>
  return %wide, %exp, %sum : tensor<4x2048xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A reshape of a weight alone is a view, not worth a second copy.
// CHECK-LABEL: func @view_only
// CHECK: tensor.collapse_shape
func.func @view_only() -> tensor<4xf32> {
  %w = arith.constant dense_resource<w> : tensor<2x2xf32>
  %c = tensor.collapse_shape %w [[0, 1]] : tensor<2x2xf32> into tensor<4xf32>
  return %c : tensor<4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F000000400000404000008040"
    }
  }
#-}
