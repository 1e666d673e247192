// RUN: kiln-opt %s -kiln-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s

// The lowered IR bufferizes and becomes loops (sanity for the downstream pipeline).

// CHECK-LABEL: func.func @cnn_block
// CHECK-SAME: memref<1x4x8x8xf32
// CHECK-NOT: tensor.
// CHECK-NOT: linalg.
// CHECK: scf.for
// CHECK: return
func.func @cnn_block(%x: tensor<1x4x8x8xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x5x5xf32> {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2} : (tensor<1x4x8x8xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  %1 = kiln.relu %0 : tensor<1x8x8x8xf32>
  %2 = kiln.avg_pool %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = true, count_include_pad = false} : (tensor<1x8x8x8xf32>) -> tensor<1x8x5x5xf32>
  return %2 : tensor<1x8x5x5xf32>
}

// -----

// CHECK-LABEL: func.func @transformer_block
// CHECK-NOT: tensor.
// CHECK-NOT: linalg.
// CHECK: scf.for
// CHECK: math.exp
// CHECK: return
func.func @transformer_block(%x: tensor<1x16x32xf32>, %w: tensor<32x32xf32>, %s: tensor<32xf32>, %ids: tensor<1x16xi64>, %emb: tensor<100x32xf32>) -> tensor<1x16x32xf32> {
  %e = kiln.gather %emb, %ids {axis = 0} : (tensor<100x32xf32>, tensor<1x16xi64>) -> tensor<1x16x32xf32>
  %0 = kiln.add %x, %e : (tensor<1x16x32xf32>, tensor<1x16x32xf32>) -> tensor<1x16x32xf32>
  %1 = kiln.matmul %0, %w : (tensor<1x16x32xf32>, tensor<32x32xf32>) -> tensor<1x16x32xf32>
  %2 = kiln.softmax %1 {axis = 2} : tensor<1x16x32xf32>
  %3 = kiln.layer_norm %2, %s, %s {axis = 2, epsilon = 1.0e-5} : (tensor<1x16x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<1x16x32xf32>
  return %3 : tensor<1x16x32xf32>
}

// -----

// CHECK-LABEL: func.func @data_movement
// CHECK-NOT: tensor.
// CHECK-NOT: linalg.
// CHECK: return
func.func @data_movement(%x: tensor<2x3x4xf32>, %y: tensor<2x5x4xf32>) -> tensor<4x2x10xf32> {
  %0 = kiln.concat %x, %y {axis = 1} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>) -> tensor<2x8x4xf32>
  %1 = kiln.pad reflect %0 {pads = array<i64: 0, 1, 0, 0, 1, 0>, value = 0.0} : (tensor<2x8x4xf32>) -> tensor<2x10x4xf32>
  %2 = kiln.transpose %1 {perm = array<i64: 2, 0, 1>} : (tensor<2x10x4xf32>) -> tensor<4x2x10xf32>
  %3 = kiln.slice %2 {starts = array<i64: 3, 1, 9>, ends = array<i64: -1, -1, -1>, steps = array<i64: -1, -1, -1>} : (tensor<4x2x10xf32>) -> tensor<4x2x10xf32>
  return %3 : tensor<4x2x10xf32>
}
