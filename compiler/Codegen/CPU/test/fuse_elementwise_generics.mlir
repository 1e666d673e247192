// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-fuse-elementwise-generics))' | FileCheck %s

// A kernel of elementwise ops only (x * s + t, then relu): one generic, one loop, no
// temporaries between the ops.
// CHECK-LABEL: func @chain
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.maximumf
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @chain(%x: tensor<4x8xf32>, %s: tensor<8xf32>, %t: tensor<8xf32>) -> tensor<4x8xf32> {
  %z = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x8xf32>
  %m = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %s : tensor<4x8xf32>, tensor<8xf32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%m, %t : tensor<4x8xf32>, tensor<8xf32>) outs(%e1 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %e2 = tensor.empty() : tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<4x8xf32>) outs(%e2 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %z : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// A producer with two users stays its own op (merging would compute it twice).
// CHECK-LABEL: func @shared
// CHECK-COUNT-3: linalg.generic
#id = affine_map<(d0) -> (d0)>
func.func @shared(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%n : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%n : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %p, %q : tensor<8xf32>, tensor<8xf32>
}

// -----

// The row sums of an 8-bit matrix, lowered as a two-stage reduction that reads the widened
// input as [rows, K / 64, 64]: the widening generic is expanded through the expand_shape and
// merged into the first stage, which then reads the 8-bit input itself (no i32 temporary).
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#in5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#out5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-LABEL: func @widened_reduction
// CHECK: %[[E:.*]] = tensor.expand_shape %arg0 {{.*}} : tensor<1x4x4x576xi8> into tensor<1x4x4x9x64xi8>
// CHECK: linalg.generic {{.*}} ins(%[[E]] : tensor<1x4x4x9x64xi8>)
// CHECK: arith.extui
// CHECK-NEXT: arith.addi
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @widened_reduction(%x: tensor<1x4x4x576xi8>) -> tensor<1x4x4x64xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x576xi32>
  %w = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x4x576xi8>) outs(%e : tensor<1x4x4x576xi32>) {
  ^bb0(%in: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    linalg.yield %0 : i32
  } -> tensor<1x4x4x576xi32>
  %v = tensor.expand_shape %w [[0], [1], [2], [3, 4]] output_shape [1, 4, 4, 9, 64] : tensor<1x4x4x576xi32> into tensor<1x4x4x9x64xi32>
  %p = tensor.empty() : tensor<1x4x4x64xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%p : tensor<1x4x4x64xi32>) -> tensor<1x4x4x64xi32>
  %s = linalg.generic {indexing_maps = [#in5, #out5], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%v : tensor<1x4x4x9x64xi32>) outs(%z : tensor<1x4x4x64xi32>) {
  ^bb0(%in: i32, %out: i32):
    %0 = arith.addi %out, %in : i32
    linalg.yield %0 : i32
  } -> tensor<1x4x4x64xi32>
  return %s : tensor<1x4x4x64xi32>
}
