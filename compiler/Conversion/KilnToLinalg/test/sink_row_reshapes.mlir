// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-sink-row-reshapes))' | FileCheck %s

// A 1x1 conv's matmul over [1, ?, ?, 16] collapsed to rows, its result reshaped back with a
// shape tensor; the bias add (a [96] broadcast), the clamp and a residual add (an argument of
// the full shape, collapsed alike) move onto the rows, and the reshape follows the last one.
// CHECK-LABEL: func.func @conv1x1_epilogue
// CHECK-SAME: (%[[X:.*]]: tensor<1x?x?x16xf32>, %[[W:.*]]: tensor<16x96xf32>, %[[B:.*]]: tensor<96xf32>, %[[R:.*]]: tensor<1x?x?x96xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK: %[[ADD:.*]] = linalg.generic {indexing_maps = [#[[ID:.*]], #[[COL:.*]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[MM]], %[[B]] : tensor<?x96xf32>, tensor<96xf32>) outs(%{{.*}} : tensor<?x96xf32>)
// CHECK: %[[RC:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0, 1, 2], [3]] : tensor<1x?x?x96xf32> into tensor<?x96xf32>
// CHECK: %[[RES:.*]] = linalg.generic {{.*}} ins(%[[ADD]], %[[RC]] : tensor<?x96xf32>, tensor<?x96xf32>) outs(%{{.*}} : tensor<?x96xf32>)
// CHECK: %[[OUT:.*]] = tensor.reshape %[[RES]](%{{.*}}) : (tensor<?x96xf32>, tensor<4xindex>) -> tensor<1x?x?x96xf32>
// CHECK: return %[[OUT]]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#col = affine_map<(d0, d1, d2, d3) -> (d3)>
func.func @conv1x1_epilogue(%x: tensor<1x?x?x16xf32>, %w: tensor<16x96xf32>, %b: tensor<96xf32>, %r: tensor<1x?x?x96xf32>) -> tensor<1x?x?x96xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c96 = arith.constant 96 : index
  %zero = arith.constant 0.0 : f32
  %h = tensor.dim %x, %c1 : tensor<1x?x?x16xf32>
  %wd = tensor.dim %x, %c2 : tensor<1x?x?x16xf32>
  %rows = arith.muli %h, %wd : index
  %xc = tensor.collapse_shape %x [[0, 1, 2], [3]] : tensor<1x?x?x16xf32> into tensor<?x16xf32>
  %e = tensor.empty(%rows) : tensor<?x96xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x96xf32>) -> tensor<?x96xf32>
  %mm = linalg.matmul ins(%xc, %w : tensor<?x16xf32>, tensor<16x96xf32>) outs(%f : tensor<?x96xf32>) -> tensor<?x96xf32>
  %shape = tensor.from_elements %c1, %h, %wd, %c96 : tensor<4xindex>
  %back = tensor.reshape %mm(%shape) : (tensor<?x96xf32>, tensor<4xindex>) -> tensor<1x?x?x96xf32>
  %e1 = tensor.empty(%h, %wd) : tensor<1x?x?x96xf32>
  %add = linalg.generic {indexing_maps = [#id4, #col, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%back, %b : tensor<1x?x?x96xf32>, tensor<96xf32>) outs(%e1 : tensor<1x?x?x96xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %0 = arith.addf %in, %bias : f32
    linalg.yield %0 : f32
  } -> tensor<1x?x?x96xf32>
  %e2 = tensor.empty(%h, %wd) : tensor<1x?x?x96xf32>
  %res = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%add, %r : tensor<1x?x?x96xf32>, tensor<1x?x?x96xf32>) outs(%e2 : tensor<1x?x?x96xf32>) {
  ^bb0(%in: f32, %skip: f32, %out: f32):
    %0 = arith.addf %in, %skip : f32
    linalg.yield %0 : f32
  } -> tensor<1x?x?x96xf32>
  return %res : tensor<1x?x?x96xf32>
}

// -----

// A one-element operand of the full rank ([1, 1, 1, 1]: a quantization scale in NHWC) read
// as (d0, 0, 0, 0), d0 being the unit batch: it reads index 0 of a merged dim, a broadcast;
// the divide moves onto the rows, the operand collapsed to [1, 1] and read at (0, 0): the
// vectorizer takes no map with more results than loops. A layer scale [1, 1, 1, 96] read as
// (0, 0, 0, d3) (ConvNeXt) becomes [1, 96] read at (0, d1).
// CHECK-DAG: #[[ZERO:.*]] = affine_map<(d0, d1) -> (0, 0)>
// CHECK-DAG: #[[SCALE:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @unit_operand
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK: %[[S:.*]] = tensor.collapse_shape %arg2 {{\[}}[0, 1, 2], [3]] : tensor<1x1x1x1xf32> into tensor<1x1xf32>
// CHECK: %[[DIV:.*]] = linalg.generic {indexing_maps = [#[[ID:.*]], #[[ZERO]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[MM]], %[[S]] : tensor<?x96xf32>, tensor<1x1xf32>)
// CHECK: %[[L:.*]] = tensor.collapse_shape %arg3 {{\[}}[0, 1, 2], [3]] : tensor<1x1x1x96xf32> into tensor<1x96xf32>
// CHECK: %[[MUL:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[SCALE]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[DIV]], %[[L]] : tensor<?x96xf32>, tensor<1x96xf32>)
// CHECK: tensor.reshape %[[MUL]]
#id4u = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#unit = affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, 0)>
#scale = affine_map<(d0, d1, d2, d3) -> (0, 0, 0, d3)>
func.func @unit_operand(%x: tensor<1x?x?x16xf32>, %w: tensor<16x96xf32>, %s: tensor<1x1x1x1xf32>, %l: tensor<1x1x1x96xf32>) -> tensor<1x?x?x96xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c96 = arith.constant 96 : index
  %zero = arith.constant 0.0 : f32
  %h = tensor.dim %x, %c1 : tensor<1x?x?x16xf32>
  %wd = tensor.dim %x, %c2 : tensor<1x?x?x16xf32>
  %rows = arith.muli %h, %wd : index
  %xc = tensor.collapse_shape %x [[0, 1, 2], [3]] : tensor<1x?x?x16xf32> into tensor<?x16xf32>
  %e = tensor.empty(%rows) : tensor<?x96xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x96xf32>) -> tensor<?x96xf32>
  %mm = linalg.matmul ins(%xc, %w : tensor<?x16xf32>, tensor<16x96xf32>) outs(%f : tensor<?x96xf32>) -> tensor<?x96xf32>
  %shape = tensor.from_elements %c1, %h, %wd, %c96 : tensor<4xindex>
  %back = tensor.reshape %mm(%shape) : (tensor<?x96xf32>, tensor<4xindex>) -> tensor<1x?x?x96xf32>
  %e1 = tensor.empty(%h, %wd) : tensor<1x?x?x96xf32>
  %div = linalg.generic {indexing_maps = [#id4u, #unit, #id4u], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%back, %s : tensor<1x?x?x96xf32>, tensor<1x1x1x1xf32>) outs(%e1 : tensor<1x?x?x96xf32>) {
  ^bb0(%in: f32, %sc: f32, %out: f32):
    %0 = arith.divf %in, %sc : f32
    linalg.yield %0 : f32
  } -> tensor<1x?x?x96xf32>
  %e2 = tensor.empty(%h, %wd) : tensor<1x?x?x96xf32>
  %mul = linalg.generic {indexing_maps = [#id4u, #scale, #id4u], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%div, %l : tensor<1x?x?x96xf32>, tensor<1x1x1x96xf32>) outs(%e2 : tensor<1x?x?x96xf32>) {
  ^bb0(%in: f32, %sc: f32, %out: f32):
    %0 = arith.mulf %in, %sc : f32
    linalg.yield %0 : f32
  } -> tensor<1x?x?x96xf32>
  return %mul : tensor<1x?x?x96xf32>
}

// -----

// A projection over a symbolic sequence ([1, ?, 32] rows expanded back with
// tensor.expand_shape): the bias add runs on the rows, the same expand_shape after it.
// CHECK-LABEL: func.func @sequence_bias
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK: %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[MM]], %{{.*}} : tensor<?x32xf32>, tensor<32xf32>)
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[ADD]] {{\[}}[0, 1], [2]] output_shape [1, %{{.*}}, 32] : tensor<?x32xf32> into tensor<1x?x32xf32>
// CHECK: return %[[OUT]]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#last = affine_map<(d0, d1, d2) -> (d2)>
func.func @sequence_bias(%x: tensor<1x?x8xf32>, %w: tensor<8x32xf32>, %b: tensor<32xf32>) -> tensor<1x?x32xf32> {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c1 : tensor<1x?x8xf32>
  %xc = tensor.collapse_shape %x [[0, 1], [2]] : tensor<1x?x8xf32> into tensor<?x8xf32>
  %e = tensor.empty(%t) : tensor<?x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %mm = linalg.matmul ins(%xc, %w : tensor<?x8xf32>, tensor<8x32xf32>) outs(%f : tensor<?x32xf32>) -> tensor<?x32xf32>
  %back = tensor.expand_shape %mm [[0, 1], [2]] output_shape [1, %t, 32] : tensor<?x32xf32> into tensor<1x?x32xf32>
  %e1 = tensor.empty(%t) : tensor<1x?x32xf32>
  %add = linalg.generic {indexing_maps = [#id3, #last, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%back, %b : tensor<1x?x32xf32>, tensor<32xf32>) outs(%e1 : tensor<1x?x32xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %0 = arith.addf %in, %bias : f32
    linalg.yield %0 : f32
  } -> tensor<1x?x32xf32>
  return %add : tensor<1x?x32xf32>
}

// -----

// Left alone: an operand that reads only some of the merged dims (a per-row scale over
// dim 1), and a generic with a reduction.
// CHECK-LABEL: func.func @untouched
// CHECK: %[[BACK:.*]] = tensor.reshape
// CHECK: linalg.generic {{.*}} ins(%[[BACK]], %{{.*}} : tensor<1x?x?x4xf32>, tensor<?xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[BACK]] : tensor<1x?x?x4xf32>)
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d1)>
#red = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @untouched(%m: tensor<?x4xf32>, %shape: tensor<4xindex>, %s: tensor<?xf32>, %h: index, %w: index) -> (tensor<1x?x?x4xf32>, tensor<1x?x?xf32>) {
  %back = tensor.reshape %m(%shape) : (tensor<?x4xf32>, tensor<4xindex>) -> tensor<1x?x?x4xf32>
  %e1 = tensor.empty(%h, %w) : tensor<1x?x?x4xf32>
  %scaled = linalg.generic {indexing_maps = [#id4, #row, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%back, %s : tensor<1x?x?x4xf32>, tensor<?xf32>) outs(%e1 : tensor<1x?x?x4xf32>) {
  ^bb0(%in: f32, %k: f32, %out: f32):
    %0 = arith.mulf %in, %k : f32
    linalg.yield %0 : f32
  } -> tensor<1x?x?x4xf32>
  %e2 = tensor.empty(%h, %w) : tensor<1x?x?xf32>
  %sum = linalg.generic {indexing_maps = [#id4, #red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%back : tensor<1x?x?x4xf32>) outs(%e2 : tensor<1x?x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  } -> tensor<1x?x?xf32>
  return %scaled, %sum : tensor<1x?x?x4xf32>, tensor<1x?x?xf32>
}
