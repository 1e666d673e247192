// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// NonMaxSuppression: a buffer of B * C * min(max(max_per_class, 0), N) rows; box extents
// once per batch; per class the candidates listed (score above the threshold), merge-sorted
// by score (two passes per round, list -> spare -> list), then in that order each checked
// against the kept boxes 16 at a time ([5, N] extents, vector code, an any-reduction), and
// written out when none suppresses it.
// CHECK-LABEL: func.func @nms
// CHECK: %[[M:.*]] = tensor.extract %arg2[%{{.*}}] : tensor<1xi64>
// CHECK: %[[CLAMPED:.*]] = arith.maxsi %[[M]], %{{.*}} : i64
// CHECK: %[[PER:.*]] = arith.minsi %[[CLAMPED]], %{{.*}} : i64
// CHECK: %[[BOUND:.*]] = arith.muli %{{.*}}, %[[PER]] : i64
// CHECK: %[[ROWS:.*]] = arith.index_cast %[[BOUND]] : i64 to index
// CHECK: tensor.empty(%[[ROWS]]) : tensor<?x3xi64>
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x5xf32>
// CHECK: tensor.empty(%{{.*}}) : tensor<5x?xf32>
// CHECK: arith.cmpf ogt, %{{.*}}, %{{.*}} : f32
// CHECK: scf.while {{.*}} : (tensor<?xindex>, tensor<?xindex>, index)
// CHECK-COUNT-2: scf.for
// CHECK: scf.while
// CHECK: scf.while
// CHECK-COUNT-5: vector.transfer_read %{{.*}} : tensor<5x?xf32>, vector<16xf32>
// CHECK: arith.divf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.create_mask
// CHECK: vector.reduction <or>
// CHECK-COUNT-3: tensor.insert %{{.*}} into %{{.*}} : tensor<?x3xi64>
// CHECK: tensor.from_elements %{{.*}} : tensor<1xi64>
func.func @nms(%b: tensor<1x?x4xf32>, %s: tensor<1x2x?xf32>, %m: tensor<1xi64>,
               %iou: tensor<1xf32>, %st: tensor<1xf32>) -> (tensor<?x3xi64>, tensor<1xi64>) {
  %sel, %n = kiln.non_max_suppression %b, %s, %m, %iou, %st {center_point_box = false} : (tensor<1x?x4xf32>, tensor<1x2x?xf32>, tensor<1xi64>, tensor<1xf32>, tensor<1xf32>) -> (tensor<?x3xi64>, tensor<1xi64>)
  return %sel, %n : tensor<?x3xi64>, tensor<1xi64>
}

// -----

// NonZero of a computed mask: a column for every element, listed in order, and the count.
// CHECK-LABEL: func.func @non_zero_bounded
// CHECK: %[[INIT:.*]] = tensor.empty(%[[ALL:.*]]) : tensor<2x?xi64>
// CHECK: %[[LIST:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %[[ALL]] step %{{.*}} iter_args(%{{.*}} = %[[INIT]], %{{.*}} = %{{.*}}) -> (tensor<2x?xi64>, index)
// CHECK: arith.cmpf une
// CHECK: scf.if
// CHECK: %[[COUNT:.*]] = arith.index_cast %[[LIST]]#1 : index to i64
// CHECK: %[[T:.*]] = tensor.from_elements %[[COUNT]] : tensor<1xi64>
// CHECK: return %[[LIST]]#0, %[[T]]
func.func @non_zero_bounded(%x: tensor<?x4xf32>) -> (tensor<2x?xi64>, tensor<1xi64>) {
  %i, %n = kiln.non_zero_bounded %x : (tensor<?x4xf32>) -> (tensor<2x?xi64>, tensor<1xi64>)
  return %i, %n : tensor<2x?xi64>, tensor<1xi64>
}

// -----

// An If whose branches differ in shape: the result's dims are the chosen one's.
// CHECK-LABEL: func.func @choose
// CHECK: %[[C:.*]] = tensor.extract %arg0[] : tensor<i1>
// CHECK: %[[N:.*]] = arith.select %[[C]], %{{.*}}, %{{.*}} : index
// CHECK: tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK: linalg.generic
// CHECK: scf.if %[[C]] -> (f32)
// CHECK: tensor.extract %arg1
// CHECK: tensor.extract %arg2
func.func @choose(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %r = kiln.choose %c, %a, %b : (tensor<i1>, tensor<2xf32>, tensor<?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// A concat along a dim sized at run time: each input at the sum of the sizes before it.
// CHECK-LABEL: func.func @concat_dynamic_axis
// CHECK: %[[A:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x4xf32>
// CHECK: %[[AB:.*]] = arith.addi %[[A]], %c3 : index
// CHECK: %[[ALL:.*]] = arith.addi %[[AB]], %{{.*}} : index
// CHECK: tensor.empty(%[[ALL]]) : tensor<?x4xf32>
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0]
// CHECK: tensor.insert_slice %arg1 into %{{.*}}[%[[A]], 0] [3, 4]
// CHECK: tensor.insert_slice %arg2 into %{{.*}}[%[[AB]], 0]
func.func @concat_dynamic_axis(%a: tensor<?x4xf32>, %b: tensor<3x4xf32>, %c: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = kiln.concat %a, %b, %c {axis = 0 : i64} : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// GatherND of run-time many index tuples into data with a run-time dim: the result has one
// element per tuple; a dynamic extent is read once, outside the loop.
// CHECK-LABEL: func.func @gather_nd_dynamic
// CHECK: %[[T:.*]] = tensor.dim %arg1, %{{.*}} : tensor<?x2xi64>
// CHECK: %[[E:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x5xf32>
// CHECK: tensor.empty(%[[T]]) : tensor<?xf32>
// CHECK: linalg.generic
// CHECK: arith.addi %{{.*}}, %[[E]] : index
// CHECK: arith.subi %[[E]], %{{.*}} : index
// CHECK: tensor.extract %arg0
func.func @gather_nd_dynamic(%d: tensor<?x5xf32>, %i: tensor<?x2xi64>) -> tensor<?xf32> {
  %r = kiln.gather_nd %d, %i {batch_dims = 0 : i64} : (tensor<?x5xf32>, tensor<?x2xi64>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}
