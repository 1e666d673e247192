// RUN: kiln-opt %s -pass-pipeline='builtin.module(func.func(kiln-cpu-lower-strided-copies))' | FileCheck %s

// CHECK-LABEL: func @copies
func.func @copies(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %c: memref<8x8xf32>) {
  // Contiguous copies stay (they lower to memcpy).
  // CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x8xf32> to memref<4x8xf32>
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  // A strided destination becomes linalg.copy (loops later, no memrefCopy call).
  // CHECK: linalg.copy ins(%{{.*}} : memref<4x4xf32, strided<[8, 1]>>) outs(%{{.*}} : memref<4x4xf32, strided<[8, 1]>>)
  %s = memref.subview %a[0, 0] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1]>>
  %t = memref.subview %c[0, 0] [4, 4] [1, 1] : memref<8x8xf32> to memref<4x4xf32, strided<[8, 1]>>
  memref.copy %s, %t : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32, strided<[8, 1]>>
  return
}

// Long rows are copied as vectors, one row at a time.
// CHECK-LABEL: func @rows
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} vector<1x64xf32>
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.copy
func.func @rows(%a: memref<4x256xf32>, %c: memref<8x256xf32>) {
  %t = memref.subview %c[2, 0] [4, 128] [1, 2] : memref<8x256xf32> to memref<4x128xf32, strided<[256, 2], offset: 512>>
  %s = memref.subview %a[0, 0] [4, 128] [1, 1] : memref<4x256xf32> to memref<4x128xf32, strided<[256, 1]>>
  memref.copy %s, %t : memref<4x128xf32, strided<[256, 1]>> to memref<4x128xf32, strided<[256, 2], offset: 512>>
  return
}
