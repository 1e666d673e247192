// RUN: kiln-opt %s -kiln-fuse-elementwise=int8-epilogues=true | FileCheck %s --check-prefix=EPILOGUE
// RUN: kiln-opt %s -kiln-fuse-elementwise | FileCheck %s --check-prefix=SEPARATE

// The requantization of an int8 GEMM's sums (zero-point term, scale, round, zero point,
// saturation, cast to ui8): with int8-epilogues (the CPU, whose VNNI kernel applies it to its
// accumulators) kiln.matmul_int8 anchors it; without, the GEMM is a kernel of its own and
// the requantization another.
// EPILOGUE: kiln.fused "matmul_int8+sub+cast+mul+round+add+clip+cast" -> tensor<4x2xui8>
// SEPARATE: %[[P:.*]] = kiln.matmul_int8
// SEPARATE: kiln.fused "sub+cast+mul+round+add+clip+cast" -> tensor<4x2xui8>
// SEPARATE: kiln.sub %[[P]]
func.func @requantize(%a: tensor<4x3xui8>, %w: tensor<1x1x256xi8>) -> tensor<4x2xui8> {
  %colterm = kiln.constant dense<[5, 7]> : tensor<2xi32>
  %scale = kiln.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %zp = kiln.constant dense<128.0> : tensor<f32>
  %p = kiln.matmul_int8 %a, %w : (tensor<4x3xui8>, tensor<1x1x256xi8>) -> tensor<4x2xi32>
  %0 = kiln.sub %p, %colterm : (tensor<4x2xi32>, tensor<2xi32>) -> tensor<4x2xi32>
  %1 = kiln.cast %0 : tensor<4x2xi32> to tensor<4x2xf32>
  %2 = kiln.mul %1, %scale : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %3 = kiln.round %2 : tensor<4x2xf32>
  %4 = kiln.add %3, %zp : (tensor<4x2xf32>, tensor<f32>) -> tensor<4x2xf32>
  %5 = kiln.clip %4 {max = 255.0 : f64, min = 0.0 : f64} : tensor<4x2xf32>
  %6 = kiln.cast %5 : tensor<4x2xf32> to tensor<4x2xui8>
  return %6 : tensor<4x2xui8>
}
