// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// TopK with a run-time k (a shape value; outside [0, dim] the size is -1): while k^2 <= 32 n,
// per row one scan keeps the k best so far sorted in the results; an element that belongs
// (the list is not full, or it beats the last) shifts the worse ones down (scf.while) and
// takes its place. A larger k sorts the row's positions (a stable merge sort) instead.
// CHECK-LABEL: func.func @top_k
// CHECK: %[[K:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<1xi64>
// CHECK: %[[SIZE:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[V:.*]] = tensor.empty(%[[SIZE]]) : tensor<3x?xf32>
// CHECK: %[[I:.*]] = tensor.empty(%[[SIZE]]) : tensor<3x?xi64>
// CHECK: %[[SQ:.*]] = arith.muli %[[SIZE]], %[[SIZE]] : index
// CHECK: %[[BOUND:.*]] = arith.muli %{{.*}}, %c32 : index
// CHECK: %[[SMALL:.*]] = arith.cmpi ule, %[[SQ]], %[[BOUND]] : index
// CHECK: scf.for %[[ROW:.*]] = {{.*}} iter_args(%{{.*}} = %[[V]], %{{.*}} = %[[I]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}})
// CHECK: scf.if %[[SMALL]]
// CHECK: scf.for %[[J:.*]] = {{.*}} iter_args(%[[VS:.*]] = %{{.*}}, %{{.*}} = %{{.*}}, %[[N:.*]] = %{{.*}})
// CHECK: %[[X:.*]] = tensor.extract %arg0[%[[ROW]], %[[J]]] : tensor<3x4xf32>
// CHECK: %[[NOTFULL:.*]] = arith.cmpi ult, %[[N]], %[[SIZE]] : index
// CHECK: %[[LAST:.*]] = tensor.extract %[[VS]][%[[ROW]], %{{.*}}] : tensor<3x?xf32>
// CHECK: %[[BEATS:.*]] = arith.cmpf ogt, %[[X]], %[[LAST]] : f32
// CHECK: %[[BELONGS:.*]] = arith.ori %[[NOTFULL]], %[[BEATS]] : i1
// CHECK: scf.if %[[BELONGS]]
// CHECK: scf.while
// CHECK: arith.cmpf ogt, %[[X]], %{{.*}} : f32
// CHECK: scf.condition
// CHECK: tensor.insert %[[X]] into %{{.*}}[%[[ROW]], %{{.*}}] : tensor<3x?xf32>
// CHECK: } else {
// CHECK: scf.while {{.*}} : (tensor<?xindex>, tensor<?xindex>, index)
func.func @top_k(%x: tensor<3x4xf32>, %k: tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>) {
  %v, %i = kiln.top_k %x, %k {axis = 1 : i64, largest = true} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>)
  return %v, %i : tensor<3x?xf32>, tensor<3x?xi64>
}

// -----

// Det: per matrix a copy (a generic into the work tensor), then per column the pivot search,
// a row swap, the pivot into the product and the elimination below it.
// CHECK-LABEL: func.func @det
// CHECK: scf.for %[[B:.*]] = {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<2xf32>, tensor<3x3xf32>)
// CHECK: linalg.generic
// CHECK: tensor.extract %arg0[%[[B]], %{{.*}}, %{{.*}}] : tensor<2x3x3xf32>
// CHECK: scf.for
// CHECK: math.absf
// CHECK: arith.cmpf ogt
// CHECK: arith.mulf
// CHECK: arith.negf
// CHECK: arith.divf
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[B]]] : tensor<2xf32>
func.func @det(%x: tensor<2x3x3xf32>) -> tensor<2xf32> {
  %r = kiln.det %x : (tensor<2x3x3xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}
