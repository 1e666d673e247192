// Loads libvulkan.so.1 at run time and resolves the functions the executor uses.
#include "vulkan/VulkanApi.h"

#include "src/Error.h"

#include <dlfcn.h>

namespace kiln::vulkan {

Api::~Api() {
  if (library)
    dlclose(library);
}

void Api::loadLibrary() {
  library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    throw Error(KILN_ERROR_KERNEL_LOAD,
                std::string("cannot load the Vulkan loader libvulkan.so.1 (") +
                    (why ? why : "not found") +
                    "): install a Vulkan loader and driver (Debian: libvulkan1 and "
                    "mesa-vulkan-drivers or the GPU vendor's driver)");
  }
  vkGetInstanceProcAddr =
      reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(library, "vkGetInstanceProcAddr"));
  if (!vkGetInstanceProcAddr)
    throw Error(KILN_ERROR_KERNEL_LOAD, "libvulkan.so.1 has no vkGetInstanceProcAddr");
  vkCreateInstance = reinterpret_cast<PFN_vkCreateInstance>(
      vkGetInstanceProcAddr(VK_NULL_HANDLE, "vkCreateInstance"));
  if (!vkCreateInstance)
    throw Error(KILN_ERROR_KERNEL_LOAD, "libvulkan.so.1 has no vkCreateInstance");
}

void Api::loadInstanceFunctions(VkInstance instance) {
#define KILN_VK_LOAD_INSTANCE(name)                                                       \
  name = reinterpret_cast<PFN_##name>(vkGetInstanceProcAddr(instance, #name));           \
  if (!name)                                                                              \
    throw Error(KILN_ERROR_KERNEL_LOAD, "the Vulkan loader has no " #name);
  KILN_VK_INSTANCE_FUNCTIONS(KILN_VK_LOAD_INSTANCE)
#undef KILN_VK_LOAD_INSTANCE
}

void Api::loadDeviceFunctions(VkDevice device) {
#define KILN_VK_LOAD_DEVICE(name)                                                         \
  name = reinterpret_cast<PFN_##name>(vkGetDeviceProcAddr(device, #name));                \
  if (!name)                                                                              \
    throw Error(KILN_ERROR_KERNEL_LOAD, "the Vulkan device has no " #name);
  KILN_VK_DEVICE_FUNCTIONS(KILN_VK_LOAD_DEVICE)
#undef KILN_VK_LOAD_DEVICE
}

std::string resultName(VkResult result) {
  switch (result) {
#define KILN_VK_RESULT(r)                                                                 \
  case r:                                                                                 \
    return #r;
    KILN_VK_RESULT(VK_SUCCESS)
    KILN_VK_RESULT(VK_NOT_READY)
    KILN_VK_RESULT(VK_TIMEOUT)
    KILN_VK_RESULT(VK_INCOMPLETE)
    KILN_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    KILN_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    KILN_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    KILN_VK_RESULT(VK_ERROR_DEVICE_LOST)
    KILN_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    KILN_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    KILN_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    KILN_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    KILN_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    KILN_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    KILN_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    KILN_VK_RESULT(VK_ERROR_INVALID_SHADER_NV)
#undef KILN_VK_RESULT
  default:
    return "VkResult " + std::to_string(int(result));
  }
}

void check(VkResult result, const std::string &what) {
  if (result == VK_SUCCESS)
    return;
  kiln_status status = result == VK_ERROR_OUT_OF_HOST_MEMORY ||
                               result == VK_ERROR_OUT_OF_DEVICE_MEMORY
                           ? KILN_ERROR_OUT_OF_MEMORY
                           : KILN_ERROR_KERNEL_LOAD;
  throw Error(status, "Vulkan: " + what + " failed: " + resultName(result));
}

} // namespace kiln::vulkan
