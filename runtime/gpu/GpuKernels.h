// The `kernels_<device>` section of a GPU artifact's manifest (kernels_vulkan, kernels_cuda):
// per kernel, its scratch buffers and its dispatches (docs/artifact.md). Shared by the GPU
// devices of the runtime.
#ifndef KILN_RUNTIME_GPU_GPUKERNELS_H
#define KILN_RUNTIME_GPU_GPUKERNELS_H

#include "src/Manifest.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln::gpu {

/// What one buffer binding of a dispatch is (a storage buffer of descriptor set 0 on Vulkan, a
/// pointer parameter on CUDA, in order): argument `index` of the step (a plan value) or scratch
/// buffer `index` of the kernel.
struct BindingRef {
  bool scratch = false;
  size_t index = 0;
};

struct Dispatch {
  std::string shader; ///< the .spv or .ptx file, relative to the artifact folder
  std::string entry;  ///< the entry point (Vulkan) or kernel function (CUDA) in it
  std::array<uint32_t, 3> workgroups{1, 1, 1};
  std::array<uint32_t, 3> workgroupSize{1, 1, 1};
  std::vector<BindingRef> bindings;
};

struct Scratch {
  uint64_t offset = 0, bytes = 0;
};

struct Kernel {
  std::vector<Scratch> scratch;
  uint64_t scratchBytes = 0;
  std::vector<Dispatch> dispatches;
};

/// Reads `dir/manifest.json`'s `kernels_<device>` (device: "vulkan" or "cuda") and checks it
/// against `manifest`: every step's kernel is described, its bindings name existing arguments
/// and scratch buffers, and every step's `device` (when given) is `device`. Throws kiln::Error
/// (KILN_ERROR_INVALID_ARTIFACT) naming the field.
std::map<std::string, Kernel> readGpuKernels(const Manifest &manifest, const std::string &dir,
                                             const std::string &device);

} // namespace kiln::gpu

#endif // KILN_RUNTIME_GPU_GPUKERNELS_H
