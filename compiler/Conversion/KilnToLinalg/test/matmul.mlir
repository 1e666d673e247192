// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @matmul_2d
// CHECK-SAME: (%[[A:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<4x5xf32>)
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x5xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<3x5xf32>)
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<3x4xf32>, tensor<4x5xf32>) outs(%[[F]] : tensor<3x5xf32>)
// CHECK: return %[[M]]
func.func @matmul_2d(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %0 = kiln.matmul %a, %b : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// BERT's projection: the batch folds into M, one 2-D matmul, no copy of the weights.
// CHECK-LABEL: func.func @matmul_bert
// CHECK-SAME: (%[[A:.*]]: tensor<1x128x768xf32>, %[[W:.*]]: tensor<768x768xf32>)
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2]] : tensor<1x128x768xf32> into tensor<128x768xf32>
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[C]], %[[W]] : tensor<128x768xf32>, tensor<768x768xf32>) outs(%[[F]] : tensor<128x768xf32>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[M]] {{\[\[}}0, 1], [2]] output_shape [1, 128, 768] : tensor<128x768xf32> into tensor<1x128x768xf32>
// CHECK: return %[[R]]
func.func @matmul_bert(%a: tensor<1x128x768xf32>, %w: tensor<768x768xf32>) -> tensor<1x128x768xf32> {
  %0 = kiln.matmul %a, %w : (tensor<1x128x768xf32>, tensor<768x768xf32>) -> tensor<1x128x768xf32>
  return %0 : tensor<1x128x768xf32>
}

// -----

// A rhs whose batch dims are all 1 is one matrix too.
// CHECK-LABEL: func.func @matmul_unit_rhs_batch
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2], [3]] : tensor<2x3x5x4xf32> into tensor<30x4xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<1x4x6xf32> into tensor<4x6xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<30x4xf32>, tensor<4x6xf32>)
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2], [3]] output_shape [2, 3, 5, 6] : tensor<30x6xf32> into tensor<2x3x5x6xf32>
func.func @matmul_unit_rhs_batch(%a: tensor<2x3x5x4xf32>, %b: tensor<1x4x6xf32>) -> tensor<2x3x5x6xf32> {
  %0 = kiln.matmul %a, %b : (tensor<2x3x5x4xf32>, tensor<1x4x6xf32>) -> tensor<2x3x5x6xf32>
  return %0 : tensor<2x3x5x6xf32>
}

// -----

// Same batch dims (attention): collapse them into one, batch_matmul, expand.
// CHECK-LABEL: func.func @matmul_attention
// CHECK-NOT: linalg.generic
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<2x12x64x32xf32> into tensor<24x64x32xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<2x12x32x64xf32> into tensor<24x32x64xf32>
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<24x64x32xf32>, tensor<24x32x64xf32>) outs(%{{.*}} : tensor<24x64x64xf32>)
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] output_shape [2, 12, 64, 64]
func.func @matmul_attention(%q: tensor<2x12x64x32xf32>, %k: tensor<2x12x32x64xf32>) -> tensor<2x12x64x64xf32> {
  %0 = kiln.matmul %q, %k : (tensor<2x12x64x32xf32>, tensor<2x12x32x64xf32>) -> tensor<2x12x64x64xf32>
  return %0 : tensor<2x12x64x64xf32>
}

// -----

// Broadcast batch dims are materialized by a copying generic first (a lower-rank operand gets
// unit batch dims).
// CHECK-DAG: #[[BA:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
// CHECK-DAG: #[[BB:.*]] = affine_map<(d0, d1, d2, d3) -> (0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_broadcast_batch
// CHECK: linalg.generic {indexing_maps = [#[[BA]], {{.*}}]{{.*}} ins(%{{.*}} : tensor<2x1x3x4xf32>) outs(%{{.*}} : tensor<2x7x3x4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[BB]], {{.*}}]{{.*}} ins(%{{.*}} : tensor<1x7x4x5xf32>) outs(%{{.*}} : tensor<2x7x4x5xf32>)
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<14x3x4xf32>, tensor<14x4x5xf32>)
// CHECK: tensor.expand_shape %{{.*}} output_shape [2, 7, 3, 5]
func.func @matmul_broadcast_batch(%a: tensor<2x1x3x4xf32>, %b: tensor<7x4x5xf32>) -> tensor<2x7x3x5xf32> {
  %0 = kiln.matmul %a, %b : (tensor<2x1x3x4xf32>, tensor<7x4x5xf32>) -> tensor<2x7x3x5xf32>
  return %0 : tensor<2x7x3x5xf32>
}

// -----

// 1-D operands (numpy): dot, matvec, vecmat; a vector against a batch is promoted to a
// matrix and the promoted dim dropped again.
// CHECK-LABEL: func.func @matmul_vectors
// CHECK: tensor.empty() : tensor<f32>
// CHECK: linalg.dot ins(%{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK: linalg.matvec ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK: linalg.vecmat ins(%{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4x5xf32>) outs(%{{.*}} : tensor<5xf32>)
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<6x4xf32>, tensor<4x1xf32>)
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<2x3x1xf32> into tensor<2x3xf32>
func.func @matmul_vectors(%v: tensor<4xf32>, %m: tensor<3x4xf32>, %n: tensor<4x5xf32>, %b: tensor<2x3x4xf32>) -> (tensor<f32>, tensor<3xf32>, tensor<5xf32>, tensor<2x3xf32>) {
  %0 = kiln.matmul %v, %v : (tensor<4xf32>, tensor<4xf32>) -> tensor<f32>
  %1 = kiln.matmul %m, %v : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3xf32>
  %2 = kiln.matmul %v, %n : (tensor<4xf32>, tensor<4x5xf32>) -> tensor<5xf32>
  %3 = kiln.matmul %b, %v : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<f32>, tensor<3xf32>, tensor<5xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_int
// CHECK: arith.constant 0 : i32
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xi32>, tensor<4x5xi32>) outs(%{{.*}} : tensor<3x5xi32>)
func.func @matmul_int(%a: tensor<3x4xi32>, %b: tensor<4x5xi32>) -> tensor<3x5xi32> {
  %0 = kiln.matmul %a, %b : (tensor<3x4xi32>, tensor<4x5xi32>) -> tensor<3x5xi32>
  return %0 : tensor<3x5xi32>
}
