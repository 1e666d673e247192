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

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#once = affine_map<(d0, d1) -> ()>

// The requantization after the GEMM (a per-column scale, a rank-0 zero point, a scalar from
// above, a residual read per element) runs on the sums in registers: K = 40 is one block,
// no i32 tensor at all; each 16-column vector of a row goes through the body's ops on
// vectors and is stored as 16 bytes. The 6-column panel reads its columns masked.
// CHECK-LABEL: func.func @requantized
// CHECK-NOT: linalg.generic
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 1) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<7x70xi8>)
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: vector.transfer_read %arg2[%{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<70xf32>, vector<16xf32>
// CHECK: arith.mulf %{{.*}} : vector<16xf32>
// CHECK: vector.transfer_read %arg3[%{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<7x70xf32>, vector<16xf32>
// CHECK: math.roundeven %{{.*}} : vector<16xf32>
// CHECK: arith.fptoui %{{.*}} : vector<16xf32> to vector<16xi8>
// CHECK: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<16xi8>, tensor<7x64xi8>
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 1) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<7x70xi8>)
// CHECK: vector.transfer_read %arg2[%{{.*}}], %{{.*}} : tensor<70xf32>, vector<16xf32>
// CHECK: vector.transfer_write %{{.*}} : vector<16xi8>, tensor<7x6xi8>
func.func @requantized(%a: tensor<7x40xi8>, %b: tensor<2x10x256xi8>, %scale: tensor<70xf32>, %res: tensor<7x70xf32>, %zp: tensor<f32>, %inv: f32) -> tensor<7x70xi8> {
  %zero = arith.constant 0 : i32
  %lo = arith.constant 0.0 : f32
  %hi = arith.constant 255.0 : f32
  %e = tensor.empty() : tensor<7x70xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<7x70xi32>) -> tensor<7x70xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<7x40xi8>, tensor<2x10x256xi8>) outs(%init : tensor<7x70xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<7x70xi32>
  %o = tensor.empty() : tensor<7x70xi8>
  %q = linalg.generic {indexing_maps = [#id, #col, #id, #once, #id], iterator_types = ["parallel", "parallel"]} ins(%r, %scale, %res, %zp : tensor<7x70xi32>, tensor<70xf32>, tensor<7x70xf32>, tensor<f32>) outs(%o : tensor<7x70xi8>) {
  ^bb0(%s: i32, %sc: f32, %rs: f32, %z: f32, %out: i8):
    %0 = arith.sitofp %s : i32 to f32
    %1 = arith.mulf %0, %sc : f32
    %2 = arith.addf %1, %rs : f32
    %3 = arith.mulf %2, %inv : f32
    %4 = math.roundeven %3 : f32
    %5 = arith.addf %4, %z : f32
    %6 = arith.maximumf %5, %lo : f32
    %7 = arith.minimumf %6, %hi : f32
    %8 = arith.fptoui %7 : f32 to i8
    linalg.yield %8 : i8
  } -> tensor<7x70xi8>
  return %q : tensor<7x70xi8>
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#row1 = affine_map<(d0, d1) -> (d0, 0)>

// Operands read per row, as [M] or [M, 1] (the activations' row sums that shifted weights
// add), are part of the epilogue: one value per row broadcast to the lanes; no generic and no
// i32 tensor after the GEMM.
// CHECK-LABEL: func.func @per_row_epilogue
// CHECK: scf.forall
// CHECK: %[[R:.*]] = tensor.extract %arg2[%[[ROW:.*]]] : tensor<7xi32>
// CHECK: vector.broadcast %[[R]] : i32 to vector<16xi32>
// CHECK: %[[S:.*]] = tensor.extract %arg3[%[[ROW]], %{{.*}}] : tensor<7x1xi32>
// CHECK: vector.broadcast %[[S]] : i32 to vector<16xi32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @per_row_epilogue(%a: tensor<7x40xi8>, %b: tensor<1x10x256xi8>, %r: tensor<7xi32>, %r1: tensor<7x1xi32>) -> tensor<7x64xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<7x64xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<7x64xi32>) -> tensor<7x64xi32>
  %g = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<7x40xi8>, tensor<1x10x256xi8>) outs(%init : tensor<7x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<7x64xi32>
  %o = tensor.empty() : tensor<7x64xi32>
  %s = linalg.generic {indexing_maps = [#id, #row, #row1, #id], iterator_types = ["parallel", "parallel"]} ins(%g, %r, %r1 : tensor<7x64xi32>, tensor<7xi32>, tensor<7x1xi32>) outs(%o : tensor<7x64xi32>) {
  ^bb0(%v: i32, %x: i32, %y: i32, %out: i32):
    %0 = arith.subi %v, %x : i32
    %1 = arith.addi %0, %y : i32
    linalg.yield %1 : i32
  } -> tensor<7x64xi32>
  return %s : tensor<7x64xi32>
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#t = affine_map<(d0, d1) -> (d1, d0)>

// A consumer that reads an operand transposed is no epilogue the kernel applies: the GEMM
// writes its i32 sums and the generic stays after it.
// CHECK-LABEL: func.func @transposed_consumer
// CHECK: %[[G:.*]] = scf.forall {{.*}} -> (tensor<7x64xi32>)
// CHECK: linalg.generic {{.*}} ins(%[[G]], %arg2 : tensor<7x64xi32>, tensor<64x7xi32>)
func.func @transposed_consumer(%a: tensor<7x40xi8>, %b: tensor<1x10x256xi8>, %t: tensor<64x7xi32>) -> tensor<7x64xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<7x64xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<7x64xi32>) -> tensor<7x64xi32>
  %g = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<7x40xi8>, tensor<1x10x256xi8>) outs(%init : tensor<7x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<7x64xi32>
  %o = tensor.empty() : tensor<7x64xi32>
  %s = linalg.generic {indexing_maps = [#id, #t, #id], iterator_types = ["parallel", "parallel"]} ins(%g, %t : tensor<7x64xi32>, tensor<64x7xi32>) outs(%o : tensor<7x64xi32>) {
  ^bb0(%v: i32, %x: i32, %out: i32):
    %0 = arith.subi %v, %x : i32
    linalg.yield %0 : i32
  } -> tensor<7x64xi32>
  return %s : tensor<7x64xi32>
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// M known at run time only (the rows of a conv over symbolic image dims): the chunks of rows
// are computed in code from M (blocks of 6 rows, at most 16 tasks, at least 4 blocks per
// chunk), each chunk's rows min(rowsEach, M - row0); its full blocks of 6 rows run the 6-row
// micro-kernel, the rest of its rows the 1-row one.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK: linalg.fill
// CHECK: %[[M:.*]] = tensor.dim %arg0
// CHECK: tensor.empty(%[[M]]) : tensor<?x64xi32>
// CHECK: arith.ceildivui %[[M]], %c6
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %[[M]]
// CHECK: scf.forall (%[[C:.*]], %{{.*}}) in (%[[CHUNKS]], 1)
// CHECK: %[[LEFT:.*]] = arith.subi %[[M]], %{{.*}}
// CHECK: %[[ROWS:.*]] = arith.minui %{{.*}}, %[[LEFT]]
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, %{{.*}}] [%[[ROWS]], 64] [1, 1] : tensor<?x64xi32> to tensor<?x64xi32>
// CHECK: scf.for
// CHECK-COUNT-24: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[ROWS]] step
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT: llvm.call_intrinsic
// CHECK: tensor.parallel_insert_slice
func.func @dynamic_rows(%a: tensor<?x8xi8>, %b: tensor<1x2x256xi8>) -> tensor<?x64xi32> {
  %zero = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x8xi8>
  %e = tensor.empty(%m) : tensor<?x64xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<?x64xi32>) -> tensor<?x64xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<?x8xi8>, tensor<1x2x256xi8>) outs(%init : tensor<?x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<?x64xi32>
  return %r : tensor<?x64xi32>
}

// -----

#a = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 floordiv 16, d3)>
#b = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 16 + (d1 mod 16) floordiv 64, d2 * 2 + d3 floordiv 4, ((d1 mod 16) mod 64) * 4 + d3 mod 4)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1)>

// A grouped GEMM (kiln.matmul_int8 {groups = [2, 8]}: A [M, 9 taps, 2 groups, 8 channels],
// 16 columns per group, each group's B one panel): both groups in one task (side by side,
// 32 columns), each row block running group 0 then group 1 on its own [rows, 16] part of
// the tiles; A's 4 bytes read at (row, tap, group, channel).
// CHECK-LABEL: func.func @grouped
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 1) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<36x32xi32>)
// CHECK: tensor.extract_slice %[[OUT]][%{{.*}}, %{{.*}}] [36, 32] [1, 1]
// CHECK: scf.for %[[M0:.*]] = %{{.*}} to %c32 step %c16
// CHECK: scf.for %[[G:.*]] = %{{.*}} to %c2
// CHECK: tensor.extract_slice %{{.*}}[%[[M0]], %{{.*}}] [16, 16] [1, 1] : tensor<36x32xi32> to tensor<16x16xi32>
// CHECK: vector.transfer_read %arg1[%{{.*}}, %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<2x18x256xi8>, vector<64xi8>
// CHECK: vector.transfer_read %arg0[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<36x9x2x8xi8>, vector<4xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%[[M0]], %{{.*}}] [16, 16] [1, 1] : tensor<16x16xi32> into tensor<36x32xi32>
// CHECK: tensor.parallel_insert_slice
// CHECK-NOT: linalg.generic
func.func @grouped(%a: tensor<36x9x2x8xi8>, %b: tensor<2x18x256xi8>) -> tensor<36x32xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<36x32xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<36x32xi32>) -> tensor<36x32xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %b : tensor<36x9x2x8xi8>, tensor<2x18x256xi8>) outs(%init : tensor<36x32xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<36x32xi32>
  return %r : tensor<36x32xi32>
}

// -----

#a = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 floordiv 4, d3)>
#b = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 64, d2 + d3 floordiv 4, (d1 mod 64) * 4 + d3 mod 4)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1)>

// Groups sharing vectors (kiln.matmul_int8 {groups = [4, 4]}: 4 groups of 4 channels and 4
// columns, B packed as the dense [36, 16]): A read as its [M, 144] rows; per row and step,
// the 4 groups' words of the tap (16 bytes) loaded at once and each shuffled to its group's
// 4 lanes.
// CHECK-LABEL: func.func @groups_share_vectors
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0], [1, 2, 3]] : tensor<36x9x4x4xi8> into tensor<36x144xi8>
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 1)
// CHECK: vector.transfer_read %arg1[%{{.*}}, %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x9x256xi8>, vector<64xi8>
// CHECK: vector.transfer_read %[[ROWS]][%{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<36x144xi8>, vector<16xi8>
// CHECK: vector.bitcast %{{.*}} : vector<16xi8> to vector<4xi32>
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3] : vector<4xi32>, vector<4xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT: linalg.generic
func.func @groups_share_vectors(%a: tensor<36x9x4x4xi8>, %b: tensor<1x9x256xi8>) -> tensor<36x16xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<36x16xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<36x16xi32>) -> tensor<36x16xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %b : tensor<36x9x4x4xi8>, tensor<1x9x256xi8>) outs(%init : tensor<36x16xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<36x16xi32>
  return %r : tensor<36x16xi32>
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// Few rows (49) over a long K (260 steps of 4 k) with an epilogue stream their panels from
// memory: k in blocks of 128 steps, the sums kept in an i32 tensor between blocks, the
// epilogue after the last (kiln-cpu-prefetch-weight-panels then fetches each next block).
// CHECK-LABEL: func.func @streamed_panels
// CHECK: scf.forall {{.*}} -> (tensor<49x64xi32>, tensor<49x64xi32>)
// CHECK: scf.for %[[KB:.*]] = %c128 to %c256 step %c128
// CHECK: scf.for %{{.*}} = %[[KB]] to %{{.*}} step
// CHECK: arith.addi %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: return
func.func @streamed_panels(%a: tensor<49x1040xi8>, %b: tensor<1x260x256xi8>, %r: tensor<49x64xi32>) -> tensor<49x64xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<49x64xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<49x64xi32>) -> tensor<49x64xi32>
  %g = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<49x1040xi8>, tensor<1x260x256xi8>) outs(%init : tensor<49x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<49x64xi32>
  %o = tensor.empty() : tensor<49x64xi32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%g, %r : tensor<49x64xi32>, tensor<49x64xi32>) outs(%o : tensor<49x64xi32>) {
  ^bb0(%v: i32, %x: i32, %out: i32):
    %0 = arith.addi %v, %x : i32
    linalg.yield %0 : i32
  } -> tensor<49x64xi32>
  return %s : tensor<49x64xi32>
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// The same product over 200 rows: each panel is reused by enough row blocks; one block over
// all of K, the sums in registers until the epilogue.
// CHECK-LABEL: func.func @reused_panels
// CHECK: scf.forall {{.*}} -> (tensor<200x64xi32>) {
// CHECK-NOT: step %c128
// CHECK: return
func.func @reused_panels(%a: tensor<200x1040xi8>, %b: tensor<1x260x256xi8>, %r: tensor<200x64xi32>) -> tensor<200x64xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<200x64xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<200x64xi32>) -> tensor<200x64xi32>
  %g = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<200x1040xi8>, tensor<1x260x256xi8>) outs(%init : tensor<200x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<200x64xi32>
  %o = tensor.empty() : tensor<200x64xi32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%g, %r : tensor<200x64xi32>, tensor<200x64xi32>) outs(%o : tensor<200x64xi32>) {
  ^bb0(%v: i32, %x: i32, %out: i32):
    %0 = arith.addi %v, %x : i32
    linalg.yield %0 : i32
  } -> tensor<200x64xi32>
  return %s : tensor<200x64xi32>
}
