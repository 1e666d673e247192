// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s
// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | kiln-opt -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-tile-and-vectorize))' | FileCheck %s --check-prefix=VEC

// An LSTM direction is one scf.for over the steps carrying h, c, the scratch of H R^T and Y.
// The state starts as a copy of the initial state (the loop writes it in place). A step:
// H R^T as a contraction over (row, column tile, column, k) with R^T in column tiles and its
// own schedule, then one generic over [B, H] reading the step's projected gates and the
// product's gate columns, writing h, c and Y[t] in place.
// CHECK-LABEL: func.func @lstm
// CHECK: %[[Y0:.*]] = tensor.empty() : tensor<5x1x2x32xf32>
// CHECK: %[[R:.*]] = tensor.extract_slice %arg1[0, 0, 0, 0] [1, 8, 32, 16] [1, 1, 1, 1] : tensor<1x8x32x16xf32> to tensor<8x32x16xf32>
// CHECK: %[[H0:.*]] = linalg.copy ins(%{{.*}} : tensor<2x32xf32>)
// CHECK: %[[C0:.*]] = linalg.fill
// CHECK: %[[SCRATCH:.*]] = tensor.empty() : tensor<2x8x16xf32>
// CHECK: %[[LOOP:.*]]:4 = scf.for %[[T:.*]] = %{{.*}} to %c5 step %c1 iter_args(%[[H:.*]] = %[[H0]], %[[C:.*]] = %[[C0]], %[[S:.*]] = %[[SCRATCH]], %[[Y:.*]] = %[[Y0]])
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}}) outs(%[[S]] : tensor<2x8x16xf32>)
// CHECK: %[[HR:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[H]], %[[R]] : tensor<2x32xf32>, tensor<8x32x16xf32>) outs(%[[ZERO]] : tensor<2x8x16xf32>) attrs = {kiln.schedule = {inner = array<i64: 2, 2, 16, 4>, vectorize = true}}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[XI:.*]] = tensor.extract_slice %arg0[%[[T]], 0, 0] [1, 2, 32] [1, 1, 1] : tensor<5x2x128xf32> to tensor<2x32xf32>
// CHECK: %[[HCT:.*]] = tensor.extract_slice %[[HR]][0, 6, 0] [2, 2, 16] [1, 1, 1]
// CHECK: %[[HC:.*]] = tensor.collapse_shape %[[HCT]] {{\[\[}}0], [1, 2]] : tensor<2x2x16xf32> into tensor<2x32xf32>
// CHECK: %[[YT:.*]] = tensor.extract_slice %[[Y]][%[[T]], 0, 0, 0] [1, 1, 2, 32] [1, 1, 1, 1]
// CHECK: %[[NEW:.*]]:3 = linalg.generic {{.*}} ins(%[[XI]], {{.*}}, %[[HC]] : {{.*}}) outs(%[[H]], %[[C]], %[[YT]] : tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x32xf32>)
// CHECK: math.exp
// CHECK: math.tanh
// CHECK: linalg.yield
// CHECK: %[[YN:.*]] = tensor.insert_slice %[[NEW]]#2 into %[[Y]][%[[T]], 0, 0, 0]
// CHECK: scf.yield %[[NEW]]#0, %[[NEW]]#1, %[[HR]], %[[YN]]
// CHECK: %[[YH:.*]] = tensor.insert_slice %[[LOOP]]#0 into %{{.*}}[0, 0, 0] [1, 2, 32]
// CHECK: %[[YC:.*]] = tensor.insert_slice %[[LOOP]]#1 into %{{.*}}[0, 0, 0] [1, 2, 32]
// CHECK: return %[[LOOP]]#3, %[[YH]], %[[YC]]

// The product is vectorized inside the time loop: register tiles of 2 rows x 2 column tiles
// of 16 x 4 k (the scratch is the accumulators' own buffer: no view between them).
// VEC-LABEL: func.func @lstm
// VEC: scf.for
// VEC: vector.contract {{.*}} : vector<2x4xf32>, vector<2x4x16xf32> into vector<2x2x16xf32>
// VEC: math.tanh {{.*}} : vector<1x32xf32>
func.func @lstm(%p: tensor<5x2x128xf32>, %r: tensor<1x8x32x16xf32>, %h0: tensor<1x2x32xf32>) -> (tensor<5x1x2x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>) {
  %y, %yh, %yc = kiln.recurrent lstm %p, %r h0 %h0 {activation_alpha = array<f64: 0.0, 0.0, 0.0>, activation_beta = array<f64: 0.0, 0.0, 0.0>, activations = ["Sigmoid", "Tanh", "Tanh"], direction = "forward"} : (tensor<5x2x128xf32>, tensor<1x8x32x16xf32>, tensor<1x2x32xf32>) -> (tensor<5x1x2x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return %y, %yh, %yc : tensor<5x1x2x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>
}

// -----

// A symbolic sequence: the loop runs to the run-time length and Y is sized by it. Reverse:
// step s reads and writes t = S - 1 - s. GRU without linear_before_reset: H [R_z R_r]^T + Rb
// (the bias broadcast as the product's init), r * H, then (r * H) R_h^T + Rb_h, then h'.
// sequence_lens: past its length an entry keeps h and writes zeros.
// CHECK-LABEL: func.func @gru_reverse
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c0 : tensor<?x3x48xf32>
// CHECK: %[[Y0:.*]] = tensor.empty(%[[S]]) : tensor<?x1x3x16xf32>
// CHECK: scf.for %[[STEP:.*]] = %{{.*}} to %[[S]] step
// CHECK: %[[LAST:.*]] = arith.subi %[[S]], %c1
// CHECK: %[[T:.*]] = arith.subi %[[LAST]], %[[STEP]]
// CHECK: %[[T64:.*]] = arith.index_cast %[[T]] : index to i64
// CHECK: %[[RZR:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0] [2, 16, 16] [1, 1, 1] : tensor<3x16x16xf32> to tensor<2x16x16xf32>
// CHECK: %[[BZR:.*]] = tensor.extract_slice %{{.*}}[0] [32] [1] : tensor<48xf32> to tensor<32xf32>
// CHECK: %[[BT:.*]] = tensor.expand_shape %[[BZR]] {{\[\[}}0, 1]] output_shape [2, 16]
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[BT]] : tensor<2x16xf32>) outs(%{{.*}} : tensor<3x2x16xf32>)
// CHECK: %[[ZR:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[RZR]] : tensor<3x16xf32>, tensor<2x16x16xf32>) outs(%[[INIT]] : tensor<3x2x16xf32>) {{.*}}kiln.schedule = {inner = array<i64: 3, 2, 16, 4>
// CHECK: %[[RH:.*]] = linalg.generic
// CHECK: math.exp
// CHECK: %[[CAND:.*]] = linalg.generic {{.*}} ins(%[[RH]], %{{.*}} : tensor<3x16xf32>, tensor<1x16x16xf32>)
// CHECK: %[[XZ:.*]] = tensor.extract_slice %arg0[%[[T]], 0, 0] [1, 3, 16]
// CHECK: linalg.generic {{.*}} ins(%[[XZ]], {{.*}}, %arg3 : {{.*}}tensor<3xi32>)
// CHECK: math.tanh
// CHECK: %[[LEN:.*]] = arith.extsi %{{.*}} : i32 to i64
// CHECK: %[[VALID:.*]] = arith.cmpi slt, %[[T64]], %[[LEN]] : i64
// CHECK: arith.select %[[VALID]]
// CHECK: arith.select %[[VALID]]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%[[T]], 0, 0, 0] [1, 1, 3, 16]
func.func @gru_reverse(%p: tensor<?x3x48xf32>, %r: tensor<1x3x16x16xf32>, %b: tensor<1x48xf32>, %lens: tensor<3xi32>) -> (tensor<?x1x3x16xf32>, tensor<1x3x16xf32>) {
  %y, %yh = kiln.recurrent gru %p, %r bias %b lens %lens {activation_alpha = array<f64: 0.0, 0.0>, activation_beta = array<f64: 0.0, 0.0>, activations = ["Sigmoid", "Tanh"], direction = "reverse"} : (tensor<?x3x48xf32>, tensor<1x3x16x16xf32>, tensor<1x48xf32>, tensor<3xi32>) -> (tensor<?x1x3x16xf32>, tensor<1x3x16xf32>)
  return %y, %yh : tensor<?x1x3x16xf32>, tensor<1x3x16xf32>
}

// -----

// Bidirectional: two loops, the second running backwards and carrying the first one's Y.
// CHECK-LABEL: func.func @rnn_bidirectional
// CHECK: %[[FWD:.*]]:3 = scf.for
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0, 0, 0] [1, 1, 1, 8]
// CHECK: %[[BWD:.*]]:3 = scf.for {{.*}} iter_args({{.*}}, %{{.*}} = %[[FWD]]#2)
// CHECK: arith.subi
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 1, 0, 0] [1, 1, 1, 8]
// CHECK: return %[[BWD]]#2
func.func @rnn_bidirectional(%p: tensor<4x1x16xf32>, %r: tensor<2x1x8x8xf32>) -> (tensor<4x2x1x8xf32>, tensor<2x1x8xf32>) {
  %y, %yh = kiln.recurrent rnn %p, %r {activation_alpha = array<f64: 0.0, 0.2>, activation_beta = array<f64: 0.0, 0.0>, activations = ["Relu", "LeakyRelu"], direction = "bidirectional"} : (tensor<4x1x16xf32>, tensor<2x1x8x8xf32>) -> (tensor<4x2x1x8xf32>, tensor<2x1x8xf32>)
  return %y, %yh : tensor<4x2x1x8xf32>, tensor<2x1x8xf32>
}
