// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-decompose-conv3d))' | FileCheck %s

// A 3x3x3 conv, padded 1 in depth, stride 1: three 2-D convs over the depth slices (folded
// into the batch), the bias on the first, summed.
// CHECK-LABEL: func @conv3d
// CHECK: %[[P:.*]] = kiln.pad constant %arg0 {pads = array<i64: 0, 1, 0, 0, 0, 0, 1, 0, 0, 0>
// CHECK: %[[S0:.*]] = kiln.slice %[[P]] {ends = array<i64: 1, 4, 6, 6, 8>, starts = array<i64: 0, 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1, 1>}
// CHECK: %[[I0:.*]] = kiln.reshape %[[S0]] : tensor<1x4x6x6x8xf32> to tensor<4x6x6x8xf32>
// CHECK: %[[C0:.*]] = kiln.conv %[[I0]], %{{.*}}, %arg2 {{.*}}pads = array<i64: 1, 1, 1, 1>{{.*}} -> tensor<4x6x6x16xf32>
// CHECK: kiln.slice %[[P]] {ends = array<i64: 1, 5, 6, 6, 8>, starts = array<i64: 0, 1, 0, 0, 0>
// CHECK: %[[C1:.*]] = kiln.conv %{{.*}}, %{{.*}} {{{.*}}pads = array<i64: 1, 1, 1, 1>
// CHECK: %[[A1:.*]] = kiln.add %[[C1]], %[[C0]]
// CHECK: kiln.slice %[[P]] {ends = array<i64: 1, 6, 6, 6, 8>, starts = array<i64: 0, 2, 0, 0, 0>
// CHECK: %[[C2:.*]] = kiln.conv
// CHECK: %[[A2:.*]] = kiln.add %[[C2]], %[[A1]]
// CHECK: kiln.reshape %[[A2]] : tensor<4x6x6x16xf32> to tensor<1x4x6x6x16xf32>
func.func @conv3d(%x: tensor<1x4x6x6x8xf32>, %w: tensor<3x3x3x8x16xf32>, %b: tensor<16xf32>) -> tensor<1x4x6x6x16xf32> {
  %0 = kiln.conv %x, %w, %b {dilations = array<i64: 1, 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1, 1, 1>, strides = array<i64: 1, 1, 1>} : (tensor<1x4x6x6x8xf32>, tensor<3x3x3x8x16xf32>, tensor<16xf32>) -> tensor<1x4x6x6x16xf32>
  return %0 : tensor<1x4x6x6x16xf32>
}

// -----

// Depth stride 2: each tap reads every other slice.
// CHECK-LABEL: func @strided
// CHECK: kiln.slice %arg0 {ends = array<i64: 1, 7, 8, 8, 4>, starts = array<i64: 0, 0, 0, 0, 0>, steps = array<i64: 1, 2, 1, 1, 1>}
// CHECK: kiln.slice %arg0 {ends = array<i64: 1, 8, 8, 8, 4>, starts = array<i64: 0, 1, 0, 0, 0>, steps = array<i64: 1, 2, 1, 1, 1>}
// CHECK-NOT: kiln.slice %arg0
func.func @strided(%x: tensor<1x8x8x8x4xf32>, %w: tensor<2x3x3x4x4xf32>) -> tensor<1x4x8x8x4xf32> {
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 1, 1, 0, 1, 1>, strides = array<i64: 2, 1, 1>} : (tensor<1x8x8x8x4xf32>, tensor<2x3x3x4x4xf32>) -> tensor<1x4x8x8x4xf32>
  return %0 : tensor<1x4x8x8x4xf32>
}

// -----

// 2-D convs are left alone.
// CHECK-LABEL: func @conv2d
// CHECK-NEXT: kiln.conv
// CHECK-NEXT: return
func.func @conv2d(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x4x4xf32>) -> tensor<1x6x6x4xf32> {
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<3x3x4x4xf32>) -> tensor<1x6x6x4xf32>
  return %0 : tensor<1x6x6x4xf32>
}

// -----

// A 3x3x3 max pool, padded 1 in depth (with -inf), stride (2, 1, 1): the max of three depth
// slices of stride 2, folded into the batch, then a 2-D NHWC max pool over H and W.
// CHECK-LABEL: func @max_pool3d
// CHECK: %[[P:.*]] = kiln.pad constant %arg0 {pads = array<i64: 0, 1, 0, 0, 0, 0, 1, 0, 0, 0>, value = 0xFFF0000000000000 : f64} : (tensor<1x5x6x6x8xf32>) -> tensor<1x7x6x6x8xf32>
// CHECK-COUNT-3: kiln.slice %[[P]] {{.*}}steps = array<i64: 1, 2, 1, 1, 1>
// CHECK: %[[M:.*]] = kiln.max %{{.*}}, %{{.*}} : (tensor<3x6x6x8xf32>, tensor<3x6x6x8xf32>) -> tensor<3x6x6x8xf32>
// CHECK: %[[Q:.*]] = kiln.max_pool %{{.*}} {{.*}}kernel_shape = array<i64: 3, 3>, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<3x6x6x8xf32>) -> tensor<3x6x6x8xf32>
// CHECK: kiln.reshape %[[Q]] : tensor<3x6x6x8xf32> to tensor<1x3x6x6x8xf32>
func.func @max_pool3d(%x: tensor<1x5x6x6x8xf32>) -> tensor<1x3x6x6x8xf32> {
  %y = kiln.max_pool %x {ceil_mode = false, count_include_pad = false, dilations = array<i64: 1, 1, 1>, kernel_shape = array<i64: 3, 3, 3>, layout = "NHWC", pads = array<i64: 1, 1, 1, 1, 1, 1>, strides = array<i64: 2, 1, 1>} : (tensor<1x5x6x6x8xf32>) -> tensor<1x3x6x6x8xf32>
  return %y : tensor<1x3x6x6x8xf32>
}

// -----

// A temporal conv ([3, 1, 1] filter, depth stride 2, depth pads 1/1): one 2-D conv over
// [N, D, H * W, C] with a [3, 1] filter, views of the input and result; no slices, no sum.
// CHECK-LABEL: func @temporal
// CHECK: %[[X:.*]] = kiln.reshape %arg0 : tensor<1x8x6x5x16xf32> to tensor<1x8x30x16xf32>
// CHECK: %[[W:.*]] = kiln.reshape %arg1 : tensor<3x1x1x16x24xf32> to tensor<3x1x16x24xf32>
// CHECK: %[[Y:.*]] = kiln.conv %[[X]], %[[W]], %arg2 {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 0, 1, 0>, strides = array<i64: 2, 1>} : (tensor<1x8x30x16xf32>, tensor<3x1x16x24xf32>, tensor<24xf32>) -> tensor<1x4x30x24xf32>
// CHECK-NOT: kiln.slice
// CHECK: kiln.reshape %[[Y]] : tensor<1x4x30x24xf32> to tensor<1x4x6x5x24xf32>
func.func @temporal(%x: tensor<1x8x6x5x16xf32>, %w: tensor<3x1x1x16x24xf32>, %b: tensor<24xf32>) -> tensor<1x4x6x5x24xf32> {
  %0 = kiln.conv %x, %w, %b {dilations = array<i64: 1, 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 0, 0, 1, 0, 0>, strides = array<i64: 2, 1, 1>} : (tensor<1x8x6x5x16xf32>, tensor<3x1x1x16x24xf32>, tensor<24xf32>) -> tensor<1x4x6x5x24xf32>
  return %0 : tensor<1x4x6x5x24xf32>
}
