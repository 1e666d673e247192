//===- VulkanTarget.h - Vulkan as a Target: one SPIR-V module per dispatch ===//
//
// Kernels go through the GPU codegen (compiler/Codegen/GPU): each plan kernel becomes a list
// of dispatches (gpu.launch_func) over its arguments and scratch buffers, each dispatch one
// SPIR-V compute shader (storage buffers at set 0, binding = argument position) written to
// `spirv/<dispatch>.spv` in the artifact. The manifest's `kernels_vulkan` says, per kernel,
// its scratch buffers and its dispatches: shader file, entry point, workgroup counts and
// what each binding is (docs/artifact.md).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_VULKAN_VULKANTARGET_H
#define KILN_TARGET_VULKAN_VULKANTARGET_H

#include "compiler/Target/Target.h"

#include <memory>

namespace kiln {
/// Phases `gpu` (host functions of gpu.launch_func + gpu.module kernels) and `spirv`
/// (spirv.module per kernel; `--compile-to=spirv` writes one .spv per dispatch to the folder).
std::unique_ptr<Target> createVulkanTarget();
} // namespace kiln

#endif
