// RUN: kiln-opt %s -kiln-shape-functions -split-input-file -verify-diagnostics | FileCheck %s

// A kernel whose result batch follows its input: the shape function returns the input dim
// and the consistency flag (1: nothing to compare).
// CHECK-LABEL: func.func @k_relu(
// CHECK-LABEL: func.func @k_relu_shape
// CHECK-SAME: (%[[N:.*]]: index) -> (index, index) attributes {kiln.shape_function = "k_relu"}
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: return %[[N]], %[[ONE]] : index, index
func.func @k_relu(%x: tensor<?x4xf32>) -> tensor<?x4xf32> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// Two inputs whose batches the loop ties together: the flag compares them.
// CHECK-LABEL: func.func @k_add_shape
// CHECK-SAME: (%[[A:.*]]: index, %[[B:.*]]: index) -> (index, index)
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[A]], %[[B]] : index
// CHECK: %[[EXT:.*]] = arith.extui %[[EQ]] : i1 to i64
// CHECK: %[[FLAG:.*]] = arith.index_cast %[[EXT]] : i64 to index
// CHECK: return %[[A]], %[[FLAG]]
func.func @k_add(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %b : tensor<?x4xf32>, tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// Static kernels get no shape function.
// CHECK-LABEL: func.func @k_static
// CHECK-NOT: k_static_shape
func.func @k_static(%x: tensor<2x4xf32>) -> tensor<2x4xf32> attributes {kiln.kernel} {
  return %x : tensor<2x4xf32>
}

// -----

// A result size read from the input's values cannot be computed before the kernel runs.
// expected-error @+1 {{the result shape of kernel k_data depends on the values of its inputs}}
func.func @k_data(%x: tensor<1xindex>) -> tensor<?xf32> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %n = tensor.extract %x[%c0] : tensor<1xindex>
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}
