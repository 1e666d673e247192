// RUN: kiln-opt %s -kiln-to-linalg -canonicalize -split-input-file | FileCheck %s

// 8 groups of 4 channels, 16-lane vectors spanning 4 groups: per window column one read of
// the 16 input channels (from the input flattened to one dim), per in-group channel j one
// shuffle broadcasting channel group * 4 + j to the group's lanes. 8 (tile, row) items on
// the thread pool; per 40-pixel row: a static block of 8 pixels (its left tap in the padding
// skipped), a loop of 2 blocks of 12 pixels (a window of 14 columns, 36 multiply-adds per
// channel j), a static block of 8. Bias first, clamp to [0, 6], one store per vector.
// CHECK-LABEL: func @width4
// CHECK: %[[FLAT:.*]] = tensor.reshape %arg0({{.*}}) : (tensor<1x4x40x32xf32>, tensor<1xi64>) -> tensor<5120xf32>
// CHECK: scf.forall (%{{.*}}) in (8) shared_outs
// CHECK: tensor.extract_slice {{.*}} [1, 1, 40, 16] [1, 1, 1, 1]
// CHECK: vector.transfer_read %arg2
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: scf.for %{{.*}} = %c8 to %c32 step %c12
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-14: vector.transfer_read %[[FLAT]]
// CHECK-COUNT-14: vector.shuffle {{.*}} [0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12]
// CHECK: vector.transfer_read %arg1[%{{.*}}, %{{.*}}, %c0, %c0, %c0]
// CHECK-COUNT-12: vector.fma
// CHECK: vector.transfer_read %arg1[%{{.*}}, %{{.*}}, %c1, %c0, %c0]
// CHECK-COUNT-12: vector.fma
// CHECK: vector.shuffle {{.*}} [1, 1, 1, 1, 5, 5, 5, 5, 9, 9, 9, 9, 13, 13, 13, 13]
// CHECK: scf.yield
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: vector.transfer_write
// CHECK: tensor.parallel_insert_slice
func.func @width4(%x: tensor<1x4x40x32xf32>, %w: tensor<2x3x3x4x16xf32>, %b: tensor<32xf32>) -> tensor<1x4x40x32xf32> {
  %y = kiln.grouped_conv2d %x, %w bias %b {group = 8 : i64, max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x40x32xf32>, tensor<2x3x3x4x16xf32>, tensor<32xf32>) -> tensor<1x4x40x32xf32>
  return %y : tensor<1x4x40x32xf32>
}

// -----

// 2 groups of 32: a tile of 2 vectors inside one group; per input column and channel j one
// broadcast; the 32 channels in a loop of 8. A 7-pixel row is one static block (14
// accumulators), its padding taps skipped. Relu only (no minimumf), no bias.
// CHECK-LABEL: func @width32
// CHECK: %[[FLAT:.*]] = tensor.reshape %arg0
// CHECK: scf.forall (%{{.*}}) in (14) shared_outs
// CHECK: tensor.extract_slice {{.*}} [1, 1, 7, 32] [1, 1, 1, 1]
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c8
// CHECK-COUNT-7: tensor.extract %[[FLAT]]
// CHECK: vector.transfer_read %arg1
// CHECK: vector.transfer_read %arg1[{{.*}}, %c16]
// CHECK: vector.fma
// CHECK: arith.maximumf
// CHECK-NOT: arith.minimumf
// CHECK: tensor.parallel_insert_slice
func.func @width32(%x: tensor<1x7x7x64xf32>, %w: tensor<2x3x3x32x32xf32>) -> tensor<1x7x7x64xf32> {
  %y = kiln.grouped_conv2d %x, %w {group = 2 : i64, max = 0x7FF0000000000000 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x7x7x64xf32>, tensor<2x3x3x32x32xf32>) -> tensor<1x7x7x64xf32>
  return %y : tensor<1x7x7x64xf32>
}

// -----

// 3 groups of 8 (24 channels), stride 2: a 16-lane vector spans 2 groups, then a last
// vector of 8 channels in one group. The first pass selects 128-bit lanes of each column's
// read once for channels 0..3 and once for 4..7, then shuffles within the lanes; the second
// broadcasts each input channel to 8 lanes. Few multiply-adds: loops, not on the pool.
// CHECK-LABEL: func @width8
// CHECK: %[[FLAT:.*]] = tensor.reshape %arg0
// CHECK: scf.for
// CHECK: tensor.extract_slice {{.*}} [1, 1, 5, 16] [1, 1, 1, 1]
// CHECK: vector.shuffle {{.*}} [0, 1, 2, 3, 0, 1, 2, 3, 8, 9, 10, 11, 8, 9, 10, 11]
// CHECK: vector.shuffle {{.*}} [0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12]
// CHECK: vector.shuffle {{.*}} [4, 5, 6, 7, 4, 5, 6, 7, 12, 13, 14, 15, 12, 13, 14, 15]
// CHECK: tensor.insert_slice
// CHECK: scf.for
// CHECK: tensor.extract_slice {{.*}} [1, 1, 5, 8] [1, 1, 1, 1]
// CHECK: tensor.extract %[[FLAT]]
// CHECK: vector.broadcast {{.*}} : f32 to vector<8xf32>
// CHECK: vector.fma {{.*}} : vector<8xf32>
// CHECK-NOT: scf.forall
func.func @width8(%x: tensor<1x9x9x24xf32>, %w: tensor<2x3x3x8x16xf32>) -> tensor<1x5x5x24xf32> {
  %y = kiln.grouped_conv2d %x, %w {group = 3 : i64, max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x9x9x24xf32>, tensor<2x3x3x8x16xf32>) -> tensor<1x5x5x24xf32>
  return %y : tensor<1x5x5x24xf32>
}
