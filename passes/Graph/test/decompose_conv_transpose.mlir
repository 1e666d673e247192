// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-decompose-conv-transpose))' | FileCheck %s

// Kernel 2, stride 2, no pads (a U-Net / DBNet upsampling): each output phase has one tap,
// so the phases are a 1x1 conv with 4 x 3 output channels (the bias repeated per phase)
// and the interleave crops nothing.
// CHECK-LABEL: func @k2s2
// CHECK: %[[W:.*]] = kiln.constant dense<{{.*}}> : tensor<1x1x4x12xf32>
// CHECK: %[[X:.*]] = kiln.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x5x6xf32>) -> tensor<1x5x6x4xf32>
// CHECK: %[[B:.*]] = kiln.concat %arg1, %arg1, %arg1, %arg1 {axis = 0 : i64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<12xf32>
// CHECK: %[[C:.*]] = kiln.conv %[[X]], %[[W]], %[[B]] {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} {{.*}} -> tensor<1x5x6x12xf32>
// CHECK: %[[D:.*]] = kiln.depth_to_space %[[C]] {block = array<i64: 2, 2>, crops = array<i64: 0, 0, 0, 0>} : (tensor<1x5x6x12xf32>) -> tensor<1x10x12x3xf32>
// CHECK: kiln.transpose %[[D]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x10x12x3xf32>) -> tensor<1x3x10x12xf32>
func.func @k2s2(%x: tensor<1x4x5x6xf32>, %b: tensor<3xf32>) -> tensor<1x3x10x12xf32> {
  %w = kiln.constant dense<1.0> : tensor<4x3x2x2xf32>
  %0 = kiln.conv_transpose %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, group = 1} : (tensor<1x4x5x6xf32>, tensor<4x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x10x12xf32>
  return %0 : tensor<1x3x10x12xf32>
}

// -----

// Kernel 3, stride 2, pads 1, output_padding 1, symbolic N, H, W: 2 x 2 taps per phase (a
// phase's taps past the kernel zero), the conv padded 1 on each side, the interleave cropping
// 1 row and column at each end. Tap t of phase r reads kernel position r + (1 - t) * 2:
// [th, tw, c, (rh, rw)] = w[rh + (1 - th) * 2, rw + (1 - tw) * 2].
// CHECK-LABEL: func @k3s2_symbolic
// CHECK: kiln.constant dense<{{\[\[\[\[}}9.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]], {{\[\[}}7.000000e+00, 8.000000e+00, 0.000000e+00, 0.000000e+00]]], {{\[\[\[}}3.000000e+00, 0.000000e+00, 6.000000e+00, 0.000000e+00]], {{\[\[}}1.000000e+00, 2.000000e+00, 4.000000e+00, 5.000000e+00]]]]> : tensor<2x2x1x4xf32>
// CHECK: %[[C:.*]] = kiln.conv {{.*}}pads = array<i64: 1, 1, 1, 1>{{.*}} : (tensor<?x?x?x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x?x4xf32>
// CHECK: kiln.depth_to_space %[[C]] {block = array<i64: 2, 2>, crops = array<i64: 1, 1, 1, 1>} : (tensor<?x?x?x4xf32>) -> tensor<?x?x?x1xf32>
func.func @k3s2_symbolic(%x: tensor<?x1x?x?xf32>) -> tensor<?x1x?x?xf32> {
  %w = kiln.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]> : tensor<1x1x3x3xf32>
  %0 = kiln.conv_transpose %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, group = 1} : (tensor<?x1x?x?xf32>, tensor<1x1x3x3xf32>) -> tensor<?x1x?x?xf32>
  return %0 : tensor<?x1x?x?xf32>
}

// -----

// 1-D: a 2-D transposed conv of unit height between views (the run-time length from the
// input's dim 2), then decomposed like any 2-D one.
// CHECK-LABEL: func @one_d
// CHECK: kiln.constant dense<5.000000e-01> : tensor<1x2x2x16xf32>
// CHECK: %[[X:.*]] = kiln.reshape %arg0 {dims_from = array<i64: 0, 1, -1, 2>} : tensor<1x2x?xf32> to tensor<1x2x1x?xf32>
// CHECK: kiln.conv {{.*}}pads = array<i64: 0, 1, 0, 1>{{.*}} -> tensor<1x1x?x16xf32>
// CHECK: kiln.depth_to_space {{.*}}block = array<i64: 1, 8>, crops = array<i64: 0, 4, 0, 4>{{.*}} -> tensor<1x1x?x2xf32>
// CHECK: kiln.reshape %{{.*}} {dims_from = array<i64: 0, 1, 3>} : tensor<1x2x1x?xf32> to tensor<1x2x?xf32>
func.func @one_d(%x: tensor<1x2x?xf32>) -> tensor<1x2x?xf32> {
  %w = kiln.constant dense<0.5> : tensor<2x2x16xf32>
  %0 = kiln.conv_transpose %x, %w {strides = array<i64: 8>, pads = array<i64: 4, 4>, dilations = array<i64: 1>, output_padding = array<i64: 0>, group = 1} : (tensor<1x2x?xf32>, tensor<2x2x16xf32>) -> tensor<1x2x?xf32>
  return %0 : tensor<1x2x?xf32>
}

// -----

// Grouped (2 groups of 2 channels, 1 filter each): one NCHW conv of the same groups per
// output phase (4, each with its phase's taps), concatenated phase-major, then interleaved
// in NHWC. Phase (0, 0) reads kernel positions 2 and 0 (values 3, 1 of the first row).
// CHECK-LABEL: func @grouped
// CHECK: kiln.constant dense<{{\[\[\[\[}}9.000000e+00, 7.000000e+00], [3.000000e+00, 1.000000e+00]], {{\[\[}}1.000000e+00
// CHECK-COUNT-4: kiln.conv %arg0, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>
// CHECK: %[[C:.*]] = kiln.concat {{.*}} {axis = 1 : i64} : (tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>) -> tensor<1x8x6x6xf32>
// CHECK: %[[T:.*]] = kiln.transpose %[[C]] {perm = array<i64: 0, 2, 3, 1>}
// CHECK: kiln.depth_to_space %[[T]] {block = array<i64: 2, 2>, crops = array<i64: 1, 1, 1, 1>} : (tensor<1x6x6x8xf32>) -> tensor<1x10x10x2xf32>
func.func @grouped(%x: tensor<1x4x5x5xf32>) -> tensor<1x2x10x10xf32> {
  %w = kiln.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], [[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]], [[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]], [[[3.0, 3.0, 3.0], [3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]]]> : tensor<4x1x3x3xf32>
  %0 = kiln.conv_transpose %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, group = 2} : (tensor<1x4x5x5xf32>, tensor<4x1x3x3xf32>) -> tensor<1x2x10x10xf32>
  return %0 : tensor<1x2x10x10xf32>
}

// -----

// Dilated, or a filter computed at run time: unchanged.
// CHECK-LABEL: func @kept
// CHECK-COUNT-2: kiln.conv_transpose
// CHECK-NOT: kiln.depth_to_space
func.func @kept(%x: tensor<1x4x5x5xf32>, %v: tensor<4x2x3x3xf32>) -> (tensor<1x2x12x12xf32>, tensor<1x2x10x10xf32>) {
  %w = kiln.constant dense<1.0> : tensor<4x2x3x3xf32>
  %1 = kiln.conv_transpose %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 2, 2>, output_padding = array<i64: 1, 1>, group = 1} : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x12x12xf32>
  %2 = kiln.conv_transpose %x, %v {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, group = 1} : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x10x10xf32>
  return %1, %2 : tensor<1x2x12x12xf32>, tensor<1x2x10x10xf32>
}
