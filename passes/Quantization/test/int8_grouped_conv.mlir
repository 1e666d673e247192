// RUN: kiln-opt %s -split-input-file -kiln-int8-conv-im2col -verify-diagnostics | FileCheck %s

// A grouped QDQ conv, 2 groups of 4 channels, 32 outputs (16 per group), 3x3, padding 1,
// ui8 activations with zero point 3, weights 0.25 = 127 * (0.25 / 127): the dense conv's
// patch matrix [36, 9 taps x 8 channels] from the ui8 tensor (padded with 3), times the
// grouped kiln.matmul_int8 (groups [G, Cg] = [2, 4]: each group's weights [36, 16] packed as
// one panel, [2, 9, 256]); the zero point's term (3 * 36 * 127 = 13716 per column) is
// subtracted in i32, then the scales 0.5 * 0.25 / 127 and the bias in float.
// CHECK-LABEL: func.func @grouped
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<{{.*}}> : tensor<2x9x256xi8>
// CHECK-DAG: %[[Z:.*]] = kiln.constant dense<13716> : tensor<32xi32>
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<9.842520e-04> : tensor<32xf32>
// CHECK: %[[C:.*]] = kiln.im2col %arg0 {{.*}}pad_value = 3.000000e+00 : f64{{.*}} : (tensor<1x6x6x8xui8>) -> tensor<1x6x6x72xui8>
// CHECK: %[[M:.*]] = kiln.reshape %[[C]] : tensor<1x6x6x72xui8> to tensor<36x72xui8>
// CHECK: %[[P:.*]] = kiln.matmul_int8 %[[M]], %[[W]] {groups = array<i64: 2, 4>} : (tensor<36x72xui8>, tensor<2x9x256xi8>) -> tensor<36x32xi32>
// CHECK: %[[A:.*]] = kiln.sub %[[P]], %[[Z]]
// CHECK: %[[F:.*]] = kiln.cast %[[A]] : tensor<36x32xi32> to tensor<36x32xf32>
// CHECK: %[[R:.*]] = kiln.mul %[[F]], %[[S]]
// CHECK: %[[B:.*]] = kiln.add %[[R]], %arg1
// CHECK: kiln.reshape %[[B]] : tensor<36x32xf32> to tensor<1x6x6x32xf32>
// CHECK-NOT: kiln.conv
func.func @grouped(%x: tensor<1x6x6x8xui8>, %b: tensor<32xf32>) -> tensor<1x6x6x32xf32> {
  %zp = kiln.constant dense<3.0> : tensor<f32>
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<3x3x4x32xf32>
  %0 = kiln.cast %x : tensor<1x6x6x8xui8> to tensor<1x6x6x8xf32>
  %1 = kiln.sub %0, %zp : (tensor<1x6x6x8xf32>, tensor<f32>) -> tensor<1x6x6x8xf32>
  %2 = kiln.mul %1, %s : (tensor<1x6x6x8xf32>, tensor<f32>) -> tensor<1x6x6x8xf32>
  %3 = kiln.conv %2, %w, %b {dilations = array<i64: 1, 1>, group = 2 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x8xf32>, tensor<3x3x4x32xf32>, tensor<32xf32>) -> tensor<1x6x6x32xf32>
  return %3 : tensor<1x6x6x32xf32>
}

// -----

// 3 groups of 8 outputs with static shapes: 24 columns are no whole vectors of groups, and
// the float kernel (kiln-grouped-conv) is faster than 8 of the int8 kernel's 16 lanes; warned.
// CHECK-LABEL: func.func @narrow_groups
// CHECK: kiln.conv
// CHECK-NOT: kiln.matmul
func.func @narrow_groups(%x: tensor<1x6x6x12xui8>) -> tensor<1x6x6x24xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<3x3x4x24xf32>
  %0 = kiln.cast %x : tensor<1x6x6x12xui8> to tensor<1x6x6x12xf32>
  %1 = kiln.mul %0, %s : (tensor<1x6x6x12xf32>, tensor<f32>) -> tensor<1x6x6x12xf32>
  // expected-warning @+1 {{kiln: convolution of 8-bit activations runs without the int8 kernel (a grouped convolution of 8 outputs per group runs faster in float (its groups do not fill whole vectors of 16 lanes on the int8 kernel): it runs in float on the dequantized values)}}
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 3 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x12xf32>, tensor<3x3x4x24xf32>) -> tensor<1x6x6x24xf32>
  return %2 : tensor<1x6x6x24xf32>
}

// -----

// 4 groups of 4 channels and 4 outputs: 4 groups per vector, the weights packed as the
// dense [36, 16] ([1, 9, 256]).
// CHECK-LABEL: func.func @groups_share_vectors
// CHECK: kiln.matmul_int8 %{{.*}}, %{{.*}} {groups = array<i64: 4, 4>} : (tensor<36x144xui8>, tensor<1x9x256xi8>) -> tensor<36x16xi32>
func.func @groups_share_vectors(%x: tensor<1x6x6x16xui8>) -> tensor<1x6x6x16xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<3x3x4x16xf32>
  %0 = kiln.cast %x : tensor<1x6x6x16xui8> to tensor<1x6x6x16xf32>
  %1 = kiln.mul %0, %s : (tensor<1x6x6x16xf32>, tensor<f32>) -> tensor<1x6x6x16xf32>
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 4 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x16xf32>, tensor<3x3x4x16xf32>) -> tensor<1x6x6x16xf32>
  return %2 : tensor<1x6x6x16xf32>
}

// -----

// Weights too large for the folder (73728 elements): the dequantization of int8 weights,
// transposed from OIHW, read at compile time without building anything; int8 activations
// shift by +128 into ui8. A symbolic image: the patch matrix keeps its [N, ?, ?, K] shape.
// CHECK-LABEL: func.func @grouped_unfolded_symbolic
// CHECK: %[[C:.*]] = kiln.im2col %{{.*}} : (tensor<1x?x?x256xi8>) -> tensor<1x?x?x2304xi8>
// CHECK: kiln.matmul_int8 %{{.*}}, %{{.*}} {groups = array<i64: 16, 16>} : (tensor<1x?x?x2304xui8>, tensor<16x36x256xi8>) -> tensor<1x?x?x512xi32>
// CHECK-NOT: kiln.conv
func.func @grouped_unfolded_symbolic(%x: tensor<1x?x?x256xi8>) -> tensor<1x?x?x512xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w8 = kiln.constant dense<-7> : tensor<512x16x3x3xi8>
  %ws = kiln.constant dense<0.125> : tensor<512x1x1x1xf32>
  %wf = kiln.cast %w8 : tensor<512x16x3x3xi8> to tensor<512x16x3x3xf32>
  %wd = kiln.mul %wf, %ws : (tensor<512x16x3x3xf32>, tensor<512x1x1x1xf32>) -> tensor<512x16x3x3xf32>
  %w = kiln.transpose %wd {perm = array<i64: 2, 3, 1, 0>} : (tensor<512x16x3x3xf32>) -> tensor<3x3x16x512xf32>
  %0 = kiln.cast %x : tensor<1x?x?x256xi8> to tensor<1x?x?x256xf32>
  %1 = kiln.mul %0, %s : (tensor<1x?x?x256xf32>, tensor<f32>) -> tensor<1x?x?x256xf32>
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 16 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x?x?x256xf32>, tensor<3x3x16x512xf32>) -> tensor<1x?x?x512xf32>
  return %2 : tensor<1x?x?x512xf32>
}

// -----

// 3 groups of 2 channels: 4 consecutive k of a group are not 4 adjacent bytes of the patch
// matrix; the conv stays float, with a warning.
// CHECK-LABEL: func.func @channels_per_group_not_multiple_of_4
// CHECK: kiln.conv
// CHECK-NOT: kiln.matmul
func.func @channels_per_group_not_multiple_of_4(%x: tensor<1x6x6x6xui8>) -> tensor<1x6x6x6xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<3x3x2x6xf32>
  %0 = kiln.cast %x : tensor<1x6x6x6xui8> to tensor<1x6x6x6xf32>
  %1 = kiln.mul %0, %s : (tensor<1x6x6x6xf32>, tensor<f32>) -> tensor<1x6x6x6xf32>
  // expected-warning @+1 {{kiln: convolution of 8-bit activations runs without the int8 kernel (a grouped convolution's channels per group (2) are not a multiple of 4: it runs in float on the dequantized values)}}
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 3 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x6xf32>, tensor<3x3x2x6xf32>) -> tensor<1x6x6x6xf32>
  return %2 : tensor<1x6x6x6xf32>
}

// -----

// Weights known at run time only: warned, the conv stays float.
// CHECK-LABEL: func.func @grouped_runtime_weights
// CHECK: kiln.conv
func.func @grouped_runtime_weights(%x: tensor<1x6x6x8xui8>, %w: tensor<3x3x4x32xf32>) -> tensor<1x6x6x32xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %0 = kiln.cast %x : tensor<1x6x6x8xui8> to tensor<1x6x6x8xf32>
  %1 = kiln.mul %0, %s : (tensor<1x6x6x8xf32>, tensor<f32>) -> tensor<1x6x6x8xf32>
  // expected-warning @+1 {{kiln: convolution of 8-bit activations runs without the int8 kernel (the weights are not a constant or a dequantized 8-bit constant: it runs in float on the dequantized values)}}
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 2 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x8xf32>, tensor<3x3x4x32xf32>) -> tensor<1x6x6x32xf32>
  return %2 : tensor<1x6x6x32xf32>
}
