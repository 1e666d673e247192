// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// Reduction loops over the axes into a filled accumulator; mean divides afterwards;
// keepdims re-inserts the reduced dims with expand_shape.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @reduce_mean_keepdims
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[I:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[I]] : tensor<2x4xf32>)
// CHECK: arith.addf
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<2x4xf32>)
// CHECK: arith.constant 3.000000e+00 : f32
// CHECK: arith.divf
// CHECK: %[[R:.*]] = tensor.expand_shape %[[M]] {{\[\[}}0], [1, 2]] output_shape [2, 1, 4] : tensor<2x4xf32> into tensor<2x1x4xf32>
// CHECK: return %[[R]]
func.func @reduce_mean_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x4xf32> {
  %0 = kiln.reduce mean %x {axes = array<i64: 1>, keepdims = true} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_kinds
// max: from -inf
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]
// CHECK: arith.maximumf
// min: from +inf
// CHECK: arith.constant 0x7F800000 : f32
// CHECK: arith.minimumf
// prod: from 1
// CHECK: arith.constant 1.000000e+00 : f32
// CHECK: arith.mulf
// sum_square
// CHECK: arith.mulf
// CHECK: arith.addf
// l1
// CHECK: math.absf
// CHECK: arith.addf
// l2: sum of squares, then sqrt
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: math.sqrt
// log_sum: sum, then log
// CHECK: arith.addf
// CHECK: math.log
func.func @reduce_kinds(%x: tensor<2x3x4xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %0 = kiln.reduce max %x {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %1 = kiln.reduce min %x {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %2 = kiln.reduce prod %x {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %3 = kiln.reduce sum_square %x {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %4 = kiln.reduce l1 %x {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %5 = kiln.reduce l2 %x {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %6 = kiln.reduce log_sum %x {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// log_sum_exp is stable: m = max, log(sum(exp(x - m))) + m, with m = 0 for an all-inf row.
// CHECK-LABEL: func.func @reduce_log_sum_exp
// CHECK: arith.maximumf
// CHECK: math.absf
// CHECK: arith.cmpf oeq
// CHECK: arith.select
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: math.log
// CHECK: arith.addf
func.func @reduce_log_sum_exp(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = kiln.reduce log_sum_exp %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Reducing every dim gives a rank-0 accumulator; integers use integer ops.
// CHECK-LABEL: func.func @reduce_all_int
// CHECK: arith.constant -9223372036854775808 : i64
// CHECK: tensor.empty() : tensor<i64>
// CHECK: iterator_types = ["reduction", "reduction"]
// CHECK: arith.maxsi
// CHECK: arith.constant 0 : i64
// CHECK: arith.addi
func.func @reduce_all_int(%x: tensor<2x3xi64>) -> (tensor<i64>, tensor<1x1xi64>) {
  %0 = kiln.reduce max %x {axes = array<i64: 0, 1>, keepdims = false} : (tensor<2x3xi64>) -> tensor<i64>
  %1 = kiln.reduce sum %x {axes = array<i64: 0, 1>, keepdims = true} : (tensor<2x3xi64>) -> tensor<1x1xi64>
  return %0, %1 : tensor<i64>, tensor<1x1xi64>
}

// -----

// softmax: the row max, the row sum of exp(x - max), its reciprocal, then exp(x - max) times
// it (the exponentials are recomputed, not stored, so the row tiles fuse everything).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[VEC:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[M:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<2x3xf32>)
// CHECK: arith.maximumf
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[M]] : tensor<2x3xf32>, tensor<2xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: %[[I:.*]] = linalg.generic {indexing_maps = [#[[VEC]], #[[VEC]]], iterator_types = ["parallel"]} ins(%[[S]] : tensor<2xf32>)
// CHECK: arith.divf
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[M]], %[[I]] : tensor<2x3xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.mulf
// CHECK: return %[[R]]
func.func @softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.softmax %x {axis = 1} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Any axis, negative ones counted from the back.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax_middle_axis
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROW]]], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @softmax_middle_axis(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = kiln.softmax %x {axis = -2} : tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// log_softmax: x - (max + log(sum(exp(x - max)))).
// CHECK-LABEL: func.func @log_softmax
// CHECK: arith.maximumf
// CHECK: iterator_types = ["reduction", "parallel"]
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: math.log
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.subf
// CHECK-NOT: math.exp
// CHECK: return
func.func @log_softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.log_softmax %x {axis = 0} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A reduced innermost run of more than 64 elements (6 x 40 = 240) reduces in two stages:
// [3, 4, 60] over dim 1 (60 lanes stay parallel), then over the 60 lanes; l2's squares are
// taken in the first stage, the second adds, sqrt finishes.
// CHECK-LABEL: func.func @reduce_split
// CHECK: tensor.expand_shape %{{.*}} output_shape [3, 4, 60]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]{{.*}} outs(%{{.*}} : tensor<3x60xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<3xf32>)
// CHECK-NOT: arith.mulf
// CHECK: arith.addf
// CHECK: math.sqrt
func.func @reduce_split(%x: tensor<3x6x40xf32>) -> tensor<3xf32> {
  %0 = kiln.reduce l2 %x {axes = array<i64: 1, 2>, keepdims = false} : (tensor<3x6x40xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// A reduction to one value over 2^20 elements: the first stage reduces 64 chunks of 256 x 64
// elements in parallel rows (a reduction over the whole run would run on one thread), the
// second the 64 partial vectors, the last their 64 lanes.
// CHECK-LABEL: func.func @whole_min
// CHECK: tensor.collapse_shape
// CHECK: tensor.expand_shape {{.*}} into tensor<64x256x64xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.*}} : tensor<64x256x64xf32>) outs(%{{.*}} : tensor<64x64xf32>)
// CHECK: arith.minimumf
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%{{.*}} : tensor<64x64xf32>) outs(%{{.*}} : tensor<64xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%{{.*}} : tensor<64xf32>) outs(%{{.*}} : tensor<f32>)
func.func @whole_min(%x: tensor<1x256x256x16xf32>) -> tensor<f32> {
  %0 = kiln.reduce min %x {axes = array<i64: 0, 1, 2, 3>, keepdims = false} : (tensor<1x256x256x16xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}
