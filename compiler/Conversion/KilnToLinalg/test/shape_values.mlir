// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// Expand by a run-time shape: each dim is the shape value, or the input dim where it is 1
// (-1, an error at run time, where it is neither); a static 1 of the input broadcasts. The
// input is read at computed coordinates.
// CHECK-LABEL: func.func @expand_to
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[BAD:.*]] = arith.constant -1 : index
// CHECK: %[[C3:.*]] = tensor.dim %arg0, %{{.*}} : tensor<3x1xf32>
// CHECK: %[[V0:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: %[[D0:.*]] = arith.index_cast %[[V0]] : i64 to index
// CHECK: %[[IS1:.*]] = arith.cmpi eq, %[[D0]], %[[C1]] : index
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[D0]], %[[C3]] : index
// CHECK: %[[OK:.*]] = arith.ori %[[IS1]], %[[SAME]] : i1
// CHECK: %[[S0:.*]] = arith.select %[[OK]], %[[C3]], %[[BAD]] : index
// CHECK: %[[V1:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: %[[D1:.*]] = arith.index_cast %[[V1]] : i64 to index
// CHECK: tensor.empty(%[[S0]], %[[D1]]) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract %arg0
func.func @expand_to(%x: tensor<3x1xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %r = kiln.expand_to %x, %s : (tensor<3x1xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// CHECK-LABEL: func.func @constant_of_shape
// CHECK: %[[V:.*]] = tensor.extract %arg0[%{{.*}}] : tensor<1xi64>
// CHECK: %[[D:.*]] = arith.index_cast %[[V]] : i64 to index
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?xi32>
// CHECK: linalg.fill ins(%{{.*}} : i32) outs(%[[E]] : tensor<?xi32>)
func.func @constant_of_shape(%s: tensor<1xi64>) -> tensor<?xi32> {
  %r = kiln.constant_of_shape %s {value = 7 : i32} : (tensor<1xi64>) -> tensor<?xi32>
  return %r : tensor<?xi32>
}

// -----

// Range: max(ceil((limit - start) / delta), 0) elements, computed in f64.
// CHECK-LABEL: func.func @range
// CHECK: %[[Q:.*]] = arith.divf
// CHECK: %[[N:.*]] = arith.fptosi %[[Q]] : f64 to i64
// CHECK: arith.cmpf olt
// CHECK: arith.maxsi
// CHECK: %[[SIZE:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: tensor.empty(%[[SIZE]]) : tensor<?xf32>
// CHECK: linalg.index 0
func.func @range(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<f32>) -> tensor<?xf32> {
  %r = kiln.range %a, %b, %c : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}
