// RUN: kiln-opt %s -split-input-file -kiln-int8-conv-im2col -verify-diagnostics | FileCheck %s

// Symbolic batch and image dims: the patch matrix is a kiln.im2col symbolic where the input
// is, and the matmul takes it as it is ([?, ?, ?, 72]: kiln.matmul_int8 folds the leading
// dims into its rows at run time; a kiln.reshape to [?, 72] could not be undone). The conv's
// result is the matmul's, no reshape.
// CHECK-LABEL: func.func @symbolic_3x3
// CHECK: %[[C:.*]] = kiln.im2col %arg0 {{.*}} : (tensor<?x?x?x8xui8>) -> tensor<?x?x?x72xui8>
// CHECK-NOT: kiln.reshape
// CHECK: %[[F:.*]] = kiln.cast %[[C]] : tensor<?x?x?x72xui8> to tensor<?x?x?x72xf32>
// CHECK: %[[MM:.*]] = kiln.matmul %{{.*}}, %{{.*}} : (tensor<?x?x?x72xf32>, tensor<72x4xf32>) -> tensor<?x?x?x4xf32>
// CHECK: %[[B:.*]] = kiln.add %[[MM]], %arg1
// CHECK-NOT: kiln.reshape
// CHECK: return %[[B]]
func.func @symbolic_3x3(%x: tensor<?x?x?x8xui8>, %b: tensor<4xf32>) -> tensor<?x?x?x4xf32> {
  %zp = kiln.constant dense<128.0> : tensor<f32>
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<3x3x8x4xf32>
  %0 = kiln.cast %x : tensor<?x?x?x8xui8> to tensor<?x?x?x8xf32>
  %1 = kiln.sub %0, %zp : (tensor<?x?x?x8xf32>, tensor<f32>) -> tensor<?x?x?x8xf32>
  %2 = kiln.mul %1, %s : (tensor<?x?x?x8xf32>, tensor<f32>) -> tensor<?x?x?x8xf32>
  %3 = kiln.conv %2, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x?x?x8xf32>, tensor<3x3x8x4xf32>, tensor<4xf32>) -> tensor<?x?x?x4xf32>
  return %3 : tensor<?x?x?x4xf32>
}

// -----

// A pointwise conv over symbolic image dims (static batch): the 8-bit input is the patch
// matrix.
// CHECK-LABEL: func.func @symbolic_pointwise
// CHECK-NOT: kiln.im2col
// CHECK: %[[F:.*]] = kiln.cast %arg0 : tensor<1x?x?x8xui8> to tensor<1x?x?x8xf32>
// CHECK: kiln.matmul %{{.*}}, %{{.*}} : (tensor<1x?x?x8xf32>, tensor<8x16xf32>) -> tensor<1x?x?x16xf32>
// CHECK-NOT: kiln.conv
func.func @symbolic_pointwise(%x: tensor<1x?x?x8xui8>) -> tensor<1x?x?x16xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<0.25> : tensor<1x1x8x16xf32>
  %0 = kiln.cast %x : tensor<1x?x?x8xui8> to tensor<1x?x?x8xf32>
  %1 = kiln.mul %0, %s : (tensor<1x?x?x8xf32>, tensor<f32>) -> tensor<1x?x?x8xf32>
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x?x?x8xf32>, tensor<1x1x8x16xf32>) -> tensor<1x?x?x16xf32>
  return %2 : tensor<1x?x?x16xf32>
}
