// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-prune-padding-taps))' | FileCheck %s

// DeepLab's ASPP branch: dilation 36 on a 33x33 map reaches the input only at the centre tap;
// the conv becomes 1x1 with no padding (NCHW, filter FCHW).
// CHECK-LABEL: func @aspp_centre_only
// CHECK: %[[W:.*]] = kiln.slice %arg1 {{.*}}starts = array<i64: 0, 0, 1, 1>{{.*}} -> tensor<8x16x1x1xf32>
// CHECK: kiln.conv %arg0, %[[W]] {dilations = array<i64: 1, 1>{{.*}}pads = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x8x33x33xf32>
func.func @aspp_centre_only(%x: tensor<1x16x33x33xf32>, %w: tensor<8x16x3x3xf32>) -> tensor<1x8x33x33xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 36, 36, 36, 36>, dilations = array<i64: 36, 36>, group = 1 : i64} : (tensor<1x16x33x33xf32>, tensor<8x16x3x3xf32>) -> tensor<1x8x33x33xf32>
  return %0 : tensor<1x8x33x33xf32>
}

// -----

// Only the height is short (4 rows, dilation 6): the width keeps its three taps (NHWC, HWCF).
// CHECK-LABEL: func @one_dim
// CHECK: %[[W:.*]] = kiln.slice %arg1 {{.*}}starts = array<i64: 1, 0, 0, 0>{{.*}} -> tensor<1x3x4x8xf32>
// CHECK: kiln.conv %arg0, %[[W]] {dilations = array<i64: 1, 6>{{.*}}pads = array<i64: 0, 6, 0, 6>{{.*}} -> tensor<1x4x40x8xf32>
func.func @one_dim(%x: tensor<1x4x40x4xf32>, %w: tensor<3x3x4x8xf32>) -> tensor<1x4x40x8xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 6, 6, 6, 6>, dilations = array<i64: 6, 6>, group = 1 : i64, layout = "NHWC"} : (tensor<1x4x40x4xf32>, tensor<3x3x4x8xf32>) -> tensor<1x4x40x8xf32>
  return %0 : tensor<1x4x40x8xf32>
}

// -----

// Dilation 24 on 33: the outer taps reach the input from some output positions; nothing goes.
// CHECK-LABEL: func @all_taps_reach
// CHECK-NOT: kiln.slice
// CHECK: kiln.conv %arg0, %arg1 {{.*}}pads = array<i64: 24, 24, 24, 24>
func.func @all_taps_reach(%x: tensor<1x16x33x33xf32>, %w: tensor<8x16x3x3xf32>) -> tensor<1x8x33x33xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 24, 24, 24, 24>, dilations = array<i64: 24, 24>, group = 1 : i64} : (tensor<1x16x33x33xf32>, tensor<8x16x3x3xf32>) -> tensor<1x8x33x33xf32>
  return %0 : tensor<1x8x33x33xf32>
}

// -----

// A one-sided pad: the first two taps only read the top padding, the kept ones start at tap 2
// with no begin pad left; a depthwise conv (group = channels) prunes the same way.
// CHECK-LABEL: func @one_sided
// CHECK: %[[W:.*]] = kiln.slice %arg1 {{.*}}starts = array<i64: 0, 0, 2>{{.*}} -> tensor<4x1x1xf32>
// CHECK: kiln.conv %arg0, %[[W]] {dilations = array<i64: 1>, group = 4 : i64, pads = array<i64: 0, 0>
func.func @one_sided(%x: tensor<1x4x5xf32>, %w: tensor<4x1x3xf32>) -> tensor<1x4x5xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 10, 0>, dilations = array<i64: 5>, group = 4 : i64} : (tensor<1x4x5xf32>, tensor<4x1x3xf32>) -> tensor<1x4x5xf32>
  return %0 : tensor<1x4x5xf32>
}
