// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-conv-to-matmul))' | FileCheck %s

// A 3x3 NHWC conv with few output pixels: pad, one strided slice per tap, concat, matmul, bias.
// CHECK-LABEL: func @deep
// CHECK: %[[P:.*]] = kiln.pad constant %arg0 {{.*}} -> tensor<1x6x6x8xf32>
// CHECK-COUNT-9: kiln.slice %[[P]]
// CHECK: %[[C:.*]] = kiln.concat {{.*}} {axis = 3 : i64} {{.*}} -> tensor<1x4x4x72xf32>
// CHECK: %[[L:.*]] = kiln.reshape %[[C]] : tensor<1x4x4x72xf32> to tensor<16x72xf32>
// CHECK: %[[W:.*]] = kiln.reshape %arg1 : tensor<3x3x8x16xf32> to tensor<72x16xf32>
// CHECK: %[[M:.*]] = kiln.matmul %[[L]], %[[W]]
// CHECK: %[[B:.*]] = kiln.add %[[M]], %arg2
// CHECK: kiln.reshape %[[B]] : tensor<16x16xf32> to tensor<1x4x4x16xf32>
func.func @deep(%x: tensor<1x4x4x8xf32>, %w: tensor<3x3x8x16xf32>, %b: tensor<16xf32>) -> tensor<1x4x4x16xf32> {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x4x4x8xf32>, tensor<3x3x8x16xf32>, tensor<16xf32>) -> tensor<1x4x4x16xf32>
  return %0 : tensor<1x4x4x16xf32>
}

// -----

// Strided taps: slice steps follow the conv stride.
// CHECK-LABEL: func @strided
// CHECK: kiln.slice {{.*}}steps = array<i64: 1, 2, 2, 1>
func.func @strided(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x4x4xf32>) -> tensor<1x3x3x4xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x8x8x4xf32>, tensor<3x3x4x4xf32>) -> tensor<1x3x3x4xf32>
  return %0 : tensor<1x3x3x4xf32>
}

// -----

// Pointwise convolutions are a reshape + matmul at any size; large 3x3 ones and NCHW ones stay.
// CHECK-LABEL: func @keep
// CHECK-NOT: kiln.slice
// CHECK: kiln.matmul {{.*}} : (tensor<1024x8xf32>, tensor<8x16xf32>)
// CHECK: kiln.conv {{.*}}layout = "NHWC"
// CHECK: kiln.conv
// CHECK-NOT: layout
func.func @keep(%x: tensor<1x32x32x8xf32>, %w1: tensor<1x1x8x16xf32>, %w3: tensor<3x3x8x16xf32>, %xn: tensor<1x8x4x4xf32>, %wn: tensor<16x8x3x3xf32>) -> (tensor<1x32x32x16xf32>, tensor<1x30x30x16xf32>, tensor<1x16x2x2xf32>) {
  %0 = kiln.conv %x, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x32x32x8xf32>, tensor<1x1x8x16xf32>) -> tensor<1x32x32x16xf32>
  %1 = kiln.conv %x, %w3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x32x32x8xf32>, tensor<3x3x8x16xf32>) -> tensor<1x30x30x16xf32>
  %2 = kiln.conv %xn, %wn {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x2x2xf32>
  return %0, %1, %2 : tensor<1x32x32x16xf32>, tensor<1x30x30x16xf32>, tensor<1x16x2x2xf32>
}

// -----

// A ViT patch embedding (16x16 stride 16 over 3 channels; 32x33 input: the last column is
// dropped): no slice per tap, one transpose of the patches and a GEMM.
// CHECK-LABEL: func @patchify
// CHECK: %[[S:.*]] = kiln.slice %arg0 {ends = array<i64: 1, 32, 32, 3>
// CHECK: %[[R:.*]] = kiln.reshape %[[S]] : tensor<1x32x32x3xf32> to tensor<1x2x16x2x16x3xf32>
// CHECK: %[[T:.*]] = kiln.transpose %[[R]] {perm = array<i64: 0, 1, 3, 2, 4, 5>}
// CHECK: kiln.reshape %[[T]] : tensor<1x2x2x16x16x3xf32> to tensor<4x768xf32>
// CHECK-NOT: kiln.concat
// CHECK: kiln.matmul {{.*}} : (tensor<4x768xf32>, tensor<768x8xf32>) -> tensor<4x8xf32>
func.func @patchify(%x: tensor<1x32x33x3xf32>, %w: tensor<16x16x3x8xf32>) -> tensor<1x2x2x8xf32> {
  %y = kiln.conv %x, %w {strides = array<i64: 16, 16>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x32x33x3xf32>, tensor<16x16x3x8xf32>) -> tensor<1x2x2x8xf32>
  return %y : tensor<1x2x2x8xf32>
}

// -----

// A filter bank of 256 taps (an STFT as a 1x256 conv of stride 128) stays a direct conv: an
// im2col would be 256 slice kernels and a concat.
// CHECK-LABEL: func @many_taps
// CHECK-NOT: kiln.slice
// CHECK: kiln.conv
// CHECK-NOT: kiln.matmul
func.func @many_taps(%x: tensor<1x1x640x1xf32>, %w: tensor<1x256x1x258xf32>) -> tensor<1x1x4x258xf32> {
  %y = kiln.conv %x, %w {strides = array<i64: 1, 128>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x1x640x1xf32>, tensor<1x256x1x258xf32>) -> tensor<1x1x4x258xf32>
  return %y : tensor<1x1x4x258xf32>
}

// -----

// Wide convolutions (512+ input channels, 64+ filters) are GEMMs at any pixel count: a dilated
// 3x3 on 40x40 pixels (its im2col: 1600 x 4608 floats, 28 MB). 256 channels stay direct, as
// does a wide conv whose im2col would pass 64 MB with at least as many filters as channels
// (no per-tap split would avoid it).
// CHECK-LABEL: func @wide
// CHECK: kiln.matmul {{.*}} -> tensor<1600x64xf32>
// CHECK-LABEL: func @narrow
// CHECK: kiln.conv
// CHECK-LABEL: func @wide_im2col_too_large
// CHECK: kiln.conv
func.func @wide(%x: tensor<1x40x40x512xf32>, %w: tensor<3x3x512x64xf32>) -> tensor<1x40x40x64xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>, group = 1 : i64, layout = "NHWC"} : (tensor<1x40x40x512xf32>, tensor<3x3x512x64xf32>) -> tensor<1x40x40x64xf32>
  return %0 : tensor<1x40x40x64xf32>
}
func.func @narrow(%x: tensor<1x40x40x256xf32>, %w: tensor<3x3x256x64xf32>) -> tensor<1x40x40x64xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>, group = 1 : i64, layout = "NHWC"} : (tensor<1x40x40x256xf32>, tensor<3x3x256x64xf32>) -> tensor<1x40x40x64xf32>
  return %0 : tensor<1x40x40x64xf32>
}
func.func @wide_im2col_too_large(%x: tensor<1x64x64x512xf32>, %w: tensor<3x3x512x512xf32>) -> tensor<1x64x64x512xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x64x64x512xf32>, tensor<3x3x512x512xf32>) -> tensor<1x64x64x512xf32>
  return %0 : tensor<1x64x64x512xf32>
}

// -----

// A pointwise conv with symbolic batch and image dims: the matmul [N, H, W, C] x [C, K] with
// the filter reshaped, then the bias (no static [N*H*W, C] reshape exists). A 3x3 conv with
// symbolic dims stays a conv.
// CHECK-LABEL: func @dynamic_pointwise
// CHECK: %[[W:.*]] = kiln.reshape %arg1 : tensor<1x1x8x16xf32> to tensor<8x16xf32>
// CHECK: %[[M:.*]] = kiln.matmul %arg0, %[[W]] : (tensor<?x?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x?x16xf32>
// CHECK: kiln.add %[[M]], %arg2
// CHECK: kiln.conv
func.func @dynamic_pointwise(%x: tensor<?x?x?x8xf32>, %w: tensor<1x1x8x16xf32>, %b: tensor<16xf32>, %w3: tensor<3x3x8x16xf32>) -> (tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>) {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<?x?x?x8xf32>, tensor<1x1x8x16xf32>, tensor<16xf32>) -> tensor<?x?x?x16xf32>
  %1 = kiln.conv %x, %w3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<?x?x?x8xf32>, tensor<3x3x8x16xf32>) -> tensor<?x?x?x16xf32>
  return %0, %1 : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>
}

// -----

// A 1x1 conv of stride 2 with many output pixels (ResNet-50's downsampling shortcut): one
// strided slice (the even rows and columns), then the GEMM [784, 256] x [256, 512].
// CHECK-LABEL: func @pointwise_stride_2
// CHECK: %[[S:.*]] = kiln.slice %arg0 {{.*}}steps = array<i64: 1, 2, 2, 1>{{.*}} -> tensor<1x28x28x256xf32>
// CHECK: %[[M:.*]] = kiln.reshape %[[S]] : tensor<1x28x28x256xf32> to tensor<784x256xf32>
// CHECK: kiln.matmul %[[M]], %{{.*}} : (tensor<784x256xf32>, tensor<256x512xf32>) -> tensor<784x512xf32>
// CHECK-NOT: kiln.conv
func.func @pointwise_stride_2(%x: tensor<1x56x56x256xf32>, %w: tensor<1x1x256x512xf32>) -> tensor<1x28x28x512xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x56x56x256xf32>, tensor<1x1x256x512xf32>) -> tensor<1x28x28x512xf32>
  return %0 : tensor<1x28x28x512xf32>
}
