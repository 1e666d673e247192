// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-lower-vector-ops))' | FileCheck %s

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

// -----

// Vectors along the columns of a one-channel NHWC map ([64 x 1]): the transfers read and
// write 64 contiguous floats through views without the unit dim, the arithmetic and the
// broadcast bias lose it too (not 64 single-element vectors).
// CHECK-LABEL: func @trailing_unit_dim
// CHECK: %[[V:.*]] = memref.subview %arg0[0, 0, 0, 0] [1, 8, 640, 1] [1, 1, 1, 1] : memref<1x8x640x1xf32> to memref<1x8x640xf32, strided<[5120, 640, 1]>>
// CHECK: %[[R:.*]] = vector.transfer_read %[[V]][%c0, %arg2, %arg3], %{{.*}} {in_bounds = [true]} : memref<1x8x640xf32, strided<[5120, 640, 1]>>, vector<64xf32>
// CHECK: %[[B:.*]] = vector.splat %arg4 : vector<64xf32>
// CHECK: %[[A:.*]] = arith.addf %[[R]], %[[B]] : vector<64xf32>
// CHECK: vector.transfer_write %[[A]], %{{.*}}[%c0, %arg2, %arg3] {in_bounds = [true]} : vector<64xf32>, memref<1x8x640xf32, strided<[5120, 640, 1]>>
// CHECK-NOT: vector<64x1xf32>
func.func @trailing_unit_dim(%x: memref<1x8x640x1xf32>, %y: memref<1x8x640x1xf32>, %i: index, %j: index, %b: f32) {
  %c0 = arith.constant 0 : index
  %p = arith.constant 0.0 : f32
  %r = vector.transfer_read %x[%c0, %i, %j, %c0], %p {in_bounds = [true, true, true, true]} : memref<1x8x640x1xf32>, vector<1x1x64x1xf32>
  %s = vector.broadcast %b : f32 to vector<1x1x64x1xf32>
  %a = arith.addf %r, %s : vector<1x1x64x1xf32>
  vector.transfer_write %a, %y[%c0, %i, %j, %c0] {in_bounds = [true, true, true, true]} : vector<1x1x64x1xf32>, memref<1x8x640x1xf32>
  return
}
