// RUN: kiln-opt %s -kiln-to-linalg -canonicalize -split-input-file | FileCheck %s

// 3x3, stride 1, pads 1 on a 20-pixel row: pixel 0 alone (its left tap is the zero padding),
// pixels 1..16 in two blocks of 8 without checks (a sliding window of 10 input vectors per
// filter row, 24 multiply-adds), pixels 17..19 alone again. The filter rows run from khLo to
// khHi (the rows inside the input). Bias first, clamp to [0, 6], one store per vector.
// CHECK-LABEL: func @dw
// CHECK: scf.for %{{.*}} = %c0 to %c6 step %c1 iter_args
// CHECK: tensor.extract_slice {{.*}} [1, 1, 20, 16] [1, 1, 1, 1]
// CHECK: vector.transfer_read %arg2
// CHECK: scf.for
// CHECK: scf.for %{{.*}} = %c1 to %c17 step %c8
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-10: vector.transfer_read %arg0
// CHECK-COUNT-24: vector.fma
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: vector.transfer_write
// CHECK: scf.for %{{.*}} = %c17 to %c20 step %c1
// CHECK: arith.select
// CHECK: tensor.insert_slice
func.func @dw(%x: tensor<1x6x20x16xf32>, %w: tensor<3x3x16xf32>, %b: tensor<16xf32>) -> tensor<1x6x20x16xf32> {
  %y = kiln.depthwise_conv2d %x, %w bias %b {max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x20x16xf32>, tensor<3x3x16xf32>, tensor<16xf32>) -> tensor<1x6x20x16xf32>
  return %y : tensor<1x6x20x16xf32>
}

// -----

// Enough work for the thread pool: an scf.forall over the 56 output rows; stride 2 gives a
// window of 17 vectors per block of 8 pixels; no bias, no clamp.
// CHECK-LABEL: func @dw_parallel
// CHECK: scf.forall (%{{.*}}) in (56) shared_outs
// CHECK-COUNT-17: vector.transfer_read %arg0
// CHECK-NOT: arith.maximumf
// CHECK: tensor.parallel_insert_slice
func.func @dw_parallel(%x: tensor<1x112x112x32xf32>, %w: tensor<3x3x32xf32>) -> tensor<1x56x56x32xf32> {
  %y = kiln.depthwise_conv2d %x, %w {max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x112x112x32xf32>, tensor<3x3x32xf32>) -> tensor<1x56x56x32xf32>
  return %y : tensor<1x56x56x32xf32>
}

// -----

// 8-bit input and result (kiln-int8-depthwise): each input vector is 16 bytes widened to f32,
// minus the zero point, times the scale (the DequantizeLinear's f32 ops); each result vector
// is divided by the output scale, rounded half to even, offset by the zero point, saturated
// to [0, 255] and stored as 16 bytes.
// CHECK-LABEL: func @dw_quantized
// CHECK: vector.transfer_read %arg0{{.*}} : tensor<1x6x20x16xi8>, vector<16xi8>
// CHECK: arith.extui %{{.*}} : vector<16xi8> to vector<16xi32>
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: vector.fma
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.fptosi %{{.*}} : vector<16xf32> to vector<16xi32>
// CHECK: arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// CHECK: vector.transfer_write %{{.*}} : vector<16xi8>, tensor<1x1x20x16xi8>
func.func @dw_quantized(%x: tensor<1x6x20x16xui8>, %w: tensor<3x3x16xf32>) -> tensor<1x6x20x16xui8> {
  %y = kiln.depthwise_conv2d %x, %w {input_scale = 0.05 : f64, input_zero_point = 3.0 : f64, max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, output_scale = 0.1 : f64, output_zero_point = 128.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x20x16xui8>, tensor<3x3x16xf32>) -> tensor<1x6x20x16xui8>
  return %y : tensor<1x6x20x16xui8>
}

// -----

// Symbolic batch and image dims: the result's sizes are floor((in + 2 - 3) / 2) + 1 of the
// input's dims (negative for an input smaller than the window: the runtime's shape check
// reports it), the rows (N * OH) run on the thread pool, and each row's interior
// [min(OW, 1), max(lo, min(OW, floor((W - 2) / 2) + 1))) is computed at run time: checked
// pixels before it and after its last whole block of 8, blocks of 8 unchecked in between.
// CHECK-LABEL: func @dw_dynamic
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c1
// CHECK: arith.floordivsi
// CHECK: %[[OH:.*]] = arith.addi %{{.*}}, %c1
// CHECK: %[[W:.*]] = tensor.dim %arg0, %c2
// CHECK: arith.floordivsi
// CHECK: %[[OW:.*]] = arith.addi %{{.*}}, %c1
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]], %[[OH]], %[[OW]]) : tensor<?x?x?x16xf32>
// CHECK: %[[ROWS:.*]] = arith.muli %[[N]], %[[OH]]
// CHECK: scf.forall (%{{.*}}) in (%[[ROWS]]) shared_outs(%{{.*}} = %[[INIT]])
// CHECK: tensor.extract_slice {{.*}} [1, 1, %[[OW]], 16] [1, 1, 1, 1]
// CHECK: %[[LO:.*]] = arith.minsi %[[OW]], %c1
// CHECK: arith.floordivsi
// CHECK: scf.for %{{.*}} = %c0 to %[[LO]] step %c1
// CHECK: arith.select
// CHECK: scf.for %{{.*}} = %[[LO]] to %{{.*}} step %c8
// CHECK-COUNT-17: vector.transfer_read %arg0
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[OW]] step %c1
// CHECK: tensor.parallel_insert_slice
func.func @dw_dynamic(%x: tensor<?x?x?x16xf32>, %w: tensor<3x3x16xf32>) -> tensor<?x?x?x16xf32> {
  %y = kiln.depthwise_conv2d %x, %w {max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x?x?x16xf32>, tensor<3x3x16xf32>) -> tensor<?x?x?x16xf32>
  return %y : tensor<?x?x?x16xf32>
}
