// RUN: kiln-opt %s -pass-pipeline='builtin.module(kiln-order-constant-globals)' | FileCheck %s

// Bufferization's constant globals, declared here in the reverse of their use and with
// suffixes that followed its visiting order, move to the top in the order the functions (in
// module order) first read them and take names in that order; a constant read twice keeps
// its first place; a global that is not a private constant, or that no one reads, stays.
// CHECK-LABEL: module
// CHECK-NEXT: memref.global "private" constant @__kiln_constant_0 : memref<4xf32> = dense<1.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__kiln_constant_1 : memref<4xf32> = dense<2.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__kiln_constant_2 : memref<2xf32> = dense<3.000000e+00>
// CHECK-NEXT: memref.global "private" @state : memref<4xf32>
// CHECK-NEXT: memref.global "private" constant @__constant_8xf32 : memref<8xf32>
// CHECK-LABEL: func.func @first
// CHECK: memref.get_global @__kiln_constant_0
// CHECK: memref.get_global @__kiln_constant_1
// CHECK: memref.get_global @state
// CHECK-LABEL: func.func @second
// CHECK: memref.get_global @__kiln_constant_1
// CHECK: memref.get_global @__kiln_constant_2
module {
  memref.global "private" constant @__constant_2xf32 : memref<2xf32> = dense<3.0>
  memref.global "private" @state : memref<4xf32>
  memref.global "private" constant @__constant_4xf32 : memref<4xf32> = dense<2.0>
  memref.global "private" constant @__constant_8xf32 : memref<8xf32> = dense<4.0>
  memref.global "private" constant @__constant_4xf32_0 : memref<4xf32> = dense<1.0>
  func.func @first() -> (memref<4xf32>, memref<4xf32>, memref<4xf32>) {
    %a = memref.get_global @__constant_4xf32_0 : memref<4xf32>
    %b = memref.get_global @__constant_4xf32 : memref<4xf32>
    %s = memref.get_global @state : memref<4xf32>
    return %a, %b, %s : memref<4xf32>, memref<4xf32>, memref<4xf32>
  }
  func.func @second() -> (memref<4xf32>, memref<2xf32>) {
    %b = memref.get_global @__constant_4xf32 : memref<4xf32>
    %c = memref.get_global @__constant_2xf32 : memref<2xf32>
    return %b, %c : memref<4xf32>, memref<2xf32>
  }
}
