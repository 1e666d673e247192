// RUN: kiln-opt %s -pass-pipeline='builtin.module(func.func(kiln-cpu-lower-vector-ops))' | FileCheck %s

// Contractions become FMAs (outer products); exp becomes a polynomial, not a libm call.
// CHECK-LABEL: func @contract_exp
// CHECK-NOT: vector.contract
// CHECK: vector.fma
// CHECK-NOT: math.exp
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @contract_exp(%x: vector<2x1xf32>, %y: vector<1x16xf32>, %acc: vector<2x16xf32>) -> vector<2x16xf32> {
  %r = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %x, %y, %acc : vector<2x1xf32>, vector<1x16xf32> into vector<2x16xf32>
  %e = math.exp %r : vector<2x16xf32>
  return %e : vector<2x16xf32>
}

// A 16 x 16 register transpose becomes 64 two-vector shuffles (the element-wise lowering would
// extract and insert all 256 elements).
// CHECK-LABEL: func @transpose16
// CHECK-NOT: vector.transpose
// CHECK-COUNT-64: vector.shuffle
func.func @transpose16(%v: vector<16x16xf32>) -> vector<16x16xf32> {
  %t = vector.transpose %v, [1, 0] : vector<16x16xf32> to vector<16x16xf32>
  return %t : vector<16x16xf32>
}
