// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// Dynamic dims become tensor.dim of an operand and sizes of tensor.empty.

// Elementwise with a broadcast operand: the batch comes from the operand that has it.
// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %c0 : tensor<?x4xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK: linalg.generic
func.func @add_broadcast(%x: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = kiln.add %x, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Rows of a matmul from the lhs.
// CHECK-LABEL: func.func @matmul_rows
// CHECK-SAME: (%[[A:.*]]: tensor<?x8xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x16xf32>
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} outs(%[[E]]
// CHECK: linalg.matmul ins(%[[A]], %{{.*}} : tensor<?x8xf32>, tensor<8x16xf32>) outs(%[[Z]]
func.func @matmul_rows(%a: tensor<?x8xf32>, %b: tensor<8x16xf32>) -> tensor<?x16xf32> {
  %0 = kiln.matmul %a, %b : (tensor<?x8xf32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}

// -----

// A transpose reads each dynamic dim from the permuted input dim.
// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<3x?xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c1
// CHECK: tensor.empty(%[[D]]) : tensor<?x3xf32>
func.func @transpose(%x: tensor<3x?xf32>) -> tensor<?x3xf32> {
  %0 = kiln.transpose %x {perm = array<i64: 1, 0>} : (tensor<3x?xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// A conv with a dynamic batch: padded with tensor.pad, accumulator sized like the input.
// CHECK-LABEL: func.func @conv_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x8x8x3xf32>
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: } : tensor<?x8x8x3xf32> to tensor<?x10x10x3xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[P]], %c0
// CHECK: tensor.empty(%[[N]]) : tensor<?x8x8x4xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[P]]
func.func @conv_batch(%x: tensor<?x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<?x8x8x4xf32> {
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>) -> tensor<?x8x8x4xf32>
  return %0 : tensor<?x8x8x4xf32>
}

// -----

// Dynamic image dims: each output dim is (padded - window) / stride + 1, read off the padded
// input at run time.
// CHECK-LABEL: func.func @conv_image
// CHECK-SAME: (%[[X:.*]]: tensor<1x?x?x3xf32>
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[H:.*]] = tensor.dim %[[P]], %c1
// CHECK: %[[HR:.*]] = arith.subi %[[H]], %c3
// CHECK: %[[HS:.*]] = arith.floordivsi %[[HR]], %c2
// CHECK: %[[OH:.*]] = arith.addi %[[HS]], %c1
// CHECK: %[[W:.*]] = tensor.dim %[[P]], %c2
// CHECK: tensor.empty(%[[OH]], %{{.*}}) : tensor<1x?x?x4xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} strides = dense<2>
func.func @conv_image(%x: tensor<1x?x?x3xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<1x?x?x4xf32> {
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x?x?x3xf32>, tensor<3x3x3x4xf32>) -> tensor<1x?x?x4xf32>
  return %0 : tensor<1x?x?x4xf32>
}

// -----

// A mean over dynamic dims divides by the product of their run-time sizes.
// CHECK-LABEL: func.func @mean_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<1x?x?x8xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction", "parallel"]
// CHECK: %[[H:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[W:.*]] = tensor.dim %[[X]], %c2
// CHECK: %[[HW:.*]] = arith.muli %[[H]], %[[W]]
// CHECK: arith.sitofp
// CHECK: arith.divf
func.func @mean_dynamic(%x: tensor<1x?x?x8xf32>) -> tensor<1x1x1x8xf32> {
  %0 = kiln.reduce mean %x {axes = array<i64: 1, 2>, keepdims = true} : (tensor<1x?x?x8xf32>) -> tensor<1x1x1x8xf32>
  return %0 : tensor<1x1x1x8xf32>
}

// -----

// A keepdims reduction over static dims: rows sized by the batch, expanded back.
// CHECK-LABEL: func.func @mean_keepdims
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x4x8xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %c0
// CHECK: tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK: tensor.expand_shape {{.*}} output_shape [%{{.*}}, 1, 1, 8] : tensor<?x8xf32> into tensor<?x1x1x8xf32>
func.func @mean_keepdims(%x: tensor<?x4x4x8xf32>) -> tensor<?x1x1x8xf32> {
  %0 = kiln.reduce mean %x {axes = array<i64: 1, 2>, keepdims = true} : (tensor<?x4x4x8xf32>) -> tensor<?x1x1x8xf32>
  return %0 : tensor<?x1x1x8xf32>
}

// -----

// Concat along a static dim of inputs with a dynamic batch.
// CHECK-LABEL: func.func @concat_channels
// CHECK-SAME: (%[[A:.*]]: tensor<?x2xf32>, %[[B:.*]]: tensor<?x3xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x5xf32>
// CHECK: %[[I:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [%{{.*}}, 2] [1, 1]
// CHECK: tensor.insert_slice %[[B]] into %[[I]][0, 2] [%{{.*}}, 3] [1, 1]
func.func @concat_channels(%a: tensor<?x2xf32>, %b: tensor<?x3xf32>) -> tensor<?x5xf32> {
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<?x2xf32>, tensor<?x3xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// A batched matmul with a dynamic batch and dynamic rows by a matrix: the batch folds into
// the rows (one 2-D matmul, no copy of the weight); two dynamic dims in one group expand back
// by a shape tensor of the run-time sizes.
// CHECK-LABEL: func.func @matmul_dynamic_batch_rows
// CHECK-SAME: (%[[A:.*]]: tensor<?x1x?x8xf32>, %[[W:.*]]: tensor<8x4xf32>)
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[A]], %c0
// CHECK-DAG: %[[M:.*]] = tensor.dim %[[A]], %c2
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1, 2], [3]]
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[ROWS]], %[[W]] : tensor<?x8xf32>, tensor<8x4xf32>)
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %[[B]], %{{.*}}, %[[M]], %{{.*}} : tensor<4xindex>
// CHECK: tensor.reshape %[[P]](%[[SHAPE]])
func.func @matmul_dynamic_batch_rows(%a: tensor<?x1x?x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x1x?x4xf32> {
  %0 = kiln.matmul %a, %w : (tensor<?x1x?x8xf32>, tensor<8x4xf32>) -> tensor<?x1x?x4xf32>
  return %0 : tensor<?x1x?x4xf32>
}

// -----

// A dynamic contracted dim (attention weights by values over a run-time sequence).
// CHECK-LABEL: func.func @matmul_dynamic_k
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<4x?x?xf32>, tensor<4x?x16xf32>) outs(%{{.*}} : tensor<4x?x16xf32>)
func.func @matmul_dynamic_k(%p: tensor<1x4x?x?xf32>, %v: tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %0 = kiln.matmul %p, %v : (tensor<1x4x?x?xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %0 : tensor<1x4x?x16xf32>
}
