// RUN: kiln-opt %s -pass-pipeline='builtin.module(func.func(kiln-cpu-hoist-vector-transfers))' | FileCheck %s

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
