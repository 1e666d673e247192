// RUN: kiln-opt %s -kiln-to-linalg -canonicalize -split-input-file | FileCheck %s

// 7x7 stride 2, pads 3 of 3 channels (a ResNet stem, small): per output row, filter rows
// [lo, hi) inside the input copy each pixel's 7 x 3 = 21 bytes as one run, one masked vector
// of 32 lanes read from the [N, H, W * C] view and written at the filter row's columns; the
// pixels at the edges copy their taps inside and fill the others with the pad value (5); the
// filter rows outside the input are filled. The rows run on the threads (a 235 KB patch
// matrix).
// CHECK-LABEL: func @stem
// CHECK: %[[VIEW:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : tensor<1x80x80x3xi8> into tensor<1x80x240xi8>
// CHECK: scf.forall (%{{.*}}) in (40) shared_outs
// CHECK: arith.minsi
// CHECK: scf.for
// CHECK: vector.transfer_write %{{.*}} : vector<21xi8>, tensor<1x1x40x147xi8>
// CHECK: scf.for
// CHECK: vector.transfer_read %[[VIEW]]{{.*}} : tensor<1x80x240xi8>, vector<16xi8>
// CHECK: scf.for
// CHECK: vector.constant_mask [21] : vector<32xi1>
// CHECK: vector.transfer_read %[[VIEW]]{{.*}} : tensor<1x80x240xi8>, vector<32xi8>
// CHECK: vector.transfer_write %{{.*}} : vector<32xi8>, tensor<1x1x40x147xi8>
// CHECK: tensor.parallel_insert_slice
func.func @stem(%x: tensor<1x80x80x3xi8>) -> tensor<1x40x40x147xi8> {
  %y = kiln.im2col %x {kernel = array<i64: 7, 7>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, pad_value = 5.0 : f64} : (tensor<1x80x80x3xi8>) -> tensor<1x40x40x147xi8>
  return %y : tensor<1x40x40x147xi8>
}

// -----

// No padding, 3x3 of 64 channels: every filter row of every output row is inside (static
// rows, no bounds), each pixel's run of 192 bytes is 3 full vectors; dilation 2 on the
// columns: 64 bytes per tap instead.
// CHECK-LABEL: func @inside
// CHECK-NOT: arith.minsi
// CHECK: scf.for
// CHECK-COUNT-3: vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<1x6x384xi8>, vector<64xi8>
// CHECK-LABEL: func @dilated
// CHECK: scf.for
// CHECK-COUNT-3: vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<1x8x512xi8>, vector<64xi8>
func.func @inside(%x: tensor<1x6x6x64xi8>) -> tensor<1x4x4x576xi8> {
  %y = kiln.im2col %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, pad_value = 0.0 : f64} : (tensor<1x6x6x64xi8>) -> tensor<1x4x4x576xi8>
  return %y : tensor<1x4x4x576xi8>
}
func.func @dilated(%x: tensor<1x8x8x64xi8>) -> tensor<1x4x4x576xi8> {
  %y = kiln.im2col %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, pad_value = 0.0 : f64} : (tensor<1x8x8x64xi8>) -> tensor<1x4x4x576xi8>
  return %y : tensor<1x4x4x576xi8>
}

// -----

// Dilation 4 of 330 channels on a 13-wide input: pixels 0-3 and 9-12 have taps outside, 72
// vector copies per filter row if unrolled; they run as a loop over the pixels that tests
// each tap (scf.if: copy or fill). A tap's 330 bytes: a loop of 5 full vectors (step 64) and
// one masked rest; the interior pixels the same.
// CHECK-LABEL: func @wide_dilated
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: scf.if
// CHECK: scf.for %{{.*}} = %c0 to %c320 step %c64
// CHECK: vector.transfer_read %{{.*}} : tensor<1x13x4290xi8>, vector<64xi8>
// CHECK: vector.transfer_write %{{.*}} : vector<64xi8>, tensor<1x1x13x2970xi8>
// CHECK: vector.constant_mask [10] : vector<16xi1>
// CHECK: } else {
// CHECK: scf.for %{{.*}} = %c0 to %c320 step %c64
// CHECK: vector.transfer_write %{{.*}} : vector<64xi8>, tensor<1x1x13x2970xi8>
// CHECK: vector.transfer_write %{{.*}} : vector<10xi8>, tensor<1x1x13x2970xi8>
// CHECK: scf.for %{{.*}} = %c4 to %c9 step %c1
// CHECK: scf.for %{{.*}} = %c9 to %c13 step %c1
// CHECK: scf.if
func.func @wide_dilated(%x: tensor<1x13x13x330xi8>) -> tensor<1x13x13x2970xi8> {
  %y = kiln.im2col %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 4, 4>, pads = array<i64: 4, 4, 4, 4>, pad_value = 0.0 : f64} : (tensor<1x13x13x330xi8>) -> tensor<1x13x13x2970xi8>
  return %y : tensor<1x13x13x2970xi8>
}

// -----

// Symbolic batch and image dims: OH, OW = (H + 2 - 3) floordiv 2 + 1 computed from the input,
// the N * OH output rows always on the threads, each row's filter rows [lo, hi) inside the
// input and its pixels' edge/interior split computed at run time: the edge pixels test each
// tap against W (copied or filled with the pad value), the interior ones copy their 3 x 8 =
// 24 bytes as one masked run.
// CHECK-LABEL: func @symbolic
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[OH:.*]] = arith.addi %{{.*}}, %c1
// CHECK: %[[OW:.*]] = arith.addi %{{.*}}, %c1
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]], %[[OH]], %[[OW]]) : tensor<?x?x?x72xi8>
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[W:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[ROWS:.*]] = arith.muli %[[N]], %[[OH]]
// CHECK: scf.forall (%{{.*}}) in (%[[ROWS]]) shared_outs(%{{.*}} = %[[INIT]])
// CHECK: tensor.extract_slice {{.*}} [1, 1, %[[OW]], 72] [1, 1, 1, 1]
// CHECK: arith.addi %{{.*}}, %[[H]]
// CHECK: scf.for
// CHECK: arith.cmpi slt, %{{.*}}, %[[W]]
// CHECK: scf.if
// CHECK: vector.constant_mask [24] : vector<32xi1>
// CHECK: vector.transfer_read {{.*}} : tensor<?x?x?xi8>, vector<32xi8>
// CHECK: scf.for %{{.*}} to %[[OW]]
// CHECK: tensor.parallel_insert_slice
func.func @symbolic(%x: tensor<?x?x?x8xi8>) -> tensor<?x?x?x72xi8> {
  %y = kiln.im2col %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, pad_value = 5.0 : f64} : (tensor<?x?x?x8xi8>) -> tensor<?x?x?x72xi8>
  return %y : tensor<?x?x?x72xi8>
}
