// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-tile-and-vectorize))' | FileCheck %s

// No silent slow path: every kernel function gets `kiln.codegen` notes saying how many loop
// iterations stayed scalar and why, whether a loop runs on the thread pool, and its schedule.

// A large elementwise kernel: vectorized, split over threads.
// CHECK-LABEL: func @relu
// CHECK-SAME: kiln.codegen = {iterations = 262144 : i64, parallel = true, scalar_iterations = 0 : i64, schedule = "par[1,0] reg[0,64]"}
func.func @relu(%x: tensor<512x512xf32>) -> tensor<512x512xf32> attributes {kiln.kernel} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x512xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<512x512xf32>) outs(%e : tensor<512x512xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %z : f32
    linalg.yield %m : f32
  } -> tensor<512x512xf32>
  return %r : tensor<512x512xf32>
}

// -----

// Bool operands stay scalar: the notes count the iterations and name the reason.
// CHECK-LABEL: func @equal
// CHECK-SAME: scalar_iterations = 65536 : i64, scalar_reason = "linalg.generic: bool (i1) operands stay scalar"
func.func @equal(%x: tensor<256x256xf32>, %y: tensor<256x256xf32>) -> tensor<256x256xi1> attributes {kiln.kernel} {
  %e = tensor.empty() : tensor<256x256xi1>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %y : tensor<256x256xf32>, tensor<256x256xf32>) outs(%e : tensor<256x256xi1>) {
  ^bb0(%a: f32, %b: f32, %o: i1):
    %c = arith.cmpf oeq, %a, %b : f32
    linalg.yield %c : i1
  } -> tensor<256x256xi1>
  return %r : tensor<256x256xi1>
}

// -----

// A function that is no kernel (no `kiln.kernel`) gets no notes.
// CHECK-LABEL: func @helper
// CHECK-NOT: kiln.codegen
func.func @helper(%x: tensor<16xf32>) -> tensor<16xf32> {
  return %x : tensor<16xf32>
}
