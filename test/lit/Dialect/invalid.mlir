// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @broadcast_mismatch(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{operand shapes 'tensor<2x3xf32>' and 'tensor<4xf32>' are not broadcastable}}
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @wrong_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<3x3xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'kiln.mul' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x3xf32>'}}
  %0 = kiln.mul %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @conv_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{group 2 must divide input channels 3 and output channels 4}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_attrs(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects 2 strides and dilations and 4 pads, got 2, 2 and 2}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_kernel_too_big(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{kernel does not fit spatial dimension 0 of the padded input}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return %0 : tensor<1x4x1x1xf32>
}

// -----

func.func @pool_pads(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{padding must be smaller than the kernel}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

func.func @matmul_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{contracting dimensions differ: 3 vs 4}}
  %0 = kiln.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @gemm_c(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>, %c: tensor<3xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{does not broadcast to 2x5}}
  %0 = kiln.gemm %a, %b, %c {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<3xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error @+1 {{element count changes from 6 to 7}}
  %0 = kiln.reshape %a : (tensor<2x3xf32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @transpose_perm(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{perm is not a permutation}}
  %0 = kiln.transpose %a {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{inputs differ in dimension 1}}
  %0 = kiln.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @softmax_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = kiln.softmax %a {axis = 2 : i64} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @clip_bounds(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{min 6.000000e+00 exceeds max 0.000000e+00}}
  %0 = kiln.clip %a {min = 6.0 : f32, max = 0.0 : f32} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @batch_norm_params(%x: tensor<1x4x2x2xf32>, %p: tensor<3xf32>) -> tensor<1x4x2x2xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{parameters must be 1-D with 4 elements, got 'tensor<3xf32>'}}
  %0 = kiln.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<1x4x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

func.func @slice_bounds(%a: tensor<6x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{slice exceeds dimension 0 of 'tensor<6x4xf32>'}}
  %0 = kiln.slice %a {offsets = array<i64: 0, 0>, sizes = array<i64: 4, 4>, strides = array<i64: 2, 1>} : (tensor<6x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @unsupported_element(%a: tensor<2xf64>) -> tensor<2xf64> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = kiln.relu %a : tensor<2xf64>
  return %0 : tensor<2xf64>
}

// -----

func.func @reduce_axes(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{axes must be sorted, unique and in [0, 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.reduce_sum %x {axes = array<i64: 1, 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x4x3x3xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x2x5x5xf32> {
  // expected-error @+2 {{weight must have 4 input channels divisible by group 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv_transpose %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, group = 1 : i64} : (tensor<1x4x3x3xf32>, tensor<3x2x3x3xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}

// -----

func.func @resize_mode(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{unsupported mode 'area'}}
  %0 = kiln.resize %x {scales = array<f64: 1.0, 1.0, 2.0, 2.0>, mode = "area", coordinate_mode = "asymmetric", nearest_mode = "floor", cubic_coeff_a = -0.75 : f32, exclude_outside = false} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @halide_depthwise_kernel(%x: tensor<1x4x11x11xf32>, %w: tensor<4x1x7x7xf32>, %b: tensor<4xf32>, %o: tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32> {
  // expected-error @+1 {{'kiln.halide_depthwise' op kernel_size must be 3 or 5, got 7}}
  %0 = kiln.halide_depthwise %x, %w, %b into %o {activation = "none", kernel_size = 7 : i64, strides = array<i64: 1, 1>} : tensor<1x4x11x11xf32>, tensor<4x1x7x7xf32>, tensor<4xf32>, tensor<1x4x5x5xf32> -> tensor<1x4x5x5xf32>
  return %0 : tensor<1x4x5x5xf32>
}

// -----

func.func @halide_depthwise_strides(%x: tensor<1x4x10x10xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>, %o: tensor<1x4x3x8xf32>) -> tensor<1x4x3x8xf32> {
  // expected-error @+1 {{'kiln.halide_depthwise' op strides must be two values, each 1 or 2}}
  %0 = kiln.halide_depthwise %x, %w, %b into %o {activation = "none", kernel_size = 3 : i64, strides = array<i64: 3, 1>} : tensor<1x4x10x10xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<1x4x3x8xf32> -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @halide_depthwise_activation(%x: tensor<1x4x10x10xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>, %o: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{'kiln.halide_depthwise' op unknown activation 'gelu'}}
  %0 = kiln.halide_depthwise %x, %w, %b into %o {activation = "gelu", kernel_size = 3 : i64, strides = array<i64: 1, 1>} : tensor<1x4x10x10xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @halide_depthwise_unpadded(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>, %o: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{'kiln.halide_depthwise' op input is too small for the output: pad it first}}
  %0 = kiln.halide_depthwise %x, %w, %b into %o {activation = "none", kernel_size = 3 : i64, strides = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @halide_depthwise_weight(%x: tensor<1x4x10x10xf32>, %w: tensor<8x1x3x3xf32>, %b: tensor<4xf32>, %o: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{'kiln.halide_depthwise' op weight must be C x 1 x K x K}}
  %0 = kiln.halide_depthwise %x, %w, %b into %o {activation = "none", kernel_size = 3 : i64, strides = array<i64: 1, 1>} : tensor<1x4x10x10xf32>, tensor<8x1x3x3xf32>, tensor<4xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @halide_depthwise_result(%x: memref<1x4x10x10xf32>, %w: memref<4x1x3x3xf32>, %b: memref<4xf32>, %o: memref<1x4x8x8xf32>, %c: index) {
  // expected-error @+1 {{'kiln.halide_depthwise' op channel range needs a begin and an end}}
  kiln.halide_depthwise %x, %w, %b into %o channels(%c) {activation = "none", kernel_size = 3 : i64, strides = array<i64: 1, 1>} : memref<1x4x10x10xf32>, memref<4x1x3x3xf32>, memref<4xf32>, memref<1x4x8x8xf32>
  return
}

// -----

func.func @mod_float_needs_fmod(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.mod' op on floats needs fmod}}
  %0 = kiln.mod %a, %a {fmod = false} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @logical_on_floats(%a: tensor<4xf32>) -> tensor<4xi1> {
  // expected-error @+1 {{'kiln.and' op operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = kiln.and %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @cumsum_axis(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'kiln.cumsum' op axis 2 out of range for rank 2}}
  %0 = kiln.cumsum %x {axis = 2 : i64, exclusive = false, reverse = false} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @gather_elements_rank(%d: tensor<3x4xf32>, %i: tensor<4xi64>) -> tensor<4xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{indices must have the rank of data (2)}}
  %0 = kiln.gather_elements %d, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<4xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @gather_elements_larger(%d: tensor<3x4xf32>, %i: tensor<5x2xi64>) -> tensor<5x2xf32> {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{indices 'tensor<5x2xi64>' exceed data 'tensor<3x4xf32>' in dimension 0}}
  %0 = kiln.gather_elements %d, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<5x2xi64>) -> tensor<5x2xf32>
  return %0 : tensor<5x2xf32>
}

// -----

func.func @top_k_too_many(%x: tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{k 5 out of range [1, 4]}}
  %v, %i = kiln.top_k %x {axis = 1 : i64, k = 5 : i64, largest = true} : (tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>)
  return %v, %i : tensor<3x5xf32>, tensor<3x5xi64>
}

// -----

func.func @scatter_nd_updates(%d: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'kiln.scatter_nd' op updates must have shape [U, data dims q...]}}
  %0 = kiln.scatter_nd %d, %i, %u {reduction = "none"} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}
