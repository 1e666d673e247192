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
