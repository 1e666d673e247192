// The CUDA device: runs a cuda artifact's PTX kernels (runtime/README.md).
#ifndef KILN_RUNTIME_CUDA_CUDAEXECUTOR_H
#define KILN_RUNTIME_CUDA_CUDAEXECUTOR_H

#include "src/Executor.h"

#include <memory>
#include <string>

namespace kiln {

/// Loads libcuda.so.1 (dlopen), picks CUDA device `device`, JIT-compiles the artifact's PTX
/// (cuModuleLoadDataEx), allocates the arena, weights and scratch in device memory and
/// prepares one launch per dispatch on one stream. Throws kiln::Error (KILN_ERROR_KERNEL_LOAD)
/// naming what is missing: the driver, the device, a PTX the driver cannot compile (with its
/// log), or a limit a dispatch exceeds (naming the kernel).
std::unique_ptr<Executor> createCudaExecutor(const Manifest &manifest, const std::string &dir,
                                             int device);

} // namespace kiln

#endif // KILN_RUNTIME_CUDA_CUDAEXECUTOR_H
