// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// layer_norm over [axis, rank): row sum → mean, two-pass variance → 1/sqrt(var + eps),
// then (x - mean) * rstd * scale + bias with scale/bias broadcast numpy-style.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[SC:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[BI:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %[[S:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[X]] : tensor<2x3x4xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<2xf32>)
// CHECK: arith.constant 1.200000e+01 : f32
// CHECK: arith.divf
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<2x3x4xf32>, tensor<2xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<2xf32>)
// CHECK: arith.divf
// CHECK: arith.constant 9.99999974E-6 : f32
// CHECK: arith.addf
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[SC]], #[[BI]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[MEAN]], %[[RSTD]], %[[S]], %[[B]] :
// CHECK: ^bb0(%[[XV:.*]]: f32, %[[MV:.*]]: f32, %[[RV:.*]]: f32, %[[SV:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[C:.*]] = arith.subf %[[XV]], %[[MV]] : f32
// CHECK: %[[N:.*]] = arith.mulf %[[C]], %[[RV]] : f32
// CHECK: %[[SC2:.*]] = arith.mulf %[[N]], %[[SV]] : f32
// CHECK: %[[O:.*]] = arith.addf %[[SC2]], %[[BV]] : f32
// CHECK: linalg.yield %[[O]]
// CHECK: return %[[R]]
func.func @layer_norm(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %0 = kiln.layer_norm %x, %s, %b {axis = 1, epsilon = 1.0e-5} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// f16 input: statistics in f32 (ONNX stash_type), the normalized value truncated back.
// CHECK-LABEL: func.func @layer_norm_f16
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: linalg.generic
// CHECK: ^bb0(%{{.*}}: f16, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f16, %{{.*}}: f16):
// CHECK: arith.extf
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK-NOT: arith.addf
// CHECK: linalg.yield
func.func @layer_norm_f16(%x: tensor<2x8xf16>, %s: tensor<8xf16>) -> tensor<2x8xf16> {
  %0 = kiln.layer_norm %x, %s {axis = -1, epsilon = 1.0e-5} : (tensor<2x8xf16>, tensor<8xf16>) -> tensor<2x8xf16>
  return %0 : tensor<2x8xf16>
}

// -----

// batch_norm with constant parameters: the per-channel multiplier and offset are folded at
// compile time; one multiply-add per element remains.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batch_norm_constant
// CHECK-DAG: %[[A:.*]] = arith.constant dense<[1.000000e+00, 1.41421354, 1.73205078]> : tensor<3xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[0.000000e+00, 0.000000e+00, 0.732050836]> : tensor<3xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CH]], #[[CH]], #{{.*}}]{{.*}} ins(%{{.*}}, %[[A]], %[[B]] : tensor<2x3x5x5xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: math.sqrt
// CHECK: return
func.func @batch_norm_constant(%y: tensor<2x3x5x5xf32>) -> tensor<2x3x5x5xf32> {
  %k1 = kiln.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %k2 = kiln.constant dense<[0.5, 0.0, -1.0]> : tensor<3xf32>
  %0 = kiln.batch_norm %y, %k1, %k2, %k2, %k1 {epsilon = 0.0} : (tensor<2x3x5x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x5x5xf32>
  return %0 : tensor<2x3x5x5xf32>
}

// -----

// Runtime parameters: a = scale / sqrt(var + eps) and b = bias - mean * a over [C], then x * a + b.
// CHECK-LABEL: func.func @batch_norm_runtime
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %[[S:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<3xf32>, %[[M:.*]]: tensor<3xf32>, %[[V:.*]]: tensor<3xf32>)
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[V]] : tensor<3xf32>, tensor<3xf32>)
// CHECK: math.sqrt
// CHECK: %[[O:.*]] = linalg.generic {{.*}} ins(%[[B]], %[[M]], %[[A]] : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[A]], %[[O]] : tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>)
func.func @batch_norm_runtime(%x: tensor<2x3x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<2x3x4xf32> {
  %0 = kiln.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-5} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}
