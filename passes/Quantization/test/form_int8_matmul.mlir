// RUN: kiln-opt %s -split-input-file -kiln-form-int8-matmul -verify-diagnostics | FileCheck %s

// QLinearMatMul / MatMulInteger as imported: ui8 activations with zero point 3, int8 weights
// (zero point folded into the constant). The weights are packed [N/64][K/4][256] (k fastest
// within a column) and the zero-point term 3 * colsum(W) = [3*(1+3+5), 3*(2+4+6)] is
// subtracted as a constant.
// CHECK-LABEL: func.func @ui8_zero_point
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<"0x0103050002040600{{(00)+}}"> : tensor<1x1x256xi8>
// CHECK-DAG: %[[C:.*]] = kiln.constant dense<[27, 36]> : tensor<2xi32>
// CHECK: %[[P:.*]] = kiln.matmul_int8 %arg0, %[[W]] : (tensor<4x3xui8>, tensor<1x1x256xi8>) -> tensor<4x2xi32>
// CHECK: %[[R:.*]] = kiln.sub %[[P]], %[[C]]
// CHECK: return %[[R]]
func.func @ui8_zero_point(%a: tensor<4x3xui8>) -> tensor<4x2xi32> {
  %w = kiln.constant dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi32>
  %zp = kiln.constant dense<3> : tensor<i32>
  %0 = kiln.cast %a : tensor<4x3xui8> to tensor<4x3xi32>
  %1 = kiln.sub %0, %zp : (tensor<4x3xi32>, tensor<i32>) -> tensor<4x3xi32>
  %2 = kiln.matmul %1, %w : (tensor<4x3xi32>, tensor<3x2xi32>) -> tensor<4x2xi32>
  return %2 : tensor<4x2xi32>
}

// -----

// i8 activations without a zero point: shifted to ui8 by +128, so the zero point becomes 128
// and the constant term 128 * colsum(W) = 128 * [-128 + 127] = -128.
// CHECK-LABEL: func.func @i8_batched
// CHECK: %[[X:.*]] = kiln.cast %arg0 : tensor<2x5x2xi8> to tensor<2x5x2xi32>
// CHECK: %[[S:.*]] = kiln.add %[[X]], %{{.*}}
// CHECK: %[[U:.*]] = kiln.cast %[[S]] : tensor<2x5x2xi32> to tensor<2x5x2xui8>
// CHECK: %[[P:.*]] = kiln.matmul_int8 %[[U]], %{{.*}} : (tensor<2x5x2xui8>, tensor<1x1x256xi8>) -> tensor<2x5x1xi32>
// CHECK: kiln.sub %[[P]], %{{.*}}
func.func @i8_batched(%a: tensor<2x5x2xi8>) -> tensor<2x5x1xi32> {
  %w = kiln.constant dense<[[-128], [127]]> : tensor<2x1xi32>
  %0 = kiln.cast %a : tensor<2x5x2xi8> to tensor<2x5x2xi32>
  %1 = kiln.matmul %0, %w : (tensor<2x5x2xi32>, tensor<2x1xi32>) -> tensor<2x5x1xi32>
  return %1 : tensor<2x5x1xi32>
}

// -----

// uint8 weights (200 does not fit int8): column 0 is shifted by min + 128 = 131 into int8
// ([69, -128]), column 1 fits (shift 0); the shift comes back as shift[n] * rowsum(a' - za').
// CHECK-LABEL: func.func @uint8_weights_shifted
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<"0x4580000002040000{{(00)+}}"> : tensor<1x1x256xi8>
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<[131, 0]> : tensor<2xi32>
// CHECK: %[[P:.*]] = kiln.matmul_int8 %arg0, %[[W]]
// CHECK: %[[X:.*]] = kiln.cast %arg0 : tensor<4x2xui8> to tensor<4x2xi32>
// CHECK: %[[R:.*]] = kiln.reduce sum %[[X]] {axes = array<i64: 1>, keepdims = true}
// CHECK: %[[T:.*]] = kiln.mul %[[R]], %[[S]]
// CHECK: %[[O:.*]] = kiln.add %[[P]], %[[T]]
// CHECK: return %[[O]]
func.func @uint8_weights_shifted(%a: tensor<4x2xui8>) -> tensor<4x2xi32> {
  %w = kiln.constant dense<[[200, 2], [3, 4]]> : tensor<2x2xi32>
  %0 = kiln.cast %a : tensor<4x2xui8> to tensor<4x2xi32>
  %1 = kiln.matmul %0, %w : (tensor<4x2xi32>, tensor<2x2xi32>) -> tensor<4x2xi32>
  return %1 : tensor<4x2xi32>
}

// -----

// A column spanning more than 256 values (not 8-bit weights): no int8 kernel, a warning
// naming the op, and the i32 matmul stays.
// CHECK-LABEL: func.func @weights_out_of_range
// CHECK: kiln.matmul %{{.*}}, %{{.*}} : (tensor<4x2xi32>, tensor<2x2xi32>)
// CHECK-NOT: kiln.matmul_int8
func.func @weights_out_of_range(%a: tensor<4x2xui8>) -> tensor<4x2xi32> {
  %w = kiln.constant dense<[[300, 2], [-10, 4]]> : tensor<2x2xi32>
  %0 = kiln.cast %a : tensor<4x2xui8> to tensor<4x2xi32>
  // expected-warning @+1 {{kiln: integer matmul of 8-bit values runs as an i32 matmul (no int8 kernel: a column of weights minus their zero point spans more than 256 values)}}
  %1 = kiln.matmul %0, %w : (tensor<4x2xi32>, tensor<2x2xi32>) -> tensor<4x2xi32>
  return %1 : tensor<4x2xi32>
}

// -----

// Weights that are a function argument (ONNX's node tests feed them as inputs): warned too.
// CHECK-LABEL: func.func @runtime_weights
// CHECK-NOT: kiln.matmul_int8
func.func @runtime_weights(%a: tensor<4x2xui8>, %w: tensor<2x2xi32>) -> tensor<4x2xi32> {
  %0 = kiln.cast %a : tensor<4x2xui8> to tensor<4x2xi32>
  // expected-warning @+1 {{kiln: integer matmul of 8-bit values runs as an i32 matmul (no int8 kernel: the weights are not a constant matrix)}}
  %1 = kiln.matmul %0, %w : (tensor<4x2xi32>, tensor<2x2xi32>) -> tensor<4x2xi32>
  return %1 : tensor<4x2xi32>
}

// -----

// Float matmuls are not touched, and say nothing.
// CHECK-LABEL: func.func @float
// CHECK: kiln.matmul
func.func @float(%a: tensor<4x2xf32>, %w: tensor<2x2xf32>) -> tensor<4x2xf32> {
  %0 = kiln.matmul %a, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// A pointwise conv made a matmul: the reshape of the centred activations moves onto the ui8
// source.
// CHECK-LABEL: func.func @reshaped_activations
// CHECK: %[[R:.*]] = kiln.reshape %arg0 : tensor<1x2x2x3xui8> to tensor<4x3xui8>
// CHECK: kiln.matmul_int8 %[[R]], %{{.*}} : (tensor<4x3xui8>, tensor<1x1x256xi8>) -> tensor<4x2xi32>
func.func @reshaped_activations(%a: tensor<1x2x2x3xui8>) -> tensor<4x2xi32> {
  %w = kiln.constant dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi32>
  %zp = kiln.constant dense<3> : tensor<i32>
  %0 = kiln.cast %a : tensor<1x2x2x3xui8> to tensor<1x2x2x3xi32>
  %1 = kiln.sub %0, %zp : (tensor<1x2x2x3xi32>, tensor<i32>) -> tensor<1x2x2x3xi32>
  %2 = kiln.reshape %1 : tensor<1x2x2x3xi32> to tensor<4x3xi32>
  %3 = kiln.matmul %2, %w : (tensor<4x3xi32>, tensor<3x2xi32>) -> tensor<4x2xi32>
  return %3 : tensor<4x2xi32>
}

// -----

// A 3x3 integer conv that stayed a conv (kiln-int8-conv-im2col did not take it): said so.
// CHECK-LABEL: func.func @integer_conv
// CHECK: kiln.conv
func.func @integer_conv(%x: tensor<1x3x8x8xui8>) -> tensor<1x4x6x6xi32> {
  %w = kiln.constant dense<1> : tensor<4x3x3x3xi32>
  %0 = kiln.cast %x : tensor<1x3x8x8xui8> to tensor<1x3x8x8xi32>
  // expected-warning @+1 {{kiln: integer convolution of 8-bit values runs as an i32 conv (no int8 kernel for grouped convolutions, or ones with run-time weights or dynamic shapes)}}
  %1 = kiln.conv %0, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xi32>, tensor<4x3x3x3xi32>) -> tensor<1x4x6x6xi32>
  return %1 : tensor<1x4x6x6xi32>
}
