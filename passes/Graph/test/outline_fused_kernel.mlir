// RUN: kiln-opt %s -kiln-outline-kernels | FileCheck %s

// A kiln.fused region becomes one kernel holding its body; values from above are its
// arguments (large constants, inputs) or clones (small constants).
// CHECK-LABEL: func.func @kiln_k0(%{{.*}}: tensor<1x4xf32>, %{{.*}}: tensor<4x100xf32>) -> tensor<1x100xf32>
// CHECK-SAME: kiln.op = "kiln.fused(matmul+mul+relu)"
// CHECK-NEXT: %[[TWO:.*]] = kiln.constant dense<2.000000e+00> : tensor<1xf32>
// CHECK-NEXT: %[[M:.*]] = kiln.matmul
// CHECK-NEXT: %[[S:.*]] = kiln.mul %[[M]], %[[TWO]]
// CHECK-NEXT: %[[R:.*]] = kiln.relu %[[S]]
// CHECK-NEXT: return %[[R]]
// CHECK-LABEL: func.func @main
// CHECK: %[[K:.*]] = call @kiln_k0(%arg0, %{{.*}})
// CHECK-NEXT: return %[[K]]
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x100xf32> {
  %w = kiln.constant dense<1.0> : tensor<4x100xf32>
  %two = kiln.constant dense<2.0> : tensor<1xf32>
  %0 = kiln.fused "matmul+mul+relu" -> tensor<1x100xf32> {
    %1 = kiln.matmul %x, %w : (tensor<1x4xf32>, tensor<4x100xf32>) -> tensor<1x100xf32>
    %2 = kiln.mul %1, %two : (tensor<1x100xf32>, tensor<1xf32>) -> tensor<1x100xf32>
    %3 = kiln.relu %2 : tensor<1x100xf32>
    kiln.yield %3 : tensor<1x100xf32>
  }
  return %0 : tensor<1x100xf32>
}
