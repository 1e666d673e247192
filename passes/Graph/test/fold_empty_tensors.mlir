// RUN: kiln-opt %s -split-input-file -verify-diagnostics -pass-pipeline='builtin.module(func.func(kiln-fold-empty-tensors),canonicalize)' | FileCheck %s

// A reduction over an empty extent is its identity; ops on empty results are empty constants.
// CHECK-LABEL: func @empty_reductions
// CHECK-DAG: %[[SUM:.*]] = kiln.constant dense<0.000000e+00> : tensor<3x5xf32>
// CHECK-DAG: %[[MAX:.*]] = kiln.constant dense<0xFF800000> : tensor<3x5xf32>
// CHECK-DAG: %[[PROD:.*]] = kiln.constant dense<1> : tensor<3xi32>
// CHECK-DAG: %[[EMPTY:.*]] = kiln.constant dense<> : tensor<3x0x5xf32>
// CHECK-NOT: kiln.reduce
// CHECK-NOT: kiln.relu
// CHECK: return %[[SUM]], %[[MAX]], %[[PROD]], %[[EMPTY]]
func.func @empty_reductions(%x: tensor<3x0x5xf32>, %i: tensor<3x0xi32>)
    -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<3xi32>, tensor<3x0x5xf32>) {
  %0 = kiln.reduce sum %x {axes = array<i64: 1>, keepdims = false} : (tensor<3x0x5xf32>) -> tensor<3x5xf32>
  %1 = kiln.reduce max %x {axes = array<i64: 1>, keepdims = false} : (tensor<3x0x5xf32>) -> tensor<3x5xf32>
  %2 = kiln.reduce prod %i {axes = array<i64: 1>, keepdims = false} : (tensor<3x0xi32>) -> tensor<3xi32>
  %3 = kiln.relu %x : tensor<3x0x5xf32>
  return %0, %1, %2, %3 : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3xi32>, tensor<3x0x5xf32>
}

// -----

// A concat drops its empty inputs (one left: the concat goes); a matmul with an empty
// contraction is zeros.
// CHECK-LABEL: func @concat_and_matmul
// CHECK-SAME: (%[[A:.*]]: tensor<2x0xf32>, %[[B:.*]]: tensor<2x3xf32>, %[[Q:.*]]: tensor<0x3xf32>)
// CHECK: %[[Z:.*]] = kiln.constant dense<0.000000e+00> : tensor<2x3xf32>
// CHECK-NOT: kiln.concat
// CHECK: return %[[B]], %[[Z]]
func.func @concat_and_matmul(%a: tensor<2x0xf32>, %b: tensor<2x3xf32>, %q: tensor<0x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<2x0xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = kiln.matmul %a, %q : (tensor<2x0xf32>, tensor<0x3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Any other op that reads a computed empty tensor and produces elements is an error.
func.func @unsupported(%x: tensor<2x0xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'kiln.pad' with an empty input ('tensor<2x0xf32>', a zero-size dim) and a non-empty result is not supported}}
  %0 = kiln.pad constant %x {pads = array<i64: 0, 1, 0, 1>, value = 0.0} : (tensor<2x0xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
