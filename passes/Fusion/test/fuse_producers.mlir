// RUN: kiln-opt %s -split-input-file -kiln-fuse-elementwise="int8-epilogues=true producers=true" | FileCheck %s --check-prefix=JOIN
// RUN: kiln-opt %s -split-input-file -kiln-fuse-elementwise=int8-epilogues=true | FileCheck %s --check-prefix=APART

// The row sums of shifted int8 weights: the cast that widens the 8-bit patch matrix is used
// by the reduction alone and joins its kernel (with `producers`: the CPU), instead of a kernel
// that writes 4 bytes per element for one reader.
// JOIN-LABEL: func.func @widened_row_sums
// JOIN: kiln.fused "cast+reduce+sub" -> tensor<1x4x4x1xi32>
// JOIN-NEXT: kiln.cast %arg0
// JOIN-NEXT: kiln.reduce sum
// APART-LABEL: func.func @widened_row_sums
// APART: kiln.cast %arg0
// APART: kiln.fused "reduce+sub"
func.func @widened_row_sums(%p: tensor<1x4x4x36xui8>, %zk: tensor<i32>) -> tensor<1x4x4x1xi32> {
  %w = kiln.cast %p : tensor<1x4x4x36xui8> to tensor<1x4x4x36xi32>
  %r = kiln.reduce sum %w {axes = array<i64: 3>, keepdims = true} : (tensor<1x4x4x36xi32>) -> tensor<1x4x4x1xi32>
  %s = kiln.sub %r, %zk : (tensor<1x4x4x1xi32>, tensor<i32>) -> tensor<1x4x4x1xi32>
  return %s : tensor<1x4x4x1xi32>
}

// -----

// A producer with another user stays a kernel of its own (joining would compute it twice).
// JOIN-LABEL: func.func @shared_producer
// JOIN: %[[C:.*]] = kiln.cast %arg0
// JOIN: kiln.fused "reduce+sub"
// JOIN: return %{{.*}}, %[[C]]
func.func @shared_producer(%p: tensor<16x36xui8>, %zk: tensor<i32>) -> (tensor<16x1xi32>, tensor<16x36xi32>) {
  %w = kiln.cast %p : tensor<16x36xui8> to tensor<16x36xi32>
  %r = kiln.reduce sum %w {axes = array<i64: 1>, keepdims = true} : (tensor<16x36xi32>) -> tensor<16x1xi32>
  %s = kiln.sub %r, %zk : (tensor<16x1xi32>, tensor<i32>) -> tensor<16x1xi32>
  return %s, %w : tensor<16x1xi32>, tensor<16x36xi32>
}

// -----

// The GEMM epilogue of shifted weights adds row sums times the columns' shifts: that product
// is used by the epilogue alone and joins the GEMM's kernel (read per row and per column
// there), not a kernel writing an [M, N] i32 tensor.
// JOIN-LABEL: func.func @shifted_epilogue
// JOIN: kiln.fused "matmul_int8+sub+mul+add+cast+mul" -> tensor<16x2xf32>
// JOIN-NOT: kiln.fused
// APART-LABEL: func.func @shifted_epilogue
// APART: kiln.mul %arg2, %{{.*}} : (tensor<16x1xi32>, tensor<2xi32>) -> tensor<16x2xi32>
// APART: kiln.fused "matmul_int8+sub+add+cast+mul"
func.func @shifted_epilogue(%a: tensor<16x36xui8>, %w: tensor<1x9x256xi8>, %rows: tensor<16x1xi32>) -> tensor<16x2xf32> {
  %colterm = kiln.constant dense<[5, 7]> : tensor<2xi32>
  %shift = kiln.constant dense<[3, 0]> : tensor<2xi32>
  %scale = kiln.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %g = kiln.matmul_int8 %a, %w : (tensor<16x36xui8>, tensor<1x9x256xi8>) -> tensor<16x2xi32>
  %0 = kiln.sub %g, %colterm : (tensor<16x2xi32>, tensor<2xi32>) -> tensor<16x2xi32>
  %t = kiln.mul %rows, %shift : (tensor<16x1xi32>, tensor<2xi32>) -> tensor<16x2xi32>
  %1 = kiln.add %0, %t : (tensor<16x2xi32>, tensor<16x2xi32>) -> tensor<16x2xi32>
  %2 = kiln.cast %1 : tensor<16x2xi32> to tensor<16x2xf32>
  %3 = kiln.mul %2, %scale : (tensor<16x2xf32>, tensor<2xf32>) -> tensor<16x2xf32>
  return %3 : tensor<16x2xf32>
}
