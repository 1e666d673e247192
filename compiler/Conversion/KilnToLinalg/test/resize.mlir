// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// Resize by run-time scales, linear in both dims: the sizes floor(scale x dim) computed in f64
// from the scales read at constant indices (shape values); then one generic, the 2-D
// bilinear in f32 as onnxruntime computes it: per dim the source coordinate clamped into
// [0, in - 1], taps trunc(x) and the next (clamped), weights |x - tap|; four reads.
// CHECK-LABEL: func.func @resize_scales
// CHECK: %[[S0:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xf32>
// CHECK: %[[F0:.*]] = arith.extf %[[S0]] : f32 to f64
// CHECK: %[[E0:.*]] = arith.mulf %{{.*}}, %[[F0]] : f64
// CHECK: %[[FL0:.*]] = math.floor %[[E0]] : f64
// CHECK: %[[N0:.*]] = arith.fptosi %[[FL0]] : f64 to i64
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: arith.fptosi %{{.*}} : f32 to i64
// CHECK: math.absf
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK-NOT: linalg.generic
func.func @resize_scales(%x: tensor<3x4xf32>, %s: tensor<2xf32>) -> tensor<?x?xf32> {
  %r = kiln.resize %x, %s {coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -7.500000e-01 : f64, exclude_outside = false, extrapolation_value = 0.000000e+00 : f64, mode = "linear", nearest_mode = "round_prefer_floor"} : (tensor<3x4xf32>, tensor<2xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// Trilinear (three resized dims) stays separable: one gather generic per dim, its
// coordinates in f64, each reading the previous pass's tensor at two taps.
// CHECK-LABEL: func.func @resize_trilinear
// CHECK: linalg.generic
// CHECK: math.floor %{{.*}} : f64
// CHECK-COUNT-2: tensor.extract %arg0
// CHECK: linalg.generic
// CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<4x3x4xf32>
// CHECK: linalg.generic
// CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<4x6x4xf32>
func.func @resize_trilinear(%x: tensor<2x3x4xf32>) -> tensor<4x6x8xf32> {
  %s = kiln.constant dense<[2.0, 2.0, 2.0]> : tensor<3xf32>
  %r = kiln.resize %x, %s {coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -7.500000e-01 : f64, exclude_outside = false, extrapolation_value = 0.000000e+00 : f64, mode = "linear", nearest_mode = "round_prefer_floor"} : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<4x6x8xf32>
  return %r : tensor<4x6x8xf32>
}

// -----

// Constant sizes: a static result, and the dim of size 1 (unchanged) is skipped: one pass.
// Nearest with round_prefer_ceil: floor(x + 0.5), clamped into the input.
// CHECK-LABEL: func.func @resize_sizes_nearest
// CHECK: %[[OUT:.*]] = linalg.generic
// CHECK: arith.addf %{{.*}}, %{{.*}} : f64
// CHECK: math.floor
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract %arg0
// CHECK-NOT: linalg.generic
// CHECK: return %[[OUT]] : tensor<1x6xf32>
func.func @resize_sizes_nearest(%x: tensor<1x3xf32>) -> tensor<1x6xf32> {
  %s = kiln.constant dense<[1, 6]> : tensor<2xi64>
  %r = kiln.resize %x, %s {coordinate_transformation_mode = "asymmetric", cubic_coeff_a = -7.500000e-01 : f64, exclude_outside = false, extrapolation_value = 0.000000e+00 : f64, mode = "nearest", nearest_mode = "round_prefer_ceil"} : (tensor<1x3xf32>, tensor<2xi64>) -> tensor<1x6xf32>
  return %r : tensor<1x6xf32>
}

// -----

// Cubic taps floor(x) - 1 .. floor(x) + 2; exclude_outside zeroes the taps outside the input
// and divides by the remaining weight; tf_crop_and_resize reads the roi and puts the
// extrapolation value outside it.
// CHECK-LABEL: func.func @resize_cubic_crop
// CHECK: tensor.extract %arg2[%{{.*}}] : tensor<2xf32>
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: arith.constant 1.000000e+01 : f32
// CHECK: arith.select
func.func @resize_cubic_crop(%x: tensor<8xf32>, %s: tensor<1xi64>, %roi: tensor<2xf32>) -> tensor<?xf32> {
  %r = kiln.resize %x, %s, %roi {coordinate_transformation_mode = "tf_crop_and_resize", cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true, extrapolation_value = 1.000000e+01 : f64, mode = "cubic", nearest_mode = "round_prefer_floor"} : (tensor<8xf32>, tensor<1xi64>, tensor<2xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}
