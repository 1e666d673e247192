// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-dynamic-kernel-abi))' | FileCheck %s

// Dynamic buffers become bare pointers (rank-0 memrefs) plus one trailing index per dynamic
// dim; the body views them with their row-major strides. The result buffer that was only
// copied into the out-parameter is the out-parameter.
// CHECK-LABEL: func.func @k0
// CHECK-SAME: (%[[IN:.*]]: memref<f32>, %[[W:.*]]: memref<4x8xf32>, %[[OUT:.*]]: memref<f32>, %[[N:.*]]: index, %[[M:.*]]: index)
// CHECK: %[[X:.*]] = memref.reinterpret_cast %[[IN]] to offset: [0], sizes: [%[[N]], 4], strides: [4, 1] : memref<f32> to memref<?x4xf32>
// CHECK: %[[Y:.*]] = memref.reinterpret_cast %[[OUT]] to offset: [0], sizes: [%[[M]], 8], strides: [8, 1] : memref<f32> to memref<?x8xf32>
// CHECK-NOT: memref.alloc
// CHECK: linalg.matmul ins(%[[X]], %[[W]] : memref<?x4xf32>, memref<4x8xf32>) outs(%[[Y]] : memref<?x8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @k0(%x: memref<?x4xf32>, %w: memref<4x8xf32>, %out: memref<?x8xf32>) attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %buf = memref.alloc(%n) : memref<?x8xf32>
  linalg.matmul ins(%x, %w : memref<?x4xf32>, memref<4x8xf32>) outs(%buf : memref<?x8xf32>)
  memref.copy %buf, %out : memref<?x8xf32> to memref<?x8xf32>
  return
}

// -----

// A dynamic inner dim: the outer stride is computed from the sizes.
// CHECK-LABEL: func.func @k1
// CHECK-SAME: (%[[P:.*]]: memref<f32>, %[[A:.*]]: index, %[[B:.*]]: index)
// CHECK: %[[S:.*]] = arith.muli %[[B]], %c3
// CHECK: %[[S2:.*]] = arith.muli %[[S]], %c2
// CHECK: memref.reinterpret_cast %[[P]] to offset: [0], sizes: [%[[A]], 2, %[[B]], 3], strides: [%[[S2]], %[[S]], 3, 1]
func.func @k1(%x: memref<?x2x?x3xf32>) attributes {kiln.kernel} {
  return
}

// -----

// Static kernels keep their signature.
// CHECK-LABEL: func.func @k2(%{{.*}}: memref<2x4xf32>)
func.func @k2(%x: memref<2x4xf32>) attributes {kiln.kernel} {
  return
}

// -----

// The result computed on collapsed rows and split back by a memref.reshape (an epilogue
// that ran on a matmul's rows, kiln-sink-row-reshapes): the rows are the out-parameter's
// collapsed view; no buffer, no copy.
// CHECK-LABEL: func.func @k3
// CHECK-SAME: (%[[IN:.*]]: memref<f32>, %[[W:.*]]: memref<4x8xf32>, %[[SHAPE:.*]]: memref<4xindex>, %[[OUT:.*]]: memref<f32>, %[[H0:.*]]: index, %[[W0:.*]]: index, %[[H1:.*]]: index, %[[W1:.*]]: index)
// CHECK: %[[Y:.*]] = memref.reinterpret_cast %[[OUT]] to offset: [0], sizes: [1, %[[H1]], %[[W1]], 8]
// CHECK-NOT: memref.alloc
// CHECK: %[[ROWS:.*]] = memref.collapse_shape %[[Y]] {{\[}}[0, 1, 2], [3]] : memref<1x?x?x8xf32> into memref<?x8xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] : memref<?x4xf32>, memref<4x8xf32>) outs(%[[ROWS]] : memref<?x8xf32>)
// CHECK-NOT: memref.reshape
// CHECK-NOT: memref.copy
// CHECK: return
func.func @k3(%x: memref<1x?x?x4xf32>, %w: memref<4x8xf32>, %shape: memref<4xindex>, %out: memref<1x?x?x8xf32>) attributes {kiln.kernel} {
  %rows = memref.collapse_shape %x [[0, 1, 2], [3]] : memref<1x?x?x4xf32> into memref<?x4xf32>
  %c0 = arith.constant 0 : index
  %n = memref.dim %rows, %c0 : memref<?x4xf32>
  %buf = memref.alloc(%n) : memref<?x8xf32>
  linalg.matmul ins(%rows, %w : memref<?x4xf32>, memref<4x8xf32>) outs(%buf : memref<?x8xf32>)
  %back = memref.reshape %buf(%shape) : (memref<?x8xf32>, memref<4xindex>) -> memref<1x?x?x8xf32>
  memref.copy %back, %out : memref<1x?x?x8xf32> to memref<1x?x?x8xf32>
  return
}
