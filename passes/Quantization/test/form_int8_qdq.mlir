// RUN: kiln-opt %s -split-input-file -kiln-form-int8-qdq -verify-diagnostics | FileCheck %s

// DequantizeLinear'd ui8 activations (zero point 128, scale 0.5) against weights that are
// int8 values times a per-column scale ([1, -2; 127, 127] * [0.25, 0.125]): the exact i32
// product of kiln.matmul_int8, then float(acc) * (0.5 * s_n).
// CHECK-LABEL: func.func @qdq
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<"0x017F0000FE7F0000{{(00)+}}"> : tensor<1x1x256xi8>
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<[1.250000e-01, 6.250000e-02]> : tensor<2xf32>
// CHECK: %[[P:.*]] = kiln.matmul_int8 %arg0, %[[W]] : (tensor<3x2xui8>, tensor<1x1x256xi8>) -> tensor<3x2xi32>
// CHECK: %[[C:.*]] = kiln.sub %[[P]], %{{.*}} : (tensor<3x2xi32>, tensor<2xi32>)
// CHECK: %[[F:.*]] = kiln.cast %[[C]] : tensor<3x2xi32> to tensor<3x2xf32>
// CHECK: %[[R:.*]] = kiln.mul %[[F]], %[[S]]
// CHECK: return %[[R]]
func.func @qdq(%x: tensor<3x2xui8>) -> tensor<3x2xf32> {
  %zp = kiln.constant dense<128.0> : tensor<f32>
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<[[0.25, -0.25], [31.75, 15.875]]> : tensor<2x2xf32>
  %0 = kiln.cast %x : tensor<3x2xui8> to tensor<3x2xf32>
  %1 = kiln.sub %0, %zp : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  %2 = kiln.mul %1, %s : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  %3 = kiln.matmul %2, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %3 : tensor<3x2xf32>
}

// -----

// Float weights that are no int8 grid (1/3 is not q * s exactly with |q| <= 128 next to 1):
// the matmul stays in float, with a warning.
// CHECK-LABEL: func.func @float_weights
// CHECK: kiln.matmul
// CHECK-NOT: kiln.matmul_int8
func.func @float_weights(%x: tensor<3x2xui8>) -> tensor<3x2xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<[[1.0, 0.1], [0.3333333, 0.7]]> : tensor<2x2xf32>
  %0 = kiln.cast %x : tensor<3x2xui8> to tensor<3x2xf32>
  %1 = kiln.mul %0, %s : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  // expected-warning @+1 {{kiln: matmul of dequantized int8 activations runs in float (no int8 kernel: the weights are not int8 values times a per-column scale)}}
  %2 = kiln.matmul %1, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %2 : tensor<3x2xf32>
}

// -----

// A float matmul of float activations is not a QDQ pattern: untouched, no warning.
// CHECK-LABEL: func.func @plain_float
// CHECK: kiln.matmul
func.func @plain_float(%x: tensor<3x2xf32>, %w: tensor<2x2xf32>) -> tensor<3x2xf32> {
  %0 = kiln.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Large weights stay DequantizeLinear'd (the folder leaves them): float(W8) * s per column,
// read directly; the activations' scale 0.5 times s = [0.25, 0.125].
// CHECK-LABEL: func.func @dequantized_weights
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<"0x017F0000FE7F0000{{(00)+}}"> : tensor<1x1x256xi8>
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<[1.250000e-01, 6.250000e-02]> : tensor<2xf32>
// CHECK: kiln.matmul_int8 %arg0, %[[W]]
// CHECK: kiln.mul %{{.*}}, %[[S]]
func.func @dequantized_weights(%x: tensor<3x2xui8>) -> tensor<3x2xf32> {
  %zp = kiln.constant dense<128.0> : tensor<f32>
  %s = kiln.constant dense<0.5> : tensor<f32>
  %wq = kiln.constant dense<[[1, -2], [127, 127]]> : tensor<2x2xi8>
  %ws = kiln.constant dense<[[0.25, 0.125]]> : tensor<1x2xf32>
  %w0 = kiln.cast %wq : tensor<2x2xi8> to tensor<2x2xf32>
  %w = kiln.mul %w0, %ws : (tensor<2x2xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
  %0 = kiln.cast %x : tensor<3x2xui8> to tensor<3x2xf32>
  %1 = kiln.sub %0, %zp : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  %2 = kiln.mul %1, %s : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  %3 = kiln.matmul %2, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %3 : tensor<3x2xf32>
}

// -----

// A transposed Gemm's weights too large for the constant folder (300 x 256 int8, per-row
// scale): laid out as [K, N] int8 at compile time, then the int8 product; nothing of the
// float weights is left to dequantize or transpose at run time.
// CHECK-LABEL: func.func @unfolded_transposed_weights
// CHECK: kiln.matmul_int8 %arg0, %{{.*}} : (tensor<2x256xui8>, tensor<5x64x256xi8>) -> tensor<2x300xi32>
// CHECK-NOT: kiln.transpose
// CHECK-NOT: kiln.matmul %
func.func @unfolded_transposed_weights(%x: tensor<2x256xui8>) -> tensor<2x300xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w8 = kiln.constant dense<-5> : tensor<300x256xi8>
  %ws = kiln.constant dense<0.125> : tensor<300x1xf32>
  %0 = kiln.cast %x : tensor<2x256xui8> to tensor<2x256xf32>
  %1 = kiln.mul %0, %s : (tensor<2x256xf32>, tensor<f32>) -> tensor<2x256xf32>
  %2 = kiln.cast %w8 : tensor<300x256xi8> to tensor<300x256xf32>
  %3 = kiln.mul %2, %ws : (tensor<300x256xf32>, tensor<300x1xf32>) -> tensor<300x256xf32>
  %4 = kiln.transpose %3 {perm = array<i64: 1, 0>} : (tensor<300x256xf32>) -> tensor<256x300xf32>
  %5 = kiln.matmul %1, %4 : (tensor<2x256xf32>, tensor<256x300xf32>) -> tensor<2x300xf32>
  return %5 : tensor<2x300xf32>
}

// -----

// A squeeze-and-excitation block's 1x1 conv on a 1x1 map, made a matmul: its OIHW weights'
// dequantization (per output channel) transposed to HWCF and reshaped to [K, N]. The same
// compile-time layout: the int8 product, no run-time dequantization, transpose or reshape.
// CHECK-LABEL: func.func @reshaped_conv_weights
// CHECK: kiln.matmul_int8 %arg0, %{{.*}} : (tensor<1x96xui8>, tensor<1x24x256xi8>) -> tensor<1x24xi32>
// CHECK-NOT: kiln.transpose
// CHECK-NOT: kiln.reshape
// CHECK-NOT: kiln.matmul %
func.func @reshaped_conv_weights(%x: tensor<1x96xui8>) -> tensor<1x24xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w8 = kiln.constant dense<3> : tensor<24x96x1x1xi8>
  %ws = kiln.constant dense<0.25> : tensor<24x1x1x1xf32>
  %0 = kiln.cast %x : tensor<1x96xui8> to tensor<1x96xf32>
  %1 = kiln.mul %0, %s : (tensor<1x96xf32>, tensor<f32>) -> tensor<1x96xf32>
  %2 = kiln.cast %w8 : tensor<24x96x1x1xi8> to tensor<24x96x1x1xf32>
  %3 = kiln.mul %2, %ws : (tensor<24x96x1x1xf32>, tensor<24x1x1x1xf32>) -> tensor<24x96x1x1xf32>
  %4 = kiln.transpose %3 {perm = array<i64: 2, 3, 1, 0>} : (tensor<24x96x1x1xf32>) -> tensor<1x1x96x24xf32>
  %5 = kiln.reshape %4 : tensor<1x1x96x24xf32> to tensor<96x24xf32>
  %6 = kiln.matmul %1, %5 : (tensor<1x96xf32>, tensor<96x24xf32>) -> tensor<1x24xf32>
  return %6 : tensor<1x24xf32>
}

// -----

// Weights whose scale is exactly 1 (an all-zero layer: ViT's freshly initialized head) lose
// their mul to the canonicalizer: the widening alone is still the int8 weights.
// CHECK-LABEL: func.func @unit_scale_weights
// CHECK: kiln.matmul_int8 %arg0, %{{.*}} : (tensor<1x64xui8>, tensor<1x16x256xi8>) -> tensor<1x16xi32>
// CHECK-NOT: kiln.matmul %
func.func @unit_scale_weights(%x: tensor<1x64xui8>) -> tensor<1x16xf32> {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w8 = kiln.constant dense<0> : tensor<64x16xi8>
  %0 = kiln.cast %x : tensor<1x64xui8> to tensor<1x64xf32>
  %1 = kiln.mul %0, %s : (tensor<1x64xf32>, tensor<f32>) -> tensor<1x64xf32>
  %2 = kiln.cast %w8 : tensor<64x16xi8> to tensor<64x16xf32>
  %3 = kiln.matmul %1, %2 : (tensor<1x64xf32>, tensor<64x16xf32>) -> tensor<1x16xf32>
  return %3 : tensor<1x16xf32>
}

// -----

// Symbolic rows ([?, ?, K]: a batch and a sequence known at run time only): kiln.matmul_int8
// keeps them (the CPU kernel sizes its rows at run time); a symbolic K has no int8 kernel
// and says so.
// CHECK-LABEL: func.func @symbolic_rows
// CHECK: kiln.matmul_int8 %arg0, %{{.*}} : (tensor<?x?x2xui8>, tensor<1x1x256xi8>) -> tensor<?x?x2xi32>
// CHECK: kiln.cast %{{.*}} : tensor<?x?x2xi32> to tensor<?x?x2xf32>
// CHECK: kiln.matmul %{{.*}} : (tensor<3x?xf32>, tensor<?x2xf32>) -> tensor<3x2xf32>
func.func @symbolic_rows(%x: tensor<?x?x2xui8>, %xk: tensor<3x?xui8>, %wk: tensor<?x2xf32>) -> (tensor<?x?x2xf32>, tensor<3x2xf32>) {
  %s = kiln.constant dense<0.5> : tensor<f32>
  %w = kiln.constant dense<[[0.25, -0.25], [31.75, 15.875]]> : tensor<2x2xf32>
  %0 = kiln.cast %x : tensor<?x?x2xui8> to tensor<?x?x2xf32>
  %1 = kiln.mul %0, %s : (tensor<?x?x2xf32>, tensor<f32>) -> tensor<?x?x2xf32>
  %2 = kiln.matmul %1, %w : (tensor<?x?x2xf32>, tensor<2x2xf32>) -> tensor<?x?x2xf32>
  %3 = kiln.cast %xk : tensor<3x?xui8> to tensor<3x?xf32>
  %4 = kiln.mul %3, %s : (tensor<3x?xf32>, tensor<f32>) -> tensor<3x?xf32>
  // expected-warning @+1 {{kiln: matmul of dequantized int8 activations runs in float (no int8 kernel: K or N is not static)}}
  %5 = kiln.matmul %4, %wk : (tensor<3x?xf32>, tensor<?x2xf32>) -> tensor<3x2xf32>
  return %2, %5 : tensor<?x?x2xf32>, tensor<3x2xf32>
}
