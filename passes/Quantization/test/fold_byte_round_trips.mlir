// RUN: kiln-opt %s -split-input-file -kiln-fold-byte-round-trips | FileCheck %s

// A QuantizeLinear then DequantizeLinear feeding a sigmoid (a QDQ model's SiLU): the clipped,
// rounded value is already the 8-bit value, as a float; the two casts go.
// CHECK-LABEL: func.func @silu_after_qdq
// CHECK: %[[C:.*]] = kiln.clip
// CHECK-NOT: kiln.cast
// CHECK: kiln.sub %[[C]]
// CHECK: kiln.sigmoid
func.func @silu_after_qdq(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %s = kiln.constant dense<0.05> : tensor<f32>
  %z = kiln.constant dense<3.0> : tensor<f32>
  %0 = kiln.div %x, %s : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %1 = kiln.round %0 : tensor<4x16xf32>
  %2 = kiln.add %1, %z : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %3 = kiln.clip %2 {max = 255.0 : f64, min = 0.0 : f64} : tensor<4x16xf32>
  %4 = kiln.cast %3 : tensor<4x16xf32> to tensor<4x16xui8>
  %5 = kiln.cast %4 : tensor<4x16xui8> to tensor<4x16xf32>
  %6 = kiln.sub %5, %z : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %7 = kiln.mul %6, %s : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %8 = kiln.sigmoid %7 : tensor<4x16xf32>
  %9 = kiln.mul %7, %8 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %9 : tensor<4x16xf32>
}

// -----

// Left alone: the 8-bit values are also read elsewhere (an int8 op's input: they stay 8-bit
// between kernels); the clip is wider than i8; the value is not rounded (a fraction would
// truncate); a non-integer subtrahend.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-8: kiln.cast
func.func @kept(%x: tensor<8xf32>) -> (tensor<8xui8>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %h = kiln.constant dense<0.5> : tensor<f32>
  %r = kiln.round %x : tensor<8xf32>
  %a = kiln.clip %r {max = 255.0 : f64, min = 0.0 : f64} : tensor<8xf32>
  %a8 = kiln.cast %a : tensor<8xf32> to tensor<8xui8>
  %af = kiln.cast %a8 : tensor<8xui8> to tensor<8xf32>
  %b = kiln.clip %r {max = 255.0 : f64, min = -128.0 : f64} : tensor<8xf32>
  %b8 = kiln.cast %b : tensor<8xf32> to tensor<8xi8>
  %bf = kiln.cast %b8 : tensor<8xi8> to tensor<8xf32>
  %c = kiln.clip %x {max = 127.0 : f64, min = -128.0 : f64} : tensor<8xf32>
  %c8 = kiln.cast %c : tensor<8xf32> to tensor<8xi8>
  %cf = kiln.cast %c8 : tensor<8xi8> to tensor<8xf32>
  %d0 = kiln.sub %r, %h : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %d = kiln.clip %d0 {max = 127.0 : f64, min = -128.0 : f64} : tensor<8xf32>
  %d8 = kiln.cast %d : tensor<8xf32> to tensor<8xi8>
  %df = kiln.cast %d8 : tensor<8xi8> to tensor<8xf32>
  %s1 = kiln.add %af, %bf : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %a8, %s1, %cf, %df : tensor<8xui8>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
