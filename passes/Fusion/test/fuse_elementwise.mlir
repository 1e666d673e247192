// RUN: kiln-opt %s -split-input-file -kiln-fuse-elementwise | FileCheck %s

// conv + bias add + relu: one region; the weights stay outside and are used from above.
// CHECK-LABEL: func.func @conv_bias_relu
// CHECK: %[[F:.*]] = kiln.fused "conv+add+relu" -> tensor<1x8x8x16xf32> {
// CHECK-NEXT: kiln.conv
// CHECK-NEXT: kiln.add
// CHECK-NEXT: %[[R:.*]] = kiln.relu
// CHECK-NEXT: kiln.yield %[[R]] : tensor<1x8x8x16xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[F]]
func.func @conv_bias_relu(%x: tensor<1x8x8x4xf32>) -> tensor<1x8x8x16xf32> {
  %w = kiln.constant dense<1.0> : tensor<1x1x4x16xf32>
  %b = kiln.constant dense<0.5> : tensor<16xf32>
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<1x1x4x16xf32>) -> tensor<1x8x8x16xf32>
  %1 = kiln.add %0, %b : (tensor<1x8x8x16xf32>, tensor<16xf32>) -> tensor<1x8x8x16xf32>
  %2 = kiln.relu %1 : tensor<1x8x8x16xf32>
  return %2 : tensor<1x8x8x16xf32>
}

// -----

// matmul + bias + GELU in its Erf form: the biased value is used twice, both inside.
// CHECK-LABEL: func.func @matmul_gelu
// CHECK: kiln.fused "matmul+add+div+erf+add+mul+mul"
// CHECK-NOT: kiln.fused
func.func @matmul_gelu(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %sqrt2 = kiln.constant dense<1.41421354> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %half = kiln.constant dense<0.5> : tensor<f32>
  %0 = kiln.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = kiln.add %0, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %2 = kiln.div %1, %sqrt2 : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %3 = kiln.erf %2 : tensor<4x16xf32>
  %4 = kiln.add %3, %one : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %5 = kiln.mul %1, %4 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %6 = kiln.mul %5, %half : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  return %6 : tensor<4x16xf32>
}

// -----

// Residual block: the first matmul (in block order) absorbs the residual add and relu; the
// other branch is a group of its own whose result the add reads from above.
// CHECK-LABEL: func.func @residual
// CHECK: %[[A:.*]] = kiln.fused "matmul+add" -> tensor<4x16xf32>
// CHECK: %[[B:.*]] = kiln.fused "matmul+add+add+relu" -> tensor<4x16xf32>
// CHECK: kiln.add %[[A]], %{{.*}}
// CHECK: return %[[B]]
func.func @residual(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %v: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = kiln.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = kiln.add %0, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %2 = kiln.matmul %x, %v : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %3 = kiln.add %2, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %4 = kiln.add %3, %1 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %5 = kiln.relu %4 : tensor<4x16xf32>
  return %5 : tensor<4x16xf32>
}

// -----

// What must not fuse. The matmul's result is also returned: it has to be written out, so the
// relu stays its own op; the mul would broadcast the group's value to a larger shape.
// CHECK-LABEL: func.func @escaping_value
// CHECK-NOT: kiln.fused
// CHECK: return
func.func @escaping_value(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = kiln.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = kiln.relu %0 : tensor<4x16xf32>
  return %0, %1 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @broadcasting_consumer
// CHECK-NOT: kiln.fused
// CHECK: return
func.func @broadcasting_consumer(%x: tensor<4x8xf32>, %w: tensor<8x1xf32>, %y: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = kiln.matmul %x, %w : (tensor<4x8xf32>, tensor<8x1xf32>) -> tensor<4x1xf32>
  %1 = kiln.mul %0, %y : (tensor<4x1xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// Bool tensors stay out (the CPU codegen keeps i1 kernels scalar), and a value used by a later
// non-member stops the group before it.
// CHECK-LABEL: func.func @bool_and_prefix
// CHECK: kiln.less
// CHECK: kiln.fused "add+mul" -> tensor<4xf32>
// CHECK-NOT: kiln.fused
func.func @bool_and_prefix(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xi1>, tensor<4xf32>) {
  %0 = kiln.less %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %1 = kiln.add %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = kiln.mul %1, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = kiln.reduce sum %2 {axes = array<i64: 0>, keepdims = true} : (tensor<4xf32>) -> tensor<1xf32>
  %4 = kiln.sub %2, %3 : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %0, %4 : tensor<4xi1>, tensor<4xf32>
}

// -----

// An elementwise chain without an anchor is one kernel too.
// CHECK-LABEL: func.func @chain
// CHECK: kiln.fused "add+tanh+mul"
func.func @chain(%x: tensor<2x3xf32>, %y: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.add %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = kiln.tanh %0 : tensor<2x3xf32>
  %2 = kiln.mul %1, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// A constant pad that is the only user of the group's value joins the group (the kernel
// writes the padded buffer); a pad of a value that is also used elsewhere does not.
// CHECK-LABEL: func.func @absorbs_pad
// CHECK: %[[A:.*]] = kiln.fused "conv+relu+pad" -> tensor<1x10x10x16xf32>
// CHECK: %[[B:.*]] = kiln.fused "conv+relu" -> tensor<1x8x8x16xf32>
// CHECK: %[[P:.*]] = kiln.pad constant %[[B]]
// CHECK-NOT: kiln.fused
func.func @absorbs_pad(%x: tensor<1x8x8x4xf32>, %w: tensor<1x1x4x16xf32>) -> (tensor<1x10x10x16xf32>, tensor<1x10x10x16xf32>, tensor<1x8x8x16xf32>) {
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<1x1x4x16xf32>) -> tensor<1x8x8x16xf32>
  %1 = kiln.relu %0 : tensor<1x8x8x16xf32>
  %2 = kiln.pad constant %1 {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 0.000000e+00 : f64} : (tensor<1x8x8x16xf32>) -> tensor<1x10x10x16xf32>
  %3 = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<1x1x4x16xf32>) -> tensor<1x8x8x16xf32>
  %4 = kiln.relu %3 : tensor<1x8x8x16xf32>
  %5 = kiln.pad constant %4 {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 0.000000e+00 : f64} : (tensor<1x8x8x16xf32>) -> tensor<1x10x10x16xf32>
  return %2, %5, %4 : tensor<1x10x10x16xf32>, tensor<1x10x10x16xf32>, tensor<1x8x8x16xf32>
}

// -----

// Symbolic H/W: a conv, its epilogue and the pad of its result group like static ones (a `?`
// dim never broadcasts, so equal shapes are equal at run time).
// CHECK-LABEL: func.func @dynamic_conv_relu_pad
// CHECK: %[[F:.*]] = kiln.fused "conv+relu+pad" -> tensor<1x?x?x16xf32>
// CHECK-NOT: kiln.fused
// CHECK: return %[[F]]
func.func @dynamic_conv_relu_pad(%x: tensor<1x?x?x4xf32>, %w: tensor<1x1x4x16xf32>) -> tensor<1x?x?x16xf32> {
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x?x?x4xf32>, tensor<1x1x4x16xf32>) -> tensor<1x?x?x16xf32>
  %1 = kiln.relu %0 : tensor<1x?x?x16xf32>
  %2 = kiln.pad constant %1 {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = 0.000000e+00 : f64} : (tensor<1x?x?x16xf32>) -> tensor<1x?x?x16xf32>
  return %2 : tensor<1x?x?x16xf32>
}

// -----

// A reduction with `?` dims starts no group (its fused tiling has no dynamic schedule).
// CHECK-LABEL: func.func @dynamic_reduce_sub
// CHECK-NOT: kiln.fused
// CHECK: kiln.reduce
// CHECK: kiln.sub
// CHECK-NOT: kiln.fused
func.func @dynamic_reduce_sub(%x: tensor<1x?x32xf32>) -> tensor<1x?x1xf32> {
  %0 = kiln.reduce max %x {axes = array<i64: 2>, keepdims = true} : (tensor<1x?x32xf32>) -> tensor<1x?x1xf32>
  %c = kiln.constant dense<1.0> : tensor<f32>
  %1 = kiln.sub %0, %c : (tensor<1x?x1xf32>, tensor<f32>) -> tensor<1x?x1xf32>
  return %1 : tensor<1x?x1xf32>
}
