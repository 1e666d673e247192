// RUN: kiln-opt %s -kiln-fuse-elementwise="int8-epilogues=true producers=true" | FileCheck %s

// A quantized residual block's end: the conv's sums requantized and dequantized, added to the
// dequantized identity (an 8-bit value defined earlier), then quantized. The identity's
// dequantization comes first in block order; int8 GEMMs start their groups first, so the add
// joins the GEMM's epilogue and the dequantization joins as its producer: one kernel that
// reads the 8-bit identity, instead of the GEMM writing f32 for an add kernel of its own.
// CHECK-LABEL: func.func @residual
// CHECK: %[[F:.*]] = kiln.fused "cast+mul+matmul_int8+cast+mul+round+clip+mul+add+round+clip+cast" -> tensor<4x2xui8>
// CHECK-NEXT: kiln.cast %arg2
// CHECK: kiln.matmul_int8 %arg0, %arg1
// CHECK: kiln.add
// CHECK: kiln.yield
// CHECK-NOT: kiln.fused
// CHECK: return %[[F]]
func.func @residual(%a: tensor<4x3xui8>, %w: tensor<1x1x256xi8>, %identity: tensor<4x2xui8>) -> tensor<4x2xui8> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %i0 = kiln.cast %identity : tensor<4x2xui8> to tensor<4x2xf32>
  %i1 = kiln.mul %i0, %s : (tensor<4x2xf32>, tensor<f32>) -> tensor<4x2xf32>
  %p = kiln.matmul_int8 %a, %w : (tensor<4x3xui8>, tensor<1x1x256xi8>) -> tensor<4x2xi32>
  %0 = kiln.cast %p : tensor<4x2xi32> to tensor<4x2xf32>
  %1 = kiln.mul %0, %s : (tensor<4x2xf32>, tensor<f32>) -> tensor<4x2xf32>
  %2 = kiln.round %1 : tensor<4x2xf32>
  %3 = kiln.clip %2 {max = 255.0 : f64, min = 0.0 : f64} : tensor<4x2xf32>
  %4 = kiln.mul %3, %s : (tensor<4x2xf32>, tensor<f32>) -> tensor<4x2xf32>
  %5 = kiln.add %4, %i1 : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %6 = kiln.round %5 : tensor<4x2xf32>
  %7 = kiln.clip %6 {max = 255.0 : f64, min = 0.0 : f64} : tensor<4x2xf32>
  %8 = kiln.cast %7 : tensor<4x2xf32> to tensor<4x2xui8>
  return %8 : tensor<4x2xui8>
}
