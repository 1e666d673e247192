// The Vulkan functions the executor uses, loaded from libvulkan.so.1 with dlopen: the
// runtime has no build-time or link-time Vulkan dependency (only the headers' types).
#ifndef KILN_RUNTIME_VULKAN_VULKANAPI_H
#define KILN_RUNTIME_VULKAN_VULKANAPI_H

#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan.h>

#include <string>

namespace kiln::vulkan {

#define KILN_VK_INSTANCE_FUNCTIONS(X)                                                    \
  X(vkDestroyInstance)                                                                   \
  X(vkEnumeratePhysicalDevices)                                                          \
  X(vkGetPhysicalDeviceProperties)                                                       \
  X(vkGetPhysicalDeviceQueueFamilyProperties)                                            \
  X(vkGetPhysicalDeviceMemoryProperties)                                                 \
  X(vkGetPhysicalDeviceFeatures)                                                         \
  X(vkCreateDevice)                                                                      \
  X(vkGetDeviceProcAddr)

#define KILN_VK_DEVICE_FUNCTIONS(X)                                                      \
  X(vkDestroyDevice)                                                                     \
  X(vkGetDeviceQueue)                                                                    \
  X(vkCreateBuffer)                                                                      \
  X(vkDestroyBuffer)                                                                     \
  X(vkGetBufferMemoryRequirements)                                                       \
  X(vkAllocateMemory)                                                                    \
  X(vkFreeMemory)                                                                        \
  X(vkBindBufferMemory)                                                                  \
  X(vkMapMemory)                                                                         \
  X(vkUnmapMemory)                                                                       \
  X(vkCreateShaderModule)                                                                \
  X(vkDestroyShaderModule)                                                               \
  X(vkCreatePipelineCache)                                                               \
  X(vkDestroyPipelineCache)                                                              \
  X(vkCreateDescriptorSetLayout)                                                         \
  X(vkDestroyDescriptorSetLayout)                                                        \
  X(vkCreatePipelineLayout)                                                              \
  X(vkDestroyPipelineLayout)                                                             \
  X(vkCreateComputePipelines)                                                            \
  X(vkDestroyPipeline)                                                                   \
  X(vkCreateDescriptorPool)                                                              \
  X(vkDestroyDescriptorPool)                                                             \
  X(vkAllocateDescriptorSets)                                                            \
  X(vkUpdateDescriptorSets)                                                              \
  X(vkCreateCommandPool)                                                                 \
  X(vkDestroyCommandPool)                                                                \
  X(vkAllocateCommandBuffers)                                                            \
  X(vkBeginCommandBuffer)                                                                \
  X(vkEndCommandBuffer)                                                                  \
  X(vkCmdBindPipeline)                                                                   \
  X(vkCmdBindDescriptorSets)                                                             \
  X(vkCmdDispatch)                                                                       \
  X(vkCmdPipelineBarrier)                                                                \
  X(vkCmdWriteTimestamp)                                                                 \
  X(vkCmdResetQueryPool)                                                                 \
  X(vkCreateQueryPool)                                                                   \
  X(vkDestroyQueryPool)                                                                  \
  X(vkGetQueryPoolResults)                                                               \
  X(vkCreateFence)                                                                       \
  X(vkDestroyFence)                                                                      \
  X(vkResetFences)                                                                       \
  X(vkWaitForFences)                                                                     \
  X(vkQueueSubmit)

#define KILN_VK_DECLARE(name) PFN_##name name = nullptr;

/// The loader library and the functions resolved from it. Instance functions are filled by
/// loadInstanceFunctions, device functions by loadDeviceFunctions.
struct Api {
  void *library = nullptr;
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
  PFN_vkCreateInstance vkCreateInstance = nullptr;
  KILN_VK_INSTANCE_FUNCTIONS(KILN_VK_DECLARE)
  KILN_VK_DEVICE_FUNCTIONS(KILN_VK_DECLARE)

  Api() = default;
  Api(const Api &) = delete;
  Api &operator=(const Api &) = delete;
  ~Api();

  /// dlopens libvulkan.so.1; throws kiln::Error (KILN_ERROR_KERNEL_LOAD) saying what to
  /// install when it is missing.
  void loadLibrary();
  void loadInstanceFunctions(VkInstance instance);
  void loadDeviceFunctions(VkDevice device);
};

/// "VK_ERROR_..." for a result code.
std::string resultName(VkResult result);

/// Throws kiln::Error (KILN_ERROR_KERNEL_LOAD) naming `what` and the result when `result`
/// is not VK_SUCCESS.
void check(VkResult result, const std::string &what);

} // namespace kiln::vulkan

#endif // KILN_RUNTIME_VULKAN_VULKANAPI_H
