// RUN: kiln-opt %s -split-input-file '-kiln-int8-conv-im2col=vector-im2col=false' -verify-diagnostics | FileCheck %s

// Without kiln.im2col (the GPU targets) the patch matrix is built from slices, which need a
// constant padding value and static sizes. A conv that cannot have them stays a conv, with a
// warning, and the pattern builds nothing before it gives up: here the input is transposed
// after its widening, and the transpose of the 8-bit tensor used to be built first and then
// left dead; the greedy driver erased it, tried again, never converged, and the pass failed
// without a message (the dynamically quantized ISNet on --target vulkan).
// CHECK-LABEL: func.func @runtime_zero_point_transposed
// CHECK-NOT: kiln.slice
// CHECK: kiln.conv
func.func @runtime_zero_point_transposed(%x: tensor<1x64x6x6xui8>, %zx: tensor<ui8>) -> tensor<1x6x6x128xi32> {
  // uint8 weights minus their zero point, past the folder (73728 elements): laid out at
  // compile time by the pattern, which used to happen before it gave up.
  %w8 = kiln.constant dense<7> : tensor<3x3x64x128xui8>
  %wz = kiln.constant dense<3> : tensor<i32>
  %wi = kiln.cast %w8 : tensor<3x3x64x128xui8> to tensor<3x3x64x128xi32>
  %w = kiln.sub %wi, %wz : (tensor<3x3x64x128xi32>, tensor<i32>) -> tensor<3x3x64x128xi32>
  %0 = kiln.cast %x : tensor<1x64x6x6xui8> to tensor<1x64x6x6xi32>
  %z = kiln.cast %zx : tensor<ui8> to tensor<i32>
  %1 = kiln.sub %0, %z : (tensor<1x64x6x6xi32>, tensor<i32>) -> tensor<1x64x6x6xi32>
  %t = kiln.transpose %1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x64x6x6xi32>) -> tensor<1x6x6x64xi32>
  // expected-warning @+1 {{kiln: convolution of 8-bit activations runs without the int8 kernel (the activation zero point is known at run time only)}}
  %2 = kiln.conv %t, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x64xi32>, tensor<3x3x64x128xi32>) -> tensor<1x6x6x128xi32>
  return %2 : tensor<1x6x6x128xi32>
}

// -----

// Symbolic image dims, transposed input: the same.
// CHECK-LABEL: func.func @symbolic_transposed
// CHECK-NOT: kiln.slice
// CHECK: kiln.conv
func.func @symbolic_transposed(%x: tensor<1x4x?x?xui8>) -> tensor<1x?x?x8xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<3x3x4x8xf32>
  %0 = kiln.cast %x : tensor<1x4x?x?xui8> to tensor<1x4x?x?xf32>
  %1 = kiln.mul %0, %s : (tensor<1x4x?x?xf32>, tensor<f32>) -> tensor<1x4x?x?xf32>
  %t = kiln.transpose %1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x?x?xf32>) -> tensor<1x?x?x4xf32>
  // expected-warning @+1 {{kiln: convolution of 8-bit activations runs without the int8 kernel (symbolic image dims need the kiln.im2col patch matrix)}}
  %2 = kiln.conv %t, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x?x?x4xf32>, tensor<3x3x4x8xf32>) -> tensor<1x?x?x8xf32>
  return %2 : tensor<1x?x?x8xf32>
}

// -----

// A grouped conv (2 groups of 4 channels) of dequantized activations: without kiln.im2col
// (the GPU targets) no int8 kernel; it stays a float conv, with a warning.
// CHECK-LABEL: func.func @grouped
// CHECK: kiln.conv
// CHECK-NOT: kiln.matmul
func.func @grouped(%x: tensor<1x6x6x8xui8>) -> tensor<1x6x6x8xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<3x3x4x8xf32>
  %0 = kiln.cast %x : tensor<1x6x6x8xui8> to tensor<1x6x6x8xf32>
  %1 = kiln.mul %0, %s : (tensor<1x6x6x8xf32>, tensor<f32>) -> tensor<1x6x6x8xf32>
  // expected-warning @+1 {{kiln: convolution of 8-bit activations runs without the int8 kernel (grouped convolutions have no int8 kernel on this target: it runs in float on the dequantized values, as in the fp32 model)}}
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 2 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x8xf32>, tensor<3x3x4x8xf32>) -> tensor<1x6x6x8xf32>
  return %2 : tensor<1x6x6x8xf32>
}
