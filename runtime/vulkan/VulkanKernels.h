// The `kernels_vulkan` section of a vulkan artifact's manifest: per kernel, its scratch
// buffers and its dispatches (docs/artifact.md).
#ifndef KILN_RUNTIME_VULKAN_VULKANKERNELS_H
#define KILN_RUNTIME_VULKAN_VULKANKERNELS_H

#include "src/Manifest.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln::vulkan {

/// What one storage-buffer binding of a dispatch is: argument `index` of the step (a plan
/// value) or scratch buffer `index` of the kernel.
struct BindingRef {
  bool scratch = false;
  size_t index = 0;
};

struct Dispatch {
  std::string shader; ///< path of the .spv, relative to the artifact folder
  std::string entry;
  std::array<uint32_t, 3> workgroups{1, 1, 1};
  std::array<uint32_t, 3> workgroupSize{1, 1, 1};
  std::vector<BindingRef> bindings; ///< binding i of descriptor set 0
};

struct Scratch {
  uint64_t offset = 0, bytes = 0;
};

struct Kernel {
  std::vector<Scratch> scratch;
  uint64_t scratchBytes = 0;
  std::vector<Dispatch> dispatches;
};

/// Reads `dir/manifest.json`'s `kernels_vulkan` and checks it against `manifest`: every
/// step's kernel is described, its bindings name existing arguments and scratch buffers, and
/// every step's `device` (when given) is vulkan. Throws kiln::Error (KILN_ERROR_INVALID_ARTIFACT)
/// naming the field.
std::map<std::string, Kernel> readVulkanKernels(const Manifest &manifest, const std::string &dir);

} // namespace kiln::vulkan

#endif // KILN_RUNTIME_VULKAN_VULKANKERNELS_H
