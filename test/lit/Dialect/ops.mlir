// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// Every op parses, verifies and prints back.

// CHECK-LABEL: func @graph
func.func @graph(%x: tensor<1x4x8x8xf32>, %m: tensor<2x3x4xf32>, %n: tensor<4x5xf32>) -> tensor<1x4x4x4xf32> {
  // CHECK: kiln.constant dense<1.000000e+00> : tensor<4x2x3x3xf32>
  %w = kiln.constant dense<1.0> : tensor<4x2x3x3xf32>
  // CHECK: kiln.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: kiln.relu
  %r = kiln.relu %c : tensor<1x4x8x8xf32>
  // CHECK: kiln.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
  %cl = kiln.clip %r {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4x8x8xf32>
  // CHECK: kiln.hard_sigmoid
  %hs = kiln.hard_sigmoid %cl {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<1x4x8x8xf32>
  // CHECK: kiln.sigmoid
  %sg = kiln.sigmoid %hs : tensor<1x4x8x8xf32>
  // CHECK: kiln.mul {{.*}} : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %s = kiln.constant dense<2.0> : tensor<4x1x1xf32>
  %mu = kiln.mul %sg, %s : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: kiln.max_pool
  %mp = kiln.max_pool %mu {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: kiln.average_pool
  %ap = kiln.average_pool %mp {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: kiln.global_average_pool
  %gp = kiln.global_average_pool %ap : (tensor<1x4x4x4xf32>) -> tensor<1x4x1x1xf32>
  // CHECK: kiln.batch_norm
  %p = kiln.constant dense<1.0> : tensor<4xf32>
  %bn = kiln.batch_norm %ap, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: kiln.matmul {{.*}} -> tensor<2x3x5xf32>
  %mm = kiln.matmul %m, %n : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  // CHECK: kiln.gemm {{.*}} -> tensor<3x5xf32>
  %a2 = kiln.reshape %m : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %a3 = kiln.slice %a2 {offsets = array<i64: 0, 0>, sizes = array<i64: 3, 4>, strides = array<i64: 2, 1>} : (tensor<6x4xf32>) -> tensor<3x4xf32>
  %g = kiln.gemm %a3, %n {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  // CHECK: kiln.softmax {{.*}} {axis = 1 : i64}
  %sm = kiln.softmax %g {axis = 1 : i64} : tensor<3x5xf32>
  // CHECK: kiln.transpose {{.*}} -> tensor<5x3xf32>
  %t = kiln.transpose %sm {perm = array<i64: 1, 0>} : (tensor<3x5xf32>) -> tensor<5x3xf32>
  // CHECK: kiln.concat {{.*}} -> tensor<10x3xf32>
  %cc = kiln.concat %t, %t {axis = 0 : i64} : (tensor<5x3xf32>, tensor<5x3xf32>) -> tensor<10x3xf32>
  // CHECK: kiln.max
  // CHECK: kiln.min
  %mx = kiln.max %bn, %p : (tensor<1x4x4x4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %mn = kiln.min %mx, %ap : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %sub = kiln.sub %mn, %bn : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %div = kiln.div %sub, %gp : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %add = kiln.add %div, %mp : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %add : tensor<1x4x4x4xf32>
}
