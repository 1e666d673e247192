// RUN: kiln-opt %s -pass-pipeline='builtin.module(kiln-gpu-expand-math)' | FileCheck %s

// erf (GELU) has no SPIR-V instruction: a polynomial of arithmetic ops; exp stays.
// CHECK-LABEL: func @gelu_parts
// CHECK-NOT: math.erf
// CHECK: math.fma
// CHECK-NOT: math.erf
// CHECK: math.exp
func.func @gelu_parts(%x: f32) -> (f32, f32) {
  %e = math.erf %x : f32
  %x2 = math.exp %x : f32
  return %e, %x2 : f32, f32
}
