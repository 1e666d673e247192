// RUN: kiln-opt %s -split-input-file -kiln-recognize-layer-norm | FileCheck %s

// The opset-13 export of torch.nn.LayerNorm: one kiln.layer_norm with gamma and beta.
// CHECK-LABEL: func.func @decomposed
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x16xf32>, %[[G:.*]]: tensor<16xf32>, %[[B:.*]]: tensor<16xf32>)
// CHECK-NEXT: %[[N:.*]] = kiln.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64, epsilon = 9.99999974{{.*}}E-6 : f64}
// CHECK-NEXT: return %[[N]]
func.func @decomposed(%x: tensor<2x8x16xf32>, %gamma: tensor<16xf32>, %beta: tensor<16xf32>) -> tensor<2x8x16xf32> {
  %two = kiln.constant dense<2.0> : tensor<f32>
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %0 = kiln.reduce mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %1 = kiln.sub %x, %0 : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %2 = kiln.pow %1, %two : (tensor<2x8x16xf32>, tensor<f32>) -> tensor<2x8x16xf32>
  %3 = kiln.reduce mean %2 {axes = array<i64: 2>, keepdims = true} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %4 = kiln.add %3, %eps : (tensor<2x8x1xf32>, tensor<f32>) -> tensor<2x8x1xf32>
  %5 = kiln.sqrt %4 : tensor<2x8x1xf32>
  %6 = kiln.div %1, %5 : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %7 = kiln.mul %6, %gamma : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %8 = kiln.add %7, %beta : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  return %8 : tensor<2x8x16xf32>
}

// -----

// Without gamma (folded away when it was all ones): a ones constant takes its place.
// CHECK-LABEL: func.func @no_gamma
// CHECK: %[[ONES:.*]] = kiln.constant dense<1.000000e+00> : tensor<16xf32>
// CHECK: kiln.layer_norm %arg0, %[[ONES]], %arg1 {axis = 2 : i64
func.func @no_gamma(%x: tensor<2x8x16xf32>, %beta: tensor<16xf32>) -> tensor<2x8x16xf32> {
  %two = kiln.constant dense<2.0> : tensor<f32>
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %0 = kiln.reduce mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %1 = kiln.sub %x, %0 : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %2 = kiln.pow %1, %two : (tensor<2x8x16xf32>, tensor<f32>) -> tensor<2x8x16xf32>
  %3 = kiln.reduce mean %2 {axes = array<i64: 2>, keepdims = true} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %4 = kiln.add %3, %eps : (tensor<2x8x1xf32>, tensor<f32>) -> tensor<2x8x1xf32>
  %5 = kiln.sqrt %4 : tensor<2x8x1xf32>
  %6 = kiln.div %1, %5 : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %8 = kiln.add %6, %beta : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  return %8 : tensor<2x8x16xf32>
}

// -----

// Not a LayerNorm: the mean is over a leading axis, and the centred value escapes.
// CHECK-LABEL: func.func @not_trailing
// CHECK-NOT: kiln.layer_norm
func.func @not_trailing(%x: tensor<2x8x16xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x16xf32>) {
  %two = kiln.constant dense<2.0> : tensor<f32>
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %0 = kiln.reduce mean %x {axes = array<i64: 1>, keepdims = true} : (tensor<2x8x16xf32>) -> tensor<2x1x16xf32>
  %1 = kiln.sub %x, %0 : (tensor<2x8x16xf32>, tensor<2x1x16xf32>) -> tensor<2x8x16xf32>
  %2 = kiln.pow %1, %two : (tensor<2x8x16xf32>, tensor<f32>) -> tensor<2x8x16xf32>
  %3 = kiln.reduce mean %2 {axes = array<i64: 1>, keepdims = true} : (tensor<2x8x16xf32>) -> tensor<2x1x16xf32>
  %4 = kiln.add %3, %eps : (tensor<2x1x16xf32>, tensor<f32>) -> tensor<2x1x16xf32>
  %5 = kiln.sqrt %4 : tensor<2x1x16xf32>
  %6 = kiln.div %1, %5 : (tensor<2x8x16xf32>, tensor<2x1x16xf32>) -> tensor<2x8x16xf32>
  return %6, %1 : tensor<2x8x16xf32>, tensor<2x8x16xf32>
}
