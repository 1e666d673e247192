// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// group 1, pads → tensor.pad with 0, no bias → zero-filled accumulator.
// CHECK-LABEL: func.func @conv_nchw
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<16x3x3x3xf32>)
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[Z]] : f32
// CHECK: } : tensor<1x3x8x8xf32> to tensor<1x3x10x10xf32>
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: ins(%[[P]], %[[W]] : tensor<1x3x10x10xf32>, tensor<16x3x3x3xf32>) outs(%[[F]] : tensor<1x16x4x4xf32>)
// CHECK: return %[[C]]
func.func @conv_nchw(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<1x16x4x4xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x4x4xf32>
  return %0 : tensor<1x16x4x4xf32>
}

// -----

// A bias is the accumulator (broadcast along F); no pads → no tensor.pad.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @conv_bias_dilated
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x9x9xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NOT: tensor.pad
// CHECK: %[[I:.*]] = linalg.generic {indexing_maps = [#[[CH]], {{.*}}]{{.*}} ins(%[[B]] : tensor<4xf32>) outs(%{{.*}} : tensor<2x4x5x5xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>) outs(%[[I]] : tensor<2x4x5x5xf32>)
func.func @conv_bias_dilated(%x: tensor<2x3x9x9xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x5x5xf32> {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, group = 1} : (tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x5x5xf32>
  return %0 : tensor<2x4x5x5xf32>
}

// -----

// Depthwise: the [C, 1, kh, kw] filter collapses to [C, kh, kw].
// CHECK-LABEL: func.func @conv_depthwise
// CHECK: %[[F:.*]] = tensor.collapse_shape %{{.*}} : tensor<8x1x3x3xf32> into tensor<8x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK-SAME: ins(%{{.*}}, %[[F]] : tensor<1x8x10x10xf32>, tensor<8x3x3xf32>) outs(%{{.*}} : tensor<1x8x8x8xf32>)
func.func @conv_depthwise(%x: tensor<1x8x8x8xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

// Other groups: NGCHW input, GFCHW filter, result collapsed back to NCHW.
// CHECK-LABEL: func.func @conv_grouped
// CHECK-DAG: %[[I:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 2, 8, 8] : tensor<1x4x8x8xf32> into tensor<1x2x2x8x8xf32>
// CHECK-DAG: %[[F:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xf32> into tensor<2x3x2x3x3xf32>
// CHECK-DAG: %[[A:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 3, 6, 6] : tensor<1x6x6x6xf32> into tensor<1x2x3x6x6xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_ngchw_gfchw {{.*}} ins(%[[I]], %[[F]] : {{.*}}) outs(%[[A]] : tensor<1x2x3x6x6xf32>)
// CHECK: tensor.collapse_shape %[[C]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x3x6x6xf32> into tensor<1x6x6x6xf32>
func.func @conv_grouped(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}

// -----

// 1-D convs run as 2-D with a unit height.
// CHECK-LABEL: func.func @conv_1d
// CHECK: tensor.expand_shape %{{.*}} : tensor<1x4x12xf32> into tensor<1x4x1x12xf32>
// CHECK: tensor.expand_shape %{{.*}} : tensor<8x4x3xf32> into tensor<8x4x1x3xf32>
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>}
// CHECK: tensor.collapse_shape %{{.*}} : tensor<1x8x1x5xf32> into tensor<1x8x5xf32>
func.func @conv_1d(%x: tensor<1x4x10xf32>, %w: tensor<8x4x3xf32>) -> tensor<1x8x5xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1>, group = 1} : (tensor<1x4x10xf32>, tensor<8x4x3xf32>) -> tensor<1x8x5xf32>
  return %0 : tensor<1x8x5xf32>
}

// -----

// CHECK-LABEL: func.func @conv_3d
// CHECK: linalg.conv_3d_ncdhw_fcdhw {dilations = dense<1> : tensor<3xi64>, strides = dense<1> : tensor<3xi64>}
func.func @conv_3d(%x: tensor<1x2x4x4x4xf32>, %w: tensor<3x2x2x2x2xf32>) -> tensor<1x3x3x3x3xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 1} : (tensor<1x2x4x4x4xf32>, tensor<3x2x2x2x2xf32>) -> tensor<1x3x3x3x3xf32>
  return %0 : tensor<1x3x3x3x3xf32>
}

// -----

// Grouped 3-D convs have no named op: a generic with the group split out.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d0, d4, d9, d1 + d6, d2 + d7, d3 + d8)>
// CHECK-DAG: #[[FL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d4, d5, d9, d6, d7, d8)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d0, d4, d5, d1, d2, d3)>
// CHECK-LABEL: func.func @conv_3d_grouped
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[FL]], #[[OUT]]]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x2x2x4x4x4xf32>, tensor<2x2x2x2x2x2xf32>) outs(%{{.*}} : tensor<1x2x2x3x3x3xf32>)
func.func @conv_3d_grouped(%x: tensor<1x4x4x4x4xf32>, %w: tensor<4x2x2x2x2xf32>) -> tensor<1x4x3x3x3xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 2} : (tensor<1x4x4x4x4xf32>, tensor<4x2x2x2x2xf32>) -> tensor<1x4x3x3x3xf32>
  return %0 : tensor<1x4x3x3x3xf32>
}

// -----

// NHWC: pads on dims 1..rank-2, bias along the last dim, HWCF filter.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @conv_nhwc
// CHECK: tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: linalg.generic {indexing_maps = [#[[CH]], {{.*}}]{{.*}} ins(%{{.*}} : tensor<16xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x10x10x3xf32>, tensor<3x3x3x16xf32>) outs(%{{.*}} : tensor<1x8x8x16xf32>)
func.func @conv_nhwc(%x: tensor<1x8x8x3xf32>, %w: tensor<3x3x3x16xf32>, %b: tensor<16xf32>) -> tensor<1x8x8x16xf32> {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1, layout = "NHWC"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x16xf32>, tensor<16xf32>) -> tensor<1x8x8x16xf32>
  return %0 : tensor<1x8x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @conv_nhwc_depthwise
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<3x3x1x8xf32> into tensor<3x3x8xf32>
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
func.func @conv_nhwc_depthwise(%x: tensor<1x8x8x8xf32>, %w: tensor<3x3x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8, layout = "NHWC"} : (tensor<1x8x8x8xf32>, tensor<3x3x1x8xf32>) -> tensor<1x4x4x8xf32>
  return %0 : tensor<1x4x4x8xf32>
}

// -----

// Grouped NHWC has no named op: a generic over (n, oh, ow, g, f, kh, kw, c).
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 2 + d5, d2 * 2 + d6, d3, d7)>
// CHECK-DAG: #[[FL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d6, d7, d3, d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @conv_nhwc_grouped
// CHECK: tensor.expand_shape %{{.*}} : tensor<1x9x9x4xf32> into tensor<1x9x9x2x2xf32>
// CHECK: tensor.expand_shape %{{.*}} : tensor<3x3x2x6xf32> into tensor<3x3x2x2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[FL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.collapse_shape %{{.*}} : tensor<1x4x4x2x3xf32> into tensor<1x4x4x6xf32>
func.func @conv_nhwc_grouped(%x: tensor<1x9x9x4xf32>, %w: tensor<3x3x2x6xf32>) -> tensor<1x4x4x6xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2, layout = "NHWC"} : (tensor<1x9x9x4xf32>, tensor<3x3x2x6xf32>) -> tensor<1x4x4x6xf32>
  return %0 : tensor<1x4x4x6xf32>
}

// -----

// conv_transpose: zeros inserted between input elements (strided insert_slice into a
// zero-filled, padded buffer), filter flipped and transposed to F(C/group), stride-1 conv.
// The flip reads the filter with tensor.extract at computed indices (K - 1 - k): an indexing
// map with -k would not survive tiling.
// CHECK-LABEL: func.func @conv_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x3x3xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<6xf32>)
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x8x8xf32>)
// CHECK: %[[D:.*]] = tensor.insert_slice %[[X]] into %[[Z]][0, 0, 1, 1] [1, 4, 3, 3] [1, 1, 2, 2]
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, 2, 3, 3, 3]
// CHECK: %[[FL:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3x2x3x3xf32>)
// CHECK: %[[G:.*]] = linalg.index 0 : index
// CHECK: %[[F:.*]] = linalg.index 2 : index
// CHECK: %[[C:.*]] = linalg.index 1 : index
// CHECK: %[[K0:.*]] = linalg.index 3 : index
// CHECK: %[[R0:.*]] = arith.subi %c2{{.*}}, %[[K0]] : index
// CHECK: %[[K1:.*]] = linalg.index 4 : index
// CHECK: %[[R1:.*]] = arith.subi %c2{{.*}}, %[[K1]] : index
// CHECK: tensor.extract %[[WG]][%[[G]], %[[F]], %[[C]], %[[R0]], %[[R1]]] : tensor<2x2x3x3x3xf32>
// CHECK: tensor.collapse_shape %[[FL]] {{.*}} into tensor<6x2x3x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[B]] : tensor<6xf32>) outs(%{{.*}} : tensor<1x6x6x6xf32>)
// CHECK: linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK: tensor.collapse_shape %{{.*}} into tensor<1x6x6x6xf32>
func.func @conv_transpose(%x: tensor<1x4x3x3xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x6x6xf32> {
  %0 = kiln.conv_transpose %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, group = 2} : (tensor<1x4x3x3xf32>, tensor<4x3x3x3xf32>, tensor<6xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}

// -----

// Stride 1: a plain tensor.pad; pads beyond the kernel extent crop the conv result.
// CHECK-LABEL: func.func @conv_transpose_crop
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 1] high[0, 0, 1, 1]
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} outs(%{{.*}} : tensor<1x2x3x5xf32>)
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 1, 0] [1, 2, 2, 5] [1, 1, 1, 1] : tensor<1x2x3x5xf32> to tensor<1x2x2x5xf32>
func.func @conv_transpose_crop(%x: tensor<1x3x3x4xf32>, %w: tensor<3x2x2x2xf32>) -> tensor<1x2x2x5xf32> {
  %0 = kiln.conv_transpose %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 2, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, group = 1} : (tensor<1x3x3x4xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x2x5xf32>
  return %0 : tensor<1x2x2x5xf32>
}
