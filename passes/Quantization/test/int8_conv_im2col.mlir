// RUN: kiln-opt %s -split-input-file -kiln-int8-conv-im2col -verify-diagnostics | FileCheck %s --check-prefixes=CHECK,IM2COL
// RUN: kiln-opt %s -split-input-file '-kiln-int8-conv-im2col=vector-im2col=false' -verify-diagnostics | FileCheck %s --check-prefixes=CHECK,SLICES

// A QDQ 3x3 conv (padding 1) of ui8 activations with zero point 128: the patch matrix is
// gathered from the ui8 tensor itself, padded with 128 (which centres to 0), then widened
// exactly as the conv's input was: (float(cols) - 128) * 0.5. On the CPU a kiln.im2col reads
// the padding in place; elsewhere (vector-im2col=false) the input is padded, one slice per
// tap and their concat in one kernel.
// CHECK-LABEL: func.func @qdq_3x3
// IM2COL-NOT: kiln.pad
// IM2COL: %[[C:.*]] = kiln.im2col %arg0 {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pad_value = 1.280000e+02 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x5x5x3xui8>) -> tensor<1x5x5x27xui8>
// SLICES: %[[P:.*]] = kiln.pad constant %arg0 {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 1.280000e+02 : f64} : (tensor<1x5x5x3xui8>) -> tensor<1x7x7x3xui8>
// SLICES: %[[C:.*]] = kiln.fused "im2col" -> tensor<1x5x5x27xui8>
// SLICES-COUNT-9: kiln.slice %[[P]]
// SLICES: %[[CC:.*]] = kiln.concat {{.*}} {axis = 3 : i64} : {{.*}} -> tensor<1x5x5x27xui8>
// SLICES: kiln.yield %[[CC]]
// CHECK: %[[M:.*]] = kiln.reshape %[[C]] : tensor<1x5x5x27xui8> to tensor<25x27xui8>
// CHECK: %[[F:.*]] = kiln.cast %[[M]] : tensor<25x27xui8> to tensor<25x27xf32>
// CHECK: %[[S:.*]] = kiln.sub %[[F]], %{{.*}} : (tensor<25x27xf32>, tensor<f32>) -> tensor<25x27xf32>
// CHECK: %[[D:.*]] = kiln.mul %[[S]], %{{.*}} : (tensor<25x27xf32>, tensor<f32>) -> tensor<25x27xf32>
// CHECK: %[[MM:.*]] = kiln.matmul %[[D]], %{{.*}} : (tensor<25x27xf32>, tensor<27x4xf32>) -> tensor<25x4xf32>
// CHECK: %[[B:.*]] = kiln.add %[[MM]], %arg1
// CHECK: kiln.reshape %[[B]] : tensor<25x4xf32> to tensor<1x5x5x4xf32>
// CHECK-NOT: kiln.conv
func.func @qdq_3x3(%x: tensor<1x5x5x3xui8>, %b: tensor<4xf32>) -> tensor<1x5x5x4xf32> {
  %zp = kiln.constant dense<128.0> : tensor<1x1x1x1xf32>
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<3x3x3x4xf32>
  %0 = kiln.cast %x : tensor<1x5x5x3xui8> to tensor<1x5x5x3xf32>
  %1 = kiln.sub %0, %zp : (tensor<1x5x5x3xf32>, tensor<1x1x1x1xf32>) -> tensor<1x5x5x3xf32>
  %2 = kiln.mul %1, %s : (tensor<1x5x5x3xf32>, tensor<f32>) -> tensor<1x5x5x3xf32>
  %3 = kiln.conv %2, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x5x5x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32>) -> tensor<1x5x5x4xf32>
  return %3 : tensor<1x5x5x4xf32>
}

// -----

// An i32 conv (QLinearConv, ConvInteger) whose input is transposed after the widening: the
// ui8 tensor is transposed instead; stride 2 and dilation 2 land in the im2col (the slices);
// no padding.
// CHECK-LABEL: func.func @integer_strided_dilated
// CHECK: %[[T:.*]] = kiln.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x9x9xui8>) -> tensor<1x9x9x2xui8>
// CHECK-NOT: kiln.pad
// IM2COL: kiln.im2col %[[T]] {dilations = array<i64: 2, 2>, kernel = array<i64: 2, 2>, pad_value = 7.000000e+00 : f64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x9x9x2xui8>) -> tensor<1x4x4x8xui8>
// SLICES: kiln.slice %[[T]] {ends = array<i64: 1, 7, 7, 2>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 2, 2, 1>}
// SLICES: kiln.slice %[[T]] {ends = array<i64: 1, 7, 9, 2>, starts = array<i64: 0, 0, 2, 0>, steps = array<i64: 1, 2, 2, 1>}
// CHECK: kiln.reshape %{{.*}} : tensor<1x4x4x8xui8> to tensor<16x8xui8>
// CHECK: kiln.cast %{{.*}} : tensor<16x8xui8> to tensor<16x8xi32>
// CHECK: kiln.sub %{{.*}} : (tensor<16x8xi32>, tensor<i32>) -> tensor<16x8xi32>
// CHECK: kiln.matmul %{{.*}} : (tensor<16x8xi32>, tensor<8x3xi32>) -> tensor<16x3xi32>
func.func @integer_strided_dilated(%x: tensor<1x2x9x9xui8>) -> tensor<1x4x4x3xi32> {
  %zp = kiln.constant dense<7> : tensor<i32>
  %w = kiln.constant dense<-3> : tensor<2x2x2x3xi32>
  %0 = kiln.cast %x : tensor<1x2x9x9xui8> to tensor<1x2x9x9xi32>
  %1 = kiln.sub %0, %zp : (tensor<1x2x9x9xi32>, tensor<i32>) -> tensor<1x2x9x9xi32>
  %2 = kiln.transpose %1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x9x9xi32>) -> tensor<1x9x9x2xi32>
  %3 = kiln.conv %2, %w {dilations = array<i64: 2, 2>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x9x9x2xi32>, tensor<2x2x2x3xi32>) -> tensor<1x4x4x3xi32>
  return %3 : tensor<1x4x4x3xi32>
}

// -----

// A filter too large for the constant folder stays its dequantization, transposed to HWCF:
// the int8 constant is re-laid out as [KH*KW*C, F] at compile time and the per-channel scale
// becomes a [F] vector, the form kiln-form-int8-qdq reads.
// CHECK-LABEL: func.func @unfolded_filter
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<3> : tensor<864x96xi8>
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<2.500000e-01> : tensor<96xf32>
// CHECK: %[[WF:.*]] = kiln.cast %[[W]] : tensor<864x96xi8> to tensor<864x96xf32>
// CHECK: %[[WS:.*]] = kiln.mul %[[WF]], %[[S]] : (tensor<864x96xf32>, tensor<96xf32>) -> tensor<864x96xf32>
// CHECK: kiln.matmul %{{.*}}, %[[WS]] : (tensor<16x864xf32>, tensor<864x96xf32>) -> tensor<16x96xf32>
func.func @unfolded_filter(%x: tensor<1x4x4x96xui8>) -> tensor<1x4x4x96xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w8 = kiln.constant dense<3> : tensor<96x96x3x3xi8>
  %ws = kiln.constant dense<0.25> : tensor<96x1x1x1xf32>
  %0 = kiln.cast %x : tensor<1x4x4x96xui8> to tensor<1x4x4x96xf32>
  %1 = kiln.mul %0, %s : (tensor<1x4x4x96xf32>, tensor<f32>) -> tensor<1x4x4x96xf32>
  %2 = kiln.cast %w8 : tensor<96x96x3x3xi8> to tensor<96x96x3x3xf32>
  %3 = kiln.mul %2, %ws : (tensor<96x96x3x3xf32>, tensor<96x1x1x1xf32>) -> tensor<96x96x3x3xf32>
  %4 = kiln.transpose %3 {perm = array<i64: 2, 3, 1, 0>} : (tensor<96x96x3x3xf32>) -> tensor<3x3x96x96xf32>
  %5 = kiln.conv %1, %4 {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x96xf32>, tensor<3x3x96x96xf32>) -> tensor<1x4x4x96xf32>
  return %5 : tensor<1x4x4x96xf32>
}

// -----

// A depthwise conv of dequantized activations stays a float conv (the weights constant, as
// in the fp32 model), without a warning: kiln-depthwise-conv and kiln-int8-depthwise make it
// read its 8-bit input and write 8-bit values itself, the sums in f32.
// CHECK-LABEL: func.func @depthwise
// CHECK: kiln.conv
// CHECK-NOT: kiln.matmul
func.func @depthwise(%x: tensor<1x6x6x8xui8>) -> tensor<1x6x6x8xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<3x3x1x8xf32>
  %0 = kiln.cast %x : tensor<1x6x6x8xui8> to tensor<1x6x6x8xf32>
  %1 = kiln.mul %0, %s : (tensor<1x6x6x8xf32>, tensor<f32>) -> tensor<1x6x6x8xf32>
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 8 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x8xf32>, tensor<3x3x1x8xf32>) -> tensor<1x6x6x8xf32>
  return %2 : tensor<1x6x6x8xf32>
}

// -----

// A pointwise conv's patch matrix is its input reshaped (no slice, no copy); a float conv
// of float activations is not touched.
// CHECK-LABEL: func.func @pointwise
// CHECK: %[[M:.*]] = kiln.reshape %arg0 : tensor<1x6x6x8xui8> to tensor<36x8xui8>
// CHECK-NOT: kiln.slice
// CHECK: kiln.cast %[[M]] : tensor<36x8xui8> to tensor<36x8xf32>
// CHECK: kiln.matmul
// CHECK: kiln.conv %arg1
func.func @pointwise(%x: tensor<1x6x6x8xui8>, %y: tensor<1x6x6x8xf32>) -> (tensor<1x6x6x8xf32>, tensor<1x6x6x8xf32>) {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w1 = kiln.constant dense<0.25> : tensor<1x1x8x8xf32>
  %w3 = kiln.constant dense<0.25> : tensor<3x3x8x8xf32>
  %0 = kiln.cast %x : tensor<1x6x6x8xui8> to tensor<1x6x6x8xf32>
  %1 = kiln.mul %0, %s : (tensor<1x6x6x8xf32>, tensor<f32>) -> tensor<1x6x6x8xf32>
  %2 = kiln.conv %1, %w1 {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x6x6x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x6x6x8xf32>
  %3 = kiln.conv %y, %w3 {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x8xf32>, tensor<3x3x8x8xf32>) -> tensor<1x6x6x8xf32>
  return %2, %3 : tensor<1x6x6x8xf32>, tensor<1x6x6x8xf32>
}

// -----

// Dequantized activations against float weights that are no int8 grid (a layer the quantizer
// left in float): the conv stays a float conv, with a warning.
// CHECK-LABEL: func.func @float_weights
// CHECK: kiln.conv
// CHECK-NOT: kiln.matmul
func.func @float_weights(%x: tensor<1x6x6x2xui8>) -> tensor<1x4x4x2xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<[[[[1.0, 0.1], [0.3333333, 0.7]], [[1.0, 0.1], [0.3333333, 0.7]], [[1.0, 0.1], [0.3333333, 0.7]]], [[[1.0, 0.1], [0.3333333, 0.7]], [[1.0, 0.1], [0.3333333, 0.7]], [[1.0, 0.1], [0.3333333, 0.7]]], [[[1.0, 0.1], [0.3333333, 0.7]], [[1.0, 0.1], [0.3333333, 0.7]], [[1.0, 0.1], [0.3333333, 0.7]]]]> : tensor<3x3x2x2xf32>
  %0 = kiln.cast %x : tensor<1x6x6x2xui8> to tensor<1x6x6x2xf32>
  %1 = kiln.mul %0, %s : (tensor<1x6x6x2xf32>, tensor<f32>) -> tensor<1x6x6x2xf32>
  // expected-warning @+1 {{kiln: convolution of 8-bit activations runs without the int8 kernel (the weights are not int8 values times a per-channel scale)}}
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x6x6x2xf32>, tensor<3x3x2x2xf32>) -> tensor<1x4x4x2xf32>
  return %2 : tensor<1x4x4x2xf32>
}
