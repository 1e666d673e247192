// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-fold-batch-norm))' | FileCheck %s

// s = scale / sqrt(var + eps) = [2/sqrt(4), 3/sqrt(1)] = [1, 3];
// W' = W * s per output channel, b' = (b - mean) * s + beta = [(1-1)*1+0.5, (2-0)*3-1].
// CHECK-LABEL: func @folded
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<{{\[}}[{{\[}}[1.000000e+00]]], [{{\[}}[6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<[5.000000e-01, 5.000000e+00]> : tensor<2xf32>
// CHECK: %[[C:.*]] = kiln.conv %arg0, %[[W]], %[[B]] {{.*}}pads = array<i64: 1, 1, 1, 1>
// CHECK-NOT: kiln.batch_norm
// CHECK: return %[[C]]
func.func @folded(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x6x6xf32> {
  %w = kiln.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %scale = kiln.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = kiln.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %mean = kiln.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = kiln.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x6x6xf32>
  %1 = kiln.batch_norm %0, %scale, %beta, %mean, %var {epsilon = 0.0 : f64} : (tensor<1x2x6x6xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x6x6xf32>
  return %1 : tensor<1x2x6x6xf32>
}

// -----

// A conv without bias gets one; splat parameters expand.
// CHECK-LABEL: func @no_bias
// CHECK: %[[B:.*]] = kiln.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK: kiln.conv %arg0, %{{.*}}, %[[B]]
// CHECK-NOT: kiln.batch_norm
func.func @no_bias(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = kiln.constant dense<1.0> : tensor<2x1x1x1xf32>
  %one = kiln.constant dense<1.0> : tensor<2xf32>
  %zero = kiln.constant dense<0.0> : tensor<2xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = kiln.batch_norm %0, %one, %one, %zero, %one {epsilon = 0.0 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// Not folded into the conv (it has another user; the weights are a run-time input): each batch
// norm becomes a multiply and an add by per-channel [C, 1, 1] constants:
// s = 4 / sqrt(3 + 1) = 2, t = 3 - 0.5 * 2 = 2.
// CHECK-LABEL: func @kept
// CHECK-NOT: kiln.batch_norm
// CHECK: kiln.constant dense<2.000000e+00> : tensor<2x1x1xf32>
// CHECK: kiln.mul %{{.*}}, %{{.*}} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK: kiln.add %{{.*}}, %{{.*}} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NOT: kiln.batch_norm
func.func @kept(%x: tensor<1x1x4x4xf32>, %wx: tensor<2x1x1x1xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = kiln.constant dense<1.0> : tensor<2x1x1x1xf32>
  %s = kiln.constant dense<4.0> : tensor<2xf32>
  %b = kiln.constant dense<3.0> : tensor<2xf32>
  %m = kiln.constant dense<0.5> : tensor<2xf32>
  %v = kiln.constant dense<3.0> : tensor<2xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = kiln.batch_norm %0, %s, %b, %m, %v {epsilon = 1.0 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %2 = kiln.conv %x, %wx {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %3 = kiln.batch_norm %2, %s, %b, %m, %v {epsilon = 1.0 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %0, %1, %3 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
