// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @bad_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{operand shapes are not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bad_result_type(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{'kiln.add' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @bad_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{input channels 6 != filter channels 4 * group 1}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x6x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @bad_reshape(%x: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error @+1 {{changes the number of elements: 6 vs 7}}
  %0 = kiln.reshape %x : tensor<2x3xf32> to tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @bad_reduce_axes(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{axes must be sorted, unique and within the input rank}}
  %0 = kiln.reduce sum %x {axes = array<i64: 1, 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @bad_gather_elements_rank(%d: tensor<2x3xf32>, %i: tensor<4xi64>) -> tensor<4xf32> {
  // expected-error @+2 {{gather_elements indices must have the rank of data}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather_elements %d, %i {axis = 0} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @bad_gather_nd_tuple(%d: tensor<2x3xf32>, %i: tensor<4x3xi64>) -> tensor<4xf32> {
  // expected-error @+2 {{gather_nd index tuples must be static and fit the data rank}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather_nd %d, %i {batch_dims = 0} : (tensor<2x3xf32>, tensor<4x3xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @bad_scatter_updates(%d: tensor<2x3xf32>, %i: tensor<2x2xi64>, %u: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{scatter_elements indices and updates must have one shape of the rank of data}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.scatter_elements %d, %i, %u {axis = 0} : (tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bad_scatter_reduction(%d: tensor<2x3xf32>, %i: tensor<1x1xi64>, %u: tensor<1x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{scatter reduction must be none, add, mul, min or max}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.scatter_nd %d, %i, %u {reduction = "sub"} : (tensor<2x3xf32>, tensor<1x1xi64>, tensor<1x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @fused_wrong_yield(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{yields 'tensor<4xi32>' but has results 'tensor<4xf32>'}}
  %0 = kiln.fused "cast" -> tensor<4xf32> {
    %1 = kiln.cast %a : tensor<4xf32> to tensor<4xi32>
    kiln.yield %1 : tensor<4xi32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @resize_bad_target(%x: tensor<1x4xf32>, %s: tensor<3xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{target must be 1-D float scales or int64 sizes, one per input dim}}
  %0 = kiln.resize %x, %s {coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -7.500000e-01 : f64, exclude_outside = false, extrapolation_value = 0.000000e+00 : f64, mode = "linear", nearest_mode = "round_prefer_floor"} : (tensor<1x4xf32>, tensor<3xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @resize_crop_without_roi(%x: tensor<4xf32>, %s: tensor<1xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{tf_crop_and_resize needs a 1-D float roi of 2 x rank values}}
  %0 = kiln.resize %x, %s {coordinate_transformation_mode = "tf_crop_and_resize", cubic_coeff_a = -7.500000e-01 : f64, exclude_outside = false, extrapolation_value = 0.000000e+00 : f64, mode = "linear", nearest_mode = "round_prefer_floor"} : (tensor<4xf32>, tensor<1xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @split_by_count(%x: tensor<6xf32>, %s: tensor<3xi64>) -> (tensor<?xf32>, tensor<?xf32>) {
  // expected-error @+1 {{needs one result per split size}}
  %0:2 = kiln.split_by %x, %s {axis = 0 : i64} : (tensor<6xf32>, tensor<3xi64>) -> (tensor<?xf32>, tensor<?xf32>)
  return %0#0, %0#1 : tensor<?xf32>, tensor<?xf32>
}

// -----

func.func @top_k_bad_k(%x: tensor<4xf32>, %k: tensor<2xi64>) -> (tensor<?xf32>, tensor<?xi64>) {
  // expected-error @+1 {{k must be a one-element int64 tensor}}
  %0:2 = kiln.top_k %x, %k {axis = 0 : i64, largest = true} : (tensor<4xf32>, tensor<2xi64>) -> (tensor<?xf32>, tensor<?xi64>)
  return %0#0, %0#1 : tensor<?xf32>, tensor<?xi64>
}

// -----

func.func @det_not_square(%x: tensor<2x3xf32>) -> tensor<f32> {
  // expected-error @+1 {{input must be [..., n, n] floats}}
  %0 = kiln.det %x : (tensor<2x3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @random_ints(%x: tensor<4xf32>) -> tensor<4xi32> {
  // expected-error @+1 {{result must be floats of the shape of `like`}}
  %0 = kiln.random_like "uniform" %x {a = 0.0 : f64, b = 1.0 : f64, seed = 0 : i64} : (tensor<4xf32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @winograd_bad_tile(%x: tensor<1x8x8x16xf32>) -> tensor<9x16x16xf32> {
  // expected-error @+1 {{tile must be 2 or 4, not 3}}
  %v = kiln.winograd_input %x {pads = array<i64: 1, 1, 1, 1>, tile = 3 : i64} : (tensor<1x8x8x16xf32>) -> tensor<9x16x16xf32>
  return %v : tensor<9x16x16xf32>
}

// -----

func.func @winograd_bad_tiles(%x: tensor<1x8x8x16xf32>) -> tensor<16x9x16xf32> {
  // expected-error @+1 {{transformed tiles must be [16, 16, 16], not 'tensor<16x9x16xf32>'}}
  %v = kiln.winograd_input %x {pads = array<i64: 1, 1, 1, 1>, tile = 2 : i64} : (tensor<1x8x8x16xf32>) -> tensor<16x9x16xf32>
  return %v : tensor<16x9x16xf32>
}

// -----

// Dilation 2: an 8x8 output in 2 phases of 4 rows and columns, one F(4x4) tile each (the
// undilated count of a 10x10 output would be 9).
func.func @winograd_dilated_tiles(%x: tensor<1x8x8x16xf32>) -> tensor<36x9x16xf32> {
  // expected-error @+1 {{transformed tiles must be [36, 4, 16], not 'tensor<36x9x16xf32>'}}
  %v = kiln.winograd_input %x {dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>, tile = 4 : i64} : (tensor<1x8x8x16xf32>) -> tensor<36x9x16xf32>
  return %v : tensor<36x9x16xf32>
}

// -----

func.func @winograd_empty_phase(%m: tensor<16x4x16xf32>) -> tensor<1x2x2x16xf32> {
  // expected-error @+1 {{every dilation phase needs an output row and column (output 2x2, dilations 3x3)}}
  %y = kiln.winograd_output %m {dilations = array<i64: 3, 3>, max = 6.0 : f64, min = 0.0 : f64, tile = 2 : i64} : (tensor<16x4x16xf32>) -> tensor<1x2x2x16xf32>
  return %y : tensor<1x2x2x16xf32>
}

// -----

func.func @winograd_dynamic_dilated(%x: tensor<1x?x?x16xf32>) -> tensor<36x?x16xf32> {
  // expected-error @+1 {{symbolic dims need dilations of 1}}
  %v = kiln.winograd_input %x {dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>, tile = 4 : i64} : (tensor<1x?x?x16xf32>) -> tensor<36x?x16xf32>
  return %v : tensor<36x?x16xf32>
}

// -----

func.func @winograd_dynamic_without_image(%m: tensor<36x?x16xf32>) -> tensor<1x?x?x16xf32> {
  // expected-error @+1 {{a result with symbolic dims needs the convolution's input as `image` and its 4 pads}}
  %y = kiln.winograd_output %m {max = 6.0 : f64, min = 0.0 : f64, tile = 4 : i64} : (tensor<36x?x16xf32>) -> tensor<1x?x?x16xf32>
  return %y : tensor<1x?x?x16xf32>
}

// -----

func.func @winograd_bad_residual(%m: tensor<36x4x16xf32>, %r: tensor<1x8x8x16xf32>) -> tensor<1x7x7x16xf32> {
  // expected-error @+1 {{residual must have the result's type 'tensor<1x7x7x16xf32>'}}
  %y = kiln.winograd_output %m residual %r {max = 6.0 : f64, min = 0.0 : f64, tile = 4 : i64} : (tensor<36x4x16xf32>, tensor<1x8x8x16xf32>) -> tensor<1x7x7x16xf32>
  return %y : tensor<1x7x7x16xf32>
}

// -----

func.func @winograd_bad_clamp(%m: tensor<36x4x16xf32>) -> tensor<1x7x7x16xf32> {
  // expected-error @+1 {{min must not exceed max}}
  %y = kiln.winograd_output %m {max = 0.0 : f64, min = 6.0 : f64, tile = 4 : i64} : (tensor<36x4x16xf32>) -> tensor<1x7x7x16xf32>
  return %y : tensor<1x7x7x16xf32>
}

// -----

func.func @depthwise_two_swishes(%x: tensor<1x8x8x16xf32>, %w: tensor<3x3x16xf32>) -> tensor<1x8x8x16xf32> {
  // expected-error @+1 {{applies hard swish or SiLU, not both}}
  %y = kiln.depthwise_conv2d %x, %w {hard_swish = true, silu = true, max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<3x3x16xf32>) -> tensor<1x8x8x16xf32>
  return %y : tensor<1x8x8x16xf32>
}

// -----

func.func @depthwise_bad_result(%x: tensor<1x8x8x16xf32>, %w: tensor<3x3x16xf32>) -> tensor<1x7x8x16xf32> {
  // expected-error @+1 {{result dim 1 must be 8}}
  %y = kiln.depthwise_conv2d %x, %w {max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<3x3x16xf32>) -> tensor<1x7x8x16xf32>
  return %y : tensor<1x7x8x16xf32>
}

// -----

func.func @depthwise_dynamic_rows_static_result(%x: tensor<1x?x8x16xf32>, %w: tensor<3x3x16xf32>) -> tensor<1x8x8x16xf32> {
  // expected-error @+1 {{result dim 1 must be dynamic where the input's is}}
  %y = kiln.depthwise_conv2d %x, %w {max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x?x8x16xf32>, tensor<3x3x16xf32>) -> tensor<1x8x8x16xf32>
  return %y : tensor<1x8x8x16xf32>
}

// -----

func.func @depthwise_dynamic_channels(%x: tensor<1x8x8x?xf32>, %w: tensor<3x3x16xf32>) -> tensor<1x8x8x16xf32> {
  // expected-error @+1 {{needs f32 (or 8-bit) NHWC input and result with static channels}}
  %y = kiln.depthwise_conv2d %x, %w {max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x?xf32>, tensor<3x3x16xf32>) -> tensor<1x8x8x16xf32>
  return %y : tensor<1x8x8x16xf32>
}

// -----

func.func @depthwise_bad_channels(%x: tensor<1x8x8x16xf32>, %w: tensor<3x3x8xf32>) -> tensor<1x8x8x16xf32> {
  // expected-error @+1 {{filter and result must have the input's 16 channels}}
  %y = kiln.depthwise_conv2d %x, %w {max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<3x3x8xf32>) -> tensor<1x8x8x16xf32>
  return %y : tensor<1x8x8x16xf32>
}

// -----

func.func @depthwise_quantized_without_scale(%x: tensor<1x8x8x16xui8>, %w: tensor<3x3x16xf32>) -> tensor<1x8x8x16xf32> {
  // expected-error @+1 {{an 8-bit input needs a finite input_scale > 0 and an integer input_zero_point of its type}}
  %y = kiln.depthwise_conv2d %x, %w {input_zero_point = 0.0 : f64, max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x16xui8>, tensor<3x3x16xf32>) -> tensor<1x8x8x16xf32>
  return %y : tensor<1x8x8x16xf32>
}

// -----

func.func @depthwise_quantized_bad_zero_point(%x: tensor<1x8x8x16xf32>, %w: tensor<3x3x16xf32>) -> tensor<1x8x8x16xi8> {
  // expected-error @+1 {{an 8-bit result needs a finite output_scale > 0 and an integer output_zero_point of its type}}
  %y = kiln.depthwise_conv2d %x, %w {max = 6.0 : f64, min = 0.0 : f64, output_scale = 0.5 : f64, output_zero_point = 200.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<3x3x16xf32>) -> tensor<1x8x8x16xi8>
  return %y : tensor<1x8x8x16xi8>
}

// -----

func.func @im2col_bad_result(%x: tensor<1x8x8x16xui8>) -> tensor<1x8x8x64xui8> {
  // expected-error @+1 {{result must be [1, 8, 8, 144]}}
  %y = kiln.im2col %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pad_value = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x16xui8>) -> tensor<1x8x8x64xui8>
  return %y : tensor<1x8x8x64xui8>
}

// -----

func.func @im2col_symbolic_result_of_static_input(%x: tensor<?x8x8x16xui8>) -> tensor<?x8x?x144xui8> {
  // expected-error @+1 {{result dim 2 must be dynamic exactly where the input's is}}
  %y = kiln.im2col %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pad_value = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x8x8x16xui8>) -> tensor<?x8x?x144xui8>
  return %y : tensor<?x8x?x144xui8>
}

// -----

func.func @im2col_symbolic_bad_columns(%x: tensor<?x?x8x16xui8>) -> tensor<?x?x4x64xui8> {
  // expected-error @+1 {{result must be [?, ?, 4, 144]}}
  %y = kiln.im2col %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pad_value = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x?x8x16xui8>) -> tensor<?x?x4x64xui8>
  return %y : tensor<?x?x4x64xui8>
}

// -----

func.func @im2col_symbolic_channels(%x: tensor<1x8x8x?xui8>) -> tensor<1x8x8x?xui8> {
  // expected-error @+1 {{needs an NHWC input and result of one element type with static channels}}
  %y = kiln.im2col %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pad_value = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x?xui8>) -> tensor<1x8x8x?xui8>
  return %y : tensor<1x8x8x?xui8>
}

// -----

func.func @im2col_bad_kernel(%x: tensor<1x8x8x16xui8>) -> tensor<1x8x8x144xui8> {
  // expected-error @+1 {{kernel, strides and dilations must be 2 values >= 1}}
  %y = kiln.im2col %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 0>, pad_value = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x16xui8>) -> tensor<1x8x8x144xui8>
  return %y : tensor<1x8x8x144xui8>
}

// -----

func.func @grouped_bad_filter(%x: tensor<1x8x8x32xf32>, %w: tensor<2x3x3x8x16xf32>) -> tensor<1x8x8x32xf32> {
  // expected-error @+1 {{filter must be [2, KH, KW, 4, 16]}}
  %y = kiln.grouped_conv2d %x, %w {group = 8 : i64, max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x32xf32>, tensor<2x3x3x8x16xf32>) -> tensor<1x8x8x32xf32>
  return %y : tensor<1x8x8x32xf32>
}

// -----

func.func @recurrent_bad_tile(%p: tensor<5x2x128xf32>, %r: tensor<1x2x32x64xf32>) -> (tensor<5x1x2x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>) {
  // expected-error @+1 {{recurrence must be [D, 4 * H / T, H, T] with T dividing H}}
  %y, %yh, %yc = kiln.recurrent lstm %p, %r {activation_alpha = array<f64: 0.0, 0.0, 0.0>, activation_beta = array<f64: 0.0, 0.0, 0.0>, activations = ["Sigmoid", "Tanh", "Tanh"], direction = "forward"} : (tensor<5x2x128xf32>, tensor<1x2x32x64xf32>) -> (tensor<5x1x2x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return %y, %yh, %yc : tensor<5x1x2x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>
}

// -----

func.func @grouped_bad_group(%x: tensor<1x8x8x32xf32>, %w: tensor<2x3x3x4x16xf32>) -> tensor<1x8x8x32xf32> {
  // expected-error @+1 {{group 5 must divide the 32 input and 32 output channels}}
  %y = kiln.grouped_conv2d %x, %w {group = 5 : i64, max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x32xf32>, tensor<2x3x3x4x16xf32>) -> tensor<1x8x8x32xf32>
  return %y : tensor<1x8x8x32xf32>
}

// -----

func.func @recurrent_bad_directions(%p: tensor<5x2x32xf32>, %r: tensor<1x4x8x8xf32>) -> (tensor<5x1x2x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{a bidirectional layer has 2 direction(s) of recurrence weights}}
  %y, %yh, %yc = kiln.recurrent lstm %p, %r {activation_alpha = array<f64: 0.0, 0.0, 0.0>, activation_beta = array<f64: 0.0, 0.0, 0.0>, activations = ["Sigmoid", "Tanh", "Tanh"], direction = "bidirectional"} : (tensor<5x2x32xf32>, tensor<1x4x8x8xf32>) -> (tensor<5x1x2x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>)
  return %y, %yh, %yc : tensor<5x1x2x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>
}

// -----

func.func @grouped_bad_result(%x: tensor<1x8x8x32xf32>, %w: tensor<2x3x3x4x16xf32>) -> tensor<1x4x8x32xf32> {
  // expected-error @+1 {{result dim 1 must be 8}}
  %y = kiln.grouped_conv2d %x, %w {group = 8 : i64, max = 6.0 : f64, min = 0.0 : f64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x32xf32>, tensor<2x3x3x4x16xf32>) -> tensor<1x4x8x32xf32>
  return %y : tensor<1x4x8x32xf32>
}

// -----

func.func @recurrent_bad_activation(%p: tensor<5x2x8xf32>, %r: tensor<1x1x8x8xf32>) -> (tensor<5x1x2x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{unknown activation 'Gelu'}}
  %y, %yh = kiln.recurrent rnn %p, %r {activation_alpha = array<f64: 0.0>, activation_beta = array<f64: 0.0>, activations = ["Gelu"], direction = "forward"} : (tensor<5x2x8xf32>, tensor<1x1x8x8xf32>) -> (tensor<5x1x2x8xf32>, tensor<1x2x8xf32>)
  return %y, %yh : tensor<5x1x2x8xf32>, tensor<1x2x8xf32>
}

// -----

func.func @recurrent_bad_state(%p: tensor<5x2x8xf32>, %r: tensor<1x1x8x8xf32>, %h: tensor<1x3x8xf32>) -> (tensor<5x1x2x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{initial_h must be [1, 2, 8], not 'tensor<1x3x8xf32>'}}
  %y, %yh = kiln.recurrent rnn %p, %r h0 %h {activation_alpha = array<f64: 0.0>, activation_beta = array<f64: 0.0>, activations = ["Tanh"], direction = "forward"} : (tensor<5x2x8xf32>, tensor<1x1x8x8xf32>, tensor<1x3x8xf32>) -> (tensor<5x1x2x8xf32>, tensor<1x2x8xf32>)
  return %y, %yh : tensor<5x1x2x8xf32>, tensor<1x2x8xf32>
}

// -----

func.func @recurrent_gru_peepholes(%p: tensor<5x2x24xf32>, %r: tensor<1x3x8x8xf32>, %peep: tensor<1x24xf32>) -> (tensor<5x1x2x8xf32>, tensor<1x2x8xf32>) {
  // expected-error @+1 {{initial_c, peepholes, y_c and input_forget are for LSTM cells}}
  %y, %yh = kiln.recurrent gru %p, %r peepholes %peep {activation_alpha = array<f64: 0.0, 0.0>, activation_beta = array<f64: 0.0, 0.0>, activations = ["Sigmoid", "Tanh"], direction = "forward"} : (tensor<5x2x24xf32>, tensor<1x3x8x8xf32>, tensor<1x24xf32>) -> (tensor<5x1x2x8xf32>, tensor<1x2x8xf32>)
  return %y, %yh : tensor<5x1x2x8xf32>, tensor<1x2x8xf32>
}

// -----

func.func @dims_from_length(%a: tensor<2x?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{dims_from needs one entry per result dim}}
  %0 = kiln.reshape %a {dims_from = array<i64: 1, 0>} : tensor<2x?xf32> to tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @dims_from_static(%a: tensor<2x?xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{dims_from: result dim 0 is not input dim 0}}
  %0 = kiln.reshape %a {dims_from = array<i64: 0, -1>} : tensor<2x?xf32> to tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @matmul_int8_symbolic_k(%a: tensor<4x?xui8>, %b: tensor<1x1x256xi8>) -> tensor<4x16xi32> {
  // expected-error @+1 {{needs an lhs of rank >= 2, a static K and N and static packed weights}}
  %y = kiln.matmul_int8 %a, %b : (tensor<4x?xui8>, tensor<1x1x256xi8>) -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}

// -----

func.func @matmul_int8_symbolic_rows_differ(%a: tensor<?x4xui8>, %b: tensor<1x1x256xi8>) -> tensor<3x16xi32> {
  // expected-error @+1 {{result must be the lhs shape with its last dim replaced by N}}
  %y = kiln.matmul_int8 %a, %b : (tensor<?x4xui8>, tensor<1x1x256xi8>) -> tensor<3x16xi32>
  return %y : tensor<3x16xi32>
}

// -----

func.func @matmul_int8_groups_cg(%a: tensor<4x36xui8>, %b: tensor<2x5x256xi8>) -> tensor<4x8xi32> {
  // expected-error @+1 {{groups must be [G, Cg] with Cg a multiple of 4}}
  %y = kiln.matmul_int8 %a, %b {groups = array<i64: 2, 6>} : (tensor<4x36xui8>, tensor<2x5x256xi8>) -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}

// -----

func.func @matmul_int8_groups_k(%a: tensor<4x36xui8>, %b: tensor<2x3x256xi8>) -> tensor<4x8xi32> {
  // expected-error @+1 {{K (36) must be a multiple of G * Cg (24) and N (8) of G}}
  %y = kiln.matmul_int8 %a, %b {groups = array<i64: 3, 8>} : (tensor<4x36xui8>, tensor<2x3x256xi8>) -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}

// -----

// 2 groups of 8 channels x 9 taps (Kg = 72) and 4 outputs each: one panel per group.
func.func @matmul_int8_groups_packed(%a: tensor<4x144xui8>, %b: tensor<1x36x256xi8>) -> tensor<4x8xi32> {
  // expected-error @+1 {{rhs must be the packed weights [ceil(N/64), ceil(K/4), 256] (per group with groups, K a group's) = [2, 18, 256]}}
  %y = kiln.matmul_int8 %a, %b {groups = array<i64: 2, 8>} : (tensor<4x144xui8>, tensor<1x36x256xi8>) -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}

// -----

// 8 groups of 4 channels x 9 taps, 4 outputs each: the groups share vectors (4 per vector of
// 16 lanes), the weights packed over all 32 columns as the dense layout packs [36, 32].
func.func @matmul_int8_groups_share_vectors(%a: tensor<4x288xui8>, %b: tensor<8x9x256xi8>) -> tensor<4x32xi32> {
  // expected-error @+1 {{= [1, 9, 256]}}
  %y = kiln.matmul_int8 %a, %b {groups = array<i64: 8, 4>} : (tensor<4x288xui8>, tensor<8x9x256xi8>) -> tensor<4x32xi32>
  return %y : tensor<4x32xi32>
}
