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

// -----

// Constants of many values widen exactly: normals, -0, the smallest subnormal (2^-24), the
// largest half, infinities and NaN; bf16 too.
// CHECK-LABEL: func @widened
// CHECK: kiln.constant dense<[1.500000e+00, -0.000000e+00, 5.96046448E-8, 6.550400e+04, 0x7F800000, 0xFF800000, 0x7FC00000]> : tensor<7xf32>
// CHECK: kiln.constant dense<[-3.140625, 1.000000e+00, 3.38953139E+38, 9.183550e-41]> : tensor<4xf32>
func.func @widened(%x: tensor<7xf16>, %y: tensor<4xbf16>) -> (tensor<7xf16>, tensor<4xbf16>) {
  %c = kiln.constant dense<[1.5, -0.0, 0x0001, 65504.0, 0x7C00, 0xFC00, 0x7E00]> : tensor<7xf16>
  %a = kiln.add %x, %c : (tensor<7xf16>, tensor<7xf16>) -> tensor<7xf16>
  %d = kiln.constant dense<[-3.140625, 1.0, 0x7F7F, 0x0001]> : tensor<4xbf16>
  %b = kiln.add %y, %d : (tensor<4xbf16>, tensor<4xbf16>) -> tensor<4xbf16>
  return %a, %b : tensor<7xf16>, tensor<4xbf16>
}
