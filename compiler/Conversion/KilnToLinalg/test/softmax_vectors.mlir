// RUN: kiln-opt %s -kiln-to-linalg=vector-code=1 -canonicalize -split-input-file | FileCheck %s

// An attention's softmax over 197 keys, 12 heads x 197 queries: the rows run on the threads
// (an scf.forall over 2364), each row's slice [1, 1, 1, 197] written as it is. The row's max
// with four accumulators (loop step 64) and its rest of 5 as one vector<5xf32>; then
// exp(x - max) stored while summed (one exponential per element: 12 vectors of 16 and the
// rest); then the stored values times 1 / sum.
// CHECK-LABEL: func @attention_rows
// CHECK: scf.forall (%[[R:.*]]) in (2364)
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %{{.*}} [1, 1, 1, 197]
// CHECK-NOT: tensor.collapse_shape
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c64 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4: arith.maximumf
// CHECK: vector.reduction <maximumf>, %{{.*}} : vector<16xf32> into f32
// CHECK: vector.transfer_read %arg0{{.*}} : tensor<1x12x197x197xf32>, vector<5xf32>
// CHECK: vector.reduction <maximumf>, %{{.*}} : vector<5xf32> into f32
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c16 iter_args(%{{.*}} = %[[SLICE]], %{{.*}} = %{{.*}}) -> (tensor<1x1x1x197xf32>, vector<16xf32>)
// CHECK: arith.subf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: math.exp %{{.*}} : vector<16xf32>
// CHECK: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<1x1x1x197xf32>
// CHECK: math.exp %{{.*}} : vector<5xf32>
// CHECK-NOT: math.exp
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c16
// CHECK: vector.transfer_read %{{.*}} : tensor<1x1x1x197xf32>, vector<16xf32>
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: tensor.parallel_insert_slice
func.func @attention_rows(%x: tensor<1x12x197x197xf32>) -> tensor<1x12x197x197xf32> {
  %y = kiln.softmax %x {axis = -1} : tensor<1x12x197x197xf32>
  return %y : tensor<1x12x197x197xf32>
}

// -----

// Symbolic rows (a sequence of run-time length): their count is the product of the leading
// dims at run time, always on the threads.
// CHECK-LABEL: func @dynamic_rows
// CHECK: %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK: scf.forall (%[[R:.*]]) in (%{{.*}})
// CHECK: arith.remui %[[R]], %[[T]]
// CHECK: math.exp %{{.*}} : vector<16xf32>
func.func @dynamic_rows(%x: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %y = kiln.softmax %x {axis = 2} : tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}

// -----

// Other axes, a symbolic row length and other element types keep the linalg lowering.
// CHECK-LABEL: func @middle_axis
// CHECK-NOT: scf.forall
// CHECK: linalg.generic
// CHECK-LABEL: func @dynamic_row_length
// CHECK-NOT: scf.forall
// CHECK: linalg.generic
func.func @middle_axis(%x: tensor<2x10x20xf32>) -> tensor<2x10x20xf32> {
  %y = kiln.softmax %x {axis = 1} : tensor<2x10x20xf32>
  return %y : tensor<2x10x20xf32>
}
func.func @dynamic_row_length(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %y = kiln.softmax %x {axis = 1} : tensor<4x?xf32>
  return %y : tensor<4x?xf32>
}
