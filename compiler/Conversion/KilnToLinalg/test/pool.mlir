// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// max: pad with -inf, accumulate from -inf. ceil_mode adds the end pad the last window needs.
// CHECK-LABEL: func.func @max_pool_ceil
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x6x6xf32>)
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEG]] : f32
// CHECK: %[[I:.*]] = linalg.fill ins(%[[NEG]] : f32) outs(%{{.*}} : tensor<1x2x3x3xf32>)
// CHECK: %[[W:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[R:.*]] = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: ins(%[[P]], %[[W]] : tensor<1x2x7x7xf32>, tensor<3x3xf32>) outs(%[[I]] : tensor<1x2x3x3xf32>)
// CHECK: return %[[R]]
func.func @max_pool_ceil(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true, count_include_pad = false} : (tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// Dilations go to the named op.
// CHECK-LABEL: func.func @max_pool_dilated_int
// CHECK: arith.constant -128 : i8
// CHECK: linalg.pooling_nchw_max {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
func.func @max_pool_dilated_int(%x: tensor<1x1x6x6xi8>) -> tensor<1x1x4x4xi8> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, ceil_mode = false, count_include_pad = false} : (tensor<1x1x6x6xi8>) -> tensor<1x1x4x4xi8>
  return %0 : tensor<1x1x4x4xi8>
}

// -----

// avg without padding: sum pool, then divide by the window size.
// CHECK-LABEL: func.func @avg_pool_global
// CHECK-NOT: tensor.pad
// CHECK: %[[S:.*]] = linalg.pooling_nchw_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x7x7xf32>, tensor<7x7xf32>) outs(%{{.*}} : tensor<1x8x1x1xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<1x8x1x1xf32>)
// CHECK: arith.constant 4.900000e+01 : f32
// CHECK: arith.divf
func.func @avg_pool_global(%x: tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32> {
  %0 = kiln.avg_pool %x {kernel_shape = array<i64: 7, 7>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
  return %0 : tensor<1x8x1x1xf32>
}

// -----

// count_include_pad = false: pad with 0 and divide by the exact number of input elements of
// each window, a [OH, OW] constant computed at compile time.
// CHECK-DAG: #[[SP:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func.func @avg_pool_exclude_pad
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[Z]] : f32
// CHECK: %[[S:.*]] = linalg.pooling_nchw_sum
// CHECK: %[[N:.*]] = arith.constant dense<{{\[\[}}4.000000e+00, 6.000000e+00, 4.000000e+00], [6.000000e+00, 9.000000e+00, 6.000000e+00], [4.000000e+00, 6.000000e+00, 4.000000e+00]]> : tensor<3x3xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SP]], #{{.*}}]{{.*}} ins(%[[S]], %[[N]] : tensor<1x2x3x3xf32>, tensor<3x3xf32>)
// CHECK: arith.divf
func.func @avg_pool_exclude_pad(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = kiln.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// count_include_pad = true counts the explicit pads but never the ceil-mode overhang
// (ONNX / PyTorch): 6x6, k3, s2, pads 1 → the last row/column of windows hangs one past the pad.
// CHECK-LABEL: func.func @avg_pool_include_pad_ceil
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 2, 2]
// CHECK: arith.constant dense<{{\[\[}}9.000000e+00, 9.000000e+00, 9.000000e+00, 6.000000e+00], [9.000000e+00, 9.000000e+00, 9.000000e+00, 6.000000e+00], [9.000000e+00, 9.000000e+00, 9.000000e+00, 6.000000e+00], [6.000000e+00, 6.000000e+00, 6.000000e+00, 4.000000e+00]]> : tensor<4x4xf32>
func.func @avg_pool_include_pad_ceil(%x: tensor<1x1x6x6xf32>) -> tensor<1x1x4x4xf32> {
  %0 = kiln.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = true, count_include_pad = true} : (tensor<1x1x6x6xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// 1-D pools run as 2-D with a unit height.
// CHECK-LABEL: func.func @avg_pool_1d
// CHECK: tensor.expand_shape %{{.*}} : tensor<1x3x8xf32> into tensor<1x3x1x8xf32>
// CHECK: linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x3x1x8xf32>, tensor<1x2xf32>)
// CHECK: tensor.collapse_shape %{{.*}} : tensor<1x3x1x4xf32> into tensor<1x3x4xf32>
func.func @avg_pool_1d(%x: tensor<1x3x8xf32>) -> tensor<1x3x4xf32> {
  %0 = kiln.avg_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x3x8xf32>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

// 3-D pools (no NCDHW named op): the same loop nest as a generic, window dims reduced.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2 * 2 + d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d6, d7)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @max_pool_3d
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0, 0] high[0, 0, 1, 1, 1]
// CHECK: %[[W:.*]] = tensor.empty() : tensor<2x2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[WIN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %[[W]] : tensor<1x2x6x6x6xf32>, tensor<2x2x2xf32>)
// CHECK: arith.maximumf
func.func @max_pool_3d(%x: tensor<1x2x5x5x5xf32>) -> tensor<1x2x3x3x3xf32> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, ceil_mode = true, count_include_pad = false} : (tensor<1x2x5x5x5xf32>) -> tensor<1x2x3x3x3xf32>
  return %0 : tensor<1x2x3x3x3xf32>
}

// -----

// NHWC max pool: the named NHWC op over the -inf padded input.
// CHECK-LABEL: func @max_pool_nhwc
// CHECK: tensor.pad
// CHECK: linalg.pooling_nhwc_max {{.*}} ins({{.*}} : tensor<1x10x10x4xf32>, tensor<3x3xf32>) outs({{.*}} : tensor<1x4x4x4xf32>)
func.func @max_pool_nhwc(%x: tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// Over 2^20 output positions the tap counts are not a constant tensor (building one hung
// kiln-compile on a 4096 x 2^20 pool): the uneven counts of a padded window come from the
// output indices in the kernel.
// CHECK-LABEL: func.func @avg_pool_huge_exclude_pad
// CHECK-NOT: arith.constant dense
// CHECK: linalg.pooling_nchw_sum
// CHECK: linalg.generic
// CHECK-DAG: linalg.index 2
// CHECK-DAG: linalg.index 3
// CHECK: arith.sitofp
// CHECK: arith.divf
func.func @avg_pool_huge_exclude_pad(%x: tensor<1x1x1200x1000xf32>) -> tensor<1x1x1200x1000xf32> {
  %0 = kiln.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x1x1200x1000xf32>) -> tensor<1x1x1200x1000xf32>
  return %0 : tensor<1x1x1200x1000xf32>
}

// -----

// A huge pool whose windows all lie inside the input divides by one scalar.
// CHECK-LABEL: func.func @avg_pool_huge_inside
// CHECK: linalg.pooling_nchw_sum
// CHECK: %[[C:.*]] = arith.constant 9.000000e+00 : f32
// CHECK: arith.divf %{{.*}}, %[[C]]
func.func @avg_pool_huge_inside(%x: tensor<1x1x1202x1002xf32>) -> tensor<1x1x1200x1000xf32> {
  %0 = kiln.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x1x1202x1002xf32>) -> tensor<1x1x1200x1000xf32>
  return %0 : tensor<1x1x1200x1000xf32>
}
