// RUN: kiln-opt %s -kiln-to-linalg=vector-code=1 -canonicalize -split-input-file | FileCheck %s

// A ViT layer norm over 768 channels of 197 tokens: the rows run on the threads (an
// scf.forall over 197), each row read three times in 16-lane vectors: its sum with four
// accumulators (loop step 64), the squared deviations from the mean the same way, then
// (x - mean) * rstd * scale + bias, one store per vector into the row's slice as it is
// ([1, 1, 768]: collapsing the unit dims of the strided slice bufferized to a copy per row).
// CHECK-LABEL: func @vit_row
// CHECK: scf.forall (%[[R:.*]]) in (197)
// CHECK: %[[T:.*]] = arith.remui %[[R]], %c197
// CHECK: %[[B:.*]] = arith.divui %[[R]], %c197
// CHECK: tensor.extract_slice %{{.*}}{{\[}}%[[B]], %[[T]], 0] [1, 1, 768]
// CHECK-NOT: tensor.collapse_shape
// CHECK: scf.for %{{.*}} = %c0 to %c768 step %c64 iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4: vector.transfer_read %arg0[%[[B]], %[[T]], %{{.*}}]
// CHECK: vector.reduction <add>
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: scf.for %{{.*}} = %c0 to %c768 step %c64
// CHECK: arith.subf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.reduction <add>
// CHECK: math.sqrt
// CHECK: scf.for %{{.*}} = %c0 to %c768 step %c16
// CHECK: vector.transfer_read %arg1
// CHECK: vector.transfer_read %arg2
// CHECK: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<1x1x768xf32>
// CHECK-NOT: tensor.expand_shape
// CHECK: tensor.parallel_insert_slice
func.func @vit_row(%x: tensor<1x197x768xf32>, %s: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<1x197x768xf32> {
  %y = kiln.layer_norm %x, %s, %b {axis = -1 : i64, epsilon = 1.0e-6 : f64} : (tensor<1x197x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<1x197x768xf32>
  return %y : tensor<1x197x768xf32>
}

// -----

// Symbolic leading dims: the rows are their run-time product (always on the threads), a row
// index split by the run-time size; rows of 40 elements: two full vectors (no blocked loop:
// fewer than four), the rest of 8 as one vector<8xf32>; a scale of shape [1, 40] read flat;
// no bias.
// CHECK-LABEL: func @dynamic_rows
// CHECK: %[[S:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1]] : tensor<1x40xf32> into tensor<40xf32>
// CHECK: %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK: tensor.empty(%{{.*}}, %[[T]]) : tensor<?x?x40xf32>
// CHECK: scf.forall (%[[R:.*]]) in (%{{.*}})
// CHECK: arith.remui %[[R]], %[[T]]
// CHECK: vector.transfer_read %arg0{{.*}} : tensor<?x?x40xf32>, vector<8xf32>
// CHECK: vector.transfer_read %[[S]]{{.*}} : tensor<40xf32>, vector<8xf32>
func.func @dynamic_rows(%x: tensor<?x?x40xf32>, %s: tensor<1x40xf32>) -> tensor<?x?x40xf32> {
  %y = kiln.layer_norm %x, %s {axis = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<?x?x40xf32>, tensor<1x40xf32>) -> tensor<?x?x40xf32>
  return %y : tensor<?x?x40xf32>
}

// -----

// A scale that varies along the rows (shape [4, 1]) is not one value per row element: the
// linalg lowering takes it.
// CHECK-LABEL: func @row_broadcast_scale
// CHECK-NOT: scf.forall
// CHECK: linalg.generic
func.func @row_broadcast_scale(%x: tensor<4x8xf32>, %s: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %y = kiln.layer_norm %x, %s {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Normalized over the last three dims: only they collapse, into one row of 60 (the slice's
// unit dim stays); a 4-D NHWC layer norm (ConvNeXt) writes its [1, 1, 1, 96] slices as they are.
// CHECK-LABEL: func @several_normalized_dims
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<1x3x4x5xf32> into tensor<1x60xf32>
// CHECK: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<1x60xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]] output_shape [1, 3, 4, 5]
// CHECK-LABEL: func @nhwc_rows
// CHECK: scf.forall (%{{.*}}) in (3136)
// CHECK-NOT: tensor.collapse_shape
// CHECK: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<1x1x1x96xf32>
func.func @several_normalized_dims(%x: tensor<2x3x4x5xf32>, %s: tensor<3x4x5xf32>) -> tensor<2x3x4x5xf32> {
  %y = kiln.layer_norm %x, %s {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x3x4x5xf32>, tensor<3x4x5xf32>) -> tensor<2x3x4x5xf32>
  return %y : tensor<2x3x4x5xf32>
}
func.func @nhwc_rows(%x: tensor<1x56x56x96xf32>, %s: tensor<96xf32>) -> tensor<1x56x56x96xf32> {
  %y = kiln.layer_norm %x, %s {axis = -1 : i64, epsilon = 1.0e-6 : f64} : (tensor<1x56x56x96xf32>, tensor<96xf32>) -> tensor<1x56x56x96xf32>
  return %y : tensor<1x56x56x96xf32>
}
