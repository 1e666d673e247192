// RUN: kiln-opt %s -split-input-file -kiln-cpu-vnni-gemm -verify-diagnostics | FileCheck %s

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// M = 7 (one block of 6 rows + a row), N = 70 (a full 64-column panel + a 6-column panel,
// written masked, each one task of the threads), K = 37 (9 groups of 4 k + a partial group
// read with zero padding). No target attribute: the AVX-512 VNNI machine the tests assume.
// CHECK-LABEL: func.func @gemm
// CHECK-NOT: linalg.generic
// CHECK: scf.forall (%{{.*}}, %[[P:.*]]) in (1, 1) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<7x70xi32>)
// CHECK: %[[B:.*]] = arith.addi %[[P]], %c0
// CHECK: tensor.extract_slice %[[OUT]][%{{.*}}, %{{.*}}] [7, 64] [1, 1]
// CHECK: scf.for
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xi32>,
// CHECK: vector.transfer_read %arg1[%[[B]], %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<2x10x256xi8>, vector<64xi8>
// CHECK: vector.bitcast %{{.*}} : vector<64xi8> to vector<16xi32>
// CHECK: vector.transfer_read %arg0{{.*}} {in_bounds = [true]} : tensor<7x37xi8>, vector<4xi8>
// CHECK: vector.broadcast %{{.*}} : i32 to vector<16xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xi32>, vector<16xi32>, vector<16xi32>) -> vector<16xi32>
// The partial group of k: A read past K reads zeros.
// CHECK: vector.transfer_read %arg0{{.*}} : tensor<7x37xi8>, vector<4xi8>
// CHECK: tensor.parallel_insert_slice
// The 6-column panel (B's panel 1): one vector per row, written masked (not in bounds).
// CHECK: scf.forall (%{{.*}}, %[[P1:.*]]) in (1, 1)
// CHECK: arith.addi %[[P1]], %c1
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, %{{.*}}] [7, 6] [1, 1]
// CHECK: vector.transfer_write %{{.*}} : vector<16xi32>, tensor<7x6xi32>
// CHECK: tensor.parallel_insert_slice %{{.*}}[%{{.*}}, %{{.*}}] [7, 6] [1, 1]
func.func @gemm(%a: tensor<7x37xi8>, %b: tensor<2x10x256xi8>) -> tensor<7x70xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<7x70xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<7x70xi32>) -> tensor<7x70xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<7x37xi8>, tensor<2x10x256xi8>) outs(%init : tensor<7x70xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<7x70xi32>
  return %r : tensor<7x70xi32>
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// One 64-column panel of M = 100 rows is split into row chunks, so two threads share it:
// 17 blocks of 6 rows in 4 chunks of 30 rows (5 blocks), the last one 10 rows (a block and
// the matrix's last 4 rows, only in that chunk).
// CHECK-LABEL: func.func @row_chunks
// CHECK: scf.forall (%[[C:.*]], %{{.*}}) in (4, 1)
// CHECK: %[[ROW0:.*]] = arith.muli %[[C]], %c30
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %[[C]], %c3
// CHECK: %[[ROWS:.*]] = arith.select %[[LAST]], %c10, %c30
// CHECK: %[[FULL:.*]] = arith.select %[[LAST]], %c6, %c30
// CHECK: tensor.extract_slice %{{.*}}[%[[ROW0]], %{{.*}}] [%[[ROWS]], 64] [1, 1] : tensor<100x64xi32> to tensor<?x64xi32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[FULL]] step %c6
// CHECK: %[[ONCE:.*]] = arith.select %[[LAST]], %c1{{.*}}, %c0{{.*}} : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[ONCE]] step %{{.*}} iter_args(%{{.*}}) -> (tensor<?x64xi32>)
// The tail: 4 rows x 4 vectors of columns per step of 4 k.
// CHECK-COUNT-16: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT: llvm.call_intrinsic
// CHECK: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%[[ROW0]], %{{.*}}] [%[[ROWS]], 64] [1, 1]
func.func @row_chunks(%a: tensor<100x8xi8>, %b: tensor<1x2x256xi8>) -> tensor<100x64xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<100x64xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<100x64xi32>) -> tensor<100x64xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<100x8xi8>, tensor<1x2x256xi8>) outs(%init : tensor<100x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<100x64xi32>
  return %r : tensor<100x64xi32>
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// A target without avx512vnni (x86-64-v4): the generic stays, and the compiler says so.
// CHECK-LABEL: func.func @no_vnni
// CHECK: linalg.generic
// CHECK-NOT: llvm.call_intrinsic
module attributes {kiln.target = {cpu = "x86-64-v4", isa = ["avx2", "avx512f", "avx512bw"], vector_bits = 512 : i64, vector_registers = 32 : i64}} {
  func.func @no_vnni(%a: tensor<4x8xi8>, %b: tensor<1x2x256xi8>) -> tensor<4x16xi32> {
    %zero = arith.constant 0 : i32
    %e = tensor.empty() : tensor<4x16xi32>
    %init = linalg.fill ins(%zero : i32) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
    // expected-warning @+1 {{kiln: the target has no AVX-512 VNNI: this int8 GEMM runs as scalar integer loops}}
    %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<4x8xi8>, tensor<1x2x256xi8>) outs(%init : tensor<4x16xi32>) attrs = {kiln.int8_gemm} {
    ^bb0(%x: i8, %w: i8, %acc: i32):
      %0 = arith.extui %x : i8 to i32
      %1 = arith.extsi %w : i8 to i32
      %2 = arith.muli %0, %1 : i32
      %3 = arith.addi %acc, %2 : i32
      linalg.yield %3 : i32
    } -> tensor<4x16xi32>
    return %r : tensor<4x16xi32>
  }
}
