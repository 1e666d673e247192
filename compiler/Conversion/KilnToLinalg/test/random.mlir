// RUN: kiln-opt %s -kiln-to-linalg | FileCheck %s

// Each element hashes (seed, row-major index) with SplitMix64's finalizer into 53 bits, a
// uniform double in [0, 1) scaled into [a, b); the result follows the dims of `like`.
// CHECK-LABEL: func.func @uniform
// CHECK: %[[N:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x3xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x3xf32>
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: arith.constant -7046029254386353131 : i64
// CHECK: arith.shrui
// CHECK: arith.muli
// CHECK: arith.uitofp %{{.*}} : i64 to f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @uniform(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r = kiln.random_like "uniform" %x {a = -1.0 : f64, b = 1.0 : f64, seed = 3 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// Normal: Box-Muller on two draws.
// CHECK-LABEL: func.func @normal
// CHECK: linalg.generic
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.cos
func.func @normal(%x: tensor<4xf32>) -> tensor<4xf64> {
  %r = kiln.random_like "normal" %x {a = 0.0 : f64, b = 1.0 : f64, seed = 0 : i64} : (tensor<4xf32>) -> tensor<4xf64>
  return %r : tensor<4xf64>
}
