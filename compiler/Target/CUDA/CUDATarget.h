//===- CUDATarget.h - CUDA as a Target: the model's kernels as one PTX module ===//
//
// Kernels go through the GPU codegen (compiler/Codegen/GPU) as for Vulkan, then every kernel
// moves into one gpu.module, NVVM, and PTX for `--gpu-arch` (default sm_90) through LLVM's
// NVPTX back end. `--compile-to=ptx -o F.ptx` writes that PTX; an artifact holds it as
// `cuda/kernels.ptx` with the dispatches in the manifest's `kernels_cuda` (same form as
// `kernels_vulkan`; the entry point names the kernel inside the PTX). The runtime has no cuda
// device yet: such an artifact is compiled, not run.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_CUDA_CUDATARGET_H
#define KILN_TARGET_CUDA_CUDATARGET_H

#include "compiler/Target/Target.h"

#include <memory>

namespace kiln {
/// Phases `gpu`, `nvvm` (LLVM dialect + NVVM) and `ptx` (`--compile-to=ptx` writes the file).
std::unique_ptr<Target> createCUDATarget(llvm::StringRef gpuArch);
} // namespace kiln

#endif
