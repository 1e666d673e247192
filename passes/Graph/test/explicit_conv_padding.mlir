// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-explicit-conv-padding))' | FileCheck %s
// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-explicit-conv-padding{vector-pools=1}))' | FileCheck %s --check-prefix=VEC

// CHECK-LABEL: func @padded
// CHECK: %[[P:.*]] = kiln.pad constant %arg0 {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 0.000000e+00 : f64} {{.*}} -> tensor<1x10x10x4xf32>
// CHECK: kiln.conv %[[P]], %arg1 {{.*}}pads = array<i64: 0, 0, 0, 0>
func.func @padded(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x1x4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64, layout = "NHWC"} : (tensor<1x8x8x4xf32>, tensor<3x3x1x4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// NCHW convs and unpadded ones are left alone.
// CHECK-LABEL: func @untouched
// CHECK-NOT: kiln.pad
func.func @untouched(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>, %y: tensor<1x8x8x4xf32>, %v: tensor<1x1x4x4xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x8x8x4xf32>) {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = kiln.conv %y, %v {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x8x8x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x8x8x4xf32>
  return %0, %1 : tensor<1x4x8x8xf32>, tensor<1x8x8x4xf32>
}

// -----

// A float NHWC max pool pads with -inf; ceil_mode pools and NCHW pools keep their pads.
// CHECK-LABEL: func @max_pool
// CHECK: %[[P:.*]] = kiln.pad constant %arg0 {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 0xFFF0000000000000 : f64} {{.*}} -> tensor<1x10x10x4xf32>
// CHECK: kiln.max_pool %[[P]] {{.*}}pads = array<i64: 0, 0, 0, 0>
// CHECK: kiln.max_pool %arg0 {{.*}}ceil_mode = true{{.*}}pads = array<i64: 1, 1, 1, 1>
// CHECK: kiln.max_pool %arg1 {{.*}}pads = array<i64: 1, 1, 1, 1>
func.func @max_pool(%x: tensor<1x8x8x4xf32>, %y: tensor<1x4x8x8xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x5x5x4xf32>, tensor<1x4x4x4xf32>) {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
  %1 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = true, count_include_pad = false, layout = "NHWC"} : (tensor<1x8x8x4xf32>) -> tensor<1x5x5x4xf32>
  %2 = kiln.max_pool %y {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return %0, %1, %2 : tensor<1x4x4x4xf32>, tensor<1x5x5x4xf32>, tensor<1x4x4x4xf32>
}

// -----

// With vector-pools (the CPU target), a pool the vector code takes (f32, channels in whole
// 8-lane vectors) keeps its padding; one it does not take (4 channels) gets the -inf pad.
// VEC-LABEL: func @vector_pools
// VEC: kiln.max_pool %arg0 {{.*}}pads = array<i64: 1, 1, 1, 1>
// VEC: %[[P:.*]] = kiln.pad constant %arg1
// VEC: kiln.max_pool %[[P]] {{.*}}pads = array<i64: 0, 0, 0, 0>
func.func @vector_pools(%x: tensor<1x8x8x16xf32>, %y: tensor<1x8x8x4xf32>) -> (tensor<1x4x4x16xf32>, tensor<1x4x4x4xf32>) {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32>
  %1 = kiln.max_pool %y {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
  return %0, %1 : tensor<1x4x4x16xf32>, tensor<1x4x4x4xf32>
}

// -----

// With vector-pools, a zero pad of H and W before an unpadded NHWC average pool becomes the
// pool's padding, counted in the divisor (torch's count_include_pad=True export); a pad of
// the channels, or one wider than the window, stays.
// VEC-LABEL: func @pad_into_avg_pool
// VEC: kiln.avg_pool %arg0 {{.*}}count_include_pad = true{{.*}}pads = array<i64: 1, 2, 1, 0>{{.*}} : (tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32>
// VEC: %[[C:.*]] = kiln.pad constant %arg0 {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 8>
// VEC: kiln.avg_pool %[[C]] {{.*}}pads = array<i64: 0, 0, 0, 0>
// VEC: %[[W:.*]] = kiln.pad constant %arg0 {pads = array<i64: 0, 3, 0, 0, 0, 0, 0, 0>
// VEC: kiln.avg_pool %[[W]] {{.*}}pads = array<i64: 0, 0, 0, 0>
func.func @pad_into_avg_pool(%x: tensor<1x8x8x16xf32>) -> (tensor<1x8x8x16xf32>, tensor<1x8x8x24xf32>, tensor<1x9x6x16xf32>) {
  %p = kiln.pad constant %x {pads = array<i64: 0, 1, 2, 0, 0, 1, 0, 0>, value = 0.0 : f64} : (tensor<1x8x8x16xf32>) -> tensor<1x10x10x16xf32>
  %0 = kiln.avg_pool %p {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x10x10x16xf32>) -> tensor<1x8x8x16xf32>
  %c = kiln.pad constant %x {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 8>, value = 0.0 : f64} : (tensor<1x8x8x16xf32>) -> tensor<1x10x10x24xf32>
  %1 = kiln.avg_pool %c {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x10x10x24xf32>) -> tensor<1x8x8x24xf32>
  %w = kiln.pad constant %x {pads = array<i64: 0, 3, 0, 0, 0, 0, 0, 0>, value = 0.0 : f64} : (tensor<1x8x8x16xf32>) -> tensor<1x11x8x16xf32>
  %2 = kiln.avg_pool %w {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x11x8x16xf32>) -> tensor<1x9x6x16xf32>
  return %0, %1, %2 : tensor<1x8x8x16xf32>, tensor<1x8x8x24xf32>, tensor<1x9x6x16xf32>
}
