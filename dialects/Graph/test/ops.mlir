// RUN: kiln-opt %s -split-input-file | kiln-opt | FileCheck %s
// Round trip of the kiln ops through their assembly format.

// CHECK-LABEL: func @conv_relu
func.func @conv_relu(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  // CHECK: kiln.conv %{{.*}}, %{{.*}}, %{{.*}} {{.*}}strides = array<i64: 2, 2>
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: kiln.relu %{{.*}} : tensor<1x4x4x4xf32>
  %1 = kiln.relu %0 : tensor<1x4x4x4xf32>
  return %1 : tensor<1x4x4x4xf32>
}

// -----

// CHECK-LABEL: func @broadcast_add
func.func @broadcast_add(%a: tensor<2x1x5xf32>, %b: tensor<3x1xf32>) -> tensor<2x3x5xf32> {
  // CHECK: kiln.add {{.*}} -> tensor<2x3x5xf32>
  %0 = kiln.add %a, %b : (tensor<2x1x5xf32>, tensor<3x1xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// CHECK-LABEL: func @matmul_reduce
func.func @matmul_reduce(%a: tensor<2x8x16xf32>, %b: tensor<16x4xf32>) -> tensor<2x1xf32> {
  // CHECK: kiln.matmul {{.*}} -> tensor<2x8x4xf32>
  %0 = kiln.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
  // CHECK: kiln.reduce max
  %1 = kiln.reduce max %0 {axes = array<i64: 1, 2>, keepdims = false} : (tensor<2x8x4xf32>) -> tensor<2xf32>
  %2 = kiln.reshape %1 : tensor<2xf32> to tensor<2x1xf32>
  return %2 : tensor<2x1xf32>
}

// -----

// CHECK-LABEL: func @pool_pad_slice
func.func @pool_pad_slice(%x: tensor<1x2x7x7xf32>) -> tensor<1x2x2x4xf32> {
  // CHECK: kiln.max_pool {{.*}} -> tensor<1x2x4x4xf32>
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32>
  // CHECK: kiln.slice {{.*}} -> tensor<1x2x2x4xf32>
  %1 = kiln.slice %0 {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 2, 4, 4>, steps = array<i64: 1, 1, 2, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x4xf32>
  return %1 : tensor<1x2x2x4xf32>
}

// -----

// CHECK-LABEL: func @new_elementwise
func.func @new_elementwise(%a: tensor<2xi1>, %b: tensor<2xi1>, %x: tensor<2xf32>, %i: tensor<2xi32>) -> (tensor<2xi1>, tensor<2xf32>, tensor<2xi32>) {
  // CHECK: kiln.and {{.*}} -> tensor<2xi1>
  %0 = kiln.and %a, %b : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  // CHECK: kiln.or
  %1 = kiln.or %0, %b : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  // CHECK: kiln.xor
  %2 = kiln.xor %1, %a : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  // CHECK: kiln.not
  %3 = kiln.not %2 : tensor<2xi1>
  // CHECK: kiln.round
  %4 = kiln.round %x : tensor<2xf32>
  // CHECK: kiln.asinh
  %5 = kiln.asinh %4 : tensor<2xf32>
  // CHECK: kiln.mod {{.*}} {fmod = false}
  %6 = kiln.mod %i, %i {fmod = false} : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %3, %5, %6 : tensor<2xi1>, tensor<2xf32>, tensor<2xi32>
}

// -----

// CHECK-LABEL: func @gathers
func.func @gathers(%d: tensor<3x4xf32>, %i: tensor<2x4xi64>, %j: tensor<2x1xi64>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  // CHECK: kiln.gather_elements {{.*}} {axis = 0 : i64} : (tensor<3x4xf32>, tensor<2x4xi64>) -> tensor<2x4xf32>
  %0 = kiln.gather_elements %d, %i {axis = 0} : (tensor<3x4xf32>, tensor<2x4xi64>) -> tensor<2x4xf32>
  // CHECK: kiln.gather_nd {{.*}} {batch_dims = 0 : i64} : (tensor<3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  %1 = kiln.gather_nd %d, %j {batch_dims = 0} : (tensor<3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func @scatters
func.func @scatters(%d: tensor<3x4xf32>, %i: tensor<3x2xi64>, %u: tensor<3x2xf32>, %j: tensor<2x1xi64>, %v: tensor<2x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>) {
  // CHECK: kiln.scatter_elements {{.*}} {axis = 1 : i64, reduction = "max"}
  %0 = kiln.scatter_elements %d, %i, %u {axis = 1, reduction = "max"} : (tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>) -> tensor<3x4xf32>
  // CHECK: kiln.scatter_nd {{.*}} : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
  %1 = kiln.scatter_nd %0, %j, %v : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return %0, %1 : tensor<3x4xf32>, tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func @fused
// CHECK: %[[F:.*]] = kiln.fused "add+relu" -> tensor<4xf32> {
// CHECK-NEXT: kiln.add
// CHECK-NEXT: %[[R:.*]] = kiln.relu
// CHECK-NEXT: kiln.yield %[[R]] : tensor<4xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[F]]
func.func @fused(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.fused "add+relu" -> tensor<4xf32> {
    %1 = kiln.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %2 = kiln.relu %1 : tensor<4xf32>
    kiln.yield %2 : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @bit_shift
// CHECK: kiln.bit_shift %arg0, %arg1 {left = true} : (tensor<2x3xui8>, tensor<3xui8>) -> tensor<2x3xui8>
func.func @bit_shift(%a: tensor<2x3xui8>, %b: tensor<3xui8>) -> tensor<2x3xui8> {
  %0 = kiln.bit_shift %a, %b {left = true} : (tensor<2x3xui8>, tensor<3xui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// -----

// Ops sized by run-time values, loops and random numbers (KilnDynamicOps.td).
// CHECK-LABEL: func @dynamic_ops
// CHECK: kiln.resize %arg0, %arg1 {{.*}}mode = "linear"{{.*}} : (tensor<1x1x4x4xf32>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
// CHECK: kiln.reduce_by sum %arg0, %arg2 : (tensor<1x1x4x4xf32>, tensor<2xi64>) -> tensor<1x1x?x?xf32>
// CHECK: kiln.split_by %arg0, %arg2 {axis = 2 : i64} : (tensor<1x1x4x4xf32>, tensor<2xi64>) -> (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>)
// CHECK: kiln.top_k %arg0, %arg3 {axis = 3 : i64, largest = true} : (tensor<1x1x4x4xf32>, tensor<1xi64>) -> (tensor<1x1x4x?xf32>, tensor<1x1x4x?xi64>)
// CHECK: kiln.compress %arg0, %arg4 {axis = 3 : i64} : (tensor<1x1x4x4xf32>, tensor<4xi1>) -> tensor<1x1x4x?xf32>
// CHECK: kiln.non_zero %arg4 : (tensor<4xi1>) -> tensor<1x?xi64>
// CHECK: kiln.det %arg0 : (tensor<1x1x4x4xf32>) -> tensor<1x1xf32>
// CHECK: kiln.random_like "normal" %arg0 {a = 0.000000e+00 : f64, b = 1.000000e+00 : f64, seed = 5 : i64}
func.func @dynamic_ops(%x: tensor<1x1x4x4xf32>, %s: tensor<4xf32>, %a: tensor<2xi64>, %k: tensor<1xi64>, %c: tensor<4xi1>) {
  %0 = kiln.resize %x, %s {coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -7.500000e-01 : f64, exclude_outside = false, extrapolation_value = 0.000000e+00 : f64, mode = "linear", nearest_mode = "round_prefer_floor"} : (tensor<1x1x4x4xf32>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
  %1 = kiln.reduce_by sum %x, %a : (tensor<1x1x4x4xf32>, tensor<2xi64>) -> tensor<1x1x?x?xf32>
  %2:2 = kiln.split_by %x, %a {axis = 2 : i64} : (tensor<1x1x4x4xf32>, tensor<2xi64>) -> (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>)
  %3:2 = kiln.top_k %x, %k {axis = 3 : i64, largest = true} : (tensor<1x1x4x4xf32>, tensor<1xi64>) -> (tensor<1x1x4x?xf32>, tensor<1x1x4x?xi64>)
  %4 = kiln.compress %x, %c {axis = 3 : i64} : (tensor<1x1x4x4xf32>, tensor<4xi1>) -> tensor<1x1x4x?xf32>
  %5 = kiln.non_zero %c : (tensor<4xi1>) -> tensor<1x?xi64>
  %6 = kiln.det %x : (tensor<1x1x4x4xf32>) -> tensor<1x1xf32>
  %7 = kiln.random_like "normal" %x {a = 0.0 : f64, b = 1.0 : f64, seed = 5 : i64} : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return
}

// -----

// CHECK-LABEL: func @winograd
// CHECK: kiln.winograd_input %arg0 {pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64} : (tensor<1x8x8x16xf32>) -> tensor<36x4x16xf32>
// CHECK: kiln.winograd_output %arg1 bias %arg2 residual %arg3 {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64, tile = 4 : i64}
func.func @winograd(%x: tensor<1x8x8x16xf32>, %m: tensor<36x4x32xf32>, %b: tensor<32xf32>, %r: tensor<1x8x8x32xf32>) -> (tensor<36x4x16xf32>, tensor<1x8x8x32xf32>) {
  %v = kiln.winograd_input %x {pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64} : (tensor<1x8x8x16xf32>) -> tensor<36x4x16xf32>
  %y = kiln.winograd_output %m bias %b residual %r {max = 6.0 : f64, min = 0.0 : f64, tile = 4 : i64} : (tensor<36x4x32xf32>, tensor<32xf32>, tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  return %v, %y : tensor<36x4x16xf32>, tensor<1x8x8x32xf32>
}

// -----

// CHECK-LABEL: func @recurrent
// CHECK: kiln.recurrent lstm %arg0, %arg1 h0 %arg2 c0 %arg3 peepholes %arg4 lens %arg5 {{{.*}}clip = 3.000000e+00 : f64, direction = "bidirectional", input_forget = true}
// CHECK: kiln.recurrent gru %arg6, %arg7 bias %arg8 {{{.*}}direction = "reverse", linear_before_reset = true} : (tensor<?x1x48xf32>, tensor<1x3x16x16xf32>, tensor<1x48xf32>) -> (tensor<?x1x1x16xf32>, tensor<1x1x16xf32>)
func.func @recurrent(%p: tensor<7x2x64xf32>, %r: tensor<2x4x8x8xf32>, %h: tensor<2x2x8xf32>, %c: tensor<2x2x8xf32>, %peep: tensor<2x24xf32>, %lens: tensor<2xi32>, %q: tensor<?x1x48xf32>, %s: tensor<1x3x16x16xf32>, %b: tensor<1x48xf32>) {
  %y, %yh, %yc = kiln.recurrent lstm %p, %r h0 %h c0 %c peepholes %peep lens %lens {activation_alpha = array<f64: 0.0, 0.0, 0.0, 0.0, 0.0, 0.0>, activation_beta = array<f64: 0.0, 0.0, 0.0, 0.0, 0.0, 0.0>, activations = ["Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh"], clip = 3.0 : f64, direction = "bidirectional", input_forget = true} : (tensor<7x2x64xf32>, tensor<2x4x8x8xf32>, tensor<2x2x8xf32>, tensor<2x2x8xf32>, tensor<2x24xf32>, tensor<2xi32>) -> (tensor<7x2x2x8xf32>, tensor<2x2x8xf32>, tensor<2x2x8xf32>)
  %gy, %gh = kiln.recurrent gru %q, %s bias %b {activation_alpha = array<f64: 0.0, 0.0>, activation_beta = array<f64: 0.0, 0.0>, activations = ["Sigmoid", "Tanh"], direction = "reverse", linear_before_reset = true} : (tensor<?x1x48xf32>, tensor<1x3x16x16xf32>, tensor<1x48xf32>) -> (tensor<?x1x1x16xf32>, tensor<1x1x16xf32>)
  return
}
