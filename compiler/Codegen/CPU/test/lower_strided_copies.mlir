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
