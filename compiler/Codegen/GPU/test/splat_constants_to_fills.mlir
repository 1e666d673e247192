// RUN: kiln-opt %s -split-input-file -verify-diagnostics -pass-pipeline='builtin.module(func.func(kiln-gpu-splat-constants-to-fills))' | FileCheck %s

// CHECK-LABEL: func @zero_bias
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<64xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<64xf32>)
// CHECK: return %[[F]]
func.func @zero_bias() -> tensor<64xf32> {
  %c = arith.constant dense<0.0> : tensor<64xf32>
  return %c : tensor<64xf32>
}

// -----

func.func @table() -> tensor<3xf32> {
  // expected-error @+1 {{kiln: a GPU kernel cannot hold a constant tensor of 3 distinct values}}
  %c = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  return %c : tensor<3xf32>
}
