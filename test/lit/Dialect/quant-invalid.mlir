// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @quantize_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{cannot change the shape}}
  %q = kiln.quantize %x : (tensor<4xf32>) -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @per_axis_count(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{has 2 scales for dimension 1 of size 3}}
  %q = kiln.quantize %x : (tensor<1x3xf32>) -> tensor<1x3x!quant.uniform<i8:f32:1, {0.5,0.25}>>
  return
}

// -----

func.func @per_axis_rank(%x: tensor<3xf32>) {
  // expected-error @+1 {{quantized dimension 1 is out of range for rank 1}}
  %q = kiln.quantize %x : (tensor<3xf32>) -> tensor<3x!quant.uniform<i8:f32:1, {0.5,0.25,0.1}>>
  return
}

// -----

func.func @storage_signedness(%x: tensor<4xui8>) {
  // expected-error @+1 {{storage 'ui8' does not hold}}
  %q = kiln.storage_cast %x : (tensor<4xui8>) -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @storage_width(%x: tensor<4xi32>) {
  // expected-error @+1 {{storage 'i32' does not hold}}
  %q = kiln.storage_cast %x : (tensor<4xi32>) -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @storage_both_integer(%x: tensor<4xi8>) {
  // expected-error @+1 {{casts between a quantized type and its storage}}
  %q = kiln.storage_cast %x : (tensor<4xi8>) -> tensor<4xui8>
  return
}

// -----

func.func @qconv_input_per_axis(%x: tensor<1x2x4x4x!quant.uniform<i8:f32:1, {0.5,0.5}>>,
                                %w: tensor<2x2x1x1x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{input may not be quantized per axis 1}}
  %y = kiln.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x2x4x4x!quant.uniform<i8:f32:1, {0.5,0.5}>>, tensor<2x2x1x1x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x2x4x4xi32>
  return
}

// -----

func.func @qconv_shape(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.5>>,
                       %w: tensor<2x2x3x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{result shape should be [1x2x2x2]}}
  %y = kiln.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x2x4x4x!quant.uniform<i8:f32, 0.5>>, tensor<2x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x2x4x4xi32>
  return
}

// -----

func.func @qconv_bias(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.5>>,
                      %w: tensor<2x2x1x1x!quant.uniform<i8:f32, 0.5>>, %b: tensor<3xi32>) {
  // expected-error @+1 {{bias must have 2 elements}}
  %y = kiln.qconv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x2x4x4x!quant.uniform<i8:f32, 0.5>>, tensor<2x2x1x1x!quant.uniform<i8:f32, 0.5>>, tensor<3xi32>) -> tensor<1x2x4x4xi32>
  return
}

// -----

func.func @qconv_clamped_accumulator(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.5>>,
                                     %w: tensor<2x2x1x1x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{an i32 accumulator result cannot be clamped}}
  %y = kiln.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, clamp_min = 0.0 : f32}
      : (tensor<1x2x4x4x!quant.uniform<i8:f32, 0.5>>, tensor<2x2x1x1x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x2x4x4xi32>
  return
}

// -----

func.func @qmatmul_rhs_axis(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5>>,
                            %b: tensor<4x3x!quant.uniform<i8:f32:0, {0.5,0.5,0.5,0.5}>>) {
  // expected-error @+1 {{rhs may not be quantized per axis 0}}
  %y = kiln.qmatmul %a, %b : (tensor<2x4x!quant.uniform<i8:f32, 0.5>>, tensor<4x3x!quant.uniform<i8:f32:0, {0.5,0.5,0.5,0.5}>>) -> tensor<2x3xi32>
  return
}

// -----

func.func @qmatmul_per_axis_result(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5>>,
                                   %b: tensor<4x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{result must be 8-bit quantized per tensor or i32}}
  %y = kiln.qmatmul %a, %b : (tensor<2x4x!quant.uniform<i8:f32, 0.5>>, tensor<4x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x3x!quant.uniform<i8:f32:1, {0.5,0.5,0.5}>>
  return
}
