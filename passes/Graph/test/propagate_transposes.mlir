// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-propagate-transposes))' | FileCheck %s

// conv → relu → conv: the transpose pair between the convs cancels through the relu.
// CHECK-LABEL: func @chain
// CHECK: kiln.transpose %arg0
// CHECK: kiln.conv
// CHECK-NEXT: kiln.relu {{.*}} : tensor<1x8x8x4xf32>
// CHECK-NEXT: kiln.conv
// CHECK-NEXT: kiln.transpose
// CHECK-NEXT: return
func.func @chain(%x: tensor<1x4x8x8xf32>, %w: tensor<1x1x4x4xf32>) -> tensor<1x4x8x8xf32> {
  %t0 = kiln.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x8x8x4xf32>
  %c0 = kiln.conv %t0, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x8x8x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x8x8x4xf32>
  %t1 = kiln.transpose %c0 {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %r = kiln.relu %t1 : tensor<1x4x8x8xf32>
  %t2 = kiln.transpose %r {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x8x8x4xf32>
  %c1 = kiln.conv %t2, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x8x8x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x8x8x4xf32>
  %t3 = kiln.transpose %c1 {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  return %t3 : tensor<1x4x8x8xf32>
}

// -----

// Residual add of two transposed values and a per-channel constant: both move; global
// average pooling reduces in NHWC and the transpose of unit dims becomes a reshape.
// CHECK-LABEL: func @residual_pool
// CHECK: kiln.add %arg0, %arg1 : (tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>)
// CHECK: kiln.add {{.*}} : (tensor<1x8x8x4xf32>, tensor<1x1x1x4xf32>)
// CHECK: kiln.reduce mean {{.*}}axes = array<i64: 1, 2>
// CHECK: kiln.reshape {{.*}} : tensor<1x1x1x4xf32> to tensor<1x4x1x1xf32>
// CHECK-NOT: kiln.transpose
func.func @residual_pool(%a: tensor<1x8x8x4xf32>, %b: tensor<1x8x8x4xf32>) -> tensor<1x4x1x1xf32> {
  %ta = kiln.transpose %a {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %tb = kiln.transpose %b {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %s = kiln.add %ta, %tb : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %bias = kiln.constant dense<[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]> : tensor<4x1x1xf32>
  %s2 = kiln.add %s, %bias : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %m = kiln.reduce mean %s2 {axes = array<i64: 2, 3>, keepdims = true} : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  return %m : tensor<1x4x1x1xf32>
}

// -----

// Concat along channels of NHWC values becomes a concat on the last axis.
// CHECK-LABEL: func @concat
// CHECK: kiln.concat %arg0, %arg1 {axis = 3 : i64}
func.func @concat(%a: tensor<1x8x8x4xf32>, %b: tensor<1x8x8x2xf32>) -> tensor<1x6x8x8xf32> {
  %ta = kiln.transpose %a {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %tb = kiln.transpose %b {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x2xf32>) -> tensor<1x2x8x8xf32>
  %c = kiln.concat %ta, %tb {axis = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %c : tensor<1x6x8x8xf32>
}

// -----

// A BlazeFace block's residual: NHWC values padded with zero channels in NCHW (concat with a
// constant), added to the next conv's NHWC result and fed to an NHWC pool. The constant is
// transposed in place, the concat runs on the last axis, and no transpose is left (34 in
// BlazeFace before: 28% of its int8 run time).
// CHECK-LABEL: func @concat_constant_channels
// CHECK-NOT: kiln.transpose
// CHECK: %[[Z:.*]] = kiln.constant dense<0.000000e+00> : tensor<1x8x8x2xf32>
// CHECK: %[[C:.*]] = kiln.concat %arg0, %[[Z]] {axis = 3 : i64} : (tensor<1x8x8x4xf32>, tensor<1x8x8x2xf32>) -> tensor<1x8x8x6xf32>
// CHECK: %[[A:.*]] = kiln.add %arg1, %[[C]]
// CHECK-NOT: kiln.transpose
// CHECK: kiln.max_pool %[[A]]
func.func @concat_constant_channels(%a: tensor<1x8x8x4xf32>, %b: tensor<1x8x8x6xf32>) -> tensor<1x4x4x6xf32> {
  %z = kiln.constant dense<0.0> : tensor<1x2x8x8xf32>
  %ta = kiln.transpose %a {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %c = kiln.concat %ta, %z {axis = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x6x8x8xf32>
  %tb = kiln.transpose %b {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x6xf32>) -> tensor<1x6x8x8xf32>
  %s = kiln.add %tb, %c : (tensor<1x6x8x8xf32>, tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  %n = kiln.transpose %s {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x6x8x8xf32>) -> tensor<1x8x8x6xf32>
  %p = kiln.max_pool %n {ceil_mode = false, count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x8x6xf32>) -> tensor<1x4x4x6xf32>
  return %p : tensor<1x4x4x6xf32>
}

// -----

// Left alone: a concat whose other input is neither transposed alike, nor a constant, nor a
// view (it would need a transpose of its own).
// CHECK-LABEL: func @concat_other_input
// CHECK: %[[T:.*]] = kiln.transpose %arg0
// CHECK: kiln.concat %[[T]], %arg1 {axis = 1 : i64}
func.func @concat_other_input(%a: tensor<1x8x8x4xf32>, %b: tensor<1x2x8x8xf32>) -> tensor<1x6x8x8xf32> {
  %ta = kiln.transpose %a {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %c = kiln.concat %ta, %b {axis = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %c : tensor<1x6x8x8xf32>
}

// -----

// A squeeze-and-excitation scale [1, C, 1, 1] (a view of the NHWC [1, 1, 1, C] branch) does
// not stop the transposes: it is reshaped into the NHWC frame and the pair cancels.
// CHECK-LABEL: func @channel_scale
// CHECK-NOT: kiln.transpose
// CHECK: %[[S:.*]] = kiln.reshape %arg1 : tensor<1x16x1x1xf32> to tensor<1x1x1x16xf32>
// CHECK: %[[M:.*]] = kiln.mul %[[S]], %arg0 : (tensor<1x1x1x16xf32>, tensor<1x?x?x16xf32>) -> tensor<1x?x?x16xf32>
// CHECK: return %[[M]]
func.func @channel_scale(%x: tensor<1x?x?x16xf32>, %s: tensor<1x16x1x1xf32>) -> tensor<1x?x?x16xf32> {
  %t = kiln.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x?x?x16xf32>) -> tensor<1x16x?x?xf32>
  %m = kiln.mul %s, %t : (tensor<1x16x1x1xf32>, tensor<1x16x?x?xf32>) -> tensor<1x16x?x?xf32>
  %b = kiln.transpose %m {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x16x?x?xf32>) -> tensor<1x?x?x16xf32>
  return %b : tensor<1x?x?x16xf32>
}

// -----

// A channel shuffle between NHWC convs (ShuffleNet: split C into (g, C/g), swap, merge, then
// chunk): the NCHW transposes move through the reshapes and slices and cancel; what is left
// is one transpose of the two innermost dims (the shuffle's own data movement) in NHWC.
// CHECK-LABEL: func @channel_shuffle
// CHECK: %[[S:.*]] = kiln.reshape %arg0 : tensor<1x4x4x8xf32> to tensor<1x4x4x2x4xf32>
// CHECK: %[[T:.*]] = kiln.transpose %[[S]] {perm = array<i64: 0, 1, 2, 4, 3>}
// CHECK: %[[M:.*]] = kiln.reshape %[[T]] : tensor<1x4x4x4x2xf32> to tensor<1x4x4x8xf32>
// CHECK: kiln.slice %[[M]] {ends = array<i64: 1, 4, 4, 4>, starts = array<i64: 0, 0, 0, 0>
// CHECK: kiln.slice %[[M]] {ends = array<i64: 1, 4, 4, 8>, starts = array<i64: 0, 0, 0, 4>
// CHECK-NOT: kiln.transpose
func.func @channel_shuffle(%x: tensor<1x4x4x8xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) {
  %t = kiln.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %r = kiln.reshape %t : tensor<1x8x4x4xf32> to tensor<1x2x4x4x4xf32>
  %s = kiln.transpose %r {perm = array<i64: 0, 2, 1, 3, 4>} : (tensor<1x2x4x4x4xf32>) -> tensor<1x4x2x4x4xf32>
  %m = kiln.reshape %s : tensor<1x4x2x4x4xf32> to tensor<1x8x4x4xf32>
  %a = kiln.slice %m {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 4, 4, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x8x4x4xf32>) -> tensor<1x4x4x4xf32>
  %b = kiln.slice %m {starts = array<i64: 0, 4, 0, 0>, ends = array<i64: 1, 8, 4, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x8x4x4xf32>) -> tensor<1x4x4x4xf32>
  %ta = kiln.transpose %a {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %tb = kiln.transpose %b {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %ta, %tb : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
}

// -----

// Heads merged after attention ([B, H, T, D] → [B, T, H * D]): the merged dims are not
// consecutive in the source and nothing downstream undoes a transpose, so it stays.
// CHECK-LABEL: func @merge_heads
// CHECK: %[[T:.*]] = kiln.transpose %arg0 {perm = array<i64: 0, 2, 1, 3>}
// CHECK: kiln.reshape %[[T]] : tensor<1x3x2x4xf32> to tensor<1x3x8xf32>
func.func @merge_heads(%x: tensor<1x2x3x4xf32>) -> tensor<1x3x8xf32> {
  %t = kiln.transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %r = kiln.reshape %t : tensor<1x3x2x4xf32> to tensor<1x3x8xf32>
  return %r : tensor<1x3x8xf32>
}

// -----

// A split of a transposed dim (GroupNorm's [N, C, H, W] → [N, g, C/g, H, W] after an NHWC
// conv) splits the source dim; the transpose moves below it.
// CHECK-LABEL: func @split_groups
// CHECK: %[[S:.*]] = kiln.reshape %arg0 : tensor<1x4x4x8xf32> to tensor<1x4x4x2x4xf32>
// CHECK: kiln.transpose %[[S]] {perm = array<i64: 0, 3, 4, 1, 2>} : (tensor<1x4x4x2x4xf32>) -> tensor<1x2x4x4x4xf32>
func.func @split_groups(%x: tensor<1x4x4x8xf32>) -> tensor<1x2x4x4x4xf32> {
  %t = kiln.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %r = kiln.reshape %t : tensor<1x8x4x4xf32> to tensor<1x2x4x4x4xf32>
  return %r : tensor<1x2x4x4x4xf32>
}

// -----

// QuantizeLinear → DequantizeLinear between two convs (a QDQ model): the transposes cancel
// through the casts to uint8 and back.
// CHECK-LABEL: func @through_casts
// CHECK: kiln.conv
// CHECK-NEXT: kiln.cast {{.*}} : tensor<1x8x8x4xf32> to tensor<1x8x8x4xui8>
// CHECK-NEXT: kiln.cast {{.*}} : tensor<1x8x8x4xui8> to tensor<1x8x8x4xf32>
// CHECK-NEXT: kiln.conv
func.func @through_casts(%x: tensor<1x8x8x4xf32>, %w: tensor<1x1x4x4xf32>) -> tensor<1x8x8x4xf32> {
  %c0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x8x8x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x8x8x4xf32>
  %t1 = kiln.transpose %c0 {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %q = kiln.cast %t1 : tensor<1x4x8x8xf32> to tensor<1x4x8x8xui8>
  %d = kiln.cast %q : tensor<1x4x8x8xui8> to tensor<1x4x8x8xf32>
  %t2 = kiln.transpose %d {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x8x8x4xf32>
  %c1 = kiln.conv %t2, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC"} : (tensor<1x8x8x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x8x8x4xf32>
  return %c1 : tensor<1x8x8x4xf32>
}

// -----

// A DynamicQuantizeLinear's min of a conv output that was transposed back to NCHW for it:
// a reduction over every axis reads the NHWC value, and the transpose goes.
// CHECK-LABEL: func.func @full_reduce
// CHECK-NOT: kiln.transpose
// CHECK: kiln.reduce min %arg0 {axes = array<i64: 0, 1, 2, 3>, keepdims = false} : (tensor<1x8x8x4xf32>) -> tensor<f32>
func.func @full_reduce(%x: tensor<1x8x8x4xf32>) -> tensor<f32> {
  %t = kiln.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %m = kiln.reduce min %t {axes = array<i64: 0, 1, 2, 3>, keepdims = false} : (tensor<1x4x8x8xf32>) -> tensor<f32>
  return %m : tensor<f32>
}

// -----

// Without keepdims the kept dims come out in the transposed order: x [2, 3, 5, 7] read as
// [7, 2, 5, 3], reduced over its dim 2 (x's 2), keeps [7, 2, 3] = x's dims 3, 0, 1.
// CHECK-LABEL: func.func @reduce_drop_dims
// CHECK: %[[R:.*]] = kiln.reduce sum %arg0 {axes = array<i64: 2>, keepdims = false} : (tensor<2x3x5x7xf32>) -> tensor<2x3x7xf32>
// CHECK: kiln.transpose %[[R]] {perm = array<i64: 2, 0, 1>} : (tensor<2x3x7xf32>) -> tensor<7x2x3xf32>
func.func @reduce_drop_dims(%x: tensor<2x3x5x7xf32>) -> tensor<7x2x3xf32> {
  %t = kiln.transpose %x {perm = array<i64: 3, 0, 2, 1>} : (tensor<2x3x5x7xf32>) -> tensor<7x2x5x3xf32>
  %r = kiln.reduce sum %t {axes = array<i64: 2>, keepdims = false} : (tensor<7x2x5x3xf32>) -> tensor<7x2x3xf32>
  return %r : tensor<7x2x3xf32>
}

// -----

// A decoder's upsampling between NHWC convs, concatenated with an NHWC skip connection: the
// resize runs in NHWC (its sizes permuted), the concat too, and only the transpose of the
// result to the model's NCHW output is left.
// CHECK-LABEL: func.func @resize_concat
// CHECK: %[[S:.*]] = kiln.constant dense<[1, 8, 8, 4]> : tensor<4xi64>
// CHECK: %[[R:.*]] = kiln.resize %arg0, %[[S]] {{.*}} : (tensor<1x4x4x4xf32>, tensor<4xi64>) -> tensor<1x8x8x4xf32>
// CHECK: %[[C:.*]] = kiln.concat %[[R]], %arg1 {axis = 3 : i64}
// CHECK: kiln.transpose %[[C]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x6xf32>) -> tensor<1x6x8x8xf32>
// CHECK-NOT: kiln.transpose
func.func @resize_concat(%x: tensor<1x4x4x4xf32>, %skip: tensor<1x8x8x2xf32>) -> tensor<1x6x8x8xf32> {
  %sizes = kiln.constant dense<[1, 4, 8, 8]> : tensor<4xi64>
  %t = kiln.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %r = kiln.resize %t, %sizes {coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -7.500000e-01 : f64, exclude_outside = false, extrapolation_value = 0.000000e+00 : f64, mode = "linear", nearest_mode = "floor"} : (tensor<1x4x4x4xf32>, tensor<4xi64>) -> tensor<1x4x8x8xf32>
  %s = kiln.transpose %skip {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x2xf32>) -> tensor<1x2x8x8xf32>
  %c = kiln.concat %r, %s {axis = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %c : tensor<1x6x8x8xf32>
}

// -----

// A pad moves through a transpose with its pads permuted, so the transposes around it
// (NHWC -> NCHW for the pad, back for the pool) cancel.
// CHECK-LABEL: func @pad_through_transpose
// CHECK-NOT: kiln.transpose
// CHECK: kiln.pad constant %arg0 {pads = array<i64: 0, 1, 2, 0, 0, 3, 4, 0>, value = 0.000000e+00 : f64} : (tensor<1x5x5x8xf32>) -> tensor<1x9x11x8xf32>
// CHECK-NOT: kiln.transpose
func.func @pad_through_transpose(%x: tensor<1x5x5x8xf32>) -> tensor<1x9x11x8xf32> {
  %t = kiln.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x5x5x8xf32>) -> tensor<1x8x5x5xf32>
  %p = kiln.pad constant %t {pads = array<i64: 0, 0, 1, 2, 0, 0, 3, 4>, value = 0.0 : f64} : (tensor<1x8x5x5xf32>) -> tensor<1x8x9x11xf32>
  %b = kiln.transpose %p {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x9x11xf32>) -> tensor<1x9x11x8xf32>
  return %b : tensor<1x9x11x8xf32>
}

// -----

// A per-channel scale and shift and a relu after depth_to_space move above it (the scale and
// shift repeated for each of the 2 x 2 block positions), where they join the conv's epilogue;
// an operand that is not one value per channel stays after it.
// CHECK-LABEL: func @through_depth_to_space
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<[{{\[\[\[}}1.000000e+00, 2.000000e+00, 1.000000e+00, 2.000000e+00, 1.000000e+00, 2.000000e+00, 1.000000e+00, 2.000000e+00]]]]> : tensor<1x1x1x8xf32>
// CHECK: %[[M:.*]] = kiln.mul %arg0, %[[S]] : (tensor<1x3x4x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x3x4x8xf32>
// CHECK: %[[A:.*]] = kiln.add %[[M]], %{{.*}} : (tensor<1x3x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x3x4x8xf32>
// CHECK: %[[R:.*]] = kiln.relu %[[A]] : tensor<1x3x4x8xf32>
// CHECK: %[[D:.*]] = kiln.depth_to_space %[[R]]
// CHECK: kiln.add %[[D]], %arg1 : (tensor<1x6x8x2xf32>, tensor<1x6x8x2xf32>)
func.func @through_depth_to_space(%z: tensor<1x3x4x8xf32>, %other: tensor<1x6x8x2xf32>) -> tensor<1x6x8x2xf32> {
  %s = kiln.constant dense<[[[[1.0, 2.0]]]]> : tensor<1x1x1x2xf32>
  %t = kiln.constant dense<0.5> : tensor<1x1x1x1xf32>
  %d = kiln.depth_to_space %z {block = array<i64: 2, 2>, crops = array<i64: 0, 0, 0, 0>} : (tensor<1x3x4x8xf32>) -> tensor<1x6x8x2xf32>
  %0 = kiln.mul %d, %s : (tensor<1x6x8x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x6x8x2xf32>
  %1 = kiln.add %t, %0 : (tensor<1x1x1x1xf32>, tensor<1x6x8x2xf32>) -> tensor<1x6x8x2xf32>
  %2 = kiln.relu %1 : tensor<1x6x8x2xf32>
  %3 = kiln.add %2, %other : (tensor<1x6x8x2xf32>, tensor<1x6x8x2xf32>) -> tensor<1x6x8x2xf32>
  return %3 : tensor<1x6x8x2xf32>
}
