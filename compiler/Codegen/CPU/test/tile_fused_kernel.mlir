// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-tile-and-vectorize))' | FileCheck %s
// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-tile-and-vectorize),eliminate-empty-tensors,one-shot-bufferize{bufferize-function-boundaries=1 function-boundary-type-conversion=identity-layout-map},canonicalize,cse,canonicalize,buffer-results-to-out-params{hoist-static-allocs=1},canonicalize,cse,func.func(kiln-cpu-hoist-vector-transfers))' | FileCheck %s --check-prefix=REG

// A fused kernel (matmul + bias + relu): one parallel loop over row blocks of the kernel's
// output; in each block, per 6x64 register tile: zero the accumulator, run the k loop, apply
// the epilogue, store — all on a tile of the output (no whole-tensor temporary).
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK: %[[E:.*]] = tensor.empty() : tensor<128x96xf32>
// CHECK-NOT: tensor.empty
// CHECK: scf.forall (%{{.*}}) = (0) to (128) step (64) shared_outs(%[[OUT:.*]] = %[[E]])
// CHECK: tensor.extract_slice %[[OUT]]
// CHECK: scf.for %{{.*}} = %c0 to %c60 step %c6
// CHECK: vector.transfer_write %{{.*}} : vector<6x64xf32>, tensor<6x64xf32>
// CHECK: vector.contract {{.*}} : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
// CHECK: arith.addf {{.*}} : vector<6x64xf32>
// CHECK-NEXT: arith.maximumf {{.*}} : vector<6x64xf32>
// CHECK: tensor.parallel_insert_slice
// CHECK-NOT: scf.forall
// CHECK: return

// After bufferization and hoisting, the accumulator starts as zeros in registers and the
// epilogue applies to the registers: one store per tile, no reads of the output.
// REG-LABEL: func.func @matmul_bias_relu
// REG-NOT: memref.alloc
// REG: scf.for %{{.*}} iter_args(%{{.*}} = %cst{{.*}}) -> (vector<6x64xf32>)
// REG: vector.contract
// REG: arith.addf {{.*}} : vector<6x64xf32>
// REG-NEXT: arith.maximumf {{.*}} : vector<6x64xf32>
// REG-NEXT: vector.transfer_write {{.*}} : vector<6x64xf32>, memref<128x96xf32>
// REG-NOT: vector.transfer_read %arg3
// REG: return
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @matmul_bias_relu(%a: tensor<128x16xf32>, %b: tensor<16x96xf32>, %bias: tensor<96xf32>) -> tensor<128x96xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<128x96xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e0 : tensor<128x96xf32>) -> tensor<128x96xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<128x16xf32>, tensor<16x96xf32>) outs(%fill : tensor<128x96xf32>) -> tensor<128x96xf32>
  %e1 = tensor.empty() : tensor<128x96xf32>
  %add = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %bias : tensor<128x96xf32>, tensor<96xf32>) outs(%e1 : tensor<128x96xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<128x96xf32>
  %e2 = tensor.empty() : tensor<128x96xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%add : tensor<128x96xf32>) outs(%e2 : tensor<128x96xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.maximumf %x, %zero : f32
    linalg.yield %m : f32
  } -> tensor<128x96xf32>
  return %relu : tensor<128x96xf32>
}

// -----

// The matmul's result is also returned: it must be written whole, so each op keeps its own
// loops (two parallel loops) and nothing is fused.
#id = affine_map<(d0, d1) -> (d0, d1)>
// REG-LABEL: func.func @escaping_anchor
// CHECK-LABEL: func.func @escaping_anchor
// CHECK: scf.forall
// CHECK: vector.contract
// CHECK: scf.forall
// CHECK: arith.maximumf
func.func @escaping_anchor(%a: tensor<128x16xf32>, %b: tensor<16x96xf32>) -> (tensor<128x96xf32>, tensor<128x96xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<128x96xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e0 : tensor<128x96xf32>) -> tensor<128x96xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<128x16xf32>, tensor<16x96xf32>) outs(%fill : tensor<128x96xf32>) -> tensor<128x96xf32>
  %e1 = tensor.empty() : tensor<128x96xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%mm : tensor<128x96xf32>) outs(%e1 : tensor<128x96xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.maximumf %x, %zero : f32
    linalg.yield %m : f32
  } -> tensor<128x96xf32>
  return %mm, %relu : tensor<128x96xf32>, tensor<128x96xf32>
}

// -----

// Symbolic H/W: a 1x1 conv + hard swish fuses like a static one. The conv runs once, per
// register tile inside the parallel loop over rows (tiling read the sizes of the values it
// tiled; resolved to the argument's dims, they no longer keep a whole, untiled conv alive).
// CHECK-LABEL: func.func @dynamic_conv_hard_swish
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
// CHECK-NOT: vector.contract
// CHECK: scf.forall (%{{.*}}) in (%{{.*}})
// CHECK: vector.contract {{.*}} into vector<1x8x32xf32>
// CHECK: arith.minimumf {{.*}} : vector<1x1x8x32xf32>
// CHECK: tensor.parallel_insert_slice
// CHECK-NOT: vector.contract
// CHECK: return
#bias = affine_map<(d0, d1, d2, d3) -> (d3)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @dynamic_conv_hard_swish(%x: tensor<1x?x?x64xf32>, %w: tensor<1x1x64x128xf32>, %b: tensor<128xf32>) -> tensor<1x?x?x128xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %one = arith.constant 1.0 : f32
  %half = arith.constant 0.5 : f32
  %sixth = arith.constant 0.166666672 : f32
  %zero = arith.constant 0.0 : f32
  %h = tensor.dim %x, %c1 : tensor<1x?x?x64xf32>
  %wd = tensor.dim %x, %c2 : tensor<1x?x?x64xf32>
  %e0 = tensor.empty(%h, %wd) : tensor<1x?x?x128xf32>
  %fill = linalg.generic {indexing_maps = [#bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<128xf32>) outs(%e0 : tensor<1x?x?x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x?x?x128xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x?x?x64xf32>, tensor<1x1x64x128xf32>) outs(%fill : tensor<1x?x?x128xf32>) -> tensor<1x?x?x128xf32>
  %e1 = tensor.empty(%h, %wd) : tensor<1x?x?x128xf32>
  %hs = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv : tensor<1x?x?x128xf32>) outs(%e1 : tensor<1x?x?x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %sixth : f32
    %1 = arith.addf %0, %half : f32
    %2 = arith.minimumf %1, %one : f32
    %3 = arith.maximumf %2, %zero : f32
    %4 = arith.mulf %in, %3 : f32
    linalg.yield %4 : f32
  } -> tensor<1x?x?x128xf32>
  return %hs : tensor<1x?x?x128xf32>
}

// -----

// A 1x1 conv with symbolic H/W as kiln-sink-row-reshapes leaves it: the matmul over the
// collapsed rows and its bias + clamp on those rows, the reshape back after them. The kernel
// fuses like a static matmul: a parallel loop over blocks of 60 rows, per 6x64 register tile
// the accumulator, then bias and clamp in registers; the reshape stays the last op.
// CHECK-LABEL: func.func @rows_then_reshape
// CHECK-SAME: kiln.codegen = {{{.*}}schedule = "par[60,0,0] cache[0,96,16] reg[6,64,4] (fused)"
// CHECK: scf.forall (%{{.*}}) = (0) to (%{{.*}}) step (60)
// CHECK: vector.contract {{.*}} into vector<6x64xf32>
// CHECK: arith.minimumf {{.*}} : vector<6x64xf32>
// CHECK: tensor.parallel_insert_slice
// CHECK: %[[OUT:.*]] = tensor.reshape
// CHECK: return %[[OUT]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @rows_then_reshape(%x: tensor<1x?x?x16xf32>, %w: tensor<16x96xf32>, %b: tensor<96xf32>) -> tensor<1x?x?x96xf32> attributes {kiln.kernel} {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c96 = arith.constant 96 : index
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %h = tensor.dim %x, %c1 : tensor<1x?x?x16xf32>
  %wd = tensor.dim %x, %c2 : tensor<1x?x?x16xf32>
  %rows = arith.muli %h, %wd : index
  %xc = tensor.collapse_shape %x [[0, 1, 2], [3]] : tensor<1x?x?x16xf32> into tensor<?x16xf32>
  %e = tensor.empty(%rows) : tensor<?x96xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x96xf32>) -> tensor<?x96xf32>
  %mm = linalg.matmul ins(%xc, %w : tensor<?x16xf32>, tensor<16x96xf32>) outs(%f : tensor<?x96xf32>) -> tensor<?x96xf32>
  %e1 = tensor.empty(%rows) : tensor<?x96xf32>
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %b : tensor<?x96xf32>, tensor<96xf32>) outs(%e1 : tensor<?x96xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %0 = arith.addf %in, %bias : f32
    %1 = arith.maximumf %0, %zero : f32
    %2 = arith.minimumf %1, %six : f32
    linalg.yield %2 : f32
  } -> tensor<?x96xf32>
  %shape = tensor.from_elements %c1, %h, %wd, %c96 : tensor<4xindex>
  %back = tensor.reshape %y(%shape) : (tensor<?x96xf32>, tensor<4xindex>) -> tensor<1x?x?x96xf32>
  return %back : tensor<1x?x?x96xf32>
}

// -----

// A cache tile past kMaxEpilogueTile shrinks along a dim only to a divisor no smaller than
// its register tile: ViT's 197 rows (a prime) have none against 6-row tiles, so the columns
// shrink (256 -> 64 per cache tile) and the rows stay whole in 6-row register tiles. Before,
// the rows shrank to 1: 1 x 64 register tiles, twice as slow. The report shows the tile as
// applied.
// CHECK-LABEL: func.func @prime_rows_bias
// CHECK-SAME: schedule = "par[0,256,0] cache[197,64,256] reg[6,64,4] (fused)"
// CHECK: scf.forall (%{{.*}}) = (0) to (3072) step (256)
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c64
// CHECK: scf.for %{{.*}} = %c0 to %c768 step %c256
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c6
// CHECK: vector.contract {{.*}} : vector<6x4xf32>, vector<4x64xf32> into vector<6x64xf32>
// CHECK-NOT: vector<1x4xf32>, vector<4x64xf32> into vector<1x64xf32>
// CHECK: tensor.parallel_insert_slice
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @prime_rows_bias(%a: tensor<197x768xf32>, %b: tensor<768x3072xf32>, %bias: tensor<3072xf32>) -> tensor<197x3072xf32> attributes {kiln.kernel} {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<197x3072xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e0 : tensor<197x3072xf32>) -> tensor<197x3072xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<197x768xf32>, tensor<768x3072xf32>) outs(%fill : tensor<197x3072xf32>) -> tensor<197x3072xf32>
  %e1 = tensor.empty() : tensor<197x3072xf32>
  %add = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %bias : tensor<197x3072xf32>, tensor<3072xf32>) outs(%e1 : tensor<197x3072xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<197x3072xf32>
  return %add : tensor<197x3072xf32>
}

// -----

// A fused tile of 64 columns over 88 (a tuned schedule, the reduction whole: register-level
// fusion) leaves 24 lanes: they run as tiles of 16 and 8 lanes, the fill, the product and the
// bias of each fused in it (no vector of 24 lanes).
// CHECK-LABEL: func.func @odd_lanes_fused
// CHECK-NOT: vector<{{[0-9]+}}x24xf32>
// CHECK: vector.contract {{.*}} into vector<6x64xf32>
// CHECK: arith.addf {{.*}} : vector<6x64xf32>
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: arith.addf {{.*}} : vector<6x16xf32>
// CHECK: vector.contract {{.*}} into vector<6x8xf32>
// CHECK: arith.addf {{.*}} : vector<6x8xf32>
// CHECK-NOT: vector<{{[0-9]+}}x24xf32>
// CHECK: return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row2 = affine_map<(d0, d1) -> (d1)>
func.func @odd_lanes_fused(%a: tensor<12x8xf32>, %b: tensor<8x88xf32>, %bias: tensor<88xf32>) -> tensor<12x88xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<12x88xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e0 : tensor<12x88xf32>) -> tensor<12x88xf32>
  %mm = linalg.matmul {kiln.schedule = {inner = array<i64: 6, 64, 4>}} ins(%a, %b : tensor<12x8xf32>, tensor<8x88xf32>) outs(%fill : tensor<12x88xf32>) -> tensor<12x88xf32>
  %e1 = tensor.empty() : tensor<12x88xf32>
  %add = linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%mm, %bias : tensor<12x88xf32>, tensor<88xf32>) outs(%e1 : tensor<12x88xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<12x88xf32>
  return %add : tensor<12x88xf32>
}
