// RUN: kiln-opt %s -kiln-cpu-outline-parallel-loops | FileCheck %s

// The loop body moves into @k.par0(begin, end, memrefs...), the loop becomes a dispatch call
// with the iteration count; the constant and the subview it needs are sunk into the body.
// CHECK-LABEL: func.func @k(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<16x8xf32>, %[[B:[a-z0-9]+]]: memref<16x8xf32>)
// CHECK: %[[N:.*]] = arith.constant 8 : index
// CHECK: call @k.par0.dispatch(%[[N]], %[[A]], %[[B]]) : (index, memref<16x8xf32>, memref<16x8xf32>) -> ()
// CHECK-NOT: scf.parallel
// CHECK-LABEL: func.func private @k.par0(%{{.*}}: index, %{{.*}}: index, %{{.*}}: memref<16x8xf32>, %{{.*}}: memref<16x8xf32>)
// CHECK: scf.for
// CHECK: arith.constant 2 : index
// CHECK: vector.transfer_read
// CHECK-LABEL: func.func private @k.par0.dispatch(index, memref<16x8xf32>, memref<16x8xf32>)
func.func @k(%a: memref<16x8xf32>, %b: memref<16x8xf32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c16 = arith.constant 16 : index
  %f0 = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c2) {
    %v = vector.transfer_read %a[%i, %c0], %f0 {in_bounds = [true, true]} : memref<16x8xf32>, vector<2x8xf32>
    vector.transfer_write %v, %b[%i, %c0] {in_bounds = [true, true]} : vector<2x8xf32>, memref<16x8xf32>
    scf.reduce
  }
  return
}

// A 2-D loop is collapsed first: 4 x 2 iterations.
// CHECK-LABEL: func.func @k2
// CHECK: arith.constant 8 : index
// CHECK: call @k2.par0.dispatch
func.func @k2(%a: memref<16x8xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %f1 = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c8) step (%c4, %c4) {
    memref.store %f1, %a[%i, %j] : memref<16x8xf32>
    scf.reduce
  }
  return
}

// A dynamic batch: the count is computed at run time and the index it needs is passed.
// CHECK-LABEL: func.func @k3(
// CHECK-SAME: %[[P:[a-z0-9]+]]: memref<f32>, %[[N:[a-z0-9]+]]: index)
// CHECK: call @k3.par0.dispatch(%[[N]], %[[P]], %[[N]]) : (index, memref<f32>, index) -> ()
// CHECK-LABEL: func.func private @k3.par0(%{{.*}}: index, %{{.*}}: index, %{{.*}}: memref<f32>, %{{.*}}: index)
// CHECK: memref.reinterpret_cast
func.func @k3(%p: memref<f32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f1 = arith.constant 1.0 : f32
  %a = memref.reinterpret_cast %p to offset: [0], sizes: [%n, 8], strides: [8, 1] : memref<f32> to memref<?x8xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %f1, %a[%i, %c0] : memref<?x8xf32>
    scf.reduce
  }
  return
}

// Chains of pure producers move into the body whole, each clone after its producers' clones,
// so that only the kernel's arguments are captured.
// CHECK-LABEL: func.func @k4(
// CHECK-SAME: %[[P:[a-z0-9]+]]: memref<f32>, %[[N:[a-z0-9]+]]: index)
// CHECK: call @k4.par0.dispatch(%{{.*}}, %[[N]], %[[P]]) : (index, index, memref<f32>) -> ()
// CHECK-LABEL: func.func private @k4.par0(
// CHECK: scf.for
// CHECK-DAG: %[[LAST:.*]] = arith.subi
// CHECK-DAG: %[[CAST:.*]] = memref.reinterpret_cast
// CHECK: %[[VIEW:.*]] = memref.subview %[[CAST]]
// CHECK: memref.store %{{.*}}, %[[VIEW]][%[[LAST]],
func.func @k4(%p: memref<f32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f1 = arith.constant 1.0 : f32
  %a = memref.reinterpret_cast %p to offset: [0], sizes: [%n, 8], strides: [8, 1] : memref<f32> to memref<?x8xf32>
  %s = memref.subview %a[0, 0] [%n, 4] [1, 2] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 2]>>
  %c4 = arith.constant 4 : index
  %last = arith.subi %n, %c1 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %f1, %s[%last, %i] : memref<?x4xf32, strided<[8, 2]>>
    scf.reduce
  }
  return
}

// A buffer with dynamic dims (a temporary of a dynamic kernel) passes as a bare pointer and its
// dims; the body rebuilds the view. It left the loop sequential before.
// CHECK-LABEL: func.func @dynamic_temporary(
// CHECK: %[[T:.*]] = memref.alloc(%{{.*}}) : memref<?x8xf32>
// CHECK: %[[P:.*]] = memref.reinterpret_cast %[[T]] to offset: [0], sizes: [], strides: [] : memref<?x8xf32> to memref<f32>
// CHECK: %[[D:.*]] = memref.dim %[[T]], %{{.*}} : memref<?x8xf32>
// CHECK: call @dynamic_temporary.par0.dispatch({{.*}}%[[P]]{{.*}}%[[D]]
// CHECK-NOT: scf.parallel
// CHECK-LABEL: func.func private @dynamic_temporary.par0(
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [%{{.*}}, 8], strides: [8, 1] : memref<f32> to memref<?x8xf32>
func.func @dynamic_temporary(%a: memref<f32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f0 = arith.constant 1.0 : f32
  %t = memref.alloc(%n) : memref<?x8xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = vector.broadcast %f0 : f32 to vector<8xf32>
    vector.transfer_write %v, %t[%i, %c0] {in_bounds = [true]} : vector<8xf32>, memref<?x8xf32>
    scf.reduce
  }
  memref.dealloc %t : memref<?x8xf32>
  return
}

// A body that uses a strided view (no bare pointer to pass) stays a sequential loop, and the
// kernel is marked with why: its codegen notes (compile warning, report, manifest) say it
// runs on one thread.
// CHECK-LABEL: func.func @strided_capture(
// CHECK-SAME: kiln.not_outlined = "a parallel loop stays on one thread: its body uses a value the dispatch cannot pass (memref<16x8xf32, strided<[16, 1]>>)"
// CHECK: scf.parallel
// CHECK-NOT: @strided_capture.par0
func.func @strided_capture(%a: memref<16x8xf32, strided<[16, 1]>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %f1 = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %f1, %a[%i, %c0] : memref<16x8xf32, strided<[16, 1]>>
    scf.reduce
  }
  return
}

// A scalar loaded before the loop (an im2col's run-time pad value) passes in the context like
// an index: the loop is outlined (it ran on one thread when only indices passed).
// CHECK-LABEL: func.func @scalar_capture(
// CHECK: %[[V:.*]] = memref.load %arg1[]
// CHECK: call @scalar_capture.par0.dispatch(%{{.*}}, %[[V]], %arg0) : (index, i8, memref<16xi8>) -> ()
// CHECK-LABEL: func.func private @scalar_capture.par0(%{{.*}}: index, %{{.*}}: index, %{{.*}}: i8, %{{.*}}: memref<16xi8>)
func.func @scalar_capture(%a: memref<16xi8>, %pad: memref<i8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %v = memref.load %pad[] : memref<i8>
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %v, %a[%i] : memref<16xi8>
    scf.reduce
  }
  return
}
