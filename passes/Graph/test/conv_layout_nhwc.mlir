// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-conv-layout-nhwc))' | FileCheck %s

// A dense conv runs in NHWC between transposes; the constant filter is transposed at compile time.
// CHECK-LABEL: func @dense
// CHECK: %[[W:.*]] = kiln.constant {{.*}} : tensor<3x3x2x4xf32>
// CHECK: %[[X:.*]] = kiln.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>}
// CHECK: %[[C:.*]] = kiln.conv %[[X]], %[[W]] {{.*}}layout = "NHWC"{{.*}} -> tensor<1x6x6x4xf32>
// CHECK: kiln.transpose %[[C]] {perm = array<i64: 0, 3, 1, 2>} {{.*}} -> tensor<1x4x6x6xf32>
func.func @dense(%x: tensor<1x2x8x8xf32>) -> tensor<1x4x6x6xf32> {
  %w = kiln.constant dense<1.0> : tensor<4x2x3x3xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// Depthwise converts too; a grouped conv without whole 8-channel vectors stays NCHW.
// CHECK-LABEL: func @groups
// CHECK: kiln.conv {{.*}}layout = "NHWC"{{.*}} -> tensor<1x8x8x4xf32>
// CHECK: kiln.conv
// CHECK-NOT: layout = "NHWC"
// CHECK-SAME: -> tensor<1x4x8x8xf32>
func.func @groups(%x: tensor<1x4x8x8xf32>, %dw: tensor<4x1x1x1xf32>, %g2: tensor<4x2x1x1xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %0 = kiln.conv %x, %dw {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x1x1xf32>) -> tensor<1x4x8x8xf32>
  %1 = kiln.conv %x, %g2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x8x8xf32>
  return %0, %1 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// A grouped conv that kiln.grouped_conv2d covers (16 output channels in groups of 4) converts,
// its constant filter transposed to HWCF at compile time; one it does not (8 input and 2
// output channels per group) stays NCHW.
// CHECK-LABEL: func @grouped
// CHECK: %[[W:.*]] = kiln.constant {{.*}} : tensor<3x3x4x16xf32>
// CHECK: %[[X:.*]] = kiln.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>}
// CHECK: kiln.conv %[[X]], %[[W]] {{.*}}group = 4 : i64, layout = "NHWC"{{.*}} -> tensor<1x6x6x16xf32>
// CHECK: kiln.conv %arg1
// CHECK-NOT: layout = "NHWC"
// CHECK-SAME: -> tensor<1x8x6x6xf32>
func.func @grouped(%x: tensor<1x16x6x6xf32>, %y: tensor<1x32x6x6xf32>) -> (tensor<1x16x6x6xf32>, tensor<1x8x6x6xf32>) {
  %w = kiln.constant dense<1.0> : tensor<16x4x3x3xf32>
  %w2 = kiln.constant dense<1.0> : tensor<8x8x3x3xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x16x6x6xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x6x6xf32>
  %1 = kiln.conv %y, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x32x6x6xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x6x6xf32>
  return %0, %1 : tensor<1x16x6x6xf32>, tensor<1x8x6x6xf32>
}

// -----

// Pools run in NHWC too.
// CHECK-LABEL: func @pool
// CHECK: %[[X:.*]] = kiln.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>}
// CHECK: %[[P:.*]] = kiln.max_pool %[[X]] {{.*}}layout = "NHWC"{{.*}} -> tensor<1x4x4x2xf32>
// CHECK: kiln.transpose %[[P]] {perm = array<i64: 0, 3, 1, 2>}
func.func @pool(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// A 3-D max pool of static shape goes channels-last (kiln-decompose-conv3d runs it as a 2-D
// one); a 3-D average pool stays.
// CHECK-LABEL: func @pool3d
// CHECK: %[[X:.*]] = kiln.transpose %arg0 {perm = array<i64: 0, 2, 3, 4, 1>}
// CHECK: %[[P:.*]] = kiln.max_pool %[[X]] {{.*}}layout = "NHWC"{{.*}} -> tensor<1x2x4x4x2xf32>
// CHECK: kiln.transpose %[[P]] {perm = array<i64: 0, 4, 1, 2, 3>}
// CHECK: kiln.avg_pool %arg0 {{.*}}(tensor<1x2x4x8x8xf32>) -> tensor<1x2x2x4x4xf32>
func.func @pool3d(%x: tensor<1x2x4x8x8xf32>) -> (tensor<1x2x2x4x4xf32>, tensor<1x2x2x4x4xf32>) {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x2x4x8x8xf32>) -> tensor<1x2x2x4x4xf32>
  %1 = kiln.avg_pool %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x2x4x8x8xf32>) -> tensor<1x2x2x4x4xf32>
  return %0, %1 : tensor<1x2x2x4x4xf32>, tensor<1x2x2x4x4xf32>
}

// -----

// 1-D and 3-D convs go channels-last too (the filter's kernel dims first, then C, then F);
// a 1-D conv with static sizes becomes a 2-D conv of unit height between reshapes (views), so
// its kernel is the 2-D one with the epilogue fused.
// CHECK-LABEL: func @conv1d
// CHECK: kiln.transpose %arg0 {perm = array<i64: 0, 2, 1>}
// CHECK: kiln.reshape %{{.*}} : tensor<1x100x2xf32> to tensor<1x1x100x2xf32>
// CHECK: kiln.conv {{.*}}layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x100x2xf32>, tensor<1x5x2x8xf32>) -> tensor<1x1x96x8xf32>
// CHECK: kiln.reshape %{{.*}} : tensor<1x1x96x8xf32> to tensor<1x96x8xf32>
// CHECK: kiln.transpose %{{.*}} {perm = array<i64: 0, 2, 1>}
func.func @conv1d(%x: tensor<1x2x100xf32>) -> tensor<1x8x96xf32> {
  %w = kiln.constant dense<1.0> : tensor<8x2x5xf32>
  %0 = kiln.conv %x, %w {dilations = array<i64: 1>, group = 1 : i64, pads = array<i64: 0, 0>, strides = array<i64: 1>} : (tensor<1x2x100xf32>, tensor<8x2x5xf32>) -> tensor<1x8x96xf32>
  return %0 : tensor<1x8x96xf32>
}

// CHECK-LABEL: func @conv3d
// CHECK: kiln.transpose %arg0 {perm = array<i64: 0, 2, 3, 4, 1>}
// CHECK: kiln.conv {{.*}}layout = "NHWC"{{.*}} : (tensor<1x4x6x6x2xf32>, tensor<3x3x3x2x8xf32>) -> tensor<1x2x4x4x8xf32>
// CHECK: kiln.transpose %{{.*}} {perm = array<i64: 0, 4, 1, 2, 3>}
func.func @conv3d(%x: tensor<1x2x4x6x6xf32>) -> tensor<1x8x2x4x4xf32> {
  %w = kiln.constant dense<1.0> : tensor<8x2x3x3x3xf32>
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0, 0, 0>, strides = array<i64: 1, 1, 1>} : (tensor<1x2x4x6x6xf32>, tensor<8x2x3x3x3xf32>) -> tensor<1x8x2x4x4xf32>
  return %0 : tensor<1x8x2x4x4xf32>
}

// A grouped conv with a symbolic image has no float vector kernel (kiln.grouped_conv2d needs
// static shapes), but of dequantized 8-bit activations in groups of 4 channels the int8
// kernel runs it in NHWC (kiln-int8-conv-im2col): rewritten. The same conv of float
// activations stays NCHW.
// CHECK-LABEL: func @int8_grouped_symbolic
// CHECK: kiln.conv {{.*}}group = 4 : i64, layout = "NHWC"{{.*}} -> tensor<1x?x?x16xf32>
// CHECK: kiln.conv %arg1, {{.*}}group = 4 : i64{{.*}}-> tensor<1x16x?x?xf32>
func.func @int8_grouped_symbolic(%x8: tensor<1x16x?x?xui8>, %y: tensor<1x16x?x?xf32>) -> (tensor<1x16x?x?xf32>, tensor<1x16x?x?xf32>) {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<16x4x3x3xf32>
  %0 = kiln.cast %x8 : tensor<1x16x?x?xui8> to tensor<1x16x?x?xf32>
  %1 = kiln.mul %0, %s : (tensor<1x16x?x?xf32>, tensor<f32>) -> tensor<1x16x?x?xf32>
  %2 = kiln.conv %1, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x16x?x?xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x?x?xf32>
  %3 = kiln.conv %y, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x16x?x?xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x?x?xf32>
  return %2, %3 : tensor<1x16x?x?xf32>, tensor<1x16x?x?xf32>
}
