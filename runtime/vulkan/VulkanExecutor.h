// The Vulkan device: runs a vulkan artifact's SPIR-V dispatches (runtime/README.md).
#ifndef KILN_RUNTIME_VULKAN_VULKANEXECUTOR_H
#define KILN_RUNTIME_VULKAN_VULKANEXECUTOR_H

#include "src/Executor.h"

#include <memory>
#include <string>

namespace kiln {

/// Loads libvulkan.so.1 (dlopen), picks physical device `device` (an index into
/// vkEnumeratePhysicalDevices), creates the arena, weights and scratch buffers, one compute
/// pipeline per dispatch and one command buffer for the whole plan. Throws kiln::Error
/// (KILN_ERROR_KERNEL_LOAD) naming what is missing: the loader, a driver, the device, or a
/// limit a dispatch exceeds (naming the kernel).
std::unique_ptr<Executor> createVulkanExecutor(const Manifest &manifest, const std::string &dir,
                                               int device);

} // namespace kiln

#endif // KILN_RUNTIME_VULKAN_VULKANEXECUTOR_H
