// RUN: kiln-opt %s -kiln-outline-kernels | FileCheck %s

// Each compute op becomes a kernel; reshapes and large constants stay in @main for the plan,
// small constants are cloned into the kernel.
// CHECK-LABEL: func.func @kiln_k0(%{{.*}}: tensor<1x4xf32>, %{{.*}}: tensor<4x100xf32>) -> tensor<1x100xf32>
// CHECK-SAME: kiln.kernel
// CHECK-SAME: kiln.op = "kiln.matmul"
// CHECK: kiln.matmul
// CHECK-LABEL: func.func @kiln_k1(%{{.*}}: tensor<1x100xf32>) -> tensor<1x100xf32>
// CHECK: kiln.constant dense<2.000000e+00> : tensor<1xf32>
// CHECK: kiln.mul
// CHECK-LABEL: func.func @main
// CHECK: %[[W:.*]] = kiln.constant
// CHECK: %[[M:.*]] = call @kiln_k0(%arg0, %[[W]])
// CHECK: %[[S:.*]] = call @kiln_k1(%[[M]])
// CHECK: kiln.reshape %[[S]]
func.func @main(%x: tensor<1x4xf32>) -> tensor<100xf32> {
  %w = kiln.constant dense<1.0> : tensor<4x100xf32>
  %two = kiln.constant dense<2.0> : tensor<1xf32>
  %0 = kiln.matmul %x, %w : (tensor<1x4xf32>, tensor<4x100xf32>) -> tensor<1x100xf32>
  %1 = kiln.mul %0, %two : (tensor<1x100xf32>, tensor<1xf32>) -> tensor<1x100xf32>
  %2 = kiln.reshape %1 : tensor<1x100xf32> to tensor<100xf32>
  return %2 : tensor<100xf32>
}
