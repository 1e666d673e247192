// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-winograd-conv))' | FileCheck %s
// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-winograd-conv{tile=2}))' | FileCheck %s --check-prefix=F2

// conv + residual add + relu: F(4x4, 3x3) for 56x56 (14 x 14 tiles), the filter transformed
// into a [36, C, K] constant, bias, residual and relu in winograd_output.
// CHECK-LABEL: func @block
// CHECK-DAG: %[[U:.*]] = kiln.constant {{.*}} : tensor<36x64x64xf32>
// CHECK: %[[V:.*]] = kiln.winograd_input %arg0 {pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64} : (tensor<1x56x56x64xf32>) -> tensor<36x196x64xf32>
// CHECK: %[[M:.*]] = kiln.matmul %[[V]], %[[U]] : (tensor<36x196x64xf32>, tensor<36x64x64xf32>) -> tensor<36x196x64xf32>
// CHECK: %[[Y:.*]] = kiln.winograd_output %[[M]] bias %arg2 residual %arg3 {max = 0x7FF0000000000000 : f64, min = 0.000000e+00 : f64, tile = 4 : i64}
// CHECK-NOT: kiln.add
// CHECK-NOT: kiln.relu
// CHECK: return %[[Y]]
// F2-LABEL: func @block
// F2: kiln.winograd_input {{.*}}tile = 2 : i64{{.*}} -> tensor<16x784x64xf32>
func.func @block(%x: tensor<1x56x56x64xf32>, %unused: tensor<1xf32>, %b: tensor<64xf32>, %r: tensor<1x56x56x64xf32>) -> tensor<1x56x56x64xf32> {
  %w = kiln.constant dense<0.01> : tensor<3x3x64x64xf32>
  %c = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x56x56x64xf32>, tensor<3x3x64x64xf32>, tensor<64xf32>) -> tensor<1x56x56x64xf32>
  %s = kiln.add %r, %c : (tensor<1x56x56x64xf32>, tensor<1x56x56x64xf32>) -> tensor<1x56x56x64xf32>
  %y = kiln.relu %s : tensor<1x56x56x64xf32>
  return %y : tensor<1x56x56x64xf32>
}

// -----

// The filter transform: a 3x3 filter of ones gives U = G 1 G^T per channel pair; its first
// element is G[0] 1 G[0]^T = 1/16 (0x3D800000) for F(4x4, 3x3) (G[0] = [1/4, 0, 0]). Clip is absorbed;
// the bias-less conv has no bias operand; 15x15 outputs leave 4 x 4 tiles, cut at the edge.
// CHECK-LABEL: func @clip_no_bias
// CHECK: kiln.constant dense<"0x0000803D{{.*}} : tensor<36x64x64xf32>
// CHECK: kiln.winograd_output %{{[0-9]+}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64, tile = 4 : i64} : (tensor<36x16x64xf32>) -> tensor<1x15x15x64xf32>
func.func @clip_no_bias(%x: tensor<1x15x15x64xf32>) -> tensor<1x15x15x64xf32> {
  %w = kiln.constant dense<1.0> : tensor<3x3x64x64xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x15x15x64xf32>, tensor<3x3x64x64xf32>) -> tensor<1x15x15x64xf32>
  %y = kiln.clip %c {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x15x15x64xf32>
  return %y : tensor<1x15x15x64xf32>
}

// -----

// Not candidates: stride 2, a 1x1 filter, a grouped conv, channels that are not a multiple of
// 8, a filter that is not a constant, NCHW. A conv with two users keeps its add.
// CHECK-LABEL: func @untouched
// CHECK-NOT: winograd
// CHECK-COUNT-6: kiln.conv
// CHECK-LABEL: func @two_users
// CHECK: kiln.winograd_output %{{[0-9]+}} {max = 0x7FF0000000000000 : f64, min = 0xFFF0000000000000 : f64, tile = 4 : i64}
// CHECK: kiln.add
func.func @untouched(%x: tensor<1x16x16x16xf32>, %x12: tensor<1x16x16x12xf32>, %wv: tensor<3x3x16x16xf32>, %n: tensor<1x16x16x16xf32>) -> (tensor<1x8x8x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x14x14xf32>) {
  %w = kiln.constant dense<0.01> : tensor<3x3x16x16xf32>
  %w1 = kiln.constant dense<0.01> : tensor<1x1x16x16xf32>
  %wg = kiln.constant dense<0.01> : tensor<3x3x8x16xf32>
  %w12 = kiln.constant dense<0.01> : tensor<3x3x12x16xf32>
  %wn = kiln.constant dense<0.01> : tensor<16x16x3x3xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x16x16x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x8x8x16xf32>
  %1 = kiln.conv %x, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x16x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<1x16x16x16xf32>
  %2 = kiln.conv %x, %wg {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64, layout = "NHWC"} : (tensor<1x16x16x16xf32>, tensor<3x3x8x16xf32>) -> tensor<1x16x16x16xf32>
  %3 = kiln.conv %x12, %w12 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x16x16x12xf32>, tensor<3x3x12x16xf32>) -> tensor<1x16x16x16xf32>
  %4 = kiln.conv %x, %wv {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x16x16x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x16x16x16xf32>
  %5 = kiln.conv %n, %wn {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x16x16x16xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x14x14xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x8x8x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x14x14xf32>
}
func.func @two_users(%x: tensor<1x16x16x16xf32>, %r: tensor<1x16x16x16xf32>) -> (tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>) {
  %w = kiln.constant dense<0.01> : tensor<3x3x16x16xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x16x16x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x16x16x16xf32>
  %s = kiln.add %c, %r : (tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32>
  return %c, %s : tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>
}

// -----

// A dilated ('atrous') conv, pads = dilation: tiled per dilation phase, 2 phases x 5 tiles of
// F(4x4) per dim on a 40x40 output (100 tiles). Pads past 2 dilations are no candidate.
// CHECK-LABEL: func @dilated
// CHECK: kiln.winograd_input %arg0 {dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>, tile = 4 : i64} : (tensor<1x40x40x64xf32>) -> tensor<36x100x64xf32>
// CHECK: kiln.winograd_output %{{[0-9]+}} {dilations = array<i64: 2, 2>, {{.*}}tile = 4 : i64} : (tensor<36x100x64xf32>) -> tensor<1x40x40x64xf32>
// CHECK: kiln.conv {{.*}}pads = array<i64: 5, 5, 5, 5>
// F2-LABEL: func @dilated
// F2: kiln.winograd_input {{.*}}dilations = array<i64: 2, 2>{{.*}}tile = 2 : i64{{.*}} -> tensor<16x400x64xf32>
func.func @dilated(%x: tensor<1x40x40x64xf32>) -> (tensor<1x40x40x64xf32>, tensor<1x46x46x64xf32>) {
  %w = kiln.constant dense<0.01> : tensor<3x3x64x64xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>, group = 1 : i64, layout = "NHWC"} : (tensor<1x40x40x64xf32>, tensor<3x3x64x64xf32>) -> tensor<1x40x40x64xf32>
  %far = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 5, 5, 5, 5>, dilations = array<i64: 2, 2>, group = 1 : i64, layout = "NHWC"} : (tensor<1x40x40x64xf32>, tensor<3x3x64x64xf32>) -> tensor<1x46x46x64xf32>
  return %c, %far : tensor<1x40x40x64xf32>, tensor<1x46x46x64xf32>
}

// -----

// The tile is chosen by estimated time. 1024 -> 512 channels at 40x40: compute-bound, F(4x4)
// although its transformed filter is 75 MB. 512 channels at 7x7: only 4 F(4x4) tiles, its
// 38 MB filter read per call costs more than F(2x2)'s 16 tiles.
// CHECK-LABEL: func @by_estimate
// CHECK: kiln.winograd_input {{.*}}tile = 4 : i64{{.*}} -> tensor<36x100x1024xf32>
// CHECK: kiln.winograd_input {{.*}}tile = 2 : i64{{.*}} -> tensor<16x16x512xf32>
func.func @by_estimate(%x: tensor<1x40x40x1024xf32>, %y: tensor<1x7x7x512xf32>) -> (tensor<1x40x40x512xf32>, tensor<1x7x7x512xf32>) {
  %w = kiln.constant dense<0.01> : tensor<3x3x1024x512xf32>
  %w2 = kiln.constant dense<0.01> : tensor<3x3x512x512xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x40x40x1024xf32>, tensor<3x3x1024x512xf32>) -> tensor<1x40x40x512xf32>
  %d = kiln.conv %y, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x7x7x512xf32>, tensor<3x3x512x512xf32>) -> tensor<1x7x7x512xf32>
  return %c, %d : tensor<1x40x40x512xf32>, tensor<1x7x7x512xf32>
}

// -----

// Symbolic N, H and W: Winograd with a dynamic tile count, the tile chosen at the typical
// map size for the channel count (64 channels: 56x56, F(4x4); 512: 7x7, F(2x2)) if it holds
// within 0.8 of the direct conv from 7x7 to 112x112; the output transform gets the conv's
// input for its size. A dilated conv with symbolic dims stays direct.
// CHECK-LABEL: func @symbolic
// CHECK: %[[V:.*]] = kiln.winograd_input %arg0 {pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64} : (tensor<?x?x?x64xf32>) -> tensor<36x?x64xf32>
// CHECK: %[[M:.*]] = kiln.matmul %[[V]], %{{.*}} -> tensor<36x?x64xf32>
// CHECK: kiln.winograd_output %[[M]] image %arg0 {{.*}}pads = array<i64: 1, 1, 1, 1>{{.*}} -> tensor<?x?x?x64xf32>
// CHECK: kiln.conv {{.*}}dilations = array<i64: 2, 2>
// CHECK: kiln.winograd_input %arg1 {{.*}}tile = 2 : i64{{.*}} -> tensor<16x?x512xf32>
func.func @symbolic(%x: tensor<?x?x?x64xf32>, %y: tensor<?x?x?x512xf32>) -> (tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x512xf32>) {
  %w = kiln.constant dense<0.01> : tensor<3x3x64x64xf32>
  %w2 = kiln.constant dense<0.01> : tensor<3x3x512x512xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<?x?x?x64xf32>, tensor<3x3x64x64xf32>) -> tensor<?x?x?x64xf32>
  %d = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>, group = 1 : i64, layout = "NHWC"} : (tensor<?x?x?x64xf32>, tensor<3x3x64x64xf32>) -> tensor<?x?x?x64xf32>
  %e = kiln.conv %y, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<?x?x?x512xf32>, tensor<3x3x512x512xf32>) -> tensor<?x?x?x512xf32>
  return %c, %d, %e : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x512xf32>
}

// -----

// Memory counts: on a batch of two 7x7x512 maps (r3d_18's decomposed 3-D convs) F(4x4) is
// faster than F(2x2) by time alone (8 vs 32 tiles), but its 38 MB filter (21 MB more) is not
// worth 0.6 ms: F(2x2).
// CHECK-LABEL: func @memory
// CHECK: kiln.winograd_input {{.*}}tile = 2 : i64{{.*}} -> tensor<16x32x512xf32>
func.func @memory(%x: tensor<2x7x7x512xf32>) -> tensor<2x7x7x512xf32> {
  %w = kiln.constant dense<0.01> : tensor<3x3x512x512xf32>
  %c = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<2x7x7x512xf32>, tensor<3x3x512x512xf32>) -> tensor<2x7x7x512xf32>
  return %c : tensor<2x7x7x512xf32>
}
