// RUN: kiln-opt %s -pass-pipeline='builtin.module(kiln-gpu-merge-kernel-modules)' | FileCheck %s

// Two outlined launches of @k (both functions named @k_kernel) end up in one module, each
// function named for its old module.
// CHECK-LABEL: func.func @k
// CHECK: gpu.launch_func @kiln_kernels::@k_kernel blocks
// CHECK: gpu.launch_func @kiln_kernels::@k_kernel_0 blocks
// CHECK: gpu.module @kiln_kernels
// CHECK: gpu.func @k_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK: gpu.func @k_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @k(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @k_kernel::@k_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%a : memref<4xf32>)
    gpu.launch_func @k_kernel_0::@k_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
  gpu.module @k_kernel {
    gpu.func @k_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @k_kernel_0 {
    gpu.func @k_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}
