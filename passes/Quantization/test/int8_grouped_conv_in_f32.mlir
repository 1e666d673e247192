// RUN: kiln-opt %s -split-input-file -kiln-int8-grouped-conv-in-f32 | FileCheck %s

// A depthwise i32 conv of ui8 activations (zero point 7) with an i32 bias: at most
// 9 * 248 * 3 + 5 in magnitude per output, exact in float32; the conv runs in float between
// casts, the constants converted at compile time.
// CHECK-LABEL: func.func @depthwise
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<-3.000000e+00> : tensor<8x1x3x3xf32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<5.000000e+00> : tensor<8xf32>
// CHECK-DAG: %[[Z:.*]] = kiln.constant dense<7.000000e+00> : tensor<f32>
// CHECK: %[[X:.*]] = kiln.cast %arg0 : tensor<1x8x6x6xui8> to tensor<1x8x6x6xf32>
// CHECK: %[[S:.*]] = kiln.sub %[[X]], %[[Z]]
// CHECK: %[[C:.*]] = kiln.conv %[[S]], %[[W]], %[[B]] {{.*}}group = 8{{.*}} -> tensor<1x8x6x6xf32>
// CHECK: kiln.cast %[[C]] : tensor<1x8x6x6xf32> to tensor<1x8x6x6xi32>
func.func @depthwise(%x: tensor<1x8x6x6xui8>) -> tensor<1x8x6x6xi32> {
  %zp = kiln.constant dense<7> : tensor<i32>
  %w = kiln.constant dense<-3> : tensor<8x1x3x3xi32>
  %b = kiln.constant dense<5> : tensor<8xi32>
  %0 = kiln.cast %x : tensor<1x8x6x6xui8> to tensor<1x8x6x6xi32>
  %1 = kiln.sub %0, %zp : (tensor<1x8x6x6xi32>, tensor<i32>) -> tensor<1x8x6x6xi32>
  %2 = kiln.conv %1, %w, %b {dilations = array<i64: 1, 1>, group = 8 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6xi32>, tensor<8x1x3x3xi32>, tensor<8xi32>) -> tensor<1x8x6x6xi32>
  return %2 : tensor<1x8x6x6xi32>
}

// -----

// 2 groups of 64 channels, 3x3, every weight -128: 576 * 128 * 255 >= 2^24, not exact in
// float32; the conv stays i32.
// CHECK-LABEL: func.func @past_exact_floats
// CHECK: kiln.conv {{.*}} -> tensor<1x2x4x4xi32>
// CHECK-NOT: f32
func.func @past_exact_floats(%x: tensor<1x128x4x4xui8>) -> tensor<1x2x4x4xi32> {
  %w = kiln.constant dense<-128> : tensor<2x64x3x3xi32>
  %0 = kiln.cast %x : tensor<1x128x4x4xui8> to tensor<1x128x4x4xi32>
  %1 = kiln.conv %0, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x128x4x4xi32>, tensor<2x64x3x3xi32>) -> tensor<1x2x4x4xi32>
  return %1 : tensor<1x2x4x4xi32>
}

// -----

// Dense (group 1) convs are left to kiln-int8-conv-im2col.
// CHECK-LABEL: func.func @dense
// CHECK: kiln.conv {{.*}} -> tensor<1x2x4x4xi32>
// CHECK-NOT: f32
func.func @dense(%x: tensor<1x3x4x4xui8>) -> tensor<1x2x4x4xi32> {
  %w = kiln.constant dense<1> : tensor<2x3x3x3xi32>
  %0 = kiln.cast %x : tensor<1x3x4x4xui8> to tensor<1x3x4x4xi32>
  %1 = kiln.conv %0, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xi32>, tensor<2x3x3x3xi32>) -> tensor<1x2x4x4xi32>
  return %1 : tensor<1x2x4x4xi32>
}
