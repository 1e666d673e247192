// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-tile-and-vectorize))' | FileCheck %s

// With AVX2 (`kiln.target`: 256-bit vectors, 16 registers) the default matmul is rank-8
// updates: k cache tiles of 8 outermost, 2 rows x 4 vectors per register tile, k unrolled by 8
// (not AVX-512's 6 x 64 lanes over k blocks of 256).
// CHECK-LABEL: func @matmul_avx2
// CHECK: scf.for {{.*}} step %c8
// CHECK: scf.for {{.*}} step %c2
// CHECK: scf.for {{.*}} step %c32
// CHECK: vector.contract {{.*}} vector<2x8xf32>, vector<8x32xf32> into vector<2x32xf32>
// CHECK-NOT: vector<6x64xf32>
module attributes {kiln.target = {cpu = "znver3", vector_bits = 256 : i64, vector_registers = 16 : i64}} {
func.func @matmul_avx2(%a: tensor<64x256xf32>, %b: tensor<256x512xf32>) -> tensor<64x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x512xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x512xf32>) -> tensor<64x512xf32>
  %r = linalg.matmul ins(%a, %b : tensor<64x256xf32>, tensor<256x512xf32>) outs(%f : tensor<64x512xf32>) -> tensor<64x512xf32>
  return %r : tensor<64x512xf32>
}
}

// -----

// NHWC conv with AVX2: 6 output pixels x 16 filters per register tile.
// CHECK-LABEL: func @conv_avx2
// CHECK: vector<1x6x16xf32>
// CHECK-NOT: vector<1x8x32xf32>
module attributes {kiln.target = {cpu = "znver3", vector_bits = 256 : i64, vector_registers = 16 : i64}} {
func.func @conv_avx2(%x: tensor<1x8x14x32xf32>, %w: tensor<3x3x32x64xf32>) -> tensor<1x6x12x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x6x12x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x6x12x64xf32>) -> tensor<1x6x12x64xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x8x14x32xf32>, tensor<3x3x32x64xf32>) outs(%f : tensor<1x6x12x64xf32>) -> tensor<1x6x12x64xf32>
  return %r : tensor<1x6x12x64xf32>
}
}

// -----

// A core with 2 MiB of L2 (`l2_bytes`, read from the host): a matmul whose K is split into
// blocks keeps up to 256 rows of A per cache tile, over k blocks of 128 (1 MiB or unknown: 64
// rows, k blocks of 256). K = 256 whole: unchanged.
// CHECK-LABEL: func @matmul_big_l2
// CHECK-SAME: schedule = "par[256,256,0] cache[0,0,128] reg[6,64,4]"
// CHECK-LABEL: func @matmul_big_l2_small_k
// CHECK-SAME: schedule = "par[64,256,0] cache[0,0,256] reg[6,64,4]"
module attributes {kiln.target = {cpu = "sapphirerapids", vector_bits = 512 : i64, vector_registers = 32 : i64, l2_bytes = 2097152 : i64}} {
func.func @matmul_big_l2(%a: tensor<1024x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024x1024xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  %r = linalg.matmul ins(%a, %b : tensor<1024x1024xf32>, tensor<1024x1024xf32>) outs(%f : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  return %r : tensor<1024x1024xf32>
}
func.func @matmul_big_l2_small_k(%a: tensor<1024x256xf32>, %b: tensor<256x1024xf32>) -> tensor<1024x1024xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024x1024xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  %r = linalg.matmul ins(%a, %b : tensor<1024x256xf32>, tensor<256x1024xf32>) outs(%f : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  return %r : tensor<1024x1024xf32>
}
}

// -----

// Few rows, many columns per task (a 7x7 map's 1x1 conv, 49 x 384 x 384): each task's block of
// B (128 k x 192 columns, 96 KB) is past L1, so the register tiles of columns run outside
// those of rows (`order`), each column tile's 32 KB of B reused from L1 by all 9 row tiles.
// 440 columns in tasks of 88 (16-lane tiles): the task's block (39 KB) fits L1, the rows stay
// outside.
// CHECK-LABEL: func @matmul_few_rows_columns_outside
// CHECK-SAME: schedule = "par[0,192,0] cache[49,0,128] reg[6,64,4] order[1,0,2]"
// CHECK: scf.forall
// CHECK: scf.for {{.*}} step %c128
// CHECK: scf.for {{.*}} step %c64
// CHECK: scf.for {{.*}} to %c48 step %c6
// CHECK: scf.for {{.*}} step %c4
// CHECK: vector.contract {{.*}} vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
// CHECK-LABEL: func @matmul_few_rows_block_in_l1
// CHECK-SAME: schedule = "par[0,88,0] cache[49,0,110] reg[8,16,1]"
module attributes {kiln.target = {cpu = "sapphirerapids", vector_bits = 512 : i64, vector_registers = 32 : i64, l2_bytes = 2097152 : i64}} {
func.func @matmul_few_rows_columns_outside(%a: tensor<49x384xf32>, %b: tensor<384x384xf32>) -> tensor<49x384xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<49x384xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<49x384xf32>) -> tensor<49x384xf32>
  %r = linalg.matmul ins(%a, %b : tensor<49x384xf32>, tensor<384x384xf32>) outs(%f : tensor<49x384xf32>) -> tensor<49x384xf32>
  return %r : tensor<49x384xf32>
}
func.func @matmul_few_rows_block_in_l1(%a: tensor<49x440xf32>, %b: tensor<440x440xf32>) -> tensor<49x440xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<49x440xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<49x440xf32>) -> tensor<49x440xf32>
  %r = linalg.matmul ins(%a, %b : tensor<49x440xf32>, tensor<440x440xf32>) outs(%f : tensor<49x440xf32>) -> tensor<49x440xf32>
  return %r : tensor<49x440xf32>
}
}
