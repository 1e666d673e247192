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
