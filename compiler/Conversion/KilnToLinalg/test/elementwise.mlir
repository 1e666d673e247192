// RUN: kiln-opt %s -kiln-to-linalg -split-input-file | FileCheck %s

// Binary ops: one generic, numpy broadcasting (size-1 dim → constant 0, lower rank → right-aligned).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[BA:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[BB:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<2x1x4xf32>, %[[B:.*]]: tensor<3x1xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3x4xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[BA]], #[[BB]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x1x4xf32>, tensor<3x1xf32>) outs(%[[E]] : tensor<2x3x4xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[S:.*]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK: linalg.yield %[[S]]
// CHECK: return %[[R]]
func.func @add_broadcast(%a: tensor<2x1x4xf32>, %b: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = kiln.add %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @arith_kinds
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.divf
// CHECK: arith.minimumf
// CHECK: arith.maximumf
func.func @arith_kinds(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.sub %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = kiln.mul %0, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = kiln.div %1, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = kiln.min %2, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = kiln.max %3, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %4 : tensor<4xf32>
}

// -----

// Integer arithmetic: signed division (never trapping: the divisor is 1 where it is 0 or -1,
// and the result is 0 or -x there), min/max, relu as maxsi, neg as 0 - x.
// CHECK-LABEL: func.func @integers
// CHECK: ^bb0(%[[X:.*]]: i64, %[[Y:.*]]: i64, %{{.*}}: i64):
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: %[[BY0:.*]] = arith.cmpi eq, %[[Y]], %[[ZERO]]
// CHECK: %[[M1:.*]] = arith.constant -1 : i64
// CHECK: %[[BYM1:.*]] = arith.cmpi eq, %[[Y]], %[[M1]]
// CHECK: %[[SPECIAL:.*]] = arith.ori %[[BY0]], %[[BYM1]]
// CHECK: %[[SAFE:.*]] = arith.select %[[SPECIAL]], %[[ONE]], %[[Y]]
// CHECK: %[[Q:.*]] = arith.divsi %[[X]], %[[SAFE]]
// CHECK: %[[NEGX:.*]] = arith.subi %[[ZERO]], %[[X]]
// CHECK: %[[Q2:.*]] = arith.select %[[BYM1]], %[[NEGX]], %[[Q]]
// CHECK: arith.select %[[BY0]], %[[ZERO]], %[[Q2]]
// CHECK: arith.minsi
// CHECK: arith.constant 0 : i64
// CHECK: arith.maxsi
// CHECK: arith.constant 0 : i64
// CHECK: arith.subi
// CHECK: math.absi
func.func @integers(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi64> {
  %0 = kiln.div %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %1 = kiln.min %0, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %2 = kiln.relu %1 : tensor<4xi64>
  %3 = kiln.neg %2 : tensor<4xi64>
  %4 = kiln.abs %3 : tensor<4xi64>
  return %4 : tensor<4xi64>
}

// -----

// CHECK-LABEL: func.func @compare_where
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpi slt
// CHECK: arith.cmpf ogt
// CHECK: linalg.generic
// CHECK: ^bb0(%[[C:.*]]: i1, %[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK: arith.select %[[C]], %[[X]], %[[Y]] : f32
func.func @compare_where(%a: tensor<4xf32>, %b: tensor<4xf32>, %i: tensor<4xi32>, %j: tensor<i32>) -> tensor<4xf32> {
  %0 = kiln.equal %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %1 = kiln.less %i, %j : (tensor<4xi32>, tensor<i32>) -> tensor<4xi1>
  %2 = kiln.greater %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %3 = kiln.where %2, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @unary_math
// CHECK: arith.maximumf
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: math.tanh
// CHECK: math.exp
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.erf
// CHECK: arith.negf
// CHECK: math.absf
// CHECK: arith.divf
// CHECK: math.floor
// CHECK: math.ceil
func.func @unary_math(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.relu %a : tensor<4xf32>
  %1 = kiln.sigmoid %0 : tensor<4xf32>
  %2 = kiln.tanh %1 : tensor<4xf32>
  %3 = kiln.exp %2 : tensor<4xf32>
  %4 = kiln.log %3 : tensor<4xf32>
  %5 = kiln.sqrt %4 : tensor<4xf32>
  %6 = kiln.erf %5 : tensor<4xf32>
  %7 = kiln.neg %6 : tensor<4xf32>
  %8 = kiln.abs %7 : tensor<4xf32>
  %9 = kiln.reciprocal %8 : tensor<4xf32>
  %10 = kiln.floor %9 : tensor<4xf32>
  %11 = kiln.ceil %10 : tensor<4xf32>
  return %11 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @activations
// clip: max(x, lo) then min(., hi)
// CHECK: arith.constant -1.000000e+00 : f32
// CHECK: arith.maximumf
// CHECK: arith.constant 6.000000e+00 : f32
// CHECK: arith.minimumf
// leaky_relu: x >= 0 ? x : alpha * x
// CHECK: arith.cmpf oge
// CHECK: arith.constant 1.000000e-01 : f32
// CHECK: arith.mulf
// CHECK: arith.select
// elu: x >= 0 ? x : alpha * (exp(x) - 1)
// CHECK: arith.cmpf oge
// CHECK: math.exp
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.select
// hard_sigmoid: clamp(alpha * x + beta, 0, 1)
// CHECK: arith.constant 2.000000e-01 : f32
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// hard_swish: x * clamp(x / 6 + 1/2, 0, 1)
// CHECK: arith.constant 0.166666672 : f32
// CHECK: arith.mulf
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK: arith.addf
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: arith.mulf
func.func @activations(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.clip %a {min = -1.0, max = 6.0} : tensor<4xf32>
  %1 = kiln.leaky_relu %0 {alpha = 0.1} : tensor<4xf32>
  %2 = kiln.elu %1 {alpha = 1.0} : tensor<4xf32>
  %3 = kiln.hard_sigmoid %2 {alpha = 0.2, beta = 0.5} : tensor<4xf32>
  %4 = kiln.hard_swish %3 : tensor<4xf32>
  return %4 : tensor<4xf32>
}

// -----

// pow with a constant splat exponent 2 → x * x, 0.5 → sqrt; otherwise math.powf. An integer
// base computes in f64 and truncates back (the CPU pipeline does not lower math.ipowi).
// CHECK-LABEL: func.func @pow
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : tensor<4xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: arith.mulf %[[X]], %[[X]] : f32
// CHECK: linalg.generic
// CHECK: math.sqrt
// CHECK: linalg.generic
// CHECK: math.powf
// CHECK: linalg.generic
// CHECK: arith.sitofp %{{.*}} : i32 to f32
// CHECK: math.powf
// CHECK: linalg.generic
// CHECK: arith.sitofp %{{.*}} : i32 to f64
// CHECK: arith.sitofp %{{.*}} : i32 to f64
// CHECK: math.powf %{{.*}}, %{{.*}} : f64
// CHECK: arith.fptosi %{{.*}} : f64 to i32
// CHECK-NOT: math.ipowi
func.func @pow(%a: tensor<4xf32>, %b: tensor<4xf32>, %e: tensor<4xi32>, %i: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>) {
  %two = kiln.constant dense<2.0> : tensor<f32>
  %half = kiln.constant dense<0.5> : tensor<1xf32>
  %0 = kiln.pow %a, %two : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = kiln.pow %0, %half : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  %2 = kiln.pow %1, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = kiln.pow %2, %e : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xf32>
  %4 = kiln.pow %i, %e : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %3, %4 : tensor<4xf32>, tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @casts
// CHECK: arith.fptosi %{{.*}} : f32 to i64
// CHECK: arith.sitofp %{{.*}} : i64 to f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: arith.cmpf une
// CHECK: arith.extui %{{.*}} : i1 to i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @casts(%a: tensor<4xf32>) -> (tensor<4xbf16>, tensor<4xi8>, tensor<4xf32>) {
  %0 = kiln.cast %a : tensor<4xf32> to tensor<4xi64>
  %1 = kiln.cast %0 : tensor<4xi64> to tensor<4xf16>
  %2 = kiln.cast %1 : tensor<4xf16> to tensor<4xbf16>
  %3 = kiln.cast %a : tensor<4xf32> to tensor<4xi1>
  %4 = kiln.cast %3 : tensor<4xi1> to tensor<4xi32>
  %5 = kiln.cast %4 : tensor<4xi32> to tensor<4xi8>
  %6 = kiln.cast %a : tensor<4xf32> to tensor<4xf32>
  return %2, %5, %6 : tensor<4xbf16>, tensor<4xi8>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @constant
// CHECK: %[[C:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: return %[[C]]
func.func @constant() -> tensor<2xf32> {
  %0 = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Logical ops on i1; mod with fmod (C remainder) and without (the sign follows the divisor).
// CHECK-LABEL: func.func @logic_mod
// CHECK: arith.andi %{{.*}}, %{{.*}} : i1
// CHECK: arith.ori %{{.*}}, %{{.*}} : i1
// CHECK: arith.xori %{{.*}}, %{{.*}} : i1
// CHECK: %[[TRUE:.*]] = arith.constant true
// CHECK: arith.xori %{{.*}}, %[[TRUE]] : i1
// CHECK: arith.remf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:.*]]: i32, %[[Y:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[RAW:.*]] = arith.remsi %[[X]], %{{.*}} : i32
// CHECK: %[[REM0:.*]] = arith.select %{{.*}}, %{{.*}}, %[[RAW]] : i32
// CHECK: %[[REM:.*]] = arith.select %{{.*}}, %{{.*}}, %[[REM0]] : i32
// CHECK: %[[NZ:.*]] = arith.cmpi ne, %[[REM]]
// CHECK: %[[RNEG:.*]] = arith.cmpi slt, %[[REM]]
// CHECK: %[[YNEG:.*]] = arith.cmpi slt, %[[Y]]
// CHECK: %[[DIFF:.*]] = arith.xori %[[RNEG]], %[[YNEG]] : i1
// CHECK: %[[FIX:.*]] = arith.andi %[[NZ]], %[[DIFF]] : i1
// CHECK: %[[SUM:.*]] = arith.addi %[[REM]], %[[Y]] : i32
// CHECK: arith.select %[[FIX]], %[[SUM]], %[[REM]] : i32
func.func @logic_mod(%a: tensor<4xi1>, %b: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xf32>, %i: tensor<4xi32>, %j: tensor<4xi32>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>, tensor<4xi32>) {
  %0 = kiln.and %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %1 = kiln.or %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %2 = kiln.xor %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %3 = kiln.not %a : tensor<4xi1>
  %4 = kiln.mod %x, %y {fmod = true} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %5 = kiln.mod %i, %j {fmod = false} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0, %1, %2, %3, %4, %5 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>, tensor<4xi32>
}

// -----

// round is round-half-even; sin/cos/atan/acos map to math ops; asin goes through atan; tan and
// the hyperbolic functions are composed of exp/log/sqrt/sin/cos in f64.
// CHECK-LABEL: func.func @trigonometry
// CHECK: math.roundeven %{{.*}} : f32
// CHECK: math.sin %{{.*}} : f32
// CHECK: math.cos %{{.*}} : f32
// CHECK: math.atan %{{.*}} : f32
// CHECK: math.acos %{{.*}} : f32
// CHECK: math.sqrt
// CHECK: math.atan
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK: math.sin %{{.*}} : f64
// CHECK: math.cos %{{.*}} : f64
// CHECK: arith.divf %{{.*}}, %{{.*}} : f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: math.exp %{{.*}} : f64
// CHECK: arith.subf %{{.*}}, %{{.*}} : f64
// CHECK: math.exp %{{.*}} : f64
// CHECK: arith.addf %{{.*}}, %{{.*}} : f64
// CHECK: math.log %{{.*}} : f64
// CHECK: math.copysign %{{.*}}, %{{.*}} : f64
// CHECK: math.log %{{.*}} : f64
// CHECK: math.log %{{.*}} : f64
// CHECK-NOT: math.tan
// CHECK-NOT: math.sinh
func.func @trigonometry(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.round %x : tensor<4xf32>
  %1 = kiln.sin %0 : tensor<4xf32>
  %2 = kiln.cos %1 : tensor<4xf32>
  %3 = kiln.atan %2 : tensor<4xf32>
  %4 = kiln.acos %3 : tensor<4xf32>
  %5 = kiln.asin %4 : tensor<4xf32>
  %6 = kiln.tan %5 : tensor<4xf32>
  %7 = kiln.sinh %6 : tensor<4xf32>
  %8 = kiln.cosh %7 : tensor<4xf32>
  %9 = kiln.asinh %8 : tensor<4xf32>
  %10 = kiln.acosh %9 : tensor<4xf32>
  %11 = kiln.atanh %10 : tensor<4xf32>
  return %11 : tensor<4xf32>
}
