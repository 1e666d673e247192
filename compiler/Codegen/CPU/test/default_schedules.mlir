// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-tile-and-vectorize))' | FileCheck %s

// Default schedules (Schedule.cpp), read from each kernel's `kiln.codegen` notes.

// The [3, 3, 1024, 64] weights of a filter block (2.4 MB) pass L2: the channels are blocked
// (256 per block, 590 KB of weights) so that each register tile reads its weights from L2.
// CHECK-LABEL: func @conv_deep_channels
// CHECK-SAME: schedule = "par[0,1,0,0,0,0,0] cache[0,0,0,64,0,0,256] reg[1,0,8,32,1,1,16]"
func.func @conv_deep_channels(%x: tensor<1x10x10x1024xf32>, %w: tensor<3x3x1024x64xf32>) -> tensor<1x8x8x64xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x10x10x1024xf32>, tensor<3x3x1024x64xf32>) outs(%f : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  return %r : tensor<1x8x8x64xf32>
}

// -----

// 512 channels (1.2 MB of weights per filter block) stay whole: blocking them was slower.
// CHECK-LABEL: func @conv_whole_channels
// CHECK-SAME: schedule = "par[0,1,0,0,0,0,0] cache[0,0,0,64,0,0,0] reg[1,0,8,32,1,1,16]"
func.func @conv_whole_channels(%x: tensor<1x10x10x512xf32>, %w: tensor<3x3x512x64xf32>) -> tensor<1x8x8x64xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x10x10x512xf32>, tensor<3x3x512x64xf32>) outs(%f : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  return %r : tensor<1x8x8x64xf32>
}

// -----

// 97 output pixels (a prime) have no divisor near the 8-pixel register tile: the thread
// split skips that dim instead of cutting it into 97 one-pixel tasks (which dropped the
// register tile to one pixel: a load and a store per FMA).
// CHECK-LABEL: func @conv_prime_width
// CHECK-SAME: schedule = "cache[0,0,0,32,0,0,0] reg[1,1,8,32,1,1,16]"
func.func @conv_prime_width(%x: tensor<1x3x99x16xf32>, %w: tensor<3x3x16x32xf32>) -> tensor<1x1x97x32xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x97x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x1x97x32xf32>) -> tensor<1x1x97x32xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x3x99x16xf32>, tensor<3x3x16x32xf32>) outs(%f : tensor<1x1x97x32xf32>) -> tensor<1x1x97x32xf32>
  return %r : tensor<1x1x97x32xf32>
}

// -----

// A dynamic width split over threads keeps its 8-pixel register tile (peeled inside each
// task) rather than running each task's pixels one at a time: an STFT filter bank.
// CHECK-LABEL: func @conv_dynamic_width
// CHECK-SAME: schedule = "par[0,0,8,0,0,0,0] reg[1,1,8,32,1,1,1]"
// CHECK: vector.transfer_read {{.*}} : tensor<1x8x32xf32>, vector<1x8x32xf32>
func.func @conv_dynamic_width(%x: tensor<1x1x?x1xf32>, %w: tensor<1x512x1x257xf32>, %n: index) -> tensor<1x1x?x257xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<1x1x?x257xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x1x?x257xf32>) -> tensor<1x1x?x257xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 160]> : tensor<2xi64>} ins(%x, %w : tensor<1x1x?x1xf32>, tensor<1x512x1x257xf32>) outs(%f : tensor<1x1x?x257xf32>) -> tensor<1x1x?x257xf32>
  return %r : tensor<1x1x?x257xf32>
}

// -----

// 232 columns split in 2 tasks of 116: the register tile is re-picked for the task's span
// (16 lanes, remainder 4) rather than kept at 32 lanes, whose remainder of 20 lanes LLVM
// scalarizes (shufflenet_v2's stage-4 1x1 convs: 0.18 -> 0.075 ms each).
// CHECK-LABEL: func @matmul_split_columns
// CHECK-SAME: schedule = "par[0,116,0] cache[49,0,232] reg[8,16,4]"
func.func @matmul_split_columns(%a: tensor<49x232xf32>, %b: tensor<232x232xf32>) -> tensor<49x232xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<49x232xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<49x232xf32>) -> tensor<49x232xf32>
  %r = linalg.matmul ins(%a, %b : tensor<49x232xf32>, tensor<232x232xf32>) outs(%f : tensor<49x232xf32>) -> tensor<49x232xf32>
  return %r : tensor<49x232xf32>
}

// -----

// Symbolic H/W: five static cache tiles of 48 filters would be the parallel tasks (3 + 2 over
// two threads); the dynamic rows are split instead, as many tasks as the image has rows.
// CHECK-LABEL: func @conv_dynamic_rows
// CHECK-SAME: schedule = "par[0,1,0,0,0,0,0] cache[0,0,0,48,0,0,0] reg[1,1,8,32,1,1,10]"
func.func @conv_dynamic_rows(%x: tensor<1x?x?x40xf32>, %w: tensor<1x1x40x240xf32>, %h: index, %wd: index) -> tensor<1x?x?x240xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%h, %wd) : tensor<1x?x?x240xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x?x?x240xf32>) -> tensor<1x?x?x240xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x?x?x40xf32>, tensor<1x1x40x240xf32>) outs(%f : tensor<1x?x?x240xf32>) -> tensor<1x?x?x240xf32>
  return %r : tensor<1x?x?x240xf32>
}

// -----

// A row max over a symbolic sequence (softmax): the reduction runs in steps of 4 vectors with a
// peeled remainder; whole, the dynamic dim ran one element at a time (12x slower at T = 256).
// CHECK-LABEL: func @row_max_dynamic
// CHECK-SAME: schedule = "par[1,0,0] reg[0,1,64]"
// CHECK: vector.multi_reduction <maximumf>, %{{.*}}, %{{.*}} [2] : vector<1x1x64xf32> to vector<1x1xf32>
#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @row_max_dynamic(%x: tensor<4x?x?xf32>, %t: index) -> tensor<4x?xf32> attributes {kiln.kernel} {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty(%t) : tensor<4x?xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<4x?xf32>) -> tensor<4x?xf32>
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<4x?x?xf32>) outs(%f : tensor<4x?xf32>) {
  ^bb0(%a: f32, %m: f32):
    %0 = arith.maximumf %m, %a : f32
    linalg.yield %0 : f32
  } -> tensor<4x?xf32>
  return %r : tensor<4x?xf32>
}

// -----

// Attention scores over a symbolic sequence (dynamic rows and columns): column cache tiles of
// 4 register tiles of 64, so that only the last partial register tile is peeled (a divisor of
// the representative extent, 240, left 16 scalar columns per cache tile: 45 vs 175 GFLOP/s);
// k unrolled by 4, as for every product whose rows are symbolic (few of them at run time).
// CHECK-LABEL: func @scores_dynamic
// CHECK-SAME: schedule = "par[1,60,256,0] cache[0,0,0,64] reg[1,6,64,4]"
func.func @scores_dynamic(%q: tensor<4x?x64xf32>, %k: tensor<4x64x?xf32>, %m: index, %n: index) -> tensor<4x?x?xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%m, %n) : tensor<4x?x?xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x?x?xf32>) -> tensor<4x?x?xf32>
  %r = linalg.batch_matmul ins(%q, %k : tensor<4x?x64xf32>, tensor<4x64x?xf32>) outs(%f : tensor<4x?x?xf32>) -> tensor<4x?x?xf32>
  return %r : tensor<4x?x?xf32>
}

// -----

// 230 filters (a (2+1)-D ResNet's middle planes): no full-width tile leaves a power-of-two
// remainder, so 32-lane tiles with a 6-lane remainder, not 8-lane (half-register) ones.
// CHECK-LABEL: func @conv_odd_filters
// CHECK-SAME: schedule = "par[0,1,0,0,0,0,0] reg[1,0,8,32,1,1,16]"
func.func @conv_odd_filters(%x: tensor<1x30x30x128xf32>, %w: tensor<3x3x128x230xf32>) -> tensor<1x28x28x230xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x28x28x230xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x28x28x230xf32>) -> tensor<1x28x28x230xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x30x30x128xf32>, tensor<3x3x128x230xf32>) outs(%f : tensor<1x28x28x230xf32>) -> tensor<1x28x28x230xf32>
  return %r : tensor<1x28x28x230xf32>
}

// -----

// 921 columns (3 x 307): the columns stay one cache tile (a divisor tile would be 3 wide),
// 64-column register tiles peeled, and the threads split the columns into whole register
// tiles (128 columns a task, the last one partial) since 49 rows have no even split.
// CHECK-LABEL: func @matmul_odd_columns
// CHECK-SAME: schedule = "par[0,128,0] cache[49,0,256] reg[6,64,4]"
func.func @matmul_odd_columns(%a: tensor<49x4608xf32>, %b: tensor<4608x921xf32>) -> tensor<49x921xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<49x921xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<49x921xf32>) -> tensor<49x921xf32>
  %r = linalg.matmul ins(%a, %b : tensor<49x4608xf32>, tensor<4608x921xf32>) outs(%f : tensor<49x921xf32>) -> tensor<49x921xf32>
  return %r : tensor<49x921xf32>
}

// -----

// Inception's 17x17 1x7 convs: 3 filter blocks of 64 are 3 tasks (2 + 1 over 2 threads); the
// output rows split too, into chunks of 6 (6 + 6 + 5): 9 tasks.
// CHECK-LABEL: func @conv_few_filter_blocks
// CHECK-SAME: schedule = "par[0,6,0,64,0,0,0] reg[1,1,8,32,1,1,16]"
func.func @conv_few_filter_blocks(%x: tensor<1x17x23x160xf32>, %w: tensor<1x7x160x192xf32>) -> tensor<1x17x17x192xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x17x17x192xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x17x17x192xf32>) -> tensor<1x17x17x192xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x17x23x160xf32>, tensor<1x7x160x192xf32>) outs(%f : tensor<1x17x17x192xf32>) -> tensor<1x17x17x192xf32>
  return %r : tensor<1x17x17x192xf32>
}

// -----

// One row times a 9216 x 4096 matrix (AlexNet's first classifier layer): B streams from
// memory once, in k blocks of 8 rows per register tile sweep.
// CHECK-LABEL: func @vector_times_big_matrix
// CHECK-SAME: schedule = "par[0,256,0] cache[1,0,8] reg[1,64,4]"
func.func @vector_times_big_matrix(%a: tensor<1x9216xf32>, %b: tensor<9216x4096xf32>) -> tensor<1x4096xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4096xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %r = linalg.matmul ins(%a, %b : tensor<1x9216xf32>, tensor<9216x4096xf32>) outs(%f : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  return %r : tensor<1x4096xf32>
}

// -----

// A 1x1 conv on a 7x7 map as a matmul, [49, 960] x [960, 160] (MobileNetV2): the cache tile
// spans all rows and columns; no row split wastes under 15% of 6-row tiles (49 = 7 x 7), so
// the 160 columns split into 2 tasks of 80 (a 64-lane tile and a 16-lane rest each). It ran
// on one thread. 96 columns: 2 tasks of 48 (32 + 16 lanes).
// CHECK-LABEL: func @matmul_few_rows_odd_columns
// CHECK-SAME: schedule = "par[0,80,0] cache[49,0,240] reg[6,64,4]"
// CHECK-LABEL: func @matmul_few_rows_96_columns
// CHECK-SAME: schedule = "par[0,48,0] cache[49,0,192] reg[6,32,4]"
func.func @matmul_few_rows_odd_columns(%a: tensor<49x960xf32>, %b: tensor<960x160xf32>) -> tensor<49x160xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<49x160xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<49x160xf32>) -> tensor<49x160xf32>
  %r = linalg.matmul ins(%a, %b : tensor<49x960xf32>, tensor<960x160xf32>) outs(%f : tensor<49x160xf32>) -> tensor<49x160xf32>
  return %r : tensor<49x160xf32>
}
func.func @matmul_few_rows_96_columns(%a: tensor<49x576xf32>, %b: tensor<576x96xf32>) -> tensor<49x96xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<49x96xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<49x96xf32>) -> tensor<49x96xf32>
  %r = linalg.matmul ins(%a, %b : tensor<49x576xf32>, tensor<576x96xf32>) outs(%f : tensor<49x96xf32>) -> tensor<49x96xf32>
  return %r : tensor<49x96xf32>
}

// -----

// An NHWC map of one channel (a segmentation mask's sigmoid): the trailing loop has one
// iteration, so the vector runs along the columns (reg 64 on dim 2), not the channel (1
// lane); the rows run on the pool. A dynamic trailing dim or a transposed read keeps the
// vector on the last dim.
// CHECK-LABEL: func @one_channel_map
// CHECK-SAME: schedule = "par[0,1,0,0] reg[1,0,64,1]"
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @one_channel_map(%x: tensor<1x480x640x1xf32>) -> tensor<1x480x640x1xf32> attributes {kiln.kernel} {
  %e = tensor.empty() : tensor<1x480x640x1xf32>
  %0 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x480x640x1xf32>) outs(%e : tensor<1x480x640x1xf32>) {
  ^bb0(%in: f32, %o: f32):
    %1 = arith.negf %in : f32
    %2 = math.exp %1 : f32
    linalg.yield %2 : f32
  } -> tensor<1x480x640x1xf32>
  return %0 : tensor<1x480x640x1xf32>
}
