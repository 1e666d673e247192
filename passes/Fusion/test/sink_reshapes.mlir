// RUN: kiln-opt %s -split-input-file -kiln-sink-reshapes | FileCheck %s

// An im2col convolution's epilogue: the bias add, residual add and relu move above the reshape
// to NHWC, next to the matmul.
// CHECK-LABEL: func.func @epilogue
// CHECK: %[[M:.*]] = kiln.matmul
// CHECK: %[[B:.*]] = kiln.add %[[M]], %{{.*}} : (tensor<196x256xf32>, tensor<256xf32>) -> tensor<196x256xf32>
// CHECK: %[[S:.*]] = kiln.add %[[B]], %arg1 : (tensor<196x256xf32>, tensor<196x256xf32>) -> tensor<196x256xf32>
// CHECK: %[[R:.*]] = kiln.relu %[[S]] : tensor<196x256xf32>
// CHECK: %[[V:.*]] = kiln.reshape %[[R]] : tensor<196x256xf32> to tensor<1x14x14x256xf32>
// CHECK: return %[[V]]
func.func @epilogue(%x: tensor<196x128xf32>, %res: tensor<196x256xf32>, %w: tensor<128x256xf32>, %b: tensor<1x1x1x256xf32>) -> tensor<1x14x14x256xf32> {
  %0 = kiln.matmul %x, %w : (tensor<196x128xf32>, tensor<128x256xf32>) -> tensor<196x256xf32>
  %1 = kiln.reshape %0 : tensor<196x256xf32> to tensor<1x14x14x256xf32>
  %2 = kiln.add %1, %b : (tensor<1x14x14x256xf32>, tensor<1x1x1x256xf32>) -> tensor<1x14x14x256xf32>
  %3 = kiln.reshape %res : tensor<196x256xf32> to tensor<1x14x14x256xf32>
  %4 = kiln.add %2, %3 : (tensor<1x14x14x256xf32>, tensor<1x14x14x256xf32>) -> tensor<1x14x14x256xf32>
  %5 = kiln.relu %4 : tensor<1x14x14x256xf32>
  return %5 : tensor<1x14x14x256xf32>
}

// -----

// An operand that varies along a dim the reshape merges would broadcast differently: no move.
// CHECK-LABEL: func.func @blocked
// CHECK: kiln.reshape
// CHECK-NEXT: kiln.add
// CHECK-NEXT: return
func.func @blocked(%x: tensor<196x256xf32>, %c: tensor<14x1x256xf32>) -> tensor<1x14x14x256xf32> {
  %0 = kiln.reshape %x : tensor<196x256xf32> to tensor<1x14x14x256xf32>
  %1 = kiln.add %0, %c : (tensor<1x14x14x256xf32>, tensor<14x1x256xf32>) -> tensor<1x14x14x256xf32>
  return %1 : tensor<1x14x14x256xf32>
}

// -----

// Row sums of an im2col matrix: the reduction over the trailing dim the reshape keeps reads
// the 4-D value (here the widening cast, so that the two can share a kernel).
// CHECK-LABEL: func.func @row_sums
// CHECK: %[[C:.*]] = kiln.cast %arg0 : tensor<1x4x4x36xui8> to tensor<1x4x4x36xi32>
// CHECK: %[[R:.*]] = kiln.reduce sum %[[C]] {axes = array<i64: 3>, keepdims = true} : (tensor<1x4x4x36xi32>) -> tensor<1x4x4x1xi32>
// CHECK: kiln.reshape %[[R]] : tensor<1x4x4x1xi32> to tensor<16x1xi32>
func.func @row_sums(%p: tensor<1x4x4x36xui8>) -> tensor<16x1xi32> {
  %0 = kiln.reshape %p : tensor<1x4x4x36xui8> to tensor<16x36xui8>
  %1 = kiln.cast %0 : tensor<16x36xui8> to tensor<16x36xi32>
  %2 = kiln.reduce sum %1 {axes = array<i64: 1>, keepdims = true} : (tensor<16x36xi32>) -> tensor<16x1xi32>
  return %2 : tensor<16x1xi32>
}

// -----

// Over every axis any reshape reads the same elements; over a dim the reshape splits it does
// not: no move.
// CHECK-LABEL: func.func @all_and_split
// CHECK: kiln.reduce max %arg0 {axes = array<i64: 0, 1>, keepdims = false} : (tensor<16x36xf32>) -> tensor<f32>
// CHECK: %[[V:.*]] = kiln.reshape %arg0 : tensor<16x36xf32> to tensor<16x6x6xf32>
// CHECK: kiln.reduce sum %[[V]] {axes = array<i64: 2>
func.func @all_and_split(%x: tensor<16x36xf32>) -> (tensor<f32>, tensor<16x6x1xf32>) {
  %0 = kiln.reshape %x : tensor<16x36xf32> to tensor<1x4x4x36xf32>
  %1 = kiln.reduce max %0 {axes = array<i64: 0, 1, 2, 3>, keepdims = false} : (tensor<1x4x4x36xf32>) -> tensor<f32>
  %2 = kiln.reshape %x : tensor<16x36xf32> to tensor<16x6x6xf32>
  %3 = kiln.reduce sum %2 {axes = array<i64: 2>, keepdims = true} : (tensor<16x6x6xf32>) -> tensor<16x6x1xf32>
  return %1, %3 : tensor<f32>, tensor<16x6x1xf32>
}
