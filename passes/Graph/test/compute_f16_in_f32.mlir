// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-compute-f16-in-f32))' | FileCheck %s

// An f16 graph: the input is cast once, the constant widened at compile time, the ops compute
// in f32, the model's own cast to f16 disappears, the result is cast back to f16.
// CHECK-LABEL: func @half
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf16>) -> tensor<2x3xf16>
// CHECK: %[[W:.*]] = kiln.cast %[[X]] : tensor<2x3xf16> to tensor<2x3xf32>
// CHECK: %[[C:.*]] = kiln.constant dense<1.500000e+00> : tensor<3xf32>
// CHECK: %[[A:.*]] = kiln.add %[[W]], %[[C]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: %[[R:.*]] = kiln.relu %[[A]] : tensor<2x3xf32>
// CHECK: %[[N:.*]] = kiln.cast %[[R]] : tensor<2x3xf32> to tensor<2x3xf16>
// CHECK: return %[[N]]
func.func @half(%x: tensor<2x3xf16>) -> tensor<2x3xf16> {
  %c = kiln.constant dense<1.5> : tensor<3xf16>
  %a = kiln.add %x, %c : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  %f = kiln.cast %a : tensor<2x3xf16> to tensor<2x3xf32>
  %h = kiln.cast %f : tensor<2x3xf32> to tensor<2x3xf16>
  %r = kiln.relu %h : tensor<2x3xf16>
  return %r : tensor<2x3xf16>
}

// -----

// An f32 model with an f16 section (a cast to f16 and back) computes in f32 throughout.
// CHECK-LABEL: func @section
// CHECK-NOT: f16
// CHECK: kiln.sigmoid %arg0 : tensor<4xf32>
// CHECK-NEXT: return
func.func @section(%x: tensor<4xf32>) -> tensor<4xf32> {
  %h = kiln.cast %x : tensor<4xf32> to tensor<4xf16>
  %s = kiln.sigmoid %h : tensor<4xf16>
  %f = kiln.cast %s : tensor<4xf16> to tensor<4xf32>
  return %f : tensor<4xf32>
}

// -----

// Graphs without f16 are untouched.
// CHECK-LABEL: func @float
// CHECK-NEXT: kiln.relu %arg0 : tensor<4xf32>
func.func @float(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = kiln.relu %x : tensor<4xf32>
  return %r : tensor<4xf32>
}
