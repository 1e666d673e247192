// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-split-conv-regions))' | FileCheck %s

// DeepLab's ASPP branch at rate 24 on a 33x33 map: along each dim the outputs [0, 9) reach
// the input with taps 1-2, [9, 24) with tap 1, [24, 33) with taps 0-1. Nine unpadded convs,
// each of its taps over the rows it reads, meet in concats along W, then H (NHWC, HWCF).
// CHECK-LABEL: func @aspp_rate24
// CHECK: %[[W0:.*]] = kiln.slice %arg1 {{.*}}starts = array<i64: 1, 1, 0, 0>{{.*}} -> tensor<2x2x256x64xf32>
// CHECK: %[[C0:.*]] = kiln.conv %arg0, %[[W0]], %arg2 {dilations = array<i64: 24, 24>{{.*}}pads = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x9x9x64xf32>
// CHECK: %[[X1:.*]] = kiln.slice %arg0 {ends = array<i64: 1, 33, 24, 256>, starts = array<i64: 0, 0, 9, 0>
// CHECK: %[[C1:.*]] = kiln.conv %[[X1]], %{{.*}} {dilations = array<i64: 24, 1>{{.*}} -> tensor<1x9x15x64xf32>
// CHECK: %[[C2:.*]] = kiln.conv %arg0, %{{.*}} -> tensor<1x9x9x64xf32>
// CHECK: %[[TOP:.*]] = kiln.concat %[[C0]], %[[C1]], %[[C2]] {axis = 2 : i64}
// CHECK: %[[X4:.*]] = kiln.slice %arg0 {ends = array<i64: 1, 24, 24, 256>, starts = array<i64: 0, 9, 9, 0>
// CHECK: %[[W4:.*]] = kiln.slice %arg1 {ends = array<i64: 2, 2, 256, 64>, starts = array<i64: 1, 1, 0, 0>
// CHECK: kiln.conv %[[X4]], %[[W4]], %arg2 {dilations = array<i64: 1, 1>{{.*}} -> tensor<1x15x15x64xf32>
// CHECK: %[[MID:.*]] = kiln.concat {{.*}} {axis = 2 : i64}
// CHECK: %[[BOT:.*]] = kiln.concat {{.*}} {axis = 2 : i64}
// CHECK: %[[Y:.*]] = kiln.concat %[[TOP]], %[[MID]], %[[BOT]] {axis = 1 : i64} {{.*}} -> tensor<1x33x33x64xf32>
// CHECK: return %[[Y]]
func.func @aspp_rate24(%x: tensor<1x33x33x256xf32>, %w: tensor<3x3x256x64xf32>, %b: tensor<64xf32>) -> tensor<1x33x33x64xf32> {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 24, 24, 24, 24>, dilations = array<i64: 24, 24>, group = 1 : i64, layout = "NHWC"} : (tensor<1x33x33x256xf32>, tensor<3x3x256x64xf32>, tensor<64xf32>) -> tensor<1x33x33x64xf32>
  return %0 : tensor<1x33x33x64xf32>
}

// -----

// A causal dilated 1-D conv (NCHW, H = 1, left pad = dilation): the first 160 outputs see only
// tap 1 (a 1x1 conv of the first 160 columns), the rest both taps.
// CHECK-LABEL: func @causal
// CHECK: %[[X0:.*]] = kiln.slice %arg0 {ends = array<i64: 1, 128, 1, 160>, starts = array<i64: 0, 0, 0, 0>
// CHECK: %[[W0:.*]] = kiln.slice %arg1 {ends = array<i64: 128, 128, 1, 2>, starts = array<i64: 0, 0, 0, 1>
// CHECK: %[[C0:.*]] = kiln.conv %[[X0]], %[[W0]] {dilations = array<i64: 1, 1>{{.*}}pads = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x128x1x160xf32>
// CHECK: %[[C1:.*]] = kiln.conv %arg0, %arg1 {dilations = array<i64: 1, 160>{{.*}}pads = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x128x1x96xf32>
// CHECK: kiln.concat %[[C0]], %[[C1]] {axis = 3 : i64}
func.func @causal(%x: tensor<1x128x1x256xf32>, %w: tensor<128x128x1x2xf32>) -> tensor<1x128x1x256xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 160, 0, 0>, dilations = array<i64: 1, 160>, group = 1 : i64} : (tensor<1x128x1x256xf32>, tensor<128x128x1x2xf32>) -> tensor<1x128x1x256xf32>
  return %0 : tensor<1x128x1x256xf32>
}

// -----

// A 3x3 conv padded by 1 on 56x56 wastes 2% of its work: left alone.
// CHECK-LABEL: func @same_padding
// CHECK-NOT: kiln.concat
// CHECK: kiln.conv %arg0, %arg1 {{.*}}pads = array<i64: 1, 1, 1, 1>
func.func @same_padding(%x: tensor<1x56x56x64xf32>, %w: tensor<3x3x64x64xf32>) -> tensor<1x56x56x64xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x56x56x64xf32>, tensor<3x3x64x64xf32>) -> tensor<1x56x56x64xf32>
  return %0 : tensor<1x56x56x64xf32>
}

// -----

// The same ASPP window with 8 channels: 73% of its multiply-adds read padding, but 0.5M are
// too few to pay for nine convs and their concats.
// CHECK-LABEL: func @too_little_work
// CHECK-NOT: kiln.concat
// CHECK: kiln.conv %arg0, %arg1 {{.*}}pads = array<i64: 24, 24, 24, 24>
func.func @too_little_work(%x: tensor<1x33x33x8xf32>, %w: tensor<3x3x8x8xf32>) -> tensor<1x33x33x8xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 24, 24, 24, 24>, dilations = array<i64: 24, 24>, group = 1 : i64, layout = "NHWC"} : (tensor<1x33x33x8xf32>, tensor<3x3x8x8xf32>) -> tensor<1x33x33x8xf32>
  return %0 : tensor<1x33x33x8xf32>
}

// -----

// Symbolic spatial dims: the bands are unknown at compile time; left alone.
// CHECK-LABEL: func @symbolic
// CHECK-NOT: kiln.concat
func.func @symbolic(%x: tensor<1x?x?x256xf32>, %w: tensor<3x3x256x64xf32>) -> tensor<1x?x?x64xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 24, 24, 24, 24>, dilations = array<i64: 24, 24>, group = 1 : i64, layout = "NHWC"} : (tensor<1x?x?x256xf32>, tensor<3x3x256x64xf32>) -> tensor<1x?x?x64xf32>
  return %0 : tensor<1x?x?x64xf32>
}
