// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// Reduction over run-time axes (keepdims): per dim a flag (some axis names it, negative or
// not), the result dim 1 or the input dim, and a generic over the result whose payload loops
// over the product of the reduced extents.
// CHECK-LABEL: func.func @reduce_by
// CHECK: %[[A:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<1xi64>
// CHECK: arith.cmpi eq, %[[A]], %{{.*}} : i64
// CHECK: %[[R0:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32)
// CHECK: arith.remui
// CHECK: tensor.extract %arg0
// CHECK: arith.addf %[[ACC]]
func.func @reduce_by(%x: tensor<2x3xf32>, %axes: tensor<1xi64>) -> tensor<?x?xf32> {
  %r = kiln.reduce_by sum %x, %axes : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// Split by run-time sizes: part i starts at the sum of the sizes before it; sizes that are
// negative or do not add up to the dim give -1 (a run-time error naming the node).
// CHECK-LABEL: func.func @split_by
// CHECK: %[[S0:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: %[[S1:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: %[[SUM:.*]] = arith.addi %{{.*}}, %[[S1]] : i64
// CHECK: arith.cmpi eq, %[[SUM]], %{{.*}} : i64
// CHECK: %[[N0:.*]] = arith.select %{{.*}}, %[[S0]], %{{.*}} : i64
// CHECK: linalg.generic
// CHECK: tensor.extract %arg0
// CHECK: %[[N1:.*]] = arith.select %{{.*}}, %[[S1]], %{{.*}} : i64
// CHECK: linalg.generic
// CHECK: arith.addi
// CHECK: tensor.extract %arg0
func.func @split_by(%x: tensor<6x4xf32>, %s: tensor<2xi64>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %a, %b = kiln.split_by %x, %s {axis = 0 : i64} : (tensor<6x4xf32>, tensor<2xi64>) -> (tensor<?x4xf32>, tensor<?x4xf32>)
  return %a, %b : tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// Compress: the size counts the true entries, each read at a constant index (shape values);
// an scf.for lists their positions; the result gathers the input at them.
// CHECK-LABEL: func.func @compress
// CHECK-COUNT-3: tensor.extract %arg1[%{{.*}}] : tensor<3xi1>
// CHECK: %[[LIST:.*]]:2 = scf.for
// CHECK: scf.if
// CHECK: tensor.insert
// CHECK: linalg.generic
// CHECK: %[[AT:.*]] = tensor.extract %[[LIST]]#0
// CHECK: tensor.extract %arg0[%[[AT]], %{{.*}}]
func.func @compress(%x: tensor<3x2xf32>, %c: tensor<3xi1>) -> tensor<?x2xf32> {
  %r = kiln.compress %x, %c {axis = 0 : i64} : (tensor<3x2xf32>, tensor<3xi1>) -> tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}

// -----

// NonZero: the count reads every element at constant indices; the loop writes the
// coordinates of each non-zero element into column `count so far`.
// CHECK-LABEL: func.func @non_zero
// CHECK-COUNT-4: arith.cmpf une
// CHECK: tensor.empty(%{{.*}}) : tensor<2x?xi64>
// CHECK: scf.for
// CHECK: scf.if
// CHECK-COUNT-2: tensor.insert
func.func @non_zero(%x: tensor<2x2xf32>) -> tensor<2x?xi64> {
  %r = kiln.non_zero %x : (tensor<2x2xf32>) -> tensor<2x?xi64>
  return %r : tensor<2x?xi64>
}
