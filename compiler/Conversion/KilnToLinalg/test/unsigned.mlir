// RUN: kiln-opt %s -kiln-to-linalg -split-input-file -verify-diagnostics | FileCheck %s

// Unsigned integers lower to signless ones (the signature too) with unsigned arith ops.
// CHECK-LABEL: func.func @unsigned_binary
// CHECK-SAME: (%{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi1>)
// CHECK: arith.divui
// CHECK: arith.minui
// CHECK: arith.maxui
// CHECK: arith.remui
// CHECK: arith.cmpi ult
// CHECK-NOT: unrealized_conversion_cast
func.func @unsigned_binary(%a: tensor<4xui8>, %b: tensor<4xui8>)
    -> (tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xi1>) {
  %0 = kiln.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = kiln.min %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %2 = kiln.max %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %3 = kiln.mod %a, %b {fmod = false} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %4 = kiln.less %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  return %0, %1, %2, %3, %4 : tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xi1>
}

// -----

// Signed integers keep the signed ops.
// CHECK-LABEL: func.func @signed_binary
// CHECK: arith.divsi
// CHECK: arith.maxsi
func.func @signed_binary(%a: tensor<4xi8>, %b: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>) {
  %0 = kiln.div %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %1 = kiln.max %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  return %0, %1 : tensor<4xi8>, tensor<4xi8>
}

// -----

// Casts: unsigned → float is uitofp, float → unsigned fptoui, widening zero-extends, and
// ui32 → i32 keeps the bits.
// CHECK-LABEL: func.func @unsigned_casts
// CHECK: arith.uitofp %{{.*}} : i16 to f32
// CHECK: arith.fptoui %{{.*}} : f32 to i8
// CHECK: arith.extui %{{.*}} : i16 to i64
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @unsigned_casts(%a: tensor<3xui16>, %f: tensor<3xf32>, %u: tensor<3xui32>)
    -> (tensor<3xf32>, tensor<3xui8>, tensor<3xi64>, tensor<3xi32>) {
  %0 = kiln.cast %a : tensor<3xui16> to tensor<3xf32>
  %1 = kiln.cast %f : tensor<3xf32> to tensor<3xui8>
  %2 = kiln.cast %a : tensor<3xui16> to tensor<3xi64>
  %3 = kiln.cast %u : tensor<3xui32> to tensor<3xi32>
  return %0, %1, %2, %3 : tensor<3xf32>, tensor<3xui8>, tensor<3xi64>, tensor<3xi32>
}

// -----

// Bit shifts: shli / shrui, and a shift by the width or more gives 0.
// CHECK-LABEL: func.func @bit_shift
// CHECK: %[[L:.*]] = arith.shli %[[X:.*]], %[[Y:.*]] : i32
// CHECK: %[[W:.*]] = arith.constant 32 : i32
// CHECK: %[[OK:.*]] = arith.cmpi ult, %[[Y]], %[[W]] : i32
// CHECK: arith.select %[[OK]], %[[L]], %{{.*}} : i32
// CHECK: arith.shrui
func.func @bit_shift(%a: tensor<4xui32>, %b: tensor<4xui32>) -> (tensor<4xui32>, tensor<4xui32>) {
  %0 = kiln.bit_shift %a, %b {left = true} : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xui32>
  %1 = kiln.bit_shift %a, %b {left = false} : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xui32>
  return %0, %1 : tensor<4xui32>, tensor<4xui32>
}

// -----

// Unsigned constants keep their bits; clip bounds use the unsigned range.
// CHECK-LABEL: func.func @constant_clip
// CHECK: arith.constant dense<[-56, 1]> : tensor<2xi8>
// CHECK: arith.maxui
// CHECK: arith.constant -6 : i8
// CHECK: arith.minui
func.func @constant_clip(%a: tensor<2xui8>) -> (tensor<2xui8>, tensor<2xui8>) {
  %c = kiln.constant dense<[200, 1]> : tensor<2xui8>
  %0 = kiln.clip %a {min = 0.0 : f64, max = 250.0 : f64} : tensor<2xui8>
  return %c, %0 : tensor<2xui8>, tensor<2xui8>
}

// -----

// Max pooling of unsigned values: NHWC uses the unsigned named op; NCHW a generic with maxui,
// both starting from 0.
// CHECK-LABEL: func.func @max_pool_unsigned
// CHECK: arith.constant 0 : i8
// CHECK: linalg.generic
// CHECK: arith.maxui
// CHECK: linalg.pooling_nhwc_max_unsigned
func.func @max_pool_unsigned(%x: tensor<1x1x4x4xui8>, %y: tensor<1x4x4x1xui8>)
    -> (tensor<1x1x2x2xui8>, tensor<1x2x2x1xui8>) {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NCHW"} : (tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8>
  %1 = kiln.max_pool %y {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false, layout = "NHWC"} : (tensor<1x4x4x1xui8>) -> tensor<1x2x2x1xui8>
  return %0, %1 : tensor<1x1x2x2xui8>, tensor<1x2x2x1xui8>
}

// -----

// An op whose lowering is not unsigned-aware refuses unsigned types.
func.func @unsigned_relu(%a: tensor<4xui8>) -> tensor<4xui8> {
  // expected-error @+1 {{'kiln.relu' op cannot be lowered to linalg: unsigned integer element types are not supported by this op's lowering yet}}
  %0 = kiln.relu %a : tensor<4xui8>
  return %0 : tensor<4xui8>
}
