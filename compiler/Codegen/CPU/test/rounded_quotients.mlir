// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-rounded-quotients))' | FileCheck %s

// A quantization: a vector divided by a splat scale, then rounded. The divide becomes a
// multiply by the reciprocal and an FMA correction; an infinite first quotient is kept.
// CHECK-LABEL: func @quantize
// CHECK-DAG: %[[C:.*]] = arith.constant dense<1.000000e-01> : vector<16xf32>
// CHECK-DAG: %[[R:.*]] = arith.constant dense<1.000000e+01> : vector<16xf32>
// CHECK: %[[Q:.*]] = arith.mulf %arg0, %[[R]]
// CHECK: %[[NQ:.*]] = arith.negf %[[Q]]
// CHECK: %[[E:.*]] = math.fma %[[NQ]], %[[C]], %arg0
// CHECK: %[[Q2:.*]] = math.fma %[[E]], %[[R]], %[[Q]]
// CHECK: %[[A:.*]] = math.absf %[[Q]]
// CHECK: %[[INF:.*]] = arith.constant dense<0x7F800000> : vector<16xf32>
// CHECK: %[[I:.*]] = arith.cmpf oeq, %[[A]], %[[INF]]
// CHECK: %[[S:.*]] = arith.select %[[I]], %[[Q]], %[[Q2]]
// CHECK-NOT: arith.divf
// CHECK: math.roundeven %[[S]]
func.func @quantize(%x: vector<16xf32>) -> vector<16xf32> {
  %c = arith.constant dense<0.1> : vector<16xf32>
  %q = arith.divf %x, %c : vector<16xf32>
  %r = math.roundeven %q : vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// Per-lane scales (per channel) and a scalar division: each gets its own reciprocals.
// CHECK-LABEL: func @per_lane_and_scalar
// CHECK: arith.constant dense<[5.000000e-01, 2.500000e-01]> : vector<2xf32>
// CHECK: arith.constant 4.000000e+00 : f32
// CHECK-NOT: arith.divf
func.func @per_lane_and_scalar(%x: vector<2xf32>, %y: f32) -> (vector<2xf32>, f32) {
  %c = arith.constant dense<[2.0, 4.0]> : vector<2xf32>
  %q = arith.divf %x, %c : vector<2xf32>
  %r = math.roundeven %q : vector<2xf32>
  %s = arith.constant 0.25 : f32
  %p = arith.divf %y, %s : f32
  %t = math.round %p : f32
  return %r, %t : vector<2xf32>, f32
}

// -----

// Left as divides: a quotient used unrounded, a divisor that is not a constant, a subnormal
// divisor, a zero divisor, and an f64 division.
// CHECK-LABEL: func @kept
// CHECK-COUNT-5: arith.divf
// CHECK-NOT: math.fma
func.func @kept(%x: vector<4xf32>, %d: vector<4xf32>, %z: f64) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, f64) {
  %c = arith.constant dense<3.0> : vector<4xf32>
  %a = arith.divf %x, %c : vector<4xf32>
  %b = arith.divf %x, %d : vector<4xf32>
  %br = math.roundeven %b : vector<4xf32>
  %tiny = arith.constant dense<1.0e-40> : vector<4xf32>
  %t = arith.divf %x, %tiny : vector<4xf32>
  %tr = math.roundeven %t : vector<4xf32>
  %zero = arith.constant dense<0.0> : vector<4xf32>
  %u = arith.divf %x, %zero : vector<4xf32>
  %ur = math.roundeven %u : vector<4xf32>
  %c64 = arith.constant 3.0 : f64
  %w = arith.divf %z, %c64 : f64
  %wr = math.roundeven %w : f64
  return %a, %br, %tr, %ur, %wr : vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, f64
}

// -----

// An int8 GEMM's epilogue: int32 sums converted, scaled per channel (a weight argument whose
// values the compiler bounded, kiln.max_abs) and offset by a constant: the quotient cannot be
// infinite, no check is kept; the bound is dropped with the pass.
// CHECK-LABEL: func @bounded_epilogue
// CHECK-NOT: kiln.max_abs
// CHECK: %[[Q:.*]] = arith.mulf
// CHECK: math.fma
// CHECK: %[[Q2:.*]] = math.fma
// CHECK-NOT: arith.select
// CHECK: math.roundeven %[[Q2]]
func.func @bounded_epilogue(%acc: vector<16xi32>, %scales: memref<64xf32> {kiln.max_abs = 0.5 : f64}, %i: index) -> vector<16xf32> {
  %f0 = arith.constant 0.0 : f32
  %s = vector.transfer_read %scales[%i], %f0 {in_bounds = [true]} : memref<64xf32>, vector<16xf32>
  %x = arith.sitofp %acc : vector<16xi32> to vector<16xf32>
  %y = arith.mulf %x, %s : vector<16xf32>
  %bias = arith.constant dense<3.0> : vector<16xf32>
  %z = arith.addf %y, %bias : vector<16xf32>
  %c = arith.constant dense<0.02> : vector<16xf32>
  %q = arith.divf %z, %c : vector<16xf32>
  %r = math.roundeven %q : vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// The same with scales of unknown size (no bound): the check stays.
// CHECK-LABEL: func @unbounded_epilogue
// CHECK: math.fma
// CHECK: arith.select
func.func @unbounded_epilogue(%acc: vector<16xi32>, %scales: memref<64xf32>, %i: index) -> vector<16xf32> {
  %f0 = arith.constant 0.0 : f32
  %s = vector.transfer_read %scales[%i], %f0 {in_bounds = [true]} : memref<64xf32>, vector<16xf32>
  %x = arith.sitofp %acc : vector<16xi32> to vector<16xf32>
  %y = arith.mulf %x, %s : vector<16xf32>
  %c = arith.constant dense<0.02> : vector<16xf32>
  %q = arith.divf %y, %c : vector<16xf32>
  %r = math.roundeven %q : vector<16xf32>
  return %r : vector<16xf32>
}
