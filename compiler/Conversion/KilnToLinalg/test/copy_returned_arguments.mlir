// RUN: kiln-opt %s -pass-pipeline='builtin.module(func.func(kiln-copy-returned-arguments))' | FileCheck %s

// A kernel folded to the identity of an argument returns a copy of it (static and dynamic
// dims); results computed in the kernel are left alone.
// CHECK-LABEL: func.func @identity
// CHECK-SAME: (%[[X:.*]]: tensor<3xf32>, %[[Y:.*]]: tensor<?x4xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3xf32>
// CHECK: %[[C:.*]] = linalg.copy ins(%[[X]] : tensor<3xf32>) outs(%[[E]] : tensor<3xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: %[[D:.*]] = tensor.dim %[[Y]], %[[ZERO]]
// CHECK: %[[E2:.*]] = tensor.empty(%[[D]]) : tensor<?x4xf32>
// CHECK: %[[C2:.*]] = linalg.copy ins(%[[Y]] : tensor<?x4xf32>) outs(%[[E2]] : tensor<?x4xf32>)
// CHECK: return %[[C]], %[[C2]]
func.func @identity(%x: tensor<3xf32>, %y: tensor<?x4xf32>) -> (tensor<3xf32>, tensor<?x4xf32>) {
  return %x, %y : tensor<3xf32>, tensor<?x4xf32>
}
