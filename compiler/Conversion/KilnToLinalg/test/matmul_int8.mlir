// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// The product over (m, n, k), the packed weights read through floordiv/mod maps, ui8 as i8
// zero-extended; the generic marked for the VNNI kernel.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
// CHECK-LABEL: func.func @dense
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : tensor<7x37xi8>, tensor<2x10x256xi8>) outs(%{{.*}} : tensor<7x70xi32>) attrs = {kiln.int8_gemm}
// CHECK: arith.extui
// CHECK: arith.extsi
func.func @dense(%a: tensor<7x37xui8>, %b: tensor<2x10x256xi8>) -> tensor<7x70xi32> {
  %y = kiln.matmul_int8 %a, %b : (tensor<7x37xui8>, tensor<2x10x256xi8>) -> tensor<7x70xi32>
  return %y : tensor<7x70xi32>
}

// -----

// Grouped, [G, Cg] = [2, 8] over 9 taps (K = 144), 16 outputs per group: the lhs viewed as
// [M, taps, G, Cg], loops (m, n, tap, channel); column n reads group n floordiv 16 of each
// tap, and its group's panel of the weights at k = tap * 8 + channel.
// CHECK-DAG: #[[GA:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 floordiv 16, d3)>
// CHECK-DAG: #[[GB:.*]] = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 16 + (d1 mod 16) floordiv 64, d2 * 2 + d3 floordiv 4, ((d1 mod 16) mod 64) * 4 + d3 mod 4)>
// CHECK-LABEL: func.func @grouped
// CHECK: %[[E:.*]] = tensor.expand_shape %arg0 {{\[\[}}0], [1, 2, 3]] output_shape [36, 9, 2, 8] : tensor<36x144xi8> into tensor<36x9x2x8xi8>
// CHECK: linalg.generic {indexing_maps = [#[[GA]], #[[GB]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[E]], %arg1 : tensor<36x9x2x8xi8>, tensor<2x18x256xi8>) outs(%{{.*}} : tensor<36x32xi32>) attrs = {kiln.int8_gemm}
func.func @grouped(%a: tensor<36x144xui8>, %b: tensor<2x18x256xi8>) -> tensor<36x32xi32> {
  %y = kiln.matmul_int8 %a, %b {groups = array<i64: 2, 8>} : (tensor<36x144xui8>, tensor<2x18x256xi8>) -> tensor<36x32xi32>
  return %y : tensor<36x32xi32>
}

// -----

// 4 groups of 4 channels and 4 columns: the groups share vectors, the weights packed as the
// dense [36, 16] and read through the dense maps (k = tap * 4 + channel).
// CHECK-DAG: #[[SB:.*]] = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 64, d2 + d3 floordiv 4, (d1 mod 64) * 4 + d3 mod 4)>
// CHECK-LABEL: func.func @groups_share_vectors
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SB]], #{{.*}}]
func.func @groups_share_vectors(%a: tensor<36x144xui8>, %b: tensor<1x9x256xi8>) -> tensor<36x16xi32> {
  %y = kiln.matmul_int8 %a, %b {groups = array<i64: 4, 4>} : (tensor<36x144xui8>, tensor<1x9x256xi8>) -> tensor<36x16xi32>
  return %y : tensor<36x16xi32>
}
