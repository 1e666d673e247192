// RUN: kiln-opt %s -kiln-to-linalg=vector-code=1 -canonicalize -split-input-file | FileCheck %s
// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s --check-prefix=LINALG

// A 3x3 stride-2 max pool with pad 1 on 14x14x32 (7x7 out): no padded copy and no fill, a
// loop over the 7 output rows; the kh loop's bounds skip window rows outside the input;
// column 0 (its left tap in the padding) runs alone with the tap selected to -inf, columns
// 1..6 as a block with a sliding window of 15 column reads per window row; the max is a
// compare and select (vmaxps), one store per output vector.
// CHECK-LABEL: func @max_pool
// CHECK-NOT: tensor.pad
// CHECK-NOT: linalg.fill
// CHECK: scf.for %{{.*}} = %c0 to %c7 step %c1
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: scf.for
// CHECK: arith.select
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK-NOT: arith.maximumf
// CHECK: tensor.insert_slice
// LINALG-LABEL: func @max_pool
// LINALG: linalg.pooling_nhwc_max
func.func @max_pool(%x: tensor<1x14x14x32xf32>) -> tensor<1x7x7x32xf32> {
  %y = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x14x14x32xf32>) -> tensor<1x7x7x32xf32>
  return %y : tensor<1x7x7x32xf32>
}

// -----

// An average pool sums and divides by the taps counted per pixel: rows from the kh bounds,
// columns from the pixel's position at the edges (count_include_pad: the padded range).
// CHECK-LABEL: func @avg_pool
// CHECK: scf.forall
// CHECK: arith.addf
// CHECK: arith.muli
// CHECK: arith.sitofp
// CHECK: vector.broadcast
// CHECK: arith.divf
func.func @avg_pool(%x: tensor<1x56x56x64xf32>) -> tensor<1x56x56x64xf32> {
  %y = kiln.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = true, layout = "NHWC"} : (tensor<1x56x56x64xf32>) -> tensor<1x56x56x64xf32>
  return %y : tensor<1x56x56x64xf32>
}

// -----

// Not taken: 12 channels (no whole 8-lane vectors), NCHW.
// CHECK-LABEL: func @not_taken
// CHECK: linalg.pooling_nhwc_max
// CHECK: linalg.pooling_nchw_max
func.func @not_taken(%x: tensor<1x8x8x12xf32>, %y: tensor<1x16x8x8xf32>) -> (tensor<1x8x8x12xf32>, tensor<1x16x8x8xf32>) {
  %a = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x8x8x12xf32>) -> tensor<1x8x8x12xf32>
  %b = kiln.max_pool %y {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  return %a, %b : tensor<1x8x8x12xf32>, tensor<1x16x8x8xf32>
}

// -----

// Symbolic image dims, ceil mode (squeezenet's 3x3 stride-2 max pools): the output sizes
// follow ONNX's ceil rule at run time, the rows run on the thread pool, no padded copy and
// no fill; the edge pixels' taps are checked against the run-time width.
// CHECK-LABEL: func @max_pool_dynamic
// CHECK-NOT: tensor.pad
// CHECK-NOT: linalg.fill
// CHECK: arith.ceildivsi
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<1x?x?x64xf32>
// CHECK: scf.forall (%{{.*}}) in (%{{.*}}) shared_outs(%{{.*}} = %[[INIT]])
// CHECK: arith.cmpi slt, %{{.*}}, %[[W:.*]] : index
// CHECK: arith.cmpf ogt
// CHECK: tensor.parallel_insert_slice
// LINALG-LABEL: func @max_pool_dynamic
// LINALG: linalg.pooling_nhwc_max
func.func @max_pool_dynamic(%x: tensor<1x?x?x64xf32>) -> tensor<1x?x?x64xf32> {
  %y = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true, count_include_pad = false, layout = "NHWC"} : (tensor<1x?x?x64xf32>) -> tensor<1x?x?x64xf32>
  return %y : tensor<1x?x?x64xf32>
}

// -----

// 8-bit max pools (a QDQ model's, kiln-int8-max-pool): 64 channels of ui8 in one 64-lane i8
// vector, the identity 0 and an unsigned max; 40 channels of i8 in 8 lanes, the identity
// -128 and a signed max. No padded copy, no fill, no float.
// CHECK-LABEL: func @max_pool_8_bit
// CHECK-NOT: tensor.pad
// CHECK-NOT: linalg.fill
// CHECK-DAG: arith.constant dense<0> : vector<64xi8>
// CHECK-DAG: arith.constant dense<-128> : vector<8xi8>
// CHECK: vector.transfer_read {{.*}} : tensor<1x112x112x64xi8>, vector<64xi8>
// CHECK: arith.maxui {{.*}} : vector<64xi8>
// CHECK-NOT: arith.cmpf
// CHECK: arith.maxsi {{.*}} : vector<8xi8>
// CHECK-NOT: f32
// CHECK: return
func.func @max_pool_8_bit(%x: tensor<1x112x112x64xui8>, %y: tensor<1x9x9x40xi8>) -> (tensor<1x56x56x64xui8>, tensor<1x4x4x40xi8>) {
  %a = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x112x112x64xui8>) -> tensor<1x56x56x64xui8>
  %b = kiln.max_pool %y {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x9x9x40xi8>) -> tensor<1x4x4x40xi8>
  return %a, %b : tensor<1x56x56x64xui8>, tensor<1x4x4x40xi8>
}
