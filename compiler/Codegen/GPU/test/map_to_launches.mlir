// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-gpu-map-to-launches{workgroup-size=64}))' | FileCheck %s

// A 2-D parallel loop: 8 x 100 = 800 threads in workgroups of 64 (13 workgroups, the last one
// partly idle behind a bounds check); the thread's id splits into (i, j), j fastest.
// CHECK-LABEL: func @elementwise
// CHECK-DAG: %[[C13:.*]] = arith.constant 13 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C13]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C64]],
// CHECK: %[[ID:.*]] = arith.addi %{{.*}}, %[[TX]] : index
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[ID]], %{{.*}} : index
// CHECK: scf.if %[[IN]] {
// CHECK:   arith.remui %[[ID]], %{{.*}}
// CHECK:   arith.divui %[[ID]], %{{.*}}
// CHECK:   memref.load %arg0
// CHECK:   arith.maximumf
// CHECK:   memref.store
// CHECK: gpu.terminator
// CHECK-NOT: scf.parallel
func.func @elementwise(%a: memref<8x100xf32>, %b: memref<8x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c100 = arith.constant 100 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c100) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<8x100xf32>
    %y = arith.maximumf %x, %z : f32
    memref.store %y, %b[%i, %j] : memref<8x100xf32>
    scf.reduce
  }
  return
}

// -----

// A reduction stays a loop in each thread; an exact multiple of the workgroup needs no bounds
// check. The scratch allocation stays on the host, the view is cloned into the launch.
// CHECK-LABEL: func @row_sums
// CHECK: %[[ALLOC:.*]] = memref.alloc() : memref<128xf32>
// CHECK: gpu.launch
// CHECK-NOT: scf.if
// CHECK: memref.collapse_shape %arg0
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %[[ALLOC]]
// CHECK: gpu.terminator
// The copy becomes a launch of its own, one thread per element.
// CHECK: gpu.launch
// CHECK: memref.load %[[ALLOC]]
// CHECK: memref.store %{{.*}}, %arg1
// CHECK-NOT: memref.copy
func.func @row_sums(%a: memref<128x4x8xf32>, %out: memref<128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  %z = arith.constant 0.0 : f32
  %flat = memref.collapse_shape %a [[0], [1, 2]] : memref<128x4x8xf32> into memref<128x32xf32>
  %acc = memref.alloc() : memref<128xf32>
  scf.parallel (%i) = (%c0) to (%c128) step (%c1) {
    %s = scf.for %k = %c0 to %c32 step %c1 iter_args(%s0 = %z) -> f32 {
      %x = memref.load %flat[%i, %k] : memref<128x32xf32>
      %s1 = arith.addf %s0, %x : f32
      scf.yield %s1 : f32
    }
    memref.store %s, %acc[%i] : memref<128xf32>
    scf.reduce
  }
  memref.copy %acc, %out : memref<128xf32> to memref<128xf32>
  return
}
