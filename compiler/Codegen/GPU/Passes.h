//===- Passes.h - GPU code generation passes and pipelines ----------------===//
#ifndef KILN_CODEGEN_GPU_PASSES_H
#define KILN_CODEGEN_GPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace kiln {
#define GEN_PASS_DECL
#include "compiler/Codegen/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Codegen/GPU/Passes.h.inc"

/// Kernels on linalg-on-tensors → host functions of gpu.launch_func ops (arguments: the
/// step's memrefs, inputs then outputs; scratch buffers as memref.alloc) and one gpu.module
/// per launch. Target-neutral: the SPIR-V and NVVM back ends start from here.
void buildGPUKernelPipeline(mlir::OpPassManager &pm);

/// After buildGPUKernelPipeline: every gpu.module gets a spirv.module beside it (Vulkan,
/// storage buffers at set 0, binding = argument index), ready for spirv::serialize.
void buildVulkanSPIRVPipeline(mlir::OpPassManager &pm);

/// After buildGPUKernelPipeline: every kernel in one gpu.module (kiln_kernels) in the LLVM
/// dialect with NVVM intrinsics for `chip` (e.g. sm_90); gpu-module-to-binary makes PTX of it.
/// Kernel arguments are bare pointers (one per memref). `libdevice` (CUDA's
/// libdevice.10.bc, or empty) is linked into the module when PTX is made: math functions
/// (exp, tanh, ...) are calls to its __nv_* functions.
void buildNVVMPipeline(mlir::OpPassManager &pm, llvm::StringRef chip, llvm::StringRef libdevice);

/// Registers the passes above and the pipelines `kiln-gpu-kernels`, `kiln-vulkan-spirv`.
void registerGPUCodegenPasses();
} // namespace kiln

#endif
