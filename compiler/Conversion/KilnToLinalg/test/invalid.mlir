// RUN: kiln-opt %s -kiln-to-linalg -split-input-file -verify-diagnostics

// Every op that cannot be lowered fails the pass with one error at the op saying why (the
// driver's generic "failed to legalize" repeat is dropped).

func.func @two_dynamic_batch_dims(%a: tensor<?x?x4x8xf32>, %b: tensor<?x?x8x4xf32>) -> tensor<?x?x4x4xf32> {
  // expected-error @+1 {{'kiln.matmul' op cannot be lowered to linalg: more than one dynamic batch dim}}
  %0 = kiln.matmul %a, %b : (tensor<?x?x4x8xf32>, tensor<?x?x8x4xf32>) -> tensor<?x?x4x4xf32>
  return %0 : tensor<?x?x4x4xf32>
}

// -----

func.func @dynamic_conv_channels(%x: tensor<1x8x8x?xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<1x6x6x4xf32> {
  // expected-error @+1 {{'kiln.conv' op cannot be lowered to linalg: dynamic channels or filter}}
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x?xf32>, tensor<3x3x3x4xf32>) -> tensor<1x6x6x4xf32>
  return %0 : tensor<1x6x6x4xf32>
}

// -----

func.func @float_only(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'kiln.sigmoid' op cannot be lowered to linalg: input element type 'i32' is not supported (expected a float type)}}
  %0 = kiln.sigmoid %a : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @mixed_types(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.add' op cannot be lowered to linalg: operand element types differ ('f32' vs 'f16')}}
  %0 = kiln.add %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @pool_4d(%x: tensor<1x1x3x3x3x3xf32>) -> tensor<1x1x2x2x2x2xf32> {
  // expected-error @+1 {{'kiln.max_pool' op cannot be lowered to linalg: 4 spatial dims (supported: 1 to 3)}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2, 2, 2>, strides = array<i64: 1, 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x1x3x3x3x3xf32>) -> tensor<1x1x2x2x2x2xf32>
  return %0 : tensor<1x1x2x2x2x2xf32>
}

// -----

func.func @avg_pool_int(%x: tensor<1x1x4x4xi32>) -> tensor<1x1x3x3xi32> {
  // expected-error @+1 {{'kiln.avg_pool' op cannot be lowered to linalg: input element type 'i32' is not supported (expected a float type)}}
  %0 = kiln.avg_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x1x4x4xi32>) -> tensor<1x1x3x3xi32>
  return %0 : tensor<1x1x3x3xi32>
}

// -----

func.func @conv_mixed(%x: tensor<1x2x4x4xi8>, %w: tensor<2x2x1x1xi32>) -> tensor<1x2x4x4xi8> {
  // expected-error @+1 {{'kiln.conv' op cannot be lowered to linalg: input, filter and bias must share one float or integer element type}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x2x4x4xi8>, tensor<2x2x1x1xi32>) -> tensor<1x2x4x4xi8>
  return %0 : tensor<1x2x4x4xi8>
}

// -----

func.func @gather_float_indices(%d: tensor<4x3xf32>, %i: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'kiln.gather' op cannot be lowered to linalg: indices must be signless integers (i8 to i64), not 'f32'}}
  %0 = kiln.gather %d, %i {axis = 0} : (tensor<4x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_l2_int(%x: tensor<2x3xi32>) -> tensor<2xi32> {
  // expected-error @+1 {{'kiln.reduce' op cannot be lowered to linalg: input element type 'i32' is not supported (expected a float type)}}
  %0 = kiln.reduce l2 %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @softmax_bad_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'kiln.softmax' op cannot be lowered to linalg: axis 5 is out of range for rank 2}}
  %0 = kiln.softmax %x {axis = 5} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @batch_norm_bad_params(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{'kiln.batch_norm' op cannot be lowered to linalg: scale, bias, mean and variance must all be 'tensor<3xf32>', got 'tensor<4xf32>'}}
  %0 = kiln.batch_norm %x, %s, %s, %s, %s {epsilon = 1.0e-5} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

func.func @where_not_i1(%c: tensor<4xi8>, %a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.where' op cannot be lowered to linalg: the condition must have element type i1, not 'i8'}}
  %0 = kiln.where %c, %a, %a : (tensor<4xi8>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @layer_norm_bad_scale(%x: tensor<2x3xf32>, %s: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'kiln.layer_norm' op cannot be lowered to linalg: scale and bias must have the input's element type and broadcast to its shape, got 'tensor<4xf32>'}}
  %0 = kiln.layer_norm %x, %s {axis = 1, epsilon = 1.0e-5} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
