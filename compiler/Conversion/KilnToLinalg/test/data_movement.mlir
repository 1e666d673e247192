// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @reshape
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x3x4xf32>
// Pure collapse / pure expand.
// CHECK: tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: tensor.expand_shape %[[X]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 3, 2, 2] : tensor<2x3x4xf32> into tensor<2x3x2x2xf32>
// Neither: through 1-D.
// CHECK: %[[F:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: tensor.expand_shape %[[F]] {{\[\[}}0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
// To rank 0.
// CHECK: tensor.collapse_shape %{{.*}} [] : tensor<1x1xf32> into tensor<f32>
func.func @reshape(%x: tensor<2x3x4xf32>, %y: tensor<1x1xf32>) -> (tensor<6x4xf32>, tensor<2x3x2x2xf32>, tensor<4x6xf32>, tensor<f32>) {
  %0 = kiln.reshape %x : tensor<2x3x4xf32> to tensor<6x4xf32>
  %1 = kiln.reshape %x : tensor<2x3x4xf32> to tensor<2x3x2x2xf32>
  %2 = kiln.reshape %x : tensor<2x3x4xf32> to tensor<4x6xf32>
  %3 = kiln.reshape %y : tensor<1x1xf32> to tensor<f32>
  return %0, %1, %2, %3 : tensor<6x4xf32>, tensor<2x3x2x2xf32>, tensor<4x6xf32>, tensor<f32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x3x4xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x2x3xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[E]] : tensor<4x2x3xf32>) permutation = [2, 0, 1]
// CHECK: return %[[T]]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = kiln.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x0xf32>, %[[C:.*]]: tensor<2x5xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x8xf32>
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x8xf32>
// CHECK-NOT: %[[B]]
// CHECK: %[[I1:.*]] = tensor.insert_slice %[[C]] into %[[I0]][0, 3] [2, 5] [1, 1] : tensor<2x5xf32> into tensor<2x8xf32>
// CHECK: return %[[I1]]
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x0xf32>, %c: tensor<2x5xf32>) -> tensor<2x8xf32> {
  %0 = kiln.concat %a, %b, %c {axis = 1} : (tensor<2x3xf32>, tensor<2x0xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// Positive steps: extract_slice. Negative steps: a generic reading start + i * step.
// CHECK-DAG: #[[REV:.*]] = affine_map<(d0, d1) -> (d0, d1 * -2 + 3)>
// CHECK-LABEL: func.func @slice
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK: tensor.extract_slice %[[X]][1, 0] [2, 2] [1, 2] : tensor<3x4xf32> to tensor<2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[REV]], #{{.*}}]{{.*}} ins(%[[X]] : tensor<3x4xf32>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK: tensor.empty() : tensor<0x4xf32>
func.func @slice(%x: tensor<3x4xf32>) -> (tensor<2x2xf32>, tensor<3x2xf32>, tensor<0x4xf32>) {
  %0 = kiln.slice %x {starts = array<i64: 1, 0>, ends = array<i64: 3, 4>, steps = array<i64: 1, 2>} : (tensor<3x4xf32>) -> tensor<2x2xf32>
  %1 = kiln.slice %x {starts = array<i64: 0, 3>, ends = array<i64: 3, -1>, steps = array<i64: 1, -2>} : (tensor<3x4xf32>) -> tensor<3x2xf32>
  %2 = kiln.slice %x {starts = array<i64: 3, 0>, ends = array<i64: 3, 4>, steps = array<i64: 1, 1>} : (tensor<3x4xf32>) -> tensor<0x4xf32>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<3x2xf32>, tensor<0x4xf32>
}

// -----

// gather: the index comes from `indices` (negative → + extent, clamped), the element from
// tensor.extract on the data.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @gather
// CHECK-SAME: (%[[D:.*]]: tensor<4x3xf32>, %[[I:.*]]: tensor<2x5xi64>)
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.*}}]{{.*}} ins(%[[I]] : tensor<2x5xi64>) outs(%{{.*}} : tensor<4x2x5xf32>)
// CHECK: ^bb0(%[[V:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[C:.*]] = arith.index_cast %[[V]] : i64 to index
// CHECK: arith.cmpi slt, %[[C]]
// CHECK: arith.constant 3 : index
// CHECK: arith.addi %[[C]]
// CHECK: %[[W:.*]] = arith.select
// CHECK: arith.minsi %[[W]]
// CHECK: %[[K:.*]] = arith.maxsi
// CHECK: %[[R:.*]] = linalg.index 0 : index
// CHECK: %[[E:.*]] = tensor.extract %[[D]][%[[R]], %[[K]]] : tensor<4x3xf32>
// CHECK: linalg.yield %[[E]]
func.func @gather(%d: tensor<4x3xf32>, %i: tensor<2x5xi64>) -> tensor<4x2x5xf32> {
  %0 = kiln.gather %d, %i {axis = 1} : (tensor<4x3xf32>, tensor<2x5xi64>) -> tensor<4x2x5xf32>
  return %0 : tensor<4x2x5xf32>
}

// -----

// CHECK-DAG: #[[BC:.*]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-LABEL: func.func @expand
// CHECK: linalg.generic {indexing_maps = [#[[BC]], #{{.*}}]{{.*}} ins(%{{.*}} : tensor<1x4xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
func.func @expand(%x: tensor<1x4xf32>) -> tensor<2x3x4xf32> {
  %0 = kiln.expand %x : tensor<1x4xf32> to tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// constant pad → tensor.pad; a negative pad crops first.
// CHECK-LABEL: func.func @pad_constant
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK: %[[C:.*]] = tensor.extract_slice %[[X]][0, 0] [3, 3] [1, 1] : tensor<3x4xf32> to tensor<3x3xf32>
// CHECK: %[[V:.*]] = arith.constant 2.500000e+00 : f32
// CHECK: tensor.pad %[[C]] low[1, 2] high[0, 0]
// CHECK: tensor.yield %[[V]]
// CHECK: } : tensor<3x3xf32> to tensor<4x5xf32>
func.func @pad_constant(%x: tensor<3x4xf32>) -> tensor<4x5xf32> {
  %0 = kiln.pad constant %x {pads = array<i64: 1, 2, 0, -1>, value = 2.5} : (tensor<3x4xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// reflect: source index by mirroring with period 2(n - 1); untouched dims use linalg.index.
// CHECK-LABEL: func.func @pad_reflect
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x7xf32>)
// CHECK: %[[R:.*]] = linalg.index 0 : index
// CHECK: %[[O:.*]] = linalg.index 1 : index
// CHECK: arith.subi %[[O]]
// CHECK: arith.constant 6 : index
// CHECK: arith.remsi
// CHECK: arith.cmpi sge
// CHECK: %[[S:.*]] = arith.select
// CHECK: tensor.extract %[[X]][%[[R]], %[[S]]] : tensor<3x4xf32>
func.func @pad_reflect(%x: tensor<3x4xf32>) -> tensor<3x7xf32> {
  %0 = kiln.pad reflect %x {pads = array<i64: 0, 2, 0, 1>, value = 0.0} : (tensor<3x4xf32>) -> tensor<3x7xf32>
  return %0 : tensor<3x7xf32>
}

// -----

// edge: clamp the source index.
// CHECK-LABEL: func.func @pad_edge
// CHECK: linalg.index 0 : index
// CHECK: arith.subi
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: tensor.extract
func.func @pad_edge(%x: tensor<3x4xi32>) -> tensor<5x4xi32> {
  %0 = kiln.pad edge %x {pads = array<i64: 1, 0, 1, 0>, value = 0.0} : (tensor<3x4xi32>) -> tensor<5x4xi32>
  return %0 : tensor<5x4xi32>
}

// -----

// CHECK-LABEL: func.func @shape
// CHECK: %[[C:.*]] = arith.constant dense<[2, 3, 4]> : tensor<3xi64>
// CHECK: return %[[C]]
func.func @shape(%x: tensor<2x3x4xf32>) -> tensor<3xi64> {
  %0 = kiln.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// gather_elements: a generic over `indices` (the result's shape); the element's index along
// `axis` comes from `indices` (negative → + extent, clamped), the others are its own.
// CHECK-LABEL: func.func @gather_elements
// CHECK-SAME: (%[[D:.*]]: tensor<3x4xf32>, %[[I:.*]]: tensor<2x4xi64>)
// CHECK: linalg.generic {{.*}} ins(%[[I]] : tensor<2x4xi64>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: ^bb0(%[[IN:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[IX:.*]] = arith.index_cast %[[IN]] : i64 to index
// CHECK: arith.addi %[[IX]], %c3
// CHECK: arith.minsi %{{.*}}, %c2
// CHECK: %[[ROW:.*]] = arith.maxsi
// CHECK: %[[COL:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %[[D]][%[[ROW]], %[[COL]]] : tensor<3x4xf32>
func.func @gather_elements(%d: tensor<3x4xf32>, %i: tensor<2x4xi64>) -> tensor<2x4xf32> {
  %0 = kiln.gather_elements %d, %i {axis = 0} : (tensor<3x4xf32>, tensor<2x4xi64>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// gather_nd: a generic over the result; each index tuple is read from `indices`, batch dims and
// trailing dims come from the result's own indices.
// CHECK-LABEL: func.func @gather_nd
// CHECK-SAME: (%[[D:.*]]: tensor<2x3x4xf32>, %[[I:.*]]: tensor<2x5x1xi32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x5x4xf32>)
// CHECK: %[[B:.*]] = linalg.index 0 : index
// CHECK: %[[T:.*]] = linalg.index 1 : index
// CHECK: %[[RAW:.*]] = tensor.extract %[[I]][%[[B]], %[[T]], %c0{{.*}}] : tensor<2x5x1xi32>
// CHECK: arith.index_cast %[[RAW]] : i32 to index
// CHECK: %[[K:.*]] = arith.maxsi
// CHECK: %[[REST:.*]] = linalg.index 2 : index
// CHECK: tensor.extract %[[D]][%[[B]], %[[K]], %[[REST]]] : tensor<2x3x4xf32>
func.func @gather_nd(%d: tensor<2x3x4xf32>, %i: tensor<2x5x1xi32>) -> tensor<2x5x4xf32> {
  %0 = kiln.gather_nd %d, %i {batch_dims = 1} : (tensor<2x3x4xf32>, tensor<2x5x1xi32>) -> tensor<2x5x4xf32>
  return %0 : tensor<2x5x4xf32>
}

// -----

// depth_to_space: the channels split into [block rows, block columns x C], one transpose
// interleaves the block rows with the rows, views merge the blocks into rows and columns,
// the crop is a slice; symbolic N, H and W stay symbolic.
// CHECK-LABEL: func.func @depth_to_space
// CHECK: %[[E:.*]] = tensor.expand_shape %arg0 {{\[\[}}0], [1], [2], [3, 4]] output_shape [%{{.*}}, %{{.*}}, %{{.*}}, 2, 6] : tensor<?x?x?x12xf32> into tensor<?x?x?x2x6xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[E]] : tensor<?x?x?x2x6xf32>) outs(%{{.*}} : tensor<?x?x2x?x6xf32>) permutation = [0, 1, 3, 2, 4]
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[T]] {{\[\[}}0], [1, 2], [3, 4]] : tensor<?x?x2x?x6xf32> into tensor<?x?x?xf32>
// CHECK: %[[O:.*]] = tensor.expand_shape %[[R]] {{\[\[}}0], [1], [2, 3]] output_shape [%{{.*}}, %{{.*}}, %{{.*}}, 3] : tensor<?x?x?xf32> into tensor<?x?x?x3xf32>
// CHECK: tensor.extract_slice %[[O]][0, 1, 0, 0] [%{{.*}}, %{{.*}}, %{{.*}}, 3] [1, 1, 1, 1] : tensor<?x?x?x3xf32> to tensor<?x?x?x3xf32>
func.func @depth_to_space(%x: tensor<?x?x?x12xf32>) -> tensor<?x?x?x3xf32> {
  %0 = kiln.depth_to_space %x {block = array<i64: 2, 2>, crops = array<i64: 1, 0, 2, 1>} : (tensor<?x?x?x12xf32>) -> tensor<?x?x?x3xf32>
  return %0 : tensor<?x?x?x3xf32>
}
