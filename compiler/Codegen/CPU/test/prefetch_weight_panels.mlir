// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-prefetch-weight-panels))' | FileCheck %s
// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-prefetch-weight-panels,canonicalize,cse))' | FileCheck %s --check-prefix=INDEX

// 49 rows (8 row tiles of 6 and a peeled row) x packed weights [16, 256, 64]: k blocks of 64
// rows, 4 panels per cache tile of columns. Each block of a panel is 64 rows x 4 lines = 256
// lines over 8 row tiles x 16 k steps = 128 slots: 2 prefetches per read, at the next block
// (k0 + 64) of the same panel, row (slot * 2 + j) / 4, column ((slot * 2 + j) % 4) * 16,
// at the end of the k step (after the contraction). The peeled row's nest (one row tile) is
// left alone.
// CHECK-LABEL: func @rows_49
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<16x256x64xf32>
// CHECK: scf.for %[[KT:.*]] = %c0 to %c256 step %c64
// CHECK: scf.for %[[M:.*]] = %c0 to %c48 step %c6
// CHECK: scf.for %[[K:.*]] = %c0 to %c64 step %c4
// CHECK: %[[KK:.*]] = arith.addi %[[KT]], %[[K]]
// CHECK: vector.transfer_read %[[B]][%{{.*}}, %[[KK]], %c0]
// CHECK: vector.contract
// CHECK-COUNT-2: memref.prefetch %[[B]][%{{.*}}, %{{.*}}, %{{.*}}], read, locality<2>, data : memref<16x256x64xf32>
// CHECK-NOT: memref.prefetch
// CHECK: scf.yield
// CHECK-NOT: memref.prefetch
// CHECK: return
// The addresses: slot = m / 6 * 16 + k / 4, line = slot * 2 + j, row = kt + 64 + line / 4,
// column = line % 4 * 16.
// INDEX-LABEL: func @rows_49
// INDEX-SAME: %[[B:[a-z0-9]+]]: memref<16x256x64xf32>
// INDEX: scf.for %[[KT:.*]] = %c0 to %c256 step %c64
// INDEX: scf.for %[[M:.*]] = %c0 to %c48 step %c6
// INDEX: scf.for %[[K:.*]] = %c0 to %c64 step %c4
// INDEX: vector.transfer_read %[[B]][%[[P:.*]], %{{.*}}, %c0]
// INDEX: %[[MI:.*]] = arith.divui %[[M]], %c6
// INDEX: %[[MS:.*]] = arith.muli %[[MI]], %c16
// INDEX: %[[KI:.*]] = arith.divui %[[K]], %c4
// INDEX: %[[SLOT:.*]] = arith.addi %[[MS]], %[[KI]]
// INDEX: %[[NEXT:.*]] = arith.addi %[[KT]], %c64
// INDEX: %[[LINE:.*]] = arith.muli %[[SLOT]], %c2
// INDEX: %[[R:.*]] = arith.divui %[[LINE]], %c4
// INDEX: %[[ROW:.*]] = arith.addi %[[NEXT]], %[[R]]
// INDEX: %[[L:.*]] = arith.remui %[[LINE]], %c4
// INDEX: %[[COL:.*]] = arith.muli %[[L]], %c16
// INDEX: memref.prefetch %[[B]][%[[P]], %[[ROW]], %[[COL]]]
// INDEX: %[[LINE1:.*]] = arith.addi %[[LINE]], %c1
// INDEX: %[[R1:.*]] = arith.divui %[[LINE1]], %c4
// INDEX: %[[ROW1:.*]] = arith.addi %[[NEXT]], %[[R1]]
// INDEX: memref.prefetch %[[B]][%[[P]], %[[ROW1]], %{{.*}}]
func.func @rows_49(%a: memref<49x256xf32>, %b: memref<16x256x64xf32>, %c: memref<49x1024xf32>)
    attributes {kiln.packed_args = array<i64: 1, 64, 1024>} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %c48 = arith.constant 48 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %f0 = arith.constant 0.0 : f32
  scf.forall (%n) = (0) to (1024) step (256) {
    %p0 = arith.divui %n, %c64 : index
    scf.for %kt = %c0 to %c256 step %c64 {
      scf.for %m = %c0 to %c48 step %c6 {
        scf.for %j = %c0 to %c4 step %c1 {
          %p = arith.addi %p0, %j : index
          %col = arith.muli %p, %c64 : index
          %acc = vector.transfer_read %c[%m, %col], %f0 {in_bounds = [true, true]} : memref<49x1024xf32>, vector<6x64xf32>
          %r = scf.for %k = %c0 to %c64 step %c4 iter_args(%x = %acc) -> (vector<6x64xf32>) {
            %kk = arith.addi %kt, %k : index
            %va = vector.transfer_read %a[%m, %kk], %f0 {in_bounds = [true, true]} : memref<49x256xf32>, vector<6x4xf32>
            %vb = vector.transfer_read %b[%p, %kk, %c0], %f0 {in_bounds = [true, true]} : memref<16x256x64xf32>, vector<4x64xf32>
            %y = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %x : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
            scf.yield %y : vector<6x64xf32>
          }
          vector.transfer_write %r, %c[%m, %col] {in_bounds = [true, true]} : vector<6x64xf32>, memref<49x1024xf32>
        }
      }
      // The peeled last row: one row tile per block, nothing to spread over.
      scf.for %j = %c0 to %c4 step %c1 {
        %p = arith.addi %p0, %j : index
        %col = arith.muli %p, %c64 : index
        %acc = vector.transfer_read %c[%c48, %col], %f0 {in_bounds = [true, true]} : memref<49x1024xf32>, vector<1x64xf32>
        %r = scf.for %k = %c0 to %c64 step %c4 iter_args(%x = %acc) -> (vector<1x64xf32>) {
          %kk = arith.addi %kt, %k : index
          %va = vector.transfer_read %a[%c48, %kk], %f0 {in_bounds = [true, true]} : memref<49x256xf32>, vector<1x4xf32>
          %vb = vector.transfer_read %b[%p, %kk, %c0], %f0 {in_bounds = [true, true]} : memref<16x256x64xf32>, vector<4x64xf32>
          %y = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %x : vector<1x4xf32>, vector<4x64xf32> into vector<1x64xf32>
          scf.yield %y : vector<1x64xf32>
        }
        vector.transfer_write %r, %c[%c48, %col] {in_bounds = [true, true]} : vector<1x64xf32>, memref<49x1024xf32>
      }
    }
  }
  return
}

// -----

// Panels of 16 columns read four at a time by 64-column register tiles (p, p + 1, p + 2,
// p + 3, as kiln-cpu-pack-weight-panels reads a [4, 64] block): one prefetch site per tile,
// with the read of panel p, covering the four panels. A block is 64 rows x 4 panels = 256
// lines over 8 row tiles x 16 k steps: 2 per step, row by row across the panels: panel
// p + line % 4, row k0 + 64 + line / 4, column 0.
// CHECK-LABEL: func @panels_of_16
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<8x256x16xf32>
// CHECK: scf.for %[[K:.*]] = %c0 to %c64 step %c4
// CHECK-COUNT-4: vector.transfer_read %[[B]]
// CHECK: vector.contract
// CHECK-COUNT-2: memref.prefetch %[[B]]
// CHECK-NOT: memref.prefetch
// CHECK: scf.yield
// CHECK-NOT: memref.prefetch
// CHECK: return
// INDEX-LABEL: func @panels_of_16
// INDEX: scf.for %[[KT:.*]] = %c0 to %c256 step %c64
// INDEX: scf.for %[[K:.*]] = %c0 to %c64 step %c4
// INDEX: vector.transfer_read %[[B:.*]][%[[P:[a-z0-9]+]], %{{.*}}, %c0]
// INDEX: vector.contract
// INDEX: %[[NEXT:.*]] = arith.addi %[[KT]], %c64
// INDEX: %[[LINE:.*]] = arith.muli %{{.*}}, %c2
// INDEX: %[[J:.*]] = arith.remui %[[LINE]], %c4
// INDEX: %[[PJ:.*]] = arith.addi %[[P]], %[[J]]
// INDEX: %[[R:.*]] = arith.divui %[[LINE]], %c4
// INDEX: %[[ROW:.*]] = arith.addi %[[NEXT]], %[[R]]
// INDEX: memref.prefetch %[[B]][%[[PJ]], %[[ROW]], %c0]
func.func @panels_of_16(%a: memref<48x256xf32>, %b: memref<8x256x16xf32>, %c: memref<48x128xf32>)
    attributes {kiln.packed_args = array<i64: 1, 16, 128>} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %c16 = arith.constant 16 : index
  %c48 = arith.constant 48 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %f0 = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<4x64xf32>
  scf.for %n = %c0 to %c128 step %c64 {
    %p = arith.divui %n, %c16 : index
    %p1 = arith.addi %p, %c1 : index
    %p2 = arith.addi %p, %c2 : index
    %p3 = arith.addi %p, %c3 : index
    scf.for %kt = %c0 to %c256 step %c64 {
      scf.for %m = %c0 to %c48 step %c6 {
        %acc = vector.transfer_read %c[%m, %n], %f0 {in_bounds = [true, true]} : memref<48x128xf32>, vector<6x64xf32>
        %r = scf.for %k = %c0 to %c64 step %c4 iter_args(%x = %acc) -> (vector<6x64xf32>) {
          %kk = arith.addi %kt, %k : index
          %va = vector.transfer_read %a[%m, %kk], %f0 {in_bounds = [true, true]} : memref<48x256xf32>, vector<6x4xf32>
          %b0 = vector.transfer_read %b[%p, %kk, %c0], %f0 {in_bounds = [true, true]} : memref<8x256x16xf32>, vector<4x16xf32>
          %b1 = vector.transfer_read %b[%p1, %kk, %c0], %f0 {in_bounds = [true, true]} : memref<8x256x16xf32>, vector<4x16xf32>
          %b2 = vector.transfer_read %b[%p2, %kk, %c0], %f0 {in_bounds = [true, true]} : memref<8x256x16xf32>, vector<4x16xf32>
          %b3 = vector.transfer_read %b[%p3, %kk, %c0], %f0 {in_bounds = [true, true]} : memref<8x256x16xf32>, vector<4x16xf32>
          %v0 = vector.insert_strided_slice %b0, %zero {offsets = [0, 0], strides = [1, 1]} : vector<4x16xf32> into vector<4x64xf32>
          %v1 = vector.insert_strided_slice %b1, %v0 {offsets = [0, 16], strides = [1, 1]} : vector<4x16xf32> into vector<4x64xf32>
          %v2 = vector.insert_strided_slice %b2, %v1 {offsets = [0, 32], strides = [1, 1]} : vector<4x16xf32> into vector<4x64xf32>
          %vb = vector.insert_strided_slice %b3, %v2 {offsets = [0, 48], strides = [1, 1]} : vector<4x16xf32> into vector<4x64xf32>
          %y = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %x : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
          scf.yield %y : vector<6x64xf32>
        }
        vector.transfer_write %r, %c[%m, %n] {in_bounds = [true, true]} : vector<6x64xf32>, memref<48x128xf32>
      }
    }
  }
  return
}

// -----

// The same nest in parallel chunks of 48 rows over 3072 rows: each block of the weight is
// used by 64 x 8 row tiles, its load amortized (and the weight in cache after the first
// chunk): no prefetch.
// CHECK-LABEL: func @many_rows
// CHECK-NOT: memref.prefetch
func.func @many_rows(%a: memref<3072x256xf32>, %b: memref<16x256x64xf32>, %c: memref<3072x1024xf32>)
    attributes {kiln.packed_args = array<i64: 1, 64, 1024>} {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %c48 = arith.constant 48 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %f0 = arith.constant 0.0 : f32
  scf.forall (%m0, %n) = (0, 0) to (3072, 1024) step (48, 64) {
    %p = arith.divui %n, %c64 : index
    scf.for %kt = %c0 to %c256 step %c64 {
      scf.for %mi = %c0 to %c48 step %c6 {
        %m = arith.addi %m0, %mi : index
        %acc = vector.transfer_read %c[%m, %n], %f0 {in_bounds = [true, true]} : memref<3072x1024xf32>, vector<6x64xf32>
        %r = scf.for %k = %c0 to %c64 step %c4 iter_args(%x = %acc) -> (vector<6x64xf32>) {
          %kk = arith.addi %kt, %k : index
          %va = vector.transfer_read %a[%m, %kk], %f0 {in_bounds = [true, true]} : memref<3072x256xf32>, vector<6x4xf32>
          %vb = vector.transfer_read %b[%p, %kk, %c0], %f0 {in_bounds = [true, true]} : memref<16x256x64xf32>, vector<4x64xf32>
          %y = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %x : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
          scf.yield %y : vector<6x64xf32>
        }
        vector.transfer_write %r, %c[%m, %n] {in_bounds = [true, true]} : vector<6x64xf32>, memref<3072x1024xf32>
      }
    }
  }
  return
}

// -----

// A weight that is not packed (no kiln.packed_args entry) is left alone.
// CHECK-LABEL: func @not_packed
// CHECK-NOT: memref.prefetch
func.func @not_packed(%a: memref<48x256xf32>, %b: memref<16x256x64xf32>, %c: memref<48x64xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %c48 = arith.constant 48 : index
  %c256 = arith.constant 256 : index
  %f0 = arith.constant 0.0 : f32
  scf.for %m = %c0 to %c48 step %c6 {
    %acc = vector.transfer_read %c[%m, %c0], %f0 {in_bounds = [true, true]} : memref<48x64xf32>, vector<6x64xf32>
    %r = scf.for %k = %c0 to %c256 step %c4 iter_args(%x = %acc) -> (vector<6x64xf32>) {
      %va = vector.transfer_read %a[%m, %k], %f0 {in_bounds = [true, true]} : memref<48x256xf32>, vector<6x4xf32>
      %vb = vector.transfer_read %b[%c0, %k, %c0], %f0 {in_bounds = [true, true]} : memref<16x256x64xf32>, vector<4x64xf32>
      %y = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %x : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
      scf.yield %y : vector<6x64xf32>
    }
    vector.transfer_write %r, %c[%m, %c0] {in_bounds = [true, true]} : vector<6x64xf32>, memref<48x64xf32>
  }
  return
}

// -----

// The VNNI kernel's packed int8 weights [panels, K / 4, 256]: tasks of (2 row chunks, 8
// panels), rows of a chunk in blocks of 6 (30 rows, 18 in the last: the larger counts), k in
// blocks of 128 steps, each 256-byte row read as four 64-byte vectors. A block is 128 x 4 =
// 512 lines over 5 row blocks x 128 steps: one prefetch per step, from the read at column 0
// only, in the first block and in the loop over the middle ones (k0 = the block loop's).
// CHECK-LABEL: func @int8_panels
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<8x1152x256xi8>
// CHECK: scf.for %[[K:.*]] = %c0 to %c128 step %c1
// CHECK: vector.transfer_read %[[B]][%{{.*}}, %[[K]], %c0]
// CHECK: memref.prefetch %[[B]]
// CHECK-NOT: memref.prefetch
// CHECK: scf.for %[[KB:.*]] = %c128 to %c1152 step %c128
// CHECK: %[[END:.*]] = arith.addi %[[KB]], %c128
// CHECK: scf.for %[[K2:.*]] = %[[KB]] to %[[END]] step %c1
// CHECK: vector.transfer_read %[[B]][%{{.*}}, %[[K2]], %c0]
// CHECK: memref.prefetch %[[B]]
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @int8_panels(%a: memref<48x4608xi8>, %b: memref<8x1152x256xi8>, %c: memref<48x512xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %c18 = arith.constant 18 : index
  %c30 = arith.constant 30 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %c1152 = arith.constant 1152 : index
  %pad = arith.constant 0 : i8
  %zero = arith.constant dense<0> : vector<16xi32>
  scf.forall (%chunk, %p) in (2, 8) {
    %last = arith.cmpi eq, %chunk, %c1 : index
    %rows = arith.select %last, %c18, %c30 : index
    scf.for %m = %c0 to %rows step %c6 {
      %s = scf.for %k = %c0 to %c128 step %c1 iter_args(%x = %zero) -> (vector<16xi32>) {
        %b0 = vector.transfer_read %b[%p, %k, %c0], %pad {in_bounds = [true]} : memref<8x1152x256xi8>, vector<64xi8>
        %b1 = vector.transfer_read %b[%p, %k, %c64], %pad {in_bounds = [true]} : memref<8x1152x256xi8>, vector<64xi8>
        %w0 = vector.bitcast %b0 : vector<64xi8> to vector<16xi32>
        %w1 = vector.bitcast %b1 : vector<64xi8> to vector<16xi32>
        %y = arith.addi %x, %w0 : vector<16xi32>
        %z = arith.addi %y, %w1 : vector<16xi32>
        scf.yield %z : vector<16xi32>
      }
      vector.transfer_write %s, %c[%m, %c0] {in_bounds = [true]} : vector<16xi32>, memref<48x512xi32>
    }
    scf.for %kb = %c128 to %c1152 step %c128 {
      scf.for %m = %c0 to %rows step %c6 {
        %end = arith.addi %kb, %c128 : index
        %s = scf.for %k = %kb to %end step %c1 iter_args(%x = %zero) -> (vector<16xi32>) {
          %b0 = vector.transfer_read %b[%p, %k, %c0], %pad {in_bounds = [true]} : memref<8x1152x256xi8>, vector<64xi8>
          %w0 = vector.bitcast %b0 : vector<64xi8> to vector<16xi32>
          %y = arith.addi %x, %w0 : vector<16xi32>
          scf.yield %y : vector<16xi32>
        }
        vector.transfer_write %s, %c[%m, %c0] {in_bounds = [true]} : vector<16xi32>, memref<48x512xi32>
      }
    }
  }
  return
}
