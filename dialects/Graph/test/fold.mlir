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

// -----

// Right identities fold exactly: x + -0, x - +0, x * 1, x / 1 (integers: x + 0 too); x + +0
// does not (-0 + +0 = +0), nor x - -0.
// CHECK-LABEL: func @right_identities
// CHECK-DAG: %[[PZ:.*]] = kiln.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG: %[[NZ:.*]] = kiln.constant dense<-0.000000e+00> : tensor<f32>
// CHECK: %[[KEEP1:.*]] = kiln.add %arg0, %[[PZ]]
// CHECK: %[[KEEP2:.*]] = kiln.sub %arg0, %[[NZ]]
// CHECK: return %arg0, %arg0, %arg0, %arg0, %arg1, %[[KEEP1]], %[[KEEP2]]
func.func @right_identities(%x: tensor<3xf32>, %i: tensor<3xi64>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xi64>, tensor<3xf32>, tensor<3xf32>) {
  %pz = kiln.constant dense<0.0> : tensor<f32>
  %nz = kiln.constant dense<-0.0> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %izero = kiln.constant dense<0> : tensor<i64>
  %0 = kiln.add %x, %nz : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %1 = kiln.sub %x, %pz : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %2 = kiln.mul %x, %one : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %3 = kiln.div %x, %one : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %4 = kiln.add %i, %izero : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %5 = kiln.add %x, %pz : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %6 = kiln.sub %x, %nz : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xi64>, tensor<3xf32>, tensor<3xf32>
}

// -----

// An identity that would broadcast x does not fold.
// CHECK-LABEL: func @identity_broadcasts
// CHECK: kiln.mul
func.func @identity_broadcasts(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %one = kiln.constant dense<1.0> : tensor<2x3xf32>
  %0 = kiln.mul %x, %one : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @neg_constant
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense<[-1, 2]> : tensor<2xi64>
// CHECK-NEXT: %[[F:.*]] = kiln.constant dense<[-1.500000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: return %[[C]], %[[F]]
func.func @neg_constant() -> (tensor<2xi64>, tensor<2xf32>) {
  %a = kiln.constant dense<[1, -2]> : tensor<2xi64>
  %b = kiln.constant dense<[1.5, -0.0]> : tensor<2xf32>
  %0 = kiln.neg %a : tensor<2xi64>
  %1 = kiln.neg %b : tensor<2xf32>
  return %0, %1 : tensor<2xi64>, tensor<2xf32>
}

// -----

// Unsigned constants fold with unsigned semantics: 200 / 3 = 66, max(200, 3) = 200, and a
// cast to f32 reads 200, not -56.
// CHECK-LABEL: func @unsigned_folds
// CHECK-DAG: kiln.constant dense<66> : tensor<1xui8>
// CHECK-DAG: kiln.constant dense<200> : tensor<1xui8>
// CHECK-DAG: kiln.constant dense<2.000000e+02> : tensor<1xf32>
// CHECK-DAG: kiln.constant dense<200> : tensor<1xi64>
func.func @unsigned_folds() -> (tensor<1xui8>, tensor<1xui8>, tensor<1xf32>, tensor<1xi64>) {
  %a = kiln.constant dense<200> : tensor<1xui8>
  %b = kiln.constant dense<3> : tensor<1xui8>
  %0 = kiln.div %a, %b : (tensor<1xui8>, tensor<1xui8>) -> tensor<1xui8>
  %1 = kiln.max %a, %b : (tensor<1xui8>, tensor<1xui8>) -> tensor<1xui8>
  %2 = kiln.cast %a : tensor<1xui8> to tensor<1xf32>
  %3 = kiln.cast %a : tensor<1xui8> to tensor<1xi64>
  return %0, %1, %2, %3 : tensor<1xui8>, tensor<1xui8>, tensor<1xf32>, tensor<1xi64>
}

// -----

// Exported shape arithmetic: torch's x.expand(n, -1, -1) is Where(Equal(shape, -1), 1, shape).
// CHECK-LABEL: func @expand_shape
// CHECK-NEXT: kiln.constant dense<[1, 1, 768]> : tensor<3xi64>
// CHECK-NEXT: return
func.func @expand_shape() -> tensor<3xi64> {
  %shape = kiln.constant dense<[1, -1, 768]> : tensor<3xi64>
  %neg = kiln.constant dense<-1> : tensor<1xi64>
  %ones = kiln.constant dense<1> : tensor<3xi64>
  %eq = kiln.equal %shape, %neg : (tensor<3xi64>, tensor<1xi64>) -> tensor<3xi1>
  %r = kiln.where %eq, %ones, %shape : (tensor<3xi1>, tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  return %r : tensor<3xi64>
}

// -----

// Comparisons, logic and mod on constants (Python's % follows the divisor's sign).
// CHECK-LABEL: func @logic_mod
// CHECK-DAG: kiln.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-DAG: kiln.constant dense<[1, 2, 0]> : tensor<3xi64>
// CHECK-DAG: kiln.constant dense<[-2, 2, 0]> : tensor<3xi64>
func.func @logic_mod() -> (tensor<3xi1>, tensor<3xi64>, tensor<3xi64>) {
  %a = kiln.constant dense<[-5, 2, 7]> : tensor<3xi64>
  %b = kiln.constant dense<[3, 4, 7]> : tensor<3xi64>
  %lt = kiln.less %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %gt = kiln.greater %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %or = kiln.or %lt, %gt : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %not = kiln.not %or : tensor<3xi1>
  %x = kiln.xor %not, %lt : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %and = kiln.and %x, %lt : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %m = kiln.mod %a, %b {fmod = false} : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %f = kiln.mod %a, %b {fmod = true} : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  return %and, %m, %f : tensor<3xi1>, tensor<3xi64>, tensor<3xi64>
}

// -----

// A DequantizeLinear of per-channel int8 weights folds on plain floats: the i8 cast (signed:
// -128 reads -128.0), the [2, 1] scale broadcast over columns (rounded to nearest even, as
// APFloat), min / max with IEEE minimum / maximum semantics (-0 below
// +0, NaN wins).
// CHECK-LABEL: func @dequantize_folds
// CHECK-DAG: kiln.constant dense<{{\[}}[-1.280000e+02, 3.000000e+00], [1.000000e+00, -2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: kiln.constant dense<{{\[}}[-1.280000e+01, 3.000000e-01], [2.500000e-01, -5.000000e-01]]> : tensor<2x2xf32>
// CHECK-DAG: kiln.constant dense<[-0.000000e+00, 0x7FC00000]> : tensor<2xf32>
// CHECK-DAG: kiln.constant dense<[0.000000e+00, 0x7FC00000]> : tensor<2xf32>
func.func @dequantize_folds() -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %w = kiln.constant dense<[[-128, 3], [1, -2]]> : tensor<2x2xi8>
  %s = kiln.constant dense<[[0.1], [0.25]]> : tensor<2x1xf32>
  %0 = kiln.cast %w : tensor<2x2xi8> to tensor<2x2xf32>
  %1 = kiln.mul %0, %s : (tensor<2x2xf32>, tensor<2x1xf32>) -> tensor<2x2xf32>
  %z = kiln.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %n = kiln.constant dense<[-0.0, 0x7FC00000]> : tensor<2xf32>
  %2 = kiln.min %z, %n : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %3 = kiln.max %n, %z : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// A reshape of a reshape reads the first one's input; the dims both record compose (dim 2 of
// the result is dim 2 of %r, which is dim 1 of %x); a dim only the outer one records is lost.
// CHECK-LABEL: func @dims_from_compose
// CHECK-NEXT: %[[R:.*]] = kiln.reshape %arg0 {dims_from = array<i64: -1, -1, 1, -1>} : tensor<48x?x?xf32> to tensor<1x48x?x?xf32>
// CHECK-NEXT: return %[[R]]
func.func @dims_from_compose(%x: tensor<48x?x?xf32>) -> tensor<1x48x?x?xf32> {
  %r = kiln.reshape %x {dims_from = array<i64: -1, -1, 1, -1>} : tensor<48x?x?xf32> to tensor<2x24x?x?xf32>
  %m = kiln.reshape %r {dims_from = array<i64: -1, -1, 2, 3>} : tensor<2x24x?x?xf32> to tensor<1x48x?x?xf32>
  return %m : tensor<1x48x?x?xf32>
}

// -----

// Input-independent masks fold (Swin's shifted windows): a constant expand broadcasts, a
// ScatterND of constants writes its updates (a whole row for 1-element index tuples).
// CHECK-LABEL: func @mask_parts
// CHECK-DAG: kiln.constant dense<{{\[}}[1, 2], [1, 2], [1, 2]]> : tensor<3x2xi64>
// CHECK-DAG: kiln.constant dense<{{\[}}[0.000000e+00, 5.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 7.000000e+00]]> : tensor<2x3xf32>
// CHECK-DAG: kiln.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 0.000000e+00], [1.000000e+00, 2.000000e+00, 3.000000e+00]]> : tensor<2x3xf32>
// CHECK-NOT: kiln.expand
// CHECK-NOT: kiln.scatter_nd
func.func @mask_parts() -> (tensor<3x2xi64>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %a = kiln.constant dense<[1, 2]> : tensor<2xi64>
  %e = kiln.expand %a : tensor<2xi64> to tensor<3x2xi64>
  %z = kiln.constant dense<0.0> : tensor<2x3xf32>
  %i = kiln.constant dense<[[0, 1], [1, 2]]> : tensor<2x2xi64>
  %u = kiln.constant dense<[5.0, 7.0]> : tensor<2xf32>
  %s = kiln.scatter_nd %z, %i, %u : (tensor<2x3xf32>, tensor<2x2xi64>, tensor<2xf32>) -> tensor<2x3xf32>
  %r = kiln.constant dense<[[1]]> : tensor<1x1xi64>
  %v = kiln.constant dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>
  %t = kiln.scatter_nd %z, %r, %v : (tensor<2x3xf32>, tensor<1x1xi64>, tensor<1x3xf32>) -> tensor<2x3xf32>
  return %e, %s, %t : tensor<3x2xi64>, tensor<2x3xf32>, tensor<2x3xf32>
}
