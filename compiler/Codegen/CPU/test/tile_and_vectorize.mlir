// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-tile-and-vectorize))' | FileCheck %s

// The default matmul schedule: the cache tiles of the parallel dims split over threads
// (scf.forall; 2 column tiles of 256 halved to 8 tasks of 64 for balance), then 6x64 register
// tiles (rows 64 = 10 x 6 + a peeled 4), vectorized into a contraction over 4 k at a time.
// CHECK-LABEL: func @matmul
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (64)
// CHECK: scf.for {{.*}} = %c0 to %c60 step %c6
// CHECK: vector.contract {{.*}} vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
// CHECK: vector.contract {{.*}} vector<4x4xf32>, vector<4x64xf32> into vector<4x64xf32>
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: tensor<64x256xf32>, %b: tensor<256x512xf32>) -> tensor<64x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x512xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x512xf32>) -> tensor<64x512xf32>
  %r = linalg.matmul ins(%a, %b : tensor<64x256xf32>, tensor<256x512xf32>) outs(%f : tensor<64x512xf32>) -> tensor<64x512xf32>
  return %r : tensor<64x512xf32>
}

// -----

// A schedule attribute (as the tuner writes it) wins over the defaults.
// CHECK-LABEL: func @scheduled
// CHECK: scf.for {{.*}} step %c4
// CHECK: scf.for {{.*}} step %c16
// CHECK: vector.contract {{.*}} into vector<4x16xf32>
func.func @scheduled(%a: tensor<8x8xf32>, %b: tensor<8x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %r = linalg.matmul {kiln.schedule = {inner = array<i64: 4, 16, 1>}} ins(%a, %b : tensor<8x8xf32>, tensor<8x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// -----

// A register tile of 64 columns over 88 leaves 24 lanes: they run as tiles of 16 and 8 lanes
// (an odd-width vector of 24 lowered element by element), the 6-row tiles and the peeled
// rows alike.
// CHECK-LABEL: func @odd_lanes
// CHECK-NOT: vector<{{[0-9]+}}x24xf32>
// CHECK: vector.contract {{.*}} into vector<6x64xf32>
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: vector.contract {{.*}} into vector<6x8xf32>
// CHECK-NOT: vector<{{[0-9]+}}x24xf32>
// CHECK: vector.contract {{.*}} into vector<2x16xf32>
// CHECK: vector.contract {{.*}} into vector<2x8xf32>
// CHECK-NOT: vector<{{[0-9]+}}x24xf32>
// CHECK: return
func.func @odd_lanes(%a: tensor<8x8xf32>, %b: tensor<8x88xf32>, %c: tensor<8x88xf32>) -> tensor<8x88xf32> {
  %r = linalg.matmul {kiln.schedule = {inner = array<i64: 6, 64, 4>}} ins(%a, %b : tensor<8x8xf32>, tensor<8x88xf32>) outs(%c : tensor<8x88xf32>) -> tensor<8x88xf32>
  return %r : tensor<8x88xf32>
}

// -----

// When the cache tiles span the whole op (196 rows, all 256 columns) the rows split into the
// fewest parallel tiles whose 6-row register tiles waste little: 2 x 98 rows (16 x 6 + 2).
// CHECK-LABEL: func @matmul_whole_cache_tile
// CHECK: scf.forall (%{{.*}}) = (0) to (196) step (98)
// CHECK: vector.contract {{.*}} vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
func.func @matmul_whole_cache_tile(%a: tensor<196x64xf32>, %b: tensor<64x256xf32>) -> tensor<196x256xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<196x256xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<196x256xf32>) -> tensor<196x256xf32>
  %r = linalg.matmul ins(%a, %b : tensor<196x64xf32>, tensor<64x256xf32>) outs(%f : tensor<196x256xf32>) -> tensor<196x256xf32>
  return %r : tensor<196x256xf32>
}

// -----

// A cache tile of at most 16 rows unrolls k by 4 in its register tiles (6 + 6 + 4 rows here);
// the batch dim is the parallel split.
// CHECK-LABEL: func @batch_matmul_few_rows
// CHECK: scf.forall
// CHECK: vector.contract {{.*}} vector<1x6x4xf32>, vector<1x4x64xf32> into vector<1x6x64xf32>
// CHECK: vector.contract {{.*}} vector<1x4x4xf32>, vector<1x4x64xf32> into vector<1x4x64xf32>
// CHECK-NOT: vector<1x6x1xf32>
func.func @batch_matmul_few_rows(%a: tensor<16x16x256xf32>, %b: tensor<16x256x256xf32>) -> tensor<16x16x256xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x16x256xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<16x16x256xf32>) -> tensor<16x16x256xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<16x16x256xf32>, tensor<16x256x256xf32>) outs(%f : tensor<16x16x256xf32>) -> tensor<16x16x256xf32>
  return %r : tensor<16x16x256xf32>
}

// -----

// Elementwise: outer dims one by one, the innermost in power-of-two vectors; the remainder
// (112 = 3 x 32 + 16) is peeled into its own static tile; rows are split over the threads.
// CHECK-LABEL: func @relu
// CHECK: scf.forall (%{{.*}}) in (256)
// CHECK: scf.for {{.*}} = %c0 to %c96 step %c32
// CHECK: arith.maximumf {{.*}} : vector<1x32xf32>
// CHECK: arith.maximumf {{.*}} : vector<1x16xf32>
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu(%x: tensor<256x112xf32>) -> tensor<256x112xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x112xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<256x112xf32>) outs(%e : tensor<256x112xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<256x112xf32>
  return %r : tensor<256x112xf32>
}

// -----

// A small op runs on one thread: waking the pool would cost more than the work.
// CHECK-LABEL: func @small_relu
// CHECK-NOT: scf.forall
// CHECK: arith.maximumf {{.*}} : vector<1x32xf32>
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @small_relu(%x: tensor<4x112xf32>) -> tensor<4x112xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x112xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x112xf32>) outs(%e : tensor<4x112xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<4x112xf32>
  return %r : tensor<4x112xf32>
}

// -----

// NCHW 3x3 convolution: register tiles, decomposed to a 1-D convolution, vectorized.
// CHECK-LABEL: func @conv
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: vector.contract
func.func @conv(%x: tensor<1x16x10x10xf32>, %w: tensor<32x16x3x3xf32>, %init: tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x16x10x10xf32>, tensor<32x16x3x3xf32>) outs(%init : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  return %r : tensor<1x32x8x8xf32>
}

// -----

// A dynamic batch: the batch loop is tiled by 1 (scf.forall), the 1x24 op inside gets the
// static elementwise schedule (16 + 8 lanes) and vectorizes.
// CHECK-LABEL: func.func @relu_dynamic_batch
// CHECK: scf.forall (%[[I:.*]]) in (%{{.*}})
// CHECK: vector.transfer_read %arg0[%[[I]], %c0]{{.*}} vector<1x16xf32>
// CHECK: vector.transfer_read %arg0[%[[I]], %c16]{{.*}} vector<1x8xf32>
// CHECK: tensor.parallel_insert_slice
func.func @relu_dynamic_batch(%arg0: tensor<?x24xf32>) -> tensor<?x24xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : index
  %dim = tensor.dim %arg0, %c0 : tensor<?x24xf32>
  %0 = tensor.empty(%dim) : tensor<?x24xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0 : tensor<?x24xf32>) outs(%0 : tensor<?x24xf32>) {
  ^bb0(%in: f32, %out: f32):
    %2 = arith.maximumf %in, %cst : f32
    linalg.yield %2 : f32
  } -> tensor<?x24xf32>
  return %1 : tensor<?x24xf32>
}

// -----

// Regression: rows peeled off a register tile (8 = 6 + 2) with the whole k cache tile in
// one register step. The second write updates the tile the first one wrote, and that tile is
// what goes back into the result (MLIR 19's slice/transfer folder dropped the first write).
// CHECK-LABEL: func @peeled_rows_whole_k
// CHECK: %[[W1:.*]] = vector.transfer_write {{.*}} : vector<6x64xf32>, tensor<8x64xf32>
// CHECK: vector.transfer_read %[[W1]]
// CHECK: %[[W2:.*]] = vector.transfer_write %{{.*}}, %[[W1]][%c6, %c0] {{.*}} : vector<2x64xf32>, tensor<8x64xf32>
// CHECK: tensor.insert_slice %[[W2]] into
func.func @peeled_rows_whole_k(%a: tensor<16x64xf32>, %b: tensor<64x128xf32>) -> tensor<16x128xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x128xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<16x128xf32>) -> tensor<16x128xf32>
  %r = linalg.matmul {kiln.schedule = {parallel = array<i64: 0, 64, 0>, outer = array<i64: 8, 0, 8>, inner = array<i64: 6, 64, 8>, vectorize = true}} ins(%a, %b : tensor<16x64xf32>, tensor<64x128xf32>) outs(%f : tensor<16x128xf32>) -> tensor<16x128xf32>
  return %r : tensor<16x128xf32>
}

// -----

// A transpose NHWC -> NCHW reads along c and writes along w: 16 x 16 tiles (c, w), read as
// rows of the input and transposed in registers.
// CHECK-LABEL: func @transpose_nhwc_to_nchw
// CHECK: vector.transfer_read {{.*}} vector<1x1x16x16xf32>
// CHECK: vector.transpose {{.*}} [0, 3, 1, 2] : vector<1x1x16x16xf32> to vector<1x16x1x16xf32>
// CHECK: vector.transfer_write {{.*}} vector<1x16x1x16xf32>
func.func @transpose_nhwc_to_nchw(%x: tensor<1x8x32x64xf32>) -> tensor<1x64x8x32xf32> {
  %e = tensor.empty() : tensor<1x64x8x32xf32>
  %t = linalg.transpose ins(%x : tensor<1x8x32x64xf32>) outs(%e : tensor<1x64x8x32xf32>) permutation = [0, 3, 1, 2]
  return %t : tensor<1x64x8x32xf32>
}

// -----

// A dynamic dim is scheduled as if it were long (kRepresentativeExtent): the conv's register
// tiles of 8 pixels stay static (a peeled loop up to the last multiple of 8), the last partial
// tile runs pixel by pixel; both are vectorized.
// CHECK-LABEL: func @conv_dynamic_width
// CHECK: %[[FULL:.*]] = affine.apply #{{.*}}()[%[[W:.*]]]
// CHECK: scf.for {{.*}} = %c0 to %[[FULL]] step %c8
// CHECK: vector.contract {{.*}} vector<1x8x16xf32>, vector<16x32xf32> into vector<1x8x32xf32>
// CHECK: scf.for {{.*}} = %[[FULL]] to %[[W]] step %c8
// CHECK: scf.for {{.*}} step %c1
// CHECK: vector.contract {{.*}} vector<1x1x16xf32>, vector<16x32xf32> into vector<1x1x32xf32>
// CHECK-NOT: linalg.conv
func.func @conv_dynamic_width(%x: tensor<1x8x?x16xf32>, %w: tensor<1x1x16x32xf32>) -> tensor<1x8x?x32xf32> {
  %c2 = arith.constant 2 : index
  %z = arith.constant 0.0 : f32
  %d = tensor.dim %x, %c2 : tensor<1x8x?x16xf32>
  %e = tensor.empty(%d) : tensor<1x8x?x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x8x?x32xf32>) -> tensor<1x8x?x32xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x8x?x16xf32>, tensor<1x1x16x32xf32>) outs(%f : tensor<1x8x?x32xf32>) -> tensor<1x8x?x32xf32>
  return %r : tensor<1x8x?x32xf32>
}

// -----

// A run-time scalar shaped [1, 1, 1, 1] against a 4-D tensor (a DynamicQuantizeLinear's scale
// after the layout passes): read once as a scalar and broadcast, not one load per lane.
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#one = affine_map<(d0, d1, d2, d3) -> (0, 0, 0, 0)>
// CHECK-LABEL: func.func @one_element_operand
// CHECK-NOT: vector.transfer_read %arg1
// CHECK: %[[S:.*]] = tensor.extract %arg1
// CHECK: vector.broadcast %[[S]] : f32 to vector<1x1x1x64xf32>
// CHECK-NOT: vector.transfer_read %arg1
func.func @one_element_operand(%x: tensor<1x8x8x128xf32>, %s: tensor<1x1x1x1xf32>) -> tensor<1x8x8x128xf32> attributes {kiln.kernel} {
  %e = tensor.empty() : tensor<1x8x8x128xf32>
  %r = linalg.generic {indexing_maps = [#id, #one, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %s : tensor<1x8x8x128xf32>, tensor<1x1x1x1xf32>) outs(%e : tensor<1x8x8x128xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %0 = arith.divf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<1x8x8x128xf32>
  return %r : tensor<1x8x8x128xf32>
}

// -----

// An elementwise op over a symbolic width: full tiles of 64 lanes up to the last multiple of
// 64, then the last partial tile as one masked vector of 64 lanes (kiln.tile_bounds: the
// peeled tile is below 64), not lane by lane.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @quantize_dynamic_width
// CHECK: %[[FULL:.*]] = affine.apply #{{.*}}()[%[[W:.*]]]
// CHECK: scf.for {{.*}} = %c0 to %[[FULL]] step %c64
// CHECK: vector.transfer_read {{.*}} {in_bounds = [true, true, true, true]} : tensor<1x16x?x?xf32>, vector<1x1x1x64xf32>
// CHECK: scf.for {{.*}} = %[[FULL]] to %[[W]] step %c64
// CHECK-NOT: scf.for
// CHECK: %[[M:.*]] = vector.create_mask %c1, %c1, %c1, %{{.*}} : vector<1x1x1x64xi1>
// CHECK: vector.transfer_read {{.*}}, %[[M]] {in_bounds = [true, true, true, true]} : tensor<1x1x1x?xf32>, vector<1x1x1x64xf32>
// CHECK: arith.fptoui {{.*}} : vector<1x1x1x64xf32> to vector<1x1x1x64xi8>
// CHECK: vector.transfer_write {{.*}}, %[[M]] {in_bounds = [true, true, true, true]} : vector<1x1x1x64xi8>, tensor<1x1x1x?xi8>
// CHECK-NOT: kiln.tile_bounds
func.func @quantize_dynamic_width(%x: tensor<1x16x?x?xf32>) -> tensor<1x16x?x?xi8> {
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %s = arith.constant 0.03 : f32
  %h = tensor.dim %x, %c2 : tensor<1x16x?x?xf32>
  %w = tensor.dim %x, %c3 : tensor<1x16x?x?xf32>
  %e = tensor.empty(%h, %w) : tensor<1x16x?x?xi8>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x16x?x?xf32>) outs(%e : tensor<1x16x?x?xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %s : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.fptoui %1 : f32 to i8
    linalg.yield %2 : i8
  } -> tensor<1x16x?x?xi8>
  return %r : tensor<1x16x?x?xi8>
}
