// RUN: kiln-opt %s -kiln-lower-to-linalg | FileCheck %s
// Quantized tensors become their i8 storage; scales and zero points become
// constants; uint8 signatures become signless.

// CHECK-LABEL: func.func @quantize_u8
// CHECK-SAME: (%{{.*}}: tensor<4xf32>) -> tensor<4xi8>
// CHECK: arith.divf
// CHECK-NEXT: math.roundeven
// CHECK-NEXT: arith.addf
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
// CHECK: arith.fptosi
// CHECK-NEXT: arith.trunci {{.*}} : i32 to i8
func.func @quantize_u8(%x: tensor<4xf32>) -> tensor<4xui8> {
  %q = kiln.quantize %x : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 0.5:128>>
  %s = kiln.storage_cast %q : (tensor<4x!quant.uniform<u8:f32, 0.5:128>>) -> tensor<4xui8>
  return %s : tensor<4xui8>
}

// CHECK-LABEL: func.func @dequantize_per_axis
// CHECK-SAME: (%{{.*}}: tensor<2x3xi8>) -> tensor<2x3xf32>
// CHECK-DAG: arith.constant dense<[2.500000e-01, 5.000000e-01, 1.000000e+00]> : tensor<3xf32>
// CHECK-DAG: arith.constant dense<[0, 1, -1]> : tensor<3xi32>
// CHECK: arith.extsi {{.*}} : i8 to i32
// CHECK-NEXT: arith.subi
// CHECK-NEXT: arith.sitofp
// CHECK-NEXT: arith.mulf
func.func @dequantize_per_axis(%x: tensor<2x3xi8>) -> tensor<2x3xf32> {
  %q = kiln.storage_cast %x : (tensor<2x3xi8>) -> tensor<2x3x!quant.uniform<i8:f32:1, {0.25:0,0.5:1,1.0:-1}>>
  %f = kiln.dequantize %q : (tensor<2x3x!quant.uniform<i8:f32:1, {0.25:0,0.5:1,1.0:-1}>>) -> tensor<2x3xf32>
  return %f : tensor<2x3xf32>
}

// The uint8 input is centered in i16; the symmetric int8 weights stay i8;
// the i32 accumulator starts from the bias; the epilogue rescales per
// channel (an i32 multiplier and an i8 shift; 2^63 + half - 1 and zero
// point - 2^(63 - shift) derive from the shift: logical shifts on the
// product biased by 2^63) and clamps at the zero
// point (ReLU), in i64 since the bias, an argument, has no bound.
// CHECK-LABEL: func.func @qconv
// CHECK-SAME: (%{{.*}}: tensor<1x2x4x4xi8>, %{{.*}}: tensor<3xi32>) -> tensor<1x3x4x4xi8>
// CHECK: arith.extui {{.*}} : i8 to i16
// CHECK-NEXT: arith.subi
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x2x4x4xi16>, tensor<1x3x2x1x1xi8>) outs(%{{.*}} : tensor<1x1x3x4x4xi32>)
// CHECK: arith.muli {{.*}} : i32
// CHECK-NEXT: arith.addi {{.*}} : i32
// CHECK-DAG: arith.constant dense<{{\[\[\[}}1374389535]], {{\[\[}}1374389535]], {{\[\[}}2061584302]]]> : tensor<3x1x1xi32>
// CHECK-DAG: arith.constant dense<{{\[\[\[}}35]], {{\[\[}}34]], {{\[\[}}34]]]> : tensor<3x1x1xi8>
// CHECK-NOT: tensor<3x1x1xi64>
// CHECK: arith.extsi {{.*}} : i32 to i64
// CHECK-NEXT: %[[S:.*]] = arith.extsi {{.*}} : i8 to i64
// CHECK: %[[BIT:.*]] = arith.shli %c1_i64, %{{.*}} : i64
// CHECK: %[[HALF:.*]] = arith.addi %[[BIT]], %c9223372036854775807_i64
// CHECK: %[[TOP:.*]] = arith.shli %c1_i64, %{{.*}} : i64
// CHECK: %[[OFFSET:.*]] = arith.subi %c-10_i64, %[[TOP]]
// CHECK: arith.extsi {{.*}} : i32 to i64
// CHECK-NEXT: %[[P:.*]] = arith.muli
// CHECK: %[[ODD:.*]] = arith.andi
// CHECK-NEXT: %[[X:.*]] = arith.addi %[[P]], %[[HALF]]
// CHECK-NEXT: %[[Y:.*]] = arith.addi %[[X]], %[[ODD]]
// CHECK-NEXT: %[[Q:.*]] = arith.shrui %[[Y]], %[[S]]
// CHECK-NEXT: arith.addi %[[Q]], %[[OFFSET]]
// CHECK: arith.maxsi %{{.*}}, %c-10_i64
// CHECK: arith.minsi %{{.*}}, %c127_i64
// CHECK: arith.trunci {{.*}} : i64 to i8
func.func @qconv(%x: tensor<1x2x4x4xui8>, %b: tensor<3xi32>) -> tensor<1x3x4x4xi8> {
  %xq = kiln.storage_cast %x : (tensor<1x2x4x4xui8>) -> tensor<1x2x4x4x!quant.uniform<u8:f32, 0.02:128>>
  %wc = kiln.constant dense<[[[[1]], [[-2]]], [[[3]], [[4]]], [[[-5]], [[6]]]]> : tensor<3x2x1x1xi8>
  %w = kiln.storage_cast %wc : (tensor<3x2x1x1xi8>) -> tensor<3x2x1x1x!quant.uniform<i8:f32:0, {0.1,0.2,0.3}>>
  %y = kiln.qconv %xq, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, clamp_min = 0.0 : f32}
      : (tensor<1x2x4x4x!quant.uniform<u8:f32, 0.02:128>>, tensor<3x2x1x1x!quant.uniform<i8:f32:0, {0.1,0.2,0.3}>>, tensor<3xi32>) -> tensor<1x3x4x4x!quant.uniform<i8:f32, 0.05:-10>>
  %s = kiln.storage_cast %y : (tensor<1x3x4x4x!quant.uniform<i8:f32, 0.05:-10>>) -> tensor<1x3x4x4xi8>
  return %s : tensor<1x3x4x4xi8>
}

// An i32 result is the accumulator itself; asymmetric constant weights are
// centered at compile time.
// CHECK-LABEL: func.func @matmul_integer
// CHECK: arith.constant dense<{{\[\[}}-2, -1], [0, 1]]> : tensor<2x2xi16>
// CHECK: linalg.generic
// CHECK-NOT: arith.shrsi
// CHECK: return %{{.*}} : tensor<3x2xi32>
func.func @matmul_integer(%a: tensor<3x2xui8>) -> tensor<3x2xi32> {
  %aq = kiln.storage_cast %a : (tensor<3x2xui8>) -> tensor<3x2x!quant.uniform<u8:f32, 1.0:5>>
  %bc = kiln.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %b = kiln.storage_cast %bc : (tensor<2x2xi8>) -> tensor<2x2x!quant.uniform<u8:f32, 1.0:3>>
  %y = kiln.qmatmul %aq, %b : (tensor<3x2x!quant.uniform<u8:f32, 1.0:5>>, tensor<2x2x!quant.uniform<u8:f32, 1.0:3>>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// A 1x1 qconv marked for packing takes its input channels in pairs: the odd
// third channel is padded with a centered zero, the weights are packed as
// M/R x C/2 x R x 2 (i8: symmetric int8 weights stay one byte; zero for
// the padding), the input is copied with
// each pair's channels side by side, and the contraction's last loop is the
// pair.
// CHECK-LABEL: func.func @qconv_pairs
// CHECK: tensor.pad %{{.*}} low[0, 0, 0] high[0, 1, 0]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] output_shape [1, 2, 2, 4]
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x2x2x4xi16>) outs(%{{.*}} : tensor<1x2x4x2xi16>)
// CHECK: arith.constant dense<{{\[\[\[\[}}1, -2], [4, 5]], {{\[\[}}3, 0], [6, 0]]], {{\[\[\[}}7, 8], [-10, 11]], {{\[\[}}9, 0], [12, 0]]]]> : tensor<2x2x2x2xi8>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x2x4x2xi16>, tensor<2x2x2x2xi8>) outs(%{{.*}} : tensor<1x2x2x4xi32>)
// CHECK-SAME: kiln.group_reduction = 5 : i64
// Constant weights and no bias bound the accumulator: the clamp is in i32.
// CHECK: arith.shrui
// CHECK: arith.trunci {{.*}} : i64 to i32
// CHECK: arith.maxsi {{.*}} : i32
// CHECK: arith.minsi {{.*}} : i32
// CHECK-NEXT: arith.trunci {{.*}} : i32 to i8
func.func @qconv_pairs(%x: tensor<1x3x2x2xui8>) -> tensor<1x4x2x2xi8> {
  %xq = kiln.storage_cast %x : (tensor<1x3x2x2xui8>) -> tensor<1x3x2x2x!quant.uniform<u8:f32, 0.02:128>>
  %wc = kiln.constant dense<[[[[1]], [[-2]], [[3]]], [[[4]], [[5]], [[6]]], [[[7]], [[8]], [[9]]], [[[-10]], [[11]], [[12]]]]> : tensor<4x3x1x1xi8>
  %w = kiln.storage_cast %wc : (tensor<4x3x1x1xi8>) -> tensor<4x3x1x1x!quant.uniform<i8:f32, 0.1>>
  %y = kiln.qconv %xq, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, kiln.pack_tile = array<i64: 2, 16>}
      : (tensor<1x3x2x2x!quant.uniform<u8:f32, 0.02:128>>, tensor<4x3x1x1x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>
  %s = kiln.storage_cast %y : (tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>) -> tensor<1x4x2x2xi8>
  return %s : tensor<1x4x2x2xi8>
}

// A qmatmul over a constant: k in pairs (odd K = 3 padded), the rhs packed
// in panels of 16 columns, N = 20 padded to two panels and sliced back.
// CHECK-LABEL: func.func @qmatmul_pairs
// CHECK: tensor.pad %{{.*}} low[0, 0] high[0, 1]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [2, 2, 2]
// CHECK: arith.constant {{.*}} : tensor<2x2x16x2xi8>
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<2x2x2xi16>, tensor<2x2x16x2xi8>) outs(%{{.*}} : tensor<2x2x16xi32>)
// CHECK-SAME: kiln.group_reduction = 4 : i64
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [2, 20] [1, 1] : tensor<2x32xi32> to tensor<2x20xi32>
func.func @qmatmul_pairs(%a: tensor<2x3xi8>) -> tensor<2x20xi8> {
  %aq = kiln.storage_cast %a : (tensor<2x3xi8>) -> tensor<2x3x!quant.uniform<i8:f32, 0.02:3>>
  %bc = kiln.constant dense<1> : tensor<3x20xi8>
  %b = kiln.storage_cast %bc : (tensor<3x20xi8>) -> tensor<3x20x!quant.uniform<i8:f32, 0.1>>
  %y = kiln.qmatmul %aq, %b {kiln.pack_tile = array<i64: 4, 16>}
      : (tensor<2x3x!quant.uniform<i8:f32, 0.02:3>>, tensor<3x20x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x20x!quant.uniform<i8:f32, 0.05>>
  %s = kiln.storage_cast %y : (tensor<2x20x!quant.uniform<i8:f32, 0.05>>) -> tensor<2x20xi8>
  return %s : tensor<2x20xi8>
}

// A 3x3 qconv marked for quads (a dot product target): the uint8 input
// stays bytes, its top bit flipped (x - 128, so the zero point 100 becomes
// -28), the padding holds that zero point, channels come in groups of 4 (the
// third padded with zero), weights pack as M/R x C/4 x KH x KW x R x 4
// bytes, and the bias (none) becomes 28 x each filter's weight sum (27).
// CHECK-LABEL: func.func @qconv_quads
// CHECK-NOT: i16
// CHECK: arith.constant dense<756> : tensor<4xi32>
// CHECK: linalg.fill ins(%c-28_i8 : i8)
// CHECK: arith.xori %{{.*}}, %{{.*}} : i8
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 3, 2, 2] [1, 1, 1, 1] : tensor<1x3x2x2xi8> into tensor<1x3x4x4xi8>
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 1, 0, 0]
// CHECK-NOT: i16
// CHECK: arith.constant {{.*}} : tensor<2x1x3x3x2x4xi8>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x4x4x4xi8>, tensor<2x1x3x3x2x4xi8>) outs(%{{.*}} : tensor<1x2x2x2x2xi32>)
// CHECK-SAME: kiln.group_reduction = 8 : i64
func.func @qconv_quads(%x: tensor<1x3x2x2xui8>) -> tensor<1x4x2x2xi8> {
  %xq = kiln.storage_cast %x : (tensor<1x3x2x2xui8>) -> tensor<1x3x2x2x!quant.uniform<u8:f32, 0.02:100>>
  %wc = kiln.constant dense<1> : tensor<4x3x3x3xi8>
  %w = kiln.storage_cast %wc : (tensor<4x3x3x3xi8>) -> tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>
  %y = kiln.qconv %xq, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, kiln.pack_tile = array<i64: 2, 16>, kiln.channel_group = 4 : i64}
      : (tensor<1x3x2x2x!quant.uniform<u8:f32, 0.02:100>>, tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>
  %s = kiln.storage_cast %y : (tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>) -> tensor<1x4x2x2xi8>
  return %s : tensor<1x4x2x2xi8>
}

// A signed input with zero point 3 over quads: the bias (here none) becomes
// -3 x each column's weight sum (a constant of its own), K = 3 pads to one
// quad.
// CHECK-LABEL: func.func @qmatmul_quads
// CHECK-NOT: arith.xori
// CHECK: arith.constant dense_resource<quad_bias> : tensor<20xi32>
// CHECK: tensor.pad %{{.*}} low[0, 0] high[0, 1]
// CHECK: arith.constant {{.*}} : tensor<2x1x16x4xi8>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x1x4xi8>, tensor<2x1x16x4xi8>) outs(%{{.*}} : tensor<2x2x16xi32>)
// CHECK-SAME: kiln.group_reduction = 4 : i64
func.func @qmatmul_quads(%a: tensor<2x3xi8>) -> tensor<2x20xi8> {
  %aq = kiln.storage_cast %a : (tensor<2x3xi8>) -> tensor<2x3x!quant.uniform<i8:f32, 0.02:3>>
  %bc = kiln.constant dense<1> : tensor<3x20xi8>
  %b = kiln.storage_cast %bc : (tensor<3x20xi8>) -> tensor<3x20x!quant.uniform<i8:f32, 0.1>>
  %y = kiln.qmatmul %aq, %b {kiln.pack_tile = array<i64: 4, 16>, kiln.channel_group = 4 : i64}
      : (tensor<2x3x!quant.uniform<i8:f32, 0.02:3>>, tensor<3x20x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x20x!quant.uniform<i8:f32, 0.05>>
  %s = kiln.storage_cast %y : (tensor<2x20x!quant.uniform<i8:f32, 0.05>>) -> tensor<2x20xi8>
  return %s : tensor<2x20xi8>
}

// Weights whose centered values leave a byte (uint8, zero point 131) keep
// the pair form.
// CHECK-LABEL: func.func @qmatmul_quads_wide_weights
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x2x2xi16>, tensor<2x2x16x2xi16>)
// CHECK-SAME: kiln.group_reduction = 4 : i64
func.func @qmatmul_quads_wide_weights(%a: tensor<2x3xi8>) -> tensor<2x20xi8> {
  %aq = kiln.storage_cast %a : (tensor<2x3xi8>) -> tensor<2x3x!quant.uniform<i8:f32, 0.02:3>>
  %bc = kiln.constant dense<1> : tensor<3x20xi8>
  %b = kiln.storage_cast %bc : (tensor<3x20xi8>) -> tensor<3x20x!quant.uniform<u8:f32, 0.1:131>>
  %y = kiln.qmatmul %aq, %b {kiln.pack_tile = array<i64: 4, 16>, kiln.channel_group = 4 : i64}
      : (tensor<2x3x!quant.uniform<i8:f32, 0.02:3>>, tensor<3x20x!quant.uniform<u8:f32, 0.1:131>>) -> tensor<2x20x!quant.uniform<i8:f32, 0.05>>
  %s = kiln.storage_cast %y : (tensor<2x20x!quant.uniform<i8:f32, 0.05>>) -> tensor<2x20xi8>
  return %s : tensor<2x20xi8>
}

// The same 3x3 qconv for a dot product that reads unsigned input bytes
// (x86 vpdpbusd, kiln.unsigned_quads): the uint8 input stays as it is (no
// flip), the padding holds the zero point 100, the bias (none) becomes
// -100 x each filter's weight sum (27), and the contraction zero-extends
// the input and sign-extends the weights.
// CHECK-LABEL: func.func @qconv_unsigned_quads
// CHECK-NOT: arith.xori
// CHECK: arith.constant dense<-2700> : tensor<4xi32>
// CHECK: linalg.fill ins(%c100_i8 : i8)
// CHECK: arith.constant {{.*}} : tensor<2x1x3x3x2x4xi8>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x4x4x4xi8>, tensor<2x1x3x3x2x4xi8>) outs(%{{.*}} : tensor<1x2x2x2x2xi32>)
// CHECK-SAME: kiln.group_reduction = 8 : i64
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.extsi %{{.*}} : i8 to i32
func.func @qconv_unsigned_quads(%x: tensor<1x3x2x2xui8>) -> tensor<1x4x2x2xi8> {
  %xq = kiln.storage_cast %x : (tensor<1x3x2x2xui8>) -> tensor<1x3x2x2x!quant.uniform<u8:f32, 0.02:100>>
  %wc = kiln.constant dense<1> : tensor<4x3x3x3xi8>
  %w = kiln.storage_cast %wc : (tensor<4x3x3x3xi8>) -> tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>
  %y = kiln.qconv %xq, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, kiln.pack_tile = array<i64: 2, 16>, kiln.channel_group = 4 : i64, kiln.unsigned_quads}
      : (tensor<1x3x2x2x!quant.uniform<u8:f32, 0.02:100>>, tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>
  %s = kiln.storage_cast %y : (tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>) -> tensor<1x4x2x2xi8>
  return %s : tensor<1x4x2x2xi8>
}

// A signed input with zero point -128 read as unsigned bytes: the top bit
// flips (x + 128), the zero point becomes 0, so the bias stays as given.
// CHECK-LABEL: func.func @qmatmul_unsigned_quads
// CHECK-NOT: quad_bias
// CHECK: arith.xori %{{.*}}, %{{.*}} : i8
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x1x4xi8>, tensor<2x1x16x4xi8>) outs(%{{.*}} : tensor<2x2x16xi32>)
// CHECK: arith.extui %{{.*}} : i8 to i32
func.func @qmatmul_unsigned_quads(%a: tensor<2x3xi8>) -> tensor<2x20xi8> {
  %aq = kiln.storage_cast %a : (tensor<2x3xi8>) -> tensor<2x3x!quant.uniform<i8:f32, 0.02:-128>>
  %bc = kiln.constant dense<1> : tensor<3x20xi8>
  %b = kiln.storage_cast %bc : (tensor<3x20xi8>) -> tensor<3x20x!quant.uniform<i8:f32, 0.1>>
  %y = kiln.qmatmul %aq, %b {kiln.pack_tile = array<i64: 4, 16>, kiln.channel_group = 4 : i64, kiln.unsigned_quads}
      : (tensor<2x3x!quant.uniform<i8:f32, 0.02:-128>>, tensor<3x20x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x20x!quant.uniform<i8:f32, 0.05>>
  %s = kiln.storage_cast %y : (tensor<2x20x!quant.uniform<i8:f32, 0.05>>) -> tensor<2x20xi8>
  return %s : tensor<2x20xi8>
}

// A dot product whose pair sums saturate (x86 pmaddubsw, kiln.quad_max_weight
// 64): weights within [-64, 64] go to quads of bytes; one weight outside
// (-65) sends the whole conv to i16 pairs, which cannot saturate.
// CHECK-LABEL: func.func @qconv_saturating_quads
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x4x4x4xi8>, tensor<2x1x3x3x2x4xi8>) outs(%{{.*}} : tensor<1x2x2x2x2xi32>)
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x4x4x2xi16>, tensor<2x2x3x3x2x2xi8>) outs(%{{.*}} : tensor<1x2x2x2x2xi32>)
// CHECK: arith.extsi %{{.*}} : i16 to i32
func.func @qconv_saturating_quads(%x: tensor<1x3x2x2xui8>) -> (tensor<1x4x2x2xi8>, tensor<1x4x2x2xi8>) {
  %xq = kiln.storage_cast %x : (tensor<1x3x2x2xui8>) -> tensor<1x3x2x2x!quant.uniform<u8:f32, 0.02:100>>
  %wc = kiln.constant dense<64> : tensor<4x3x3x3xi8>
  %w = kiln.storage_cast %wc : (tensor<4x3x3x3xi8>) -> tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>
  %y = kiln.qconv %xq, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, kiln.pack_tile = array<i64: 2, 16>, kiln.channel_group = 4 : i64, kiln.unsigned_quads, kiln.quad_max_weight = 64 : i64}
      : (tensor<1x3x2x2x!quant.uniform<u8:f32, 0.02:100>>, tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>
  %s = kiln.storage_cast %y : (tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>) -> tensor<1x4x2x2xi8>
  %wc2 = kiln.constant dense<-65> : tensor<4x3x3x3xi8>
  %w2 = kiln.storage_cast %wc2 : (tensor<4x3x3x3xi8>) -> tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>
  %y2 = kiln.qconv %xq, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, kiln.pack_tile = array<i64: 2, 16>, kiln.channel_group = 4 : i64, kiln.unsigned_quads, kiln.quad_max_weight = 64 : i64}
      : (tensor<1x3x2x2x!quant.uniform<u8:f32, 0.02:100>>, tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>
  %s2 = kiln.storage_cast %y2 : (tensor<1x4x2x2x!quant.uniform<i8:f32, 0.05>>) -> tensor<1x4x2x2xi8>
  return %s, %s2 : tensor<1x4x2x2xi8>, tensor<1x4x2x2xi8>
}
