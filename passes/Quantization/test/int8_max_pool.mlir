// RUN: kiln-opt %s -split-input-file -kiln-int8-max-pool | FileCheck %s

// A ResNet stem's DQ -> max pool -> Q with the same scale and zero point: the pool takes the
// ui8 values and its result replaces the quantization's; no float op is left.
// CHECK-LABEL: func.func @same_params
// CHECK: %[[P:.*]] = kiln.max_pool %arg0 {{.*}}pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x8x16xui8>) -> tensor<1x4x4x16xui8>
// CHECK-NEXT: return %[[P]]
func.func @same_params(%x: tensor<1x8x8x16xui8>) -> tensor<1x4x4x16xui8> {
  %z = kiln.constant dense<3.0> : tensor<f32>
  %s = kiln.constant dense<0.05> : tensor<f32>
  %z4 = kiln.constant dense<3.0> : tensor<1x1x1x1xf32>
  %s4 = kiln.constant dense<0.05> : tensor<1x1x1x1xf32>
  %0 = kiln.cast %x : tensor<1x8x8x16xui8> to tensor<1x8x8x16xf32>
  %1 = kiln.sub %0, %z : (tensor<1x8x8x16xf32>, tensor<f32>) -> tensor<1x8x8x16xf32>
  %2 = kiln.mul %1, %s : (tensor<1x8x8x16xf32>, tensor<f32>) -> tensor<1x8x8x16xf32>
  %3 = kiln.max_pool %2 {ceil_mode = false, count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32>
  %4 = kiln.div %3, %s4 : (tensor<1x4x4x16xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x16xf32>
  %5 = kiln.round %4 : tensor<1x4x4x16xf32>
  %6 = kiln.add %5, %z4 : (tensor<1x4x4x16xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x16xf32>
  %7 = kiln.clip %6 {max = 255.0 : f64, min = 0.0 : f64} : tensor<1x4x4x16xf32>
  %8 = kiln.cast %7 : tensor<1x4x4x16xf32> to tensor<1x4x4x16xui8>
  return %8 : tensor<1x4x4x16xui8>
}

// -----

// A different output scale, an NHWC pool behind a transpose of the dequantized i8 values
// (no zero point), a float result: the i8 values are transposed and pooled, then dequantized
// (cast, mul) and the quantization stays.
// CHECK-LABEL: func.func @other_scale_transposed
// CHECK: %[[T:.*]] = kiln.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x16x8x8xi8>) -> tensor<1x8x8x16xi8>
// CHECK: %[[P:.*]] = kiln.max_pool %[[T]] {{.*}} : (tensor<1x8x8x16xi8>) -> tensor<1x4x4x16xi8>
// CHECK: %[[F:.*]] = kiln.cast %[[P]] : tensor<1x4x4x16xi8> to tensor<1x4x4x16xf32>
// CHECK: %[[D:.*]] = kiln.mul %[[F]], %{{.*}} : (tensor<1x4x4x16xf32>, tensor<f32>) -> tensor<1x4x4x16xf32>
// CHECK: kiln.div %[[D]]
// CHECK: return
func.func @other_scale_transposed(%x: tensor<1x16x8x8xi8>) -> (tensor<1x4x4x16xi8>) {
  %s = kiln.constant dense<0.05> : tensor<f32>
  %s2 = kiln.constant dense<0.1> : tensor<f32>
  %0 = kiln.cast %x : tensor<1x16x8x8xi8> to tensor<1x16x8x8xf32>
  %1 = kiln.mul %0, %s : (tensor<1x16x8x8xf32>, tensor<f32>) -> tensor<1x16x8x8xf32>
  %2 = kiln.transpose %1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x16x8x8xf32>) -> tensor<1x8x8x16xf32>
  %3 = kiln.max_pool %2 {ceil_mode = false, count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32>
  %4 = kiln.div %3, %s2 : (tensor<1x4x4x16xf32>, tensor<f32>) -> tensor<1x4x4x16xf32>
  %5 = kiln.round %4 : tensor<1x4x4x16xf32>
  %6 = kiln.clip %5 {max = 127.0 : f64, min = -128.0 : f64} : tensor<1x4x4x16xf32>
  %7 = kiln.cast %6 : tensor<1x4x4x16xf32> to tensor<1x4x4x16xi8>
  return %7 : tensor<1x4x4x16xi8>
}

// -----

// Left alone: a scale that is not a positive constant (a negative scale reverses the order),
// a pool of float values that are not dequantized, and pools the 8-bit vector code does not
// take (12 channels: no whole 8-lane vectors; NCHW).
// CHECK-LABEL: func.func @not_dequantized
// CHECK: kiln.max_pool %{{.*}} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32>
// CHECK: kiln.max_pool %arg1 {{.*}} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32>
// CHECK: kiln.max_pool %{{.*}} : (tensor<1x8x8x12xf32>) -> tensor<1x4x4x12xf32>
// CHECK: kiln.max_pool %{{.*}} : (tensor<1x16x8x8xf32>) -> tensor<1x16x4x4xf32>
// CHECK-NOT: ui8>) -> tensor<
func.func @not_dequantized(%x: tensor<1x8x8x16xui8>, %f: tensor<1x8x8x16xf32>, %x12: tensor<1x8x8x12xui8>, %xc: tensor<1x16x8x8xui8>) -> (tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x12xf32>, tensor<1x16x4x4xf32>) {
  %s = kiln.constant dense<-0.05> : tensor<f32>
  %0 = kiln.cast %x : tensor<1x8x8x16xui8> to tensor<1x8x8x16xf32>
  %1 = kiln.mul %0, %s : (tensor<1x8x8x16xf32>, tensor<f32>) -> tensor<1x8x8x16xf32>
  %2 = kiln.max_pool %1 {ceil_mode = false, count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32>
  %3 = kiln.max_pool %f {ceil_mode = false, count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32>
  %s2 = kiln.constant dense<0.05> : tensor<f32>
  %4 = kiln.cast %x12 : tensor<1x8x8x12xui8> to tensor<1x8x8x12xf32>
  %5 = kiln.mul %4, %s2 : (tensor<1x8x8x12xf32>, tensor<f32>) -> tensor<1x8x8x12xf32>
  %6 = kiln.max_pool %5 {ceil_mode = false, count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x8x12xf32>) -> tensor<1x4x4x12xf32>
  %7 = kiln.cast %xc : tensor<1x16x8x8xui8> to tensor<1x16x8x8xf32>
  %8 = kiln.mul %7, %s2 : (tensor<1x16x8x8xf32>, tensor<f32>) -> tensor<1x16x8x8xf32>
  %9 = kiln.max_pool %8 {ceil_mode = false, count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x16x8x8xf32>) -> tensor<1x16x4x4xf32>
  return %2, %3, %6, %9 : tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x12xf32>, tensor<1x16x4x4xf32>
}
