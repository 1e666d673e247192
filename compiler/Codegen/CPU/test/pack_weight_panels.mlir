// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-pack-weight-panels))' | FileCheck %s

// A weight read in [4, 64] blocks at columns stepping by 64 becomes panels [N / 64, K, 64]:
// each block is read at [n / 64, k, 0], and the function records the argument, the width and
// the group (N: no groups).
// CHECK-LABEL: func @panels
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<2x8x64xf32>
// CHECK-NOT: kiln.weight
// CHECK-SAME: kiln.packed_args = array<i64: 1, 64, 128>
// CHECK: scf.forall (%[[N:.*]]) = (0) to (128) step (64)
// CHECK: %[[P:.*]] = arith.divui %[[N]], %c64
// CHECK: vector.transfer_read %[[B]][%[[P]], %{{.*}}, %{{.*}}]{{.*}} : memref<2x8x64xf32>, vector<4x64xf32>
func.func @panels(%a: memref<6x8xf32>, %b: memref<8x128xf32> {kiln.weight}, %c: memref<6x128xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %f0 = arith.constant 0.0 : f32
  scf.forall (%n) = (0) to (128) step (64) {
    %acc = vector.transfer_read %c[%c0, %n], %f0 {in_bounds = [true, true]} : memref<6x128xf32>, vector<6x64xf32>
    %r = scf.for %k = %c0 to %c8 step %c4 iter_args(%x = %acc) -> (vector<6x64xf32>) {
      %va = vector.transfer_read %a[%c0, %k], %f0 {in_bounds = [true, true]} : memref<6x8xf32>, vector<6x4xf32>
      %vb = vector.transfer_read %b[%k, %n], %f0 {in_bounds = [true, true]} : memref<8x128xf32>, vector<4x64xf32>
      %y = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %x : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
      scf.yield %y : vector<6x64xf32>
    }
    vector.transfer_write %r, %c[%c0, %n] {in_bounds = [true, true]} : vector<6x64xf32>, memref<6x128xf32>
  }
  return
}

// -----

// Batched weights (Winograd's transformed filters): [B, K, N] → [B, N / 64, K, 64], the
// [1, 4, 64] block read as [4, 64] and reshaped.
// CHECK-LABEL: func @batched
// CHECK-SAME: memref<2x2x8x64xf32>
// CHECK-SAME: kiln.packed_args = array<i64: 1, 64, 128>
// CHECK: %[[R:.*]] = vector.transfer_read {{.*}} : memref<2x2x8x64xf32>, vector<4x64xf32>
// CHECK: vector.shape_cast %[[R]] : vector<4x64xf32> to vector<1x4x64xf32>
func.func @batched(%a: memref<2x6x8xf32>, %b: memref<2x8x128xf32> {kiln.weight}, %c: memref<2x6x128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %f0 = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c2 step %c1 {
    scf.for %n = %c0 to %c128 step %c64 {
      %acc = vector.transfer_read %c[%i, %c0, %n], %f0 {in_bounds = [true, true, true]} : memref<2x6x128xf32>, vector<1x6x64xf32>
      %r = scf.for %k = %c0 to %c8 step %c4 iter_args(%x = %acc) -> (vector<1x6x64xf32>) {
        %va = vector.transfer_read %a[%i, %c0, %k], %f0 {in_bounds = [true, true, true]} : memref<2x6x8xf32>, vector<1x6x4xf32>
        %vb = vector.transfer_read %b[%i, %k, %n], %f0 {in_bounds = [true, true, true]} : memref<2x8x128xf32>, vector<1x4x64xf32>
        %y = vector.contract {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %x : vector<1x6x4xf32>, vector<1x4x64xf32> into vector<1x6x64xf32>
        scf.yield %y : vector<1x6x64xf32>
      }
      vector.transfer_write %r, %c[%i, %c0, %n] {in_bounds = [true, true, true]} : vector<1x6x64xf32>, memref<2x6x128xf32>
    }
  }
  return
}

// -----

// Left as they are: an argument not marked as a weight (a value another kernel computes);
// a column that is not provably a multiple of the width; a block as wide as the matrix (its
// rows are contiguous already).
// CHECK-LABEL: func @unpacked
// CHECK-SAME: memref<8x128xf32>, %{{.*}}: memref<8x128xf32>, %{{.*}}: memref<8x64xf32>
// CHECK-NOT: kiln.packed_args
// CHECK-NOT: arith.divui
func.func @unpacked(%a: memref<6x8xf32>, %b0: memref<8x128xf32>, %b1: memref<8x128xf32> {kiln.weight},
                    %b3: memref<8x64xf32> {kiln.weight}, %col: index, %c: memref<6x64xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %f0 = arith.constant 0.0 : f32
  %acc = vector.transfer_read %c[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<6x64xf32>, vector<6x64xf32>
  %va = vector.transfer_read %a[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<6x8xf32>, vector<6x4xf32>
  %v0 = vector.transfer_read %b0[%c4, %c64], %f0 {in_bounds = [true, true]} : memref<8x128xf32>, vector<4x64xf32>
  %v1 = vector.transfer_read %b1[%c4, %col], %f0 {in_bounds = [true, true]} : memref<8x128xf32>, vector<4x64xf32>
  %v3 = vector.transfer_read %b3[%c4, %c0], %f0 {in_bounds = [true, true]} : memref<8x64xf32>, vector<4x64xf32>
  %y0 = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %v0, %acc : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
  %y1 = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %v1, %y0 : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
  %y3 = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %v3, %y1 : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
  vector.transfer_write %y3, %c[%c0, %c0] {in_bounds = [true, true]} : vector<6x64xf32>, memref<6x64xf32>
  return
}

// -----

// Register tiles of two widths (N = 96 as 64 + 32): panels of 32 columns, the gcd; the
// 64-wide block reads two panels side by side, the 32-wide one one.
// CHECK-LABEL: func @mixed_widths
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<3x8x32xf32>
// CHECK-SAME: kiln.packed_args = array<i64: 1, 32, 96>
// CHECK: %[[P0:.*]] = vector.transfer_read %[[B]][%c0{{.*}}, %c4, %c0{{.*}}]{{.*}} : memref<3x8x32xf32>, vector<4x32xf32>
// CHECK: %[[H:.*]] = vector.insert_strided_slice %[[P0]], %{{.*}} {offsets = [0, 0], strides = [1, 1]} : vector<4x32xf32> into vector<4x64xf32>
// CHECK: %[[P1:.*]] = vector.transfer_read %[[B]][%c1{{.*}}, %c4, %c0{{.*}}]{{.*}} : memref<3x8x32xf32>, vector<4x32xf32>
// CHECK: %[[W:.*]] = vector.insert_strided_slice %[[P1]], %[[H]] {offsets = [0, 32], strides = [1, 1]} : vector<4x32xf32> into vector<4x64xf32>
// CHECK: vector.contract {{.*}} %[[W]]
// CHECK: %[[T:.*]] = vector.transfer_read %[[B]][%c2{{.*}}, %c4, %c0{{.*}}]{{.*}} : memref<3x8x32xf32>, vector<4x32xf32>
// CHECK: vector.contract {{.*}} %[[T]]
func.func @mixed_widths(%a: memref<6x8xf32>, %b: memref<8x96xf32> {kiln.weight}, %c: memref<6x96xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %f0 = arith.constant 0.0 : f32
  %va = vector.transfer_read %a[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<6x8xf32>, vector<6x4xf32>
  %acc = vector.transfer_read %c[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<6x96xf32>, vector<6x64xf32>
  %wide = vector.transfer_read %b[%c4, %c0], %f0 {in_bounds = [true, true]} : memref<8x96xf32>, vector<4x64xf32>
  %y = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %wide, %acc : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
  %acc2 = vector.transfer_read %c[%c0, %c64], %f0 {in_bounds = [true, true]} : memref<6x96xf32>, vector<6x32xf32>
  %tail = vector.transfer_read %b[%c4, %c64], %f0 {in_bounds = [true, true]} : memref<8x96xf32>, vector<4x32xf32>
  %y2 = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %tail, %acc2 : vector<6x4xf32>, vector<4x32xf32> into vector<6x32xf32>
  vector.transfer_write %y, %c[%c0, %c0] {in_bounds = [true, true]} : vector<6x64xf32>, memref<6x96xf32>
  vector.transfer_write %y2, %c[%c0, %c64] {in_bounds = [true, true]} : vector<6x32xf32>, memref<6x96xf32>
  return
}

// -----

// Tasks of 200 columns (N = 400), each 3 register tiles of 64 and one of 8: panels of 16 in
// groups of 200 columns, 13 per group (the 13th holds 8 columns and 8 zeros). The 64-wide
// blocks read 4 panels from (n / 200) * 13 + j / 16, the 8-wide one the first 8 columns of
// panel (n / 200) * 13 + 12.
// CHECK-LABEL: func @task_groups
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<26x8x16xf32>
// CHECK-SAME: kiln.packed_args = array<i64: 1, 16, 200>
// CHECK: scf.forall (%[[N:.*]]) = (0) to (400) step (200)
// CHECK: scf.for %[[J:.*]] = %c0 to %c192 step %c64
// CHECK: %[[G:.*]] = arith.divui %[[N]], %c200
// CHECK: %[[G13:.*]] = arith.muli %[[G]], %c13
// CHECK: %[[L:.*]] = arith.divui %[[J]], %c16
// CHECK: %[[P:.*]] = arith.addi %[[G13]], %[[L]]
// CHECK: vector.transfer_read %[[B]][%[[P]], %{{.*}}, %c0{{.*}}]{{.*}} : memref<26x8x16xf32>, vector<4x16xf32>
// CHECK: %[[P1:.*]] = arith.addi %[[P]], %c1
// CHECK: vector.transfer_read %[[B]][%[[P1]], %{{.*}}, %c0{{.*}}]{{.*}} : memref<26x8x16xf32>, vector<4x16xf32>
// CHECK-COUNT-2: vector.transfer_read %[[B]]
// CHECK: %[[TG:.*]] = arith.divui %[[N]], %c200
// CHECK: %[[TG13:.*]] = arith.muli %[[TG]], %c13
// CHECK: %[[T:.*]] = arith.addi %[[TG13]], %c12
// CHECK: vector.transfer_read %[[B]][%[[T]], %{{.*}}, %c0{{.*}}]{{.*}} : memref<26x8x16xf32>, vector<4x8xf32>
func.func @task_groups(%a: memref<6x8xf32>, %b: memref<8x400xf32> {kiln.weight}, %c: memref<6x400xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c192 = arith.constant 192 : index
  %f0 = arith.constant 0.0 : f32
  scf.forall (%n) = (0) to (400) step (200) {
    %va = vector.transfer_read %a[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<6x8xf32>, vector<6x4xf32>
    scf.for %j = %c0 to %c192 step %c64 {
      %col = arith.addi %n, %j : index
      %acc = vector.transfer_read %c[%c0, %col], %f0 {in_bounds = [true, true]} : memref<6x400xf32>, vector<6x64xf32>
      %vb = vector.transfer_read %b[%c4, %col], %f0 {in_bounds = [true, true]} : memref<8x400xf32>, vector<4x64xf32>
      %y = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %acc : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
      vector.transfer_write %y, %c[%c0, %col] {in_bounds = [true, true]} : vector<6x64xf32>, memref<6x400xf32>
    }
    %last = arith.addi %n, %c192 : index
    %acc2 = vector.transfer_read %c[%c0, %last], %f0 {in_bounds = [true, true]} : memref<6x400xf32>, vector<6x8xf32>
    %tail = vector.transfer_read %b[%c4, %last], %f0 {in_bounds = [true, true]} : memref<8x400xf32>, vector<4x8xf32>
    %y2 = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %tail, %acc2 : vector<6x4xf32>, vector<4x8xf32> into vector<6x8xf32>
    vector.transfer_write %y2, %c[%c0, %last] {in_bounds = [true, true]} : vector<6x8xf32>, memref<6x400xf32>
  }
  return
}

// -----

// Not in groups: a block that would run past its task's 200 columns (16 wide at 192), and a
// block at a column of the task that is no multiple of 16 (at 8).
// CHECK-LABEL: func @not_in_task
// CHECK-NOT: kiln.packed_args
func.func @not_in_task(%a: memref<6x8xf32>, %b: memref<8x400xf32> {kiln.weight},
                       %b2: memref<8x400xf32> {kiln.weight}, %c: memref<6x400xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c192 = arith.constant 192 : index
  %f0 = arith.constant 0.0 : f32
  scf.forall (%n) = (0) to (400) step (200) {
    %va = vector.transfer_read %a[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<6x8xf32>, vector<6x4xf32>
    %col = arith.addi %n, %c192 : index
    %acc = vector.transfer_read %c[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<6x400xf32>, vector<6x16xf32>
    %vb = vector.transfer_read %b[%c4, %col], %f0 {in_bounds = [true, true]} : memref<8x400xf32>, vector<4x16xf32>
    %y = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %acc : vector<6x4xf32>, vector<4x16xf32> into vector<6x16xf32>
    %odd = arith.addi %n, %c8 : index
    %vb2 = vector.transfer_read %b2[%c4, %odd], %f0 {in_bounds = [true, true]} : memref<8x400xf32>, vector<4x16xf32>
    %y2 = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb2, %y : vector<6x4xf32>, vector<4x16xf32> into vector<6x16xf32>
    vector.transfer_write %y2, %c[%c0, %c0] {in_bounds = [true, true]} : vector<6x16xf32>, memref<6x400xf32>
  }
  return
}
