// RUN: kiln-opt %s -pass-pipeline='builtin.module(kiln-gpu-kernels)' | FileCheck %s --check-prefix=GPU
// RUN: kiln-opt %s -pass-pipeline='builtin.module(kiln-gpu-kernels,kiln-vulkan-spirv)' | FileCheck %s --check-prefix=SPIRV

// A kernel (matmul + bias + relu in linalg on tensors) becomes a host function of launches
// over its arguments and scratch buffers, each launch a gpu.module; then SPIR-V for Vulkan.
// GPU-LABEL: func.func @kernel(%arg0: memref<4x8xf32>, %arg1: memref<8x16xf32>, %arg2: memref<16xf32>, %arg3: memref<4x16xf32>)
// GPU: %[[T:.*]] = memref.alloc() {{.*}} : memref<4x16xf32>
// GPU: gpu.launch_func @kernel_kernel::@kernel_kernel blocks in ({{.*}}) threads in ({{.*}}) args(%[[T]] : memref<4x16xf32>)
// GPU: gpu.launch_func @kernel_kernel_0::@kernel_kernel {{.*}} args(%arg0 : memref<4x8xf32>, %arg1 : memref<8x16xf32>, %[[T]] : memref<4x16xf32>)
// GPU: gpu.launch_func @kernel_kernel_1::@kernel_kernel {{.*}} args(%[[T]] : memref<4x16xf32>, %arg2 : memref<16xf32>, %arg3 : memref<4x16xf32>)
// GPU: gpu.module @kernel_kernel_0
// GPU: gpu.func @kernel_kernel(%{{.*}}: memref<4x8xf32>, %{{.*}}: memref<8x16xf32>, %{{.*}}: memref<4x16xf32>) kernel attributes {known_block_size = array<i32: 64, 1, 1>
// GPU: scf.for

// SPIRV: spirv.target_env = #spirv.target_env<#spirv.vce<v1.0, [Shader, Int64, Int16, Int8], [SPV_KHR_storage_buffer_storage_class]>, api=Vulkan
// SPIRV: spirv.module @__spv__kernel_kernel_0 Logical GLSL450
// SPIRV: spirv.GlobalVariable {{.*}} bind(0, 0) : !spirv.ptr<!spirv.struct<(!spirv.array<32 x f32, stride=4> [0])>, StorageBuffer>
// SPIRV: spirv.GlobalVariable {{.*}} bind(0, 1) : !spirv.ptr<!spirv.struct<(!spirv.array<128 x f32, stride=4> [0])>, StorageBuffer>
// SPIRV: spirv.GlobalVariable {{.*}} bind(0, 2) : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32, stride=4> [0])>, StorageBuffer>
// SPIRV: spirv.func @kernel_kernel
// SPIRV: spirv.mlir.loop
// SPIRV: spirv.EntryPoint "GLCompute" @kernel_kernel
// SPIRV: spirv.ExecutionMode @kernel_kernel "LocalSize", 64, 1, 1
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (j)>
func.func @kernel(%a: tensor<4x8xf32> {bufferization.writable = false},
                  %b: tensor<8x16xf32> {bufferization.writable = false},
                  %bias: tensor<16xf32> {bufferization.writable = false}) -> tensor<4x16xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %m = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %e2 = tensor.empty() : tensor<4x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m, %bias : tensor<4x16xf32>, tensor<16xf32>) outs(%e2 : tensor<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %t = arith.maximumf %s, %z : f32
    linalg.yield %t : f32
  } -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
