// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-split-concat),canonicalize)' | FileCheck %s

// A 1x1 conv (as a matmul) of a channel concat: one matmul per part with its rows of the
// weight, summed; no concat left.
// CHECK-LABEL: func @matmul_of_concat
// CHECK-NOT: kiln.concat
// CHECK-DAG: %[[WA:.*]] = kiln.constant dense<1.000000e+00> : tensor<4x4xf32>
// CHECK-DAG: %[[WB:.*]] = kiln.constant dense<2.000000e+00> : tensor<6x4xf32>
// CHECK-DAG: %[[A:.*]] = kiln.reshape %arg0 : tensor<1x3x3x4xf32> to tensor<9x4xf32>
// CHECK-DAG: %[[B:.*]] = kiln.reshape %arg1 : tensor<1x3x3x6xf32> to tensor<9x6xf32>
// CHECK-DAG: %[[PA:.*]] = kiln.matmul %[[A]], %[[WA]]
// CHECK-DAG: %[[PB:.*]] = kiln.matmul %[[B]], %[[WB]]
// CHECK: kiln.add %[[PB]], %[[PA]]
func.func @matmul_of_concat(%a: tensor<1x3x3x4xf32>, %b: tensor<1x3x3x6xf32>) -> tensor<9x4xf32> {
  %wa = kiln.constant dense<1.0> : tensor<4x4xf32>
  %wb = kiln.constant dense<2.0> : tensor<6x4xf32>
  %w = kiln.concat %wa, %wb {axis = 0 : i64} : (tensor<4x4xf32>, tensor<6x4xf32>) -> tensor<10x4xf32>
  %c = kiln.concat %a, %b {axis = 3 : i64} : (tensor<1x3x3x4xf32>, tensor<1x3x3x6xf32>) -> tensor<1x3x3x10xf32>
  %r = kiln.reshape %c : tensor<1x3x3x10xf32> to tensor<9x10xf32>
  %m = kiln.matmul %r, %w : (tensor<9x10xf32>, tensor<10x4xf32>) -> tensor<9x4xf32>
  return %m : tensor<9x4xf32>
}

// -----

// A max pool of a channel concat pools each part; the (smaller) concat then splits into the
// matmul after it.
// CHECK-LABEL: func @pool_then_matmul
// CHECK-NOT: kiln.concat
// CHECK-COUNT-2: kiln.max_pool
// CHECK-COUNT-2: kiln.matmul
func.func @pool_then_matmul(%a: tensor<1x5x5x8xf32>, %b: tensor<1x5x5x8xf32>) -> tensor<4x4xf32> {
  %w = kiln.constant dense<0.5> : tensor<16x4xf32>
  %c = kiln.concat %a, %b {axis = 3 : i64} : (tensor<1x5x5x8xf32>, tensor<1x5x5x8xf32>) -> tensor<1x5x5x16xf32>
  %p = kiln.max_pool %c {ceil_mode = false, count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x5x5x16xf32>) -> tensor<1x2x2x16xf32>
  %r = kiln.reshape %p : tensor<1x2x2x16xf32> to tensor<4x16xf32>
  %m = kiln.matmul %r, %w : (tensor<4x16xf32>, tensor<16x4xf32>) -> tensor<4x4xf32>
  return %m : tensor<4x4xf32>
}

// -----

// Left alone: a concat with another user, a non-constant weight, a concat along another dim,
// partial products larger than the concat (2 parts x 8 outputs >= 8 channels: an im2col).
// CHECK-LABEL: func @untouched
// CHECK-COUNT-4: kiln.concat
func.func @untouched(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>, %w: tensor<8x3xf32>) -> (tensor<2x3xf32>, tensor<2x8xf32>, tensor<2x3xf32>, tensor<4x4xf32>, tensor<2x8xf32>) {
  %k = kiln.constant dense<1.0> : tensor<8x3xf32>
  %c = kiln.concat %a, %b {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x8xf32>
  %m = kiln.matmul %c, %k : (tensor<2x8xf32>, tensor<8x3xf32>) -> tensor<2x3xf32>
  %c2 = kiln.concat %b, %a {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x8xf32>
  %m2 = kiln.matmul %c2, %w : (tensor<2x8xf32>, tensor<8x3xf32>) -> tensor<2x3xf32>
  %c3 = kiln.concat %a, %b {axis = 0 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %k8 = kiln.constant dense<1.0> : tensor<8x8xf32>
  %c4 = kiln.concat %b, %b {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x8xf32>
  %m4 = kiln.matmul %c4, %k8 : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  return %m, %c, %m2, %c3, %m4 : tensor<2x3xf32>, tensor<2x8xf32>, tensor<2x3xf32>, tensor<4x4xf32>, tensor<2x8xf32>
}

// -----

// Symbolic image dims (squeezenet with symbolic H/W): the 1x1 conv is an N-D matmul of the
// concat itself; each part multiplies its rows of the weight, summed. A max pool of a
// concat pools the parts.
// CHECK-LABEL: func @dynamic_matmul_of_concat
// CHECK-NOT: kiln.concat
// CHECK-DAG: %[[PA:.*]] = kiln.matmul %arg0, %{{.*}} : (tensor<1x?x?x4xf32>, tensor<4x4xf32>) -> tensor<1x?x?x4xf32>
// CHECK-DAG: %[[PB:.*]] = kiln.matmul %arg1, %{{.*}} : (tensor<1x?x?x6xf32>, tensor<6x4xf32>) -> tensor<1x?x?x4xf32>
// CHECK: kiln.add %[[PB]], %[[PA]]
// CHECK-LABEL: func @dynamic_pool_of_concat
// CHECK: %[[QA:.*]] = kiln.max_pool %arg0 {{.*}} -> tensor<1x?x?x4xf32>
// CHECK: %[[QB:.*]] = kiln.max_pool %arg1 {{.*}} -> tensor<1x?x?x6xf32>
// CHECK: kiln.concat %[[QA]], %[[QB]] {axis = 3 : i64}
func.func @dynamic_matmul_of_concat(%a: tensor<1x?x?x4xf32>, %b: tensor<1x?x?x6xf32>) -> tensor<1x?x?x4xf32> {
  %w = kiln.constant dense<1.0> : tensor<10x4xf32>
  %c = kiln.concat %a, %b {axis = 3 : i64} : (tensor<1x?x?x4xf32>, tensor<1x?x?x6xf32>) -> tensor<1x?x?x10xf32>
  %m = kiln.matmul %c, %w : (tensor<1x?x?x10xf32>, tensor<10x4xf32>) -> tensor<1x?x?x4xf32>
  return %m : tensor<1x?x?x4xf32>
}
func.func @dynamic_pool_of_concat(%a: tensor<1x?x?x4xf32>, %b: tensor<1x?x?x6xf32>) -> tensor<1x?x?x10xf32> {
  %c = kiln.concat %a, %b {axis = 3 : i64} : (tensor<1x?x?x4xf32>, tensor<1x?x?x6xf32>) -> tensor<1x?x?x10xf32>
  %p = kiln.max_pool %c {ceil_mode = true, count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x?x?x10xf32>) -> tensor<1x?x?x10xf32>
  return %p : tensor<1x?x?x10xf32>
}
