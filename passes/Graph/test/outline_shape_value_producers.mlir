// RUN: kiln-opt %s -kiln-outline-kernels | FileCheck %s

// A Range limit cast from an int graph input (small elementwise producers) is computed again
// inside the range's kernel, whose shape function then reads the graph input; the original
// cast stays for its other user.
// CHECK-LABEL: func.func @kiln_k0(%{{.*}}: tensor<i32>) -> tensor<f32>
// CHECK: kiln.cast
// CHECK-LABEL: func.func @kiln_k1(
// CHECK-SAME: %[[N:.*]]: tensor<i32>) -> tensor<?xf32>
// CHECK-SAME: kiln.op = "kiln.range"
// CHECK: %[[START:.*]] = kiln.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[ONE:.*]] = kiln.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[LIMIT:.*]] = kiln.cast %[[N]] : tensor<i32> to tensor<f32>
// CHECK-NOT: kiln.inline_producer
// CHECK: kiln.range %[[START]], %[[LIMIT]], %[[ONE]]
// CHECK-LABEL: func.func @main
// CHECK: %[[F:.*]] = call @kiln_k0(%arg0)
// CHECK: %[[R:.*]] = call @kiln_k1(%arg0)
// CHECK-NOT: kiln.cast
// CHECK: call @kiln_k2(%[[R]], %[[F]])
func.func @main(%n: tensor<i32>) -> tensor<?xf32> {
  %zero = kiln.constant dense<0.0> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %limit = kiln.cast %n : tensor<i32> to tensor<f32>
  %r = kiln.range %zero, %limit, %one : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  %d = kiln.div %r, %limit : (tensor<?xf32>, tensor<f32>) -> tensor<?xf32>
  return %d : tensor<?xf32>
}
