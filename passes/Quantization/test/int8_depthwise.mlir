// RUN: kiln-opt %s -split-input-file -kiln-int8-depthwise -verify-diagnostics | FileCheck %s

// A QDQ depthwise conv: the DequantizeLinear of its ui8 input (zero point 3, scale 0.05)
// through a reshape, and the QuantizeLinear of its result (scale 0.1, zero point 128) become
// the conv's own loads and stores: no float tensor on either side.
// CHECK-LABEL: func.func @qdq
// CHECK: %[[X:.*]] = kiln.reshape %arg0 : tensor<120x16xui8> to tensor<1x6x20x16xui8>
// CHECK: %[[Y:.*]] = kiln.depthwise_conv2d %[[X]], %arg1 bias %arg2 {input_scale = 0.05000000074505806 : f64, input_zero_point = 3.000000e+00 : f64, max = 6.000000e+00 : f64, min = 0.000000e+00 : f64, output_scale = 0.10000000149011612 : f64, output_zero_point = 1.280000e+02 : f64, {{.*}}} : (tensor<1x6x20x16xui8>, tensor<3x3x16xf32>, tensor<16xf32>) -> tensor<1x6x20x16xui8>
// CHECK-NOT: kiln.round
// CHECK: return %[[Y]]
func.func @qdq(%x: tensor<120x16xui8>, %w: tensor<3x3x16xf32>, %b: tensor<16xf32>) -> tensor<1x6x20x16xui8> {
  %zx = kiln.constant dense<3.0> : tensor<f32>
  %sx = kiln.constant dense<0.05> : tensor<f32>
  %sy = kiln.constant dense<0.1> : tensor<1x1x1x1xf32>
  %zy = kiln.constant dense<128.0> : tensor<1x1x1x1xf32>
  %0 = kiln.cast %x : tensor<120x16xui8> to tensor<120x16xf32>
  %1 = kiln.sub %0, %zx : (tensor<120x16xf32>, tensor<f32>) -> tensor<120x16xf32>
  %2 = kiln.mul %1, %sx : (tensor<120x16xf32>, tensor<f32>) -> tensor<120x16xf32>
  %3 = kiln.reshape %2 : tensor<120x16xf32> to tensor<1x6x20x16xf32>
  %4 = kiln.depthwise_conv2d %3, %w bias %b {max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x20x16xf32>, tensor<3x3x16xf32>, tensor<16xf32>) -> tensor<1x6x20x16xf32>
  %5 = kiln.div %4, %sy : (tensor<1x6x20x16xf32>, tensor<1x1x1x1xf32>) -> tensor<1x6x20x16xf32>
  %6 = kiln.round %5 : tensor<1x6x20x16xf32>
  %7 = kiln.add %6, %zy : (tensor<1x6x20x16xf32>, tensor<1x1x1x1xf32>) -> tensor<1x6x20x16xf32>
  %8 = kiln.clip %7 {max = 255.0 : f64, min = 0.0 : f64} : tensor<1x6x20x16xf32>
  %9 = kiln.cast %8 : tensor<1x6x20x16xf32> to tensor<1x6x20x16xui8>
  return %9 : tensor<1x6x20x16xui8>
}

// -----

// A QLinearConv's widened i8 input (no scale) and a float result; the quantization of an
// i8 result without a zero point; the dequantized input is also used elsewhere (it stays).
// CHECK-LABEL: func.func @widened_input_i8_output
// CHECK: %[[F:.*]] = kiln.cast %arg0
// CHECK: kiln.depthwise_conv2d %arg0, %arg1 {input_scale = 1.000000e+00 : f64, input_zero_point = -2.000000e+00 : f64, {{.*}}output_scale = 2.500000e-01 : f64, output_zero_point = 0.000000e+00 : f64{{.*}}} : (tensor<1x4x4x16xi8>, tensor<3x3x16xf32>) -> tensor<1x4x4x16xi8>
func.func @widened_input_i8_output(%x: tensor<1x4x4x16xi8>, %w: tensor<3x3x16xf32>) -> (tensor<1x4x4x16xi8>, tensor<1x4x4x16xf32>) {
  %zx = kiln.constant dense<-2.0> : tensor<f32>
  %sy = kiln.constant dense<0.25> : tensor<f32>
  %0 = kiln.cast %x : tensor<1x4x4x16xi8> to tensor<1x4x4x16xf32>
  %1 = kiln.sub %0, %zx : (tensor<1x4x4x16xf32>, tensor<f32>) -> tensor<1x4x4x16xf32>
  %2 = kiln.depthwise_conv2d %1, %w {max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x16xf32>, tensor<3x3x16xf32>) -> tensor<1x4x4x16xf32>
  %3 = kiln.div %2, %sy : (tensor<1x4x4x16xf32>, tensor<f32>) -> tensor<1x4x4x16xf32>
  %4 = kiln.round %3 : tensor<1x4x4x16xf32>
  %5 = kiln.clip %4 {max = 127.0 : f64, min = -128.0 : f64} : tensor<1x4x4x16xf32>
  %6 = kiln.cast %5 : tensor<1x4x4x16xf32> to tensor<1x4x4x16xi8>
  return %6, %1 : tensor<1x4x4x16xi8>, tensor<1x4x4x16xf32>
}

// -----

// Not a quantization of the result: a clip narrower than ui8's range (the conv keeps a float
// result and the ops after it), and a float input that is no dequantization.
// CHECK-LABEL: func.func @not_quantized
// CHECK: kiln.depthwise_conv2d %arg0, %arg1 {max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x16xf32>, tensor<3x3x16xf32>) -> tensor<1x4x4x16xf32>
// CHECK: kiln.round
// CHECK: kiln.clip
func.func @not_quantized(%x: tensor<1x4x4x16xf32>, %w: tensor<3x3x16xf32>) -> tensor<1x4x4x16xui8> {
  %sy = kiln.constant dense<0.25> : tensor<f32>
  %2 = kiln.depthwise_conv2d %x, %w {max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x16xf32>, tensor<3x3x16xf32>) -> tensor<1x4x4x16xf32>
  %3 = kiln.div %2, %sy : (tensor<1x4x4x16xf32>, tensor<f32>) -> tensor<1x4x4x16xf32>
  %4 = kiln.round %3 : tensor<1x4x4x16xf32>
  %5 = kiln.clip %4 {max = 100.0 : f64, min = 0.0 : f64} : tensor<1x4x4x16xf32>
  %6 = kiln.cast %5 : tensor<1x4x4x16xf32> to tensor<1x4x4x16xui8>
  return %6 : tensor<1x4x4x16xui8>
}

// -----

// A dequantization whose scale is no constant: the conv stays float, and says so.
// CHECK-LABEL: func.func @runtime_scale
// CHECK: kiln.depthwise_conv2d %{{.*}} : (tensor<1x4x4x16xf32>, tensor<3x3x16xf32>) -> tensor<1x4x4x16xf32>
func.func @runtime_scale(%x: tensor<1x4x4x16xui8>, %w: tensor<3x3x16xf32>, %s: tensor<f32>) -> tensor<1x4x4x16xf32> {
  %0 = kiln.cast %x : tensor<1x4x4x16xui8> to tensor<1x4x4x16xf32>
  %1 = kiln.mul %0, %s : (tensor<1x4x4x16xf32>, tensor<f32>) -> tensor<1x4x4x16xf32>
  // expected-warning @+1 {{depthwise convolution of 8-bit activations runs on the dequantized float tensor}}
  %2 = kiln.depthwise_conv2d %1, %w {max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x16xf32>, tensor<3x3x16xf32>) -> tensor<1x4x4x16xf32>
  return %2 : tensor<1x4x4x16xf32>
}
