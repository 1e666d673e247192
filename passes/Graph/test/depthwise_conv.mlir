// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-depthwise-conv))' | FileCheck %s

// A padded depthwise conv + clip: one kiln.depthwise_conv2d with the filter as [KH, KW, C],
// the pads kept (read in place), the clip as min/max.
// CHECK-LABEL: func @depthwise_clip
// CHECK: %[[F:.*]] = kiln.constant {{.*}} : tensor<3x3x32xf32>
// CHECK: %[[Y:.*]] = kiln.depthwise_conv2d %arg0, %[[F]] bias %arg1 {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x16x16x32xf32>, tensor<3x3x32xf32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
// CHECK-NOT: kiln.clip
// CHECK: return %[[Y]]
func.func @depthwise_clip(%x: tensor<1x16x16x32xf32>, %b: tensor<32xf32>) -> tensor<1x8x8x32xf32> {
  %w = kiln.constant dense<0.5> : tensor<3x3x1x32xf32>
  %c = kiln.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 32 : i64, layout = "NHWC"} : (tensor<1x16x16x32xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
  %y = kiln.clip %c {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x8x8x32xf32>
  return %y : tensor<1x8x8x32xf32>
}

// -----

// No residual is absorbed; an add after the conv stays.
// CHECK-LABEL: func @no_residual
// CHECK: kiln.depthwise_conv2d %arg0, %{{.*}} {max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64
// CHECK: kiln.add
func.func @no_residual(%x: tensor<1x8x8x16xf32>, %r: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %w = kiln.constant dense<0.5> : tensor<3x3x1x16xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 16 : i64, layout = "NHWC"} : (tensor<1x8x8x16xf32>, tensor<3x3x1x16xf32>) -> tensor<1x8x8x16xf32>
  %s = kiln.add %c, %r : (tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32>
  return %s : tensor<1x8x8x16xf32>
}

// -----

// Not candidates: a dense conv, a channel multiplier of 2, 12 channels, dilation, NCHW.
// CHECK-LABEL: func @untouched
// CHECK-NOT: depthwise_conv2d
func.func @untouched(%x: tensor<1x8x8x16xf32>, %x12: tensor<1x8x8x12xf32>, %n: tensor<1x16x8x8xf32>) -> (tensor<1x8x8x16xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x12xf32>, tensor<1x6x6x16xf32>, tensor<1x16x8x8xf32>) {
  %wd = kiln.constant dense<0.5> : tensor<3x3x16x16xf32>
  %wm = kiln.constant dense<0.5> : tensor<3x3x1x32xf32>
  %w12 = kiln.constant dense<0.5> : tensor<3x3x1x12xf32>
  %w = kiln.constant dense<0.5> : tensor<3x3x1x16xf32>
  %wn = kiln.constant dense<0.5> : tensor<16x1x3x3xf32>
  %0 = kiln.conv %x, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x8x8x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x8x8x16xf32>
  %1 = kiln.conv %x, %wm {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 16 : i64, layout = "NHWC"} : (tensor<1x8x8x16xf32>, tensor<3x3x1x32xf32>) -> tensor<1x8x8x32xf32>
  %2 = kiln.conv %x12, %w12 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 12 : i64, layout = "NHWC"} : (tensor<1x8x8x12xf32>, tensor<3x3x1x12xf32>) -> tensor<1x8x8x12xf32>
  %3 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 2, 2>, group = 16 : i64, layout = "NHWC"} : (tensor<1x8x8x16xf32>, tensor<3x3x1x16xf32>) -> tensor<1x6x6x16xf32>
  %4 = kiln.conv %n, %wn {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 16 : i64} : (tensor<1x16x8x8xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x8x8xf32>
  return %0, %1, %2, %3, %4 : tensor<1x8x8x16xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x12xf32>, tensor<1x6x6x16xf32>, tensor<1x16x8x8xf32>
}

// -----

// A hard swish after the conv (MobileNetV3) is applied as the conv stores, after a relu/clip.
// CHECK-LABEL: func @depthwise_hard_swish
// CHECK: %[[Y:.*]] = kiln.depthwise_conv2d %arg0, {{.*}}hard_swish = true{{.*}}max = 6.000000e+00 : f64, min = 0.000000e+00 : f64
// CHECK-NOT: kiln.hard_swish
// CHECK: return %[[Y]]
func.func @depthwise_hard_swish(%x: tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32> {
  %w = kiln.constant dense<0.5> : tensor<3x3x1x32xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 32 : i64, layout = "NHWC"} : (tensor<1x16x16x32xf32>, tensor<3x3x1x32xf32>) -> tensor<1x16x16x32xf32>
  %r = kiln.clip %c {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x16x16x32xf32>
  %y = kiln.hard_swish %r : tensor<1x16x16x32xf32>
  return %y : tensor<1x16x16x32xf32>
}

// -----

// A SiLU after the conv (EfficientNet; PyTorch exports it as Sigmoid then Mul of the value by
// its sigmoid): applied as the conv stores.
// CHECK-LABEL: func @depthwise_silu
// CHECK: %[[Y:.*]] = kiln.depthwise_conv2d %arg0, {{.*}}silu = true
// CHECK-NOT: kiln.sigmoid
// CHECK-NOT: kiln.mul
// CHECK: return %[[Y]]
func.func @depthwise_silu(%x: tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32> {
  %w = kiln.constant dense<0.5> : tensor<3x3x1x32xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 32 : i64, layout = "NHWC"} : (tensor<1x16x16x32xf32>, tensor<3x3x1x32xf32>) -> tensor<1x16x16x32xf32>
  %s = kiln.sigmoid %c : tensor<1x16x16x32xf32>
  %y = kiln.mul %s, %c : (tensor<1x16x16x32xf32>, tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  return %y : tensor<1x16x16x32xf32>
}

// -----

// Not a SiLU: the sigmoid is also used elsewhere (the conv's value then has the mul, the
// sigmoid and nothing else, but the gate must stay): no activation is absorbed.
// CHECK-LABEL: func @depthwise_sigmoid_used_twice
// CHECK: kiln.depthwise_conv2d
// CHECK-NOT: silu = true
// CHECK: kiln.sigmoid
// CHECK: kiln.mul
func.func @depthwise_sigmoid_used_twice(%x: tensor<1x16x16x32xf32>) -> (tensor<1x16x16x32xf32>, tensor<1x16x16x32xf32>) {
  %w = kiln.constant dense<0.5> : tensor<3x3x1x32xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 32 : i64, layout = "NHWC"} : (tensor<1x16x16x32xf32>, tensor<3x3x1x32xf32>) -> tensor<1x16x16x32xf32>
  %s = kiln.sigmoid %c : tensor<1x16x16x32xf32>
  %y = kiln.mul %c, %s : (tensor<1x16x16x32xf32>, tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  return %y, %s : tensor<1x16x16x32xf32>, tensor<1x16x16x32xf32>
}

// -----

// Symbolic batch and image dims (static channels): the same op, the sizes left to run time.
// CHECK-LABEL: func @depthwise_dynamic
// CHECK: %[[Y:.*]] = kiln.depthwise_conv2d %arg0, %{{.*}} bias %arg1 {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x?x?x32xf32>, tensor<3x3x32xf32>, tensor<32xf32>) -> tensor<?x?x?x32xf32>
// CHECK-NOT: kiln.clip
// CHECK: return %[[Y]]
func.func @depthwise_dynamic(%x: tensor<?x?x?x32xf32>, %b: tensor<32xf32>) -> tensor<?x?x?x32xf32> {
  %w = kiln.constant dense<0.5> : tensor<3x3x1x32xf32>
  %c = kiln.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 32 : i64, layout = "NHWC"} : (tensor<?x?x?x32xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<?x?x?x32xf32>
  %y = kiln.clip %c {min = 0.0 : f64, max = 6.0 : f64} : tensor<?x?x?x32xf32>
  return %y : tensor<?x?x?x32xf32>
}
