// RUN: kiln-opt %s -split-input-file -kiln-cpu-vnni-gemm | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-cpu-codegen | FileCheck %s --check-prefix=LLVM

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// A target with AMX: M = 40 (32 rows on tiles, the last 8 in the VNNI kernel's blocks of 6
// and 2 rows), N = 48 (a block of 2 x 2 tiles, then one of 2 x 1), K = 72 (one step of 64 k
// on tiles; the last 8 k, 2 groups of 4, with vpdpbusd on the tiles' rows).
// CHECK-LABEL: func.func @tiles
// CHECK-DAG: %[[A:.*]] = bufferization.to_memref %arg0 read_only : memref<40x72xi8>
// CHECK-DAG: %[[B:.*]] = bufferization.to_memref %arg1 read_only : memref<1x18x256xi8>
// CHECK: scf.forall
// CHECK: %[[SCRATCH:.*]] = memref.alloca() {alignment = 64 : i64} : memref<32x32xi32>
// CHECK-COUNT-4: amx.tile_zero : vector<16x16xi32>
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %c64{{.*}} step %c64{{.*}} iter_args({{.*}}) -> (vector<16x16xi32>, vector<16x16xi32>, vector<16x16xi32>, vector<16x16xi32>)
// CHECK: amx.tile_load %[[A]][%{{.*}}, %[[K]]] : memref<40x72xi8> into vector<16x64xi8>
// CHECK: amx.tile_load %[[A]]
// CHECK: amx.tile_load %[[B]][%{{.*}}, %{{.*}}, %c0{{.*}}] : memref<1x18x256xi8> into vector<16x64xi8>
// CHECK: amx.tile_load %[[B]][%{{.*}}, %{{.*}}, %c64{{.*}}]
// CHECK-COUNT-4: amx.tile_muli %{{.*}} zext, %{{.*}}, %{{.*}} : vector<16x64xi8>, vector<16x64xi8>, vector<16x16xi32>
// CHECK: scf.yield
// CHECK-COUNT-4: amx.tile_store %[[SCRATCH]]
// The tiles' rows, 4 per trip: k 64..71 in two vpdpbusd steps (B's k groups 16 and 17) per
// 16 columns.
// CHECK: scf.for %{{.*}} = %{{.*}} to %c32{{.*}} step %c4
// CHECK: vector.transfer_read %[[SCRATCH]]
// CHECK: vector.transfer_read %[[B]][%{{.*}}, %c16{{.*}}, %c0{{.*}}]
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: vector.transfer_read %[[B]][%{{.*}}, %c17{{.*}}, %c0{{.*}}]
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: vector.transfer_write
// CHECK: vector.transfer_read %[[SCRATCH]]
// CHECK: vector.transfer_write
// The last 16 columns (B's bytes 128..191 of each row): one column of tiles.
// CHECK-COUNT-2: amx.tile_zero
// CHECK: amx.tile_load %[[B]][%{{.*}}, %{{.*}}, %c128{{.*}}]
// CHECK-COUNT-2: amx.tile_muli
// CHECK-COUNT-2: amx.tile_store %[[SCRATCH]]
// The 8 rows past the tiles: the VNNI kernel, 6 rows x 3 vectors per step of 4 k, then 2 rows.
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xi32>,
// CHECK-COUNT-18: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xi32>,
// CHECK-COUNT-6: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT: amx.
// CHECK: tensor.parallel_insert_slice
// LLVM-LABEL: llvm.func @tiles
// LLVM: llvm.alloca
// LLVM: amx.tilezero
// LLVM: amx.tileloadd64
// LLVM: amx.tdpbusd
// LLVM: amx.tilestored64
module attributes {kiln.target = {cpu = "sapphirerapids", isa = ["avx512vnni", "amx-tile", "amx-int8"], vector_bits = 512 : i64, vector_registers = 32 : i64}} {
func.func @tiles(%a: tensor<40x72xi8>, %b: tensor<1x18x256xi8>) -> tensor<40x48xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<40x48xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<40x48xi32>) -> tensor<40x48xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<40x72xi8>, tensor<1x18x256xi8>) outs(%init : tensor<40x48xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<40x48xi32>
  return %r : tensor<40x48xi32>
}
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// A K shorter than a step (60) and a run-time M stay on the VNNI kernel, as does every GEMM
// of a target without AMX.
// CHECK-LABEL: func.func @vnni_only
// CHECK-NOT: amx.
// CHECK-NOT: bufferization.to_memref
// CHECK: return
// LLVM-LABEL: llvm.func @vnni_only
// LLVM-NOT: amx.
// LLVM: llvm.return
module attributes {kiln.target = {cpu = "sapphirerapids", isa = ["avx512vnni", "amx-tile", "amx-int8"], vector_bits = 512 : i64, vector_registers = 32 : i64}} {
func.func @vnni_only(%a2: tensor<40x60xi8>, %b2: tensor<1x15x256xi8>, %a3: tensor<?x64xi8>, %b3: tensor<1x16x256xi8>) -> (tensor<40x64xi32>, tensor<?x64xi32>) {
  %zero = arith.constant 0 : i32
  %e2 = tensor.empty() : tensor<40x64xi32>
  %init2 = linalg.fill ins(%zero : i32) outs(%e2 : tensor<40x64xi32>) -> tensor<40x64xi32>
  %r2 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a2, %b2 : tensor<40x60xi8>, tensor<1x15x256xi8>) outs(%init2 : tensor<40x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<40x64xi32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a3, %c0 : tensor<?x64xi8>
  %e3 = tensor.empty(%m) : tensor<?x64xi32>
  %init3 = linalg.fill ins(%zero : i32) outs(%e3 : tensor<?x64xi32>) -> tensor<?x64xi32>
  %r3 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a3, %b3 : tensor<?x64xi8>, tensor<1x16x256xi8>) outs(%init3 : tensor<?x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<?x64xi32>
  return %r2, %r3 : tensor<40x64xi32>, tensor<?x64xi32>
}
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @no_amx_target
// CHECK-NOT: amx.
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT: amx.
// CHECK: return
module attributes {kiln.target = {cpu = "icelake-server", isa = ["avx512vnni"], vector_bits = 512 : i64, vector_registers = 32 : i64}} {
func.func @no_amx_target(%a: tensor<40x64xi8>, %b: tensor<1x16x256xi8>) -> tensor<40x64xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<40x64xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<40x64xi32>) -> tensor<40x64xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<40x64xi8>, tensor<1x16x256xi8>) outs(%init : tensor<40x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<40x64xi32>
  return %r : tensor<40x64xi32>
}
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// N = 40, no whole number of tiles: the last tile's columns 40..47 are the panel's zero
// padding, computed on the tiles and not written (the row's last vector written masked).
// CHECK-LABEL: func.func @partial_columns
// CHECK-COUNT-4: amx.tile_zero
// CHECK: scf.for {{.*}} -> (tensor<40x40xi32>)
// CHECK: vector.transfer_write %{{.*}}[%{{.*}}, %c0{{.*}}] {in_bounds = [true]} : vector<16xi32>, tensor<40x40xi32>
// CHECK: vector.transfer_write %{{.*}}[%{{.*}}, %c16{{.*}}] {in_bounds = [true]} : vector<16xi32>, tensor<40x40xi32>
// CHECK-COUNT-2: amx.tile_zero
// CHECK: amx.tile_load %{{.*}}[%{{.*}}, %{{.*}}, %c128{{.*}}] : memref<1x18x256xi8> into vector<16x64xi8>
// CHECK: scf.for {{.*}} -> (tensor<40x40xi32>)
// CHECK: vector.transfer_write %{{.*}}[%{{.*}}, %c32{{[_0-9]*}}] : vector<16xi32>, tensor<40x40xi32>
module attributes {kiln.target = {cpu = "sapphirerapids", isa = ["avx512vnni", "amx-tile", "amx-int8"], vector_bits = 512 : i64, vector_registers = 32 : i64}} {
func.func @partial_columns(%a: tensor<40x72xi8>, %b: tensor<1x18x256xi8>) -> tensor<40x40xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<40x40xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<40x40xi32>) -> tensor<40x40xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<40x72xi8>, tensor<1x18x256xi8>) outs(%init : tensor<40x40xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<40x40xi32>
  return %r : tensor<40x40xi32>
}
}
