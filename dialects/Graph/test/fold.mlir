// RUN: kiln-opt %s -canonicalize -split-input-file | FileCheck %s
// Folders turn shape arithmetic and weight transposes into constants.

// CHECK-LABEL: func @shape_chain
// CHECK-NOT: kiln.shape
// CHECK-NOT: kiln.gather
// CHECK: kiln.constant dense<[2, 12]> : tensor<2xi64>
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  %s = kiln.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %i = kiln.constant dense<0> : tensor<1xi64>
  %n = kiln.gather %s, %i {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %c = kiln.constant dense<12> : tensor<1xi64>
  %r = kiln.concat %n, %c {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %r : tensor<2xi64>
}

// -----

// CHECK-LABEL: func @transpose_weight
// CHECK: kiln.constant dense<{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]>
func.func @transpose_weight() -> tensor<2x2xf32> {
  %w = kiln.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %t = kiln.transpose %w {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %t : tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func @arith
// CHECK: kiln.constant dense<[4, 14]> : tensor<2xi64>
func.func @arith() -> tensor<2xi64> {
  %a = kiln.constant dense<[1, 4]> : tensor<2xi64>
  %b = kiln.constant dense<3> : tensor<1xi64>
  %c = kiln.add %a, %b : (tensor<2xi64>, tensor<1xi64>) -> tensor<2xi64>
  %d = kiln.constant dense<[1, 2]> : tensor<2xi64>
  %e = kiln.mul %c, %d : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %f = kiln.sub %e, %d : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %g = kiln.add %f, %d : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %g : tensor<2xi64>
}

// -----

// CHECK-LABEL: func @identity
// CHECK-NEXT: return %arg0
func.func @identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %t = kiln.transpose %x {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %r = kiln.reshape %t : tensor<2x3xf32> to tensor<6xf32>
  %r2 = kiln.reshape %r : tensor<6xf32> to tensor<2x3xf32>
  return %r2 : tensor<2x3xf32>
}
