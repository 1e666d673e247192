// RUN: kiln-opt %s -kiln-to-linalg -canonicalize -split-input-file | FileCheck %s

// F(2x2, 3x3) input transform of an 8x8x16 input: a loop over the 4 tile rows, each writing
// its [16, 4 tiles, 16] slice; per tile 16 clamped reads zeroed outside the input (the
// padding), B^T d B with adds and subtracts only (B's entries are 0 and ±1), 16 writes. Too
// little work for threads: an scf.for.
// CHECK-LABEL: func @input
// CHECK-NOT: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: tensor.extract_slice {{.*}} [16, 4, 16] [1, 1, 1]
// CHECK: scf.for
// CHECK-COUNT-16: vector.transfer_read %arg0{{.*}}
// CHECK-NOT: vector.fma
// CHECK: arith.subf
// CHECK-COUNT-16: vector.transfer_write
// CHECK: tensor.insert_slice
func.func @input(%x: tensor<1x8x8x16xf32>) -> tensor<16x16x16xf32> {
  %v = kiln.winograd_input %x {pads = array<i64: 1, 1, 1, 1>, tile = 2 : i64} : (tensor<1x8x8x16xf32>) -> tensor<16x16x16xf32>
  return %v : tensor<16x16x16xf32>
}

// -----

// 36 x 196 x 64 transformed elements: the 14 tile rows run over the thread pool.
// CHECK-LABEL: func @input_parallel
// CHECK: scf.forall (%{{.*}}) in (14) shared_outs
// CHECK: tensor.extract_slice {{.*}} [36, 14, 64] [1, 1, 1]
// CHECK: tensor.parallel_insert_slice
func.func @input_parallel(%x: tensor<1x56x56x64xf32>) -> tensor<36x196x64xf32> {
  %v = kiln.winograd_input %x {pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64} : (tensor<1x56x56x64xf32>) -> tensor<36x196x64xf32>
  return %v : tensor<36x196x64xf32>
}

// -----

// The clamp and select keep reads inside the input.
// CHECK-LABEL: func @input_pads
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: vector.transfer_read
// CHECK: arith.select
func.func @input_pads(%x: tensor<1x6x6x8xf32>) -> tensor<36x4x8xf32> {
  %v = kiln.winograd_input %x {pads = array<i64: 2, 2, 0, 0>, tile = 4 : i64} : (tensor<1x6x6x8xf32>) -> tensor<36x4x8xf32>
  return %v : tensor<36x4x8xf32>
}

// -----

// F(4x4, 3x3) output transform of a 7x7 result: 2 tile rows, the second cut to 3 rows (a
// slice of dynamic height); 36 reads per tile, A^T M A with fused multiply-adds (A's entries
// 2, 4, 8); bias, residual and clamp to [0, 6] per output vector, written only inside the
// result (scf.if).
// CHECK-LABEL: func @output
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: tensor.extract_slice {{.*}} [1, %{{.*}}, 7, 16] [1, 1, 1, 1] : tensor<1x7x7x16xf32> to tensor<1x?x7x16xf32>
// CHECK-COUNT-36: vector.transfer_read %arg0
// CHECK: vector.fma
// CHECK: vector.transfer_read %arg1
// CHECK: scf.if
// CHECK: arith.addf
// CHECK: vector.transfer_read %arg2
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: vector.transfer_write
// CHECK: tensor.insert_slice
func.func @output(%m: tensor<36x4x16xf32>, %b: tensor<16xf32>, %r: tensor<1x7x7x16xf32>) -> tensor<1x7x7x16xf32> {
  %y = kiln.winograd_output %m bias %b residual %r {max = 6.0 : f64, min = 0.0 : f64, tile = 4 : i64} : (tensor<36x4x16xf32>, tensor<16xf32>, tensor<1x7x7x16xf32>) -> tensor<1x7x7x16xf32>
  return %y : tensor<1x7x7x16xf32>
}

// -----

// Whole tiles (8x8 with m = 4): static slices and no conditions; no bias, no clamp.
// CHECK-LABEL: func @output_whole
// CHECK: tensor.extract_slice {{.*}} [1, 4, 8, 32] [1, 1, 1, 1]
// CHECK-NOT: scf.if
// CHECK-NOT: arith.maximumf
// CHECK: tensor.insert_slice
func.func @output_whole(%m: tensor<36x4x32xf32>) -> tensor<1x8x8x32xf32> {
  %y = kiln.winograd_output %m {max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, tile = 4 : i64} : (tensor<36x4x32xf32>) -> tensor<1x8x8x32xf32>
  return %y : tensor<1x8x8x32xf32>
}

// -----

// Dilation 2 on a 9x9 output, F(2x2): per dim 2 phases x 3 tiles (phase 0 has rows 0, 2, 4,
// 6, 8, phase 1 rows 1, 3, 5, 7): tile row r starts at r / 3 + (r % 3) * 4 and its slice takes
// every second row, cut to ceil((9 - top) / 2) rows; input rows are read 2 apart.
// CHECK-LABEL: func @dilated_input
// CHECK: scf.for %{{.*}} = %c0 to %c6 step %c1
// CHECK: arith.divui %{{.*}}, %c3
// CHECK: arith.remui %{{.*}}, %c3
// CHECK-LABEL: func @dilated_output
// CHECK: scf.for %[[ROW:.*]] = %c0 to %c6 step %c1
// CHECK: arith.ceildivsi
// CHECK: tensor.extract_slice {{.*}} [1, %{{.*}}, 9, 16] [1, 2, 1, 1] : tensor<1x9x9x16xf32> to tensor<1x?x9x16xf32>
// CHECK: scf.if
// CHECK: tensor.insert_slice {{.*}} [1, 2, 1, 1]
func.func @dilated_input(%x: tensor<1x9x9x16xf32>) -> tensor<16x36x16xf32> {
  %v = kiln.winograd_input %x {dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>, tile = 2 : i64} : (tensor<1x9x9x16xf32>) -> tensor<16x36x16xf32>
  return %v : tensor<16x36x16xf32>
}
func.func @dilated_output(%m: tensor<16x36x16xf32>) -> tensor<1x9x9x16xf32> {
  %y = kiln.winograd_output %m {dilations = array<i64: 2, 2>, max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, tile = 2 : i64} : (tensor<16x36x16xf32>) -> tensor<1x9x9x16xf32>
  return %y : tensor<1x9x9x16xf32>
}

// -----

// Symbolic N, H, W: the tile counts are computed from the input's dims (ceil((H + 2 - 2) / 4)
// tile rows), the transformed tensor is sized N * TH * TW, every tile row runs on the
// threads; the output transform takes H and W from the conv's input (`image`) and checks
// every tile's rows and columns against them.
// CHECK-LABEL: func @dynamic_input
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c1
// CHECK: arith.ceildivui %[[H]], %c4
// CHECK: tensor.empty(%{{.*}}) : tensor<36x?x16xf32>
// CHECK: scf.forall
// CHECK-LABEL: func @dynamic_output
// CHECK: tensor.dim %arg1, %c1
// CHECK: tensor.empty(%{{.*}}, %{{.*}}, %{{.*}}) : tensor<?x?x?x16xf32>
// CHECK: scf.forall
// CHECK: scf.if
func.func @dynamic_input(%x: tensor<?x?x?x16xf32>) -> tensor<36x?x16xf32> {
  %v = kiln.winograd_input %x {pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64} : (tensor<?x?x?x16xf32>) -> tensor<36x?x16xf32>
  return %v : tensor<36x?x16xf32>
}
func.func @dynamic_output(%m: tensor<36x?x16xf32>, %x: tensor<?x?x?x16xf32>) -> tensor<?x?x?x16xf32> {
  %y = kiln.winograd_output %m image %x {max = 0x7FF0000000000000 : f64, min = 0.000000e+00 : f64, pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64} : (tensor<36x?x16xf32>, tensor<?x?x?x16xf32>) -> tensor<?x?x?x16xf32>
  return %y : tensor<?x?x?x16xf32>
}
