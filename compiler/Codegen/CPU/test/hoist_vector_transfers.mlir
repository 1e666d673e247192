// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-hoist-vector-transfers))' | FileCheck %s

// The accumulator read/write of a reduction loop moves out of the loop, even through a subview.
// CHECK-LABEL: func @accumulate
// CHECK: vector.transfer_read %arg1
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: vector.transfer_write
// CHECK: scf.yield
// CHECK: vector.transfer_write
func.func @accumulate(%a: memref<16x8xf32>, %acc: memref<16x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %f0 = arith.constant 0.0 : f32
  %sv = memref.subview %acc[0, 0] [1, 8] [1, 1] : memref<16x8xf32> to memref<1x8xf32, strided<[8, 1]>>
  scf.for %i = %c0 to %c16 step %c1 {
    %x = vector.transfer_read %a[%i, %c0], %f0 {in_bounds = [true]} : memref<16x8xf32>, vector<8xf32>
    %s = vector.transfer_read %sv[%c0, %c0], %f0 {in_bounds = [true]} : memref<1x8xf32, strided<[8, 1]>>, vector<8xf32>
    %r = arith.addf %x, %s : vector<8xf32>
    vector.transfer_write %r, %sv[%c0, %c0] {in_bounds = [true]} : vector<8xf32>, memref<1x8xf32, strided<[8, 1]>>
  }
  return
}

// -----

// A dynamic-shape kernel's buffers are reinterpreted base pointers (views, which the upstream
// hoisting leaves alone): the accumulator still moves out of the reduction loop, since the
// only other access in the loop reads another kernel argument.
// CHECK-LABEL: func @accumulate_dynamic
// CHECK: %[[OUT:.*]] = memref.reinterpret_cast %arg1
// CHECK: vector.transfer_read %[[OUT]]
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: vector.transfer_write
// CHECK: scf.yield
// CHECK: vector.transfer_write {{.*}}, %[[OUT]]
func.func @accumulate_dynamic(%a: memref<f32>, %acc: memref<f32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %f0 = arith.constant 0.0 : f32
  %x = memref.reinterpret_cast %a to offset: [0], sizes: [%n, 8], strides: [8, 1] : memref<f32> to memref<?x8xf32>
  %y = memref.reinterpret_cast %acc to offset: [0], sizes: [%n, 8], strides: [8, 1] : memref<f32> to memref<?x8xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = vector.transfer_read %x[%i, %c0], %f0 {in_bounds = [true]} : memref<?x8xf32>, vector<8xf32>
    %s = vector.transfer_read %y[%c0, %c0], %f0 {in_bounds = [true]} : memref<?x8xf32>, vector<8xf32>
    %r = arith.addf %v, %s : vector<8xf32>
    vector.transfer_write %r, %y[%c0, %c0] {in_bounds = [true]} : vector<8xf32>, memref<?x8xf32>
  }
  return
}

// -----

// Not when the loop also reads the accumulator's buffer through another view: that read
// would see the value the loop no longer stores.
// CHECK-LABEL: func @accumulate_dynamic_aliased
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: vector.transfer_write
// CHECK: }
func.func @accumulate_dynamic_aliased(%acc: memref<f32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %f0 = arith.constant 0.0 : f32
  %x = memref.reinterpret_cast %acc to offset: [0], sizes: [16, 8], strides: [8, 1] : memref<f32> to memref<16x8xf32>
  %y = memref.reinterpret_cast %acc to offset: [0], sizes: [%n, 8], strides: [8, 1] : memref<f32> to memref<?x8xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = vector.transfer_read %x[%i, %c0], %f0 {in_bounds = [true]} : memref<16x8xf32>, vector<8xf32>
    %s = vector.transfer_read %y[%c0, %c0], %f0 {in_bounds = [true]} : memref<?x8xf32>, vector<8xf32>
    %r = arith.addf %v, %s : vector<8xf32>
    vector.transfer_write %r, %y[%c0, %c0] {in_bounds = [true]} : vector<8xf32>, memref<?x8xf32>
  }
  return
}
