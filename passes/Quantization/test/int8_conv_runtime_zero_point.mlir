// RUN: kiln-opt %s -kiln-int8-conv-im2col -kiln-form-int8-matmul | FileCheck %s

// ConvInteger of DynamicQuantizeLinear'd activations: the zero point is a ui8 value known at
// run time. The patch matrix reads it as its padding (kiln.im2col's `pad` operand), and the
// int8 product subtracts zx * colsum(W) with zx read at run time.
// CHECK-LABEL: func.func @dynamic_zero_point
// CHECK-DAG: %[[COLSUM:.*]] = kiln.constant dense<108> : tensor<8xi32>
// CHECK-DAG: %[[ZX:.*]] = kiln.cast %arg1 : tensor<ui8> to tensor<i32>
// CHECK: %[[COLS:.*]] = kiln.im2col %arg0 pad %arg1 {{.*}} : (tensor<1x6x6x4xui8>, tensor<ui8>) -> tensor<1x6x6x36xui8>
// CHECK: %[[P:.*]] = kiln.matmul_int8
// CHECK: %[[T:.*]] = kiln.mul %[[ZX]], %[[COLSUM]] : (tensor<i32>, tensor<8xi32>) -> tensor<8xi32>
// CHECK: kiln.sub %[[P]], %[[T]]
// CHECK-NOT: kiln.conv
func.func @dynamic_zero_point(%x: tensor<1x6x6x4xui8>, %zx: tensor<ui8>) -> tensor<1x6x6x8xi32> {
  %w = kiln.constant dense<3> : tensor<3x3x4x8xi32>
  %0 = kiln.cast %x : tensor<1x6x6x4xui8> to tensor<1x6x6x4xi32>
  %z = kiln.cast %zx : tensor<ui8> to tensor<i32>
  %1 = kiln.sub %0, %z : (tensor<1x6x6x4xi32>, tensor<i32>) -> tensor<1x6x6x4xi32>
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x4xi32>, tensor<3x3x4x8xi32>) -> tensor<1x6x6x8xi32>
  return %2 : tensor<1x6x6x8xi32>
}

// The zero point reshaped to [1, 1, 1, 1] (the layout passes' NHWC frame): it is read as a
// rank-0 value, so the patch matrix keeps its rank and the int8 product forms (subtracting the
// [1, 1, 1, 1] value from the [36, 36] matrix made it [1, 1, 36, 36], no longer a matmul
// operand kiln-form-int8-matmul reads: the ISNet model's 85 convs stayed i32).
// CHECK-LABEL: func.func @reshaped_zero_point
// CHECK: kiln.im2col %arg0 pad %{{.*}} : (tensor<1x6x6x4xui8>, tensor<ui8>) -> tensor<1x6x6x36xui8>
// CHECK: kiln.matmul_int8 %{{.*}} : (tensor<36x36xui8>, tensor<1x9x256xi8>) -> tensor<36x8xi32>
// CHECK-NOT: kiln.conv
// CHECK-NOT: kiln.matmul %
func.func @reshaped_zero_point(%x: tensor<1x6x6x4xui8>, %zx: tensor<ui8>) -> tensor<1x6x6x8xi32> {
  %w = kiln.constant dense<3> : tensor<3x3x4x8xi32>
  %0 = kiln.cast %x : tensor<1x6x6x4xui8> to tensor<1x6x6x4xi32>
  %z = kiln.cast %zx : tensor<ui8> to tensor<i32>
  %zr = kiln.reshape %z : tensor<i32> to tensor<1x1x1x1xi32>
  %1 = kiln.sub %0, %zr : (tensor<1x6x6x4xi32>, tensor<1x1x1x1xi32>) -> tensor<1x6x6x4xi32>
  %2 = kiln.conv %1, %w {dilations = array<i64: 1, 1>, group = 1 : i64, layout = "NHWC", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x6x4xi32>, tensor<3x3x4x8xi32>) -> tensor<1x6x6x8xi32>
  return %2 : tensor<1x6x6x8xi32>
}
