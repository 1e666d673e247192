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

// -----

// A reduction over the innermost dim only (softmax/layer-norm rows): one vector.reduction per
// row, no transpose of the rows into lanes and no element-at-a-time chain.
// CHECK-LABEL: func @row_max
// CHECK-NOT: vector.transpose
// CHECK-COUNT-2: vector.reduction <maximumf>, %{{.*}}, %{{.*}} : vector<192xf32> into f32
// CHECK-NOT: vector.reduction
// CHECK: return
func.func @row_max(%x: vector<1x2x192xf32>, %acc: vector<1x2xf32>) -> vector<1x2xf32> {
  %r = vector.multi_reduction <maximumf>, %x, %acc [2] : vector<1x2x192xf32> to vector<1x2xf32>
  return %r : vector<1x2xf32>
}

// -----

// A reduction over an outer dim (pooling over rows) keeps the lane-parallel lowering.
// CHECK-LABEL: func @column_sum
// CHECK-NOT: vector.reduction
// CHECK: arith.addf {{.*}} : vector<16xf32>
func.func @column_sum(%x: vector<4x16xf32>, %acc: vector<16xf32>) -> vector<16xf32> {
  %r = vector.multi_reduction <add>, %x, %acc [0] : vector<4x16xf32> to vector<16xf32>
  return %r : vector<16xf32>
}
