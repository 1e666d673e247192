// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// scatter_elements: data copied into a fresh tensor (an identity generic), then a loop nest
// over the updates inserts each one at its index along `axis` (wrapped and clamped); the
// reduction combines with the element already there.
// CHECK-LABEL: func.func @scatter_elements
// CHECK-SAME: (%[[D:.*]]: tensor<3x4xf32>, %[[I:.*]]: tensor<3x2xi64>, %[[U:.*]]: tensor<3x2xf32>)
// CHECK: %[[COPY:.*]] = linalg.generic {{.*}} ins(%[[D]] : tensor<3x4xf32>) outs(%{{.*}} : tensor<3x4xf32>)
// CHECK: %[[R:.*]] = scf.for %[[I0:.*]] = %c0 to %c3 step %c1 iter_args(%[[T0:.*]] = %[[COPY]]) -> (tensor<3x4xf32>)
// CHECK: scf.for %[[I1:.*]] = %{{.*}} to %c2 step %{{.*}} iter_args(%[[T1:.*]] = %[[T0]]) -> (tensor<3x4xf32>)
// CHECK: %[[RAW:.*]] = tensor.extract %[[I]][%[[I0]], %[[I1]]] : tensor<3x2xi64>
// CHECK: arith.index_cast %[[RAW]] : i64 to index
// CHECK: %[[COL:.*]] = arith.maxsi
// CHECK: %[[UPD:.*]] = tensor.extract %[[U]][%[[I0]], %[[I1]]]
// CHECK: %[[OLD:.*]] = tensor.extract %[[T1]][%[[I0]], %[[COL]]]
// CHECK: %[[SUM:.*]] = arith.addf %[[OLD]], %[[UPD]] : f32
// CHECK: tensor.insert %[[SUM]] into %[[T1]][%[[I0]], %[[COL]]]
// CHECK: return %[[R]]
func.func @scatter_elements(%d: tensor<3x4xf32>, %i: tensor<3x2xi64>, %u: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %0 = kiln.scatter_elements %d, %i, %u {axis = 1, reduction = "add"} : (tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// scatter_nd: the loops run over the updates [tuples..., trailing data dims...]; each tuple
// is read from `indices`.
// CHECK-LABEL: func.func @scatter_nd
// CHECK-SAME: (%[[D:.*]]: tensor<4x5xf32>, %[[I:.*]]: tensor<2x1xi32>, %[[U:.*]]: tensor<2x5xf32>)
// CHECK: scf.for %[[T:.*]] = %c0 to %c2
// CHECK: scf.for %[[C:.*]] = %{{.*}} to %c5
// CHECK: %[[RAW:.*]] = tensor.extract %[[I]][%[[T]], %c0{{.*}}] : tensor<2x1xi32>
// CHECK: %[[ROW:.*]] = arith.maxsi
// CHECK: %[[UPD:.*]] = tensor.extract %[[U]][%[[T]], %[[C]]]
// CHECK-NOT: arith.addf
// CHECK: tensor.insert %[[UPD]] into %{{.*}}[%[[ROW]], %[[C]]]
func.func @scatter_nd(%d: tensor<4x5xf32>, %i: tensor<2x1xi32>, %u: tensor<2x5xf32>) -> tensor<4x5xf32> {
  %0 = kiln.scatter_nd %d, %i, %u : (tensor<4x5xf32>, tensor<2x1xi32>, tensor<2x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}
