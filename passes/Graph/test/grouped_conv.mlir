// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-grouped-conv))' | FileCheck %s

// 8 groups of 4 channels + relu: one kiln.grouped_conv2d, the HWCF filter in blocks of one
// 16-lane vector ([2, KH, KW, 4, 16], folded at compile time), the pads kept (read in place),
// the relu as min = 0.
// CHECK-LABEL: func @width4_relu
// CHECK: %[[F:.*]] = kiln.constant {{.*}} : tensor<2x3x3x4x16xf32>
// CHECK: %[[Y:.*]] = kiln.grouped_conv2d %arg0, %[[F]] bias %arg1 {group = 8 : i64, max = 0x7FF0000000000000 : f64, min = 0.000000e+00 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x32xf32>, tensor<2x3x3x4x16xf32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
// CHECK-NOT: kiln.relu
// CHECK: return %[[Y]]
func.func @width4_relu(%x: tensor<1x8x8x32xf32>, %b: tensor<32xf32>) -> tensor<1x8x8x32xf32> {
  %w = kiln.constant dense<0.5> : tensor<3x3x4x32xf32>
  %c = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64, layout = "NHWC"} : (tensor<1x8x8x32xf32>, tensor<3x3x4x32xf32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
  %y = kiln.relu %c : tensor<1x8x8x32xf32>
  return %y : tensor<1x8x8x32xf32>
}

// -----

// 3 groups of 8 (RegNet's width) + clip: 24 channels in blocks of 16, the second half zeros.
// CHECK-LABEL: func @width8_clip
// CHECK: kiln.grouped_conv2d {{.*}} {group = 3 : i64, max = 6.000000e+00 : f64, min = 0.000000e+00 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x9x9x24xf32>, tensor<2x3x3x8x16xf32>) -> tensor<1x5x5x24xf32>
// CHECK-NOT: kiln.clip
func.func @width8_clip(%x: tensor<1x9x9x24xf32>) -> tensor<1x5x5x24xf32> {
  %w = kiln.constant dense<0.5> : tensor<3x3x8x24xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 3 : i64, layout = "NHWC"} : (tensor<1x9x9x24xf32>, tensor<3x3x8x24xf32>) -> tensor<1x5x5x24xf32>
  %y = kiln.clip %c {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x5x5x24xf32>
  return %y : tensor<1x5x5x24xf32>
}

// -----

// 3 groups of 8 + SiLU (Sigmoid, then Mul of the value by its sigmoid): applied as it stores.
// CHECK-LABEL: func @width8_silu
// CHECK: kiln.grouped_conv2d {{.*}}silu = true
// CHECK-NOT: kiln.sigmoid
// CHECK-NOT: kiln.mul
func.func @width8_silu(%x: tensor<1x9x9x24xf32>) -> tensor<1x5x5x24xf32> {
  %w = kiln.constant dense<0.5> : tensor<3x3x8x24xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 3 : i64, layout = "NHWC"} : (tensor<1x9x9x24xf32>, tensor<3x3x8x24xf32>) -> tensor<1x5x5x24xf32>
  %s = kiln.sigmoid %c : tensor<1x5x5x24xf32>
  %y = kiln.mul %c, %s : (tensor<1x5x5x24xf32>, tensor<1x5x5x24xf32>) -> tensor<1x5x5x24xf32>
  return %y : tensor<1x5x5x24xf32>
}

// -----

// 2 groups of 32: a tile of two vectors inside one group, blocks of 32 channels; no
// activation (min/max infinite); a residual add is not absorbed.
// CHECK-LABEL: func @width32
// CHECK: %[[Y:.*]] = kiln.grouped_conv2d {{.*}} : (tensor<1x7x7x64xf32>, tensor<2x3x3x32x32xf32>) -> tensor<1x7x7x64xf32>
// CHECK: kiln.add %[[Y]], %arg1
func.func @width32(%x: tensor<1x7x7x64xf32>, %r: tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32> {
  %w = kiln.constant dense<0.5> : tensor<3x3x32x64xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64, layout = "NHWC"} : (tensor<1x7x7x64xf32>, tensor<3x3x32x64xf32>) -> tensor<1x7x7x64xf32>
  %s = kiln.add %c, %r : (tensor<1x7x7x64xf32>, tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32>
  return %s : tensor<1x7x7x64xf32>
}

// -----

// A filter that is not a constant is blocked by ops that run with the model.
// CHECK-LABEL: func @runtime_filter
// CHECK: %[[R:.*]] = kiln.reshape %arg1 : tensor<3x3x2x32xf32> to tensor<3x3x2x2x16xf32>
// CHECK: %[[T:.*]] = kiln.transpose %[[R]] {perm = array<i64: 3, 0, 1, 2, 4>}
// CHECK: kiln.grouped_conv2d %arg0, %[[T]]
func.func @runtime_filter(%x: tensor<1x6x6x32xf32>, %w: tensor<3x3x2x32xf32>) -> tensor<1x6x6x32xf32> {
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 16 : i64, layout = "NHWC"} : (tensor<1x6x6x32xf32>, tensor<3x3x2x32xf32>) -> tensor<1x6x6x32xf32>
  return %c : tensor<1x6x6x32xf32>
}

// -----

// Not candidates: depthwise (one channel per group, kiln-depthwise-conv's), 12 output
// channels (no whole 8-lane vector), dilation, NCHW, 4 groups of 8 inputs and 2 outputs per
// 8-lane vector (more than two groups whose inputs do not fit one vector).
// CHECK-LABEL: func @untouched
// CHECK-NOT: grouped_conv2d
func.func @untouched(%x: tensor<1x8x8x16xf32>, %x12: tensor<1x8x8x12xf32>, %n: tensor<1x16x8x8xf32>, %x32: tensor<1x8x8x32xf32>) -> (tensor<1x8x8x16xf32>, tensor<1x8x8x12xf32>, tensor<1x6x6x16xf32>, tensor<1x16x8x8xf32>, tensor<1x8x8x8xf32>) {
  %wd = kiln.constant dense<0.5> : tensor<3x3x1x16xf32>
  %w12 = kiln.constant dense<0.5> : tensor<3x3x4x12xf32>
  %w = kiln.constant dense<0.5> : tensor<3x3x4x16xf32>
  %wn = kiln.constant dense<0.5> : tensor<16x4x3x3xf32>
  %w8 = kiln.constant dense<0.5> : tensor<3x3x8x8xf32>
  %0 = kiln.conv %x, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 16 : i64, layout = "NHWC"} : (tensor<1x8x8x16xf32>, tensor<3x3x1x16xf32>) -> tensor<1x8x8x16xf32>
  %1 = kiln.conv %x12, %w12 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 3 : i64, layout = "NHWC"} : (tensor<1x8x8x12xf32>, tensor<3x3x4x12xf32>) -> tensor<1x8x8x12xf32>
  %2 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 2, 2>, group = 4 : i64, layout = "NHWC"} : (tensor<1x8x8x16xf32>, tensor<3x3x4x16xf32>) -> tensor<1x6x6x16xf32>
  %3 = kiln.conv %n, %wn {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x16x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x8x8xf32>
  %4 = kiln.conv %x32, %w8 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64, layout = "NHWC"} : (tensor<1x8x8x32xf32>, tensor<3x3x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %0, %1, %2, %3, %4 : tensor<1x8x8x16xf32>, tensor<1x8x8x12xf32>, tensor<1x6x6x16xf32>, tensor<1x16x8x8xf32>, tensor<1x8x8x8xf32>
}
