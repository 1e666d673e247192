// The Vulkan device: host-visible buffers for the arena, weights and scratch; one compute
// pipeline per dispatch (one pipeline cache); the plan recorded once into one command buffer
// with a barrier after every dispatch; each run is one submit and a fence wait.
#include "vulkan/VulkanExecutor.h"

#include "cpu/HostResources.h"
#include "gpu/GpuExecutor.h"
#include "src/Error.h"
#include "vulkan/VulkanApi.h"

#include <cstring>
#include <fstream>
#include <map>

namespace kiln {
namespace {
using namespace vulkan;
using gpu::BindingRef;
using gpu::Dispatch;
using gpu::Kernel;

[[noreturn]] void loadError(const std::string &message) {
  throw Error(KILN_ERROR_KERNEL_LOAD, message);
}

/// A buffer with its own host-visible, coherent memory, mapped for its lifetime.
struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  uint8_t *mapped = nullptr;
  uint64_t bytes = 0;
};

class VulkanExecutor final : public gpu::GpuExecutor {
public:
  VulkanExecutor(const Manifest &manifest, const std::string &dir, int device)
      : GpuExecutor(manifest, dir, "vulkan") {
    try {
      createDevice(device);
      createBuffers();
      createPipelines();
      recordCommands();
    } catch (...) {
      destroy();
      throw;
    }
  }

  ~VulkanExecutor() override { destroy(); }

  void writeValue(const ValueInfo &value, const void *data) override {
    std::memcpy(address(value), data, plan_.bytes[indexOf(value)]);
  }

  const void *readValue(const ValueInfo &value) const override { return address(value); }

  void run() override {
    for (size_t i = 0; i < external_.size(); ++i)
      if (external_[i])
        std::memcpy(address(manifest_.values[i]), external_[i], plan_.bytes[i]);
    check(api_.vkResetFences(device_, 1, &fence_), "vkResetFences");
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands_;
    check(api_.vkQueueSubmit(queue_, 1, &submit, fence_), "vkQueueSubmit");
    check(api_.vkWaitForFences(device_, 1, &fence_, VK_TRUE, UINT64_MAX), "vkWaitForFences");
    if (profiling() && queries_ != VK_NULL_HANDLE) {
      std::vector<uint64_t> stamps(manifest_.steps.size() + 1);
      check(api_.vkGetQueryPoolResults(device_, queries_, 0, uint32_t(stamps.size()),
                                       stamps.size() * sizeof(uint64_t), stamps.data(),
                                       sizeof(uint64_t),
                                       VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
            "vkGetQueryPoolResults");
      for (size_t i = 0; i + 1 < stamps.size(); ++i)
        stepSeconds_[i] += double(stamps[i + 1] - stamps[i]) * timestampPeriod_ * 1e-9;
      ++profiledRuns_;
    }
  }

private:
  void *address(const ValueInfo &value) const {
    const Buffer &b = value.storage == Storage::Arena ? arena_ : weights_;
    return b.mapped + plan_.offsets[indexOf(value)];
  }

  void createDevice(int index) {
    api_.loadLibrary();
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "kiln";
    app.pEngineName = "kiln";
    app.apiVersion = VK_API_VERSION_1_1;
    VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    info.pApplicationInfo = &app;
    VkResult created = api_.vkCreateInstance(&info, nullptr, &instance_);
    if (created == VK_ERROR_INCOMPATIBLE_DRIVER || created == VK_ERROR_INITIALIZATION_FAILED)
      loadError("no Vulkan driver found (vkCreateInstance: " + resultName(created) +
                "): install one (Debian: mesa-vulkan-drivers for the CPU driver lavapipe) or "
                "check VK_ICD_FILENAMES / VK_DRIVER_FILES");
    check(created, "vkCreateInstance");
    api_.loadInstanceFunctions(instance_);
    uint32_t count = 0;
    check(api_.vkEnumeratePhysicalDevices(instance_, &count, nullptr),
          "vkEnumeratePhysicalDevices");
    if (count == 0)
      loadError("no Vulkan device found: the Vulkan loader sees no driver with a device "
                "(check VK_ICD_FILENAMES / VK_DRIVER_FILES, or install mesa-vulkan-drivers)");
    if (index < 0 || uint32_t(index) >= count)
      loadError("Vulkan device " + std::to_string(index) + " does not exist (" +
                std::to_string(count) + " device" + (count == 1 ? "" : "s") + ": 0.." +
                std::to_string(count - 1) + ")");
    std::vector<VkPhysicalDevice> devices(count);
    check(api_.vkEnumeratePhysicalDevices(instance_, &count, devices.data()),
          "vkEnumeratePhysicalDevices");
    physical_ = devices[size_t(index)];
    api_.vkGetPhysicalDeviceProperties(physical_, &properties_);
    VkPhysicalDeviceFeatures features{};
    api_.vkGetPhysicalDeviceFeatures(physical_, &features);
    if (!features.shaderInt64 || !features.shaderInt16)
      loadError(std::string("Vulkan device '") + properties_.deviceName +
                "' lacks a feature the kernels need (shaderInt64 and shaderInt16)");

    uint32_t families = 0;
    api_.vkGetPhysicalDeviceQueueFamilyProperties(physical_, &families, nullptr);
    std::vector<VkQueueFamilyProperties> props(families);
    api_.vkGetPhysicalDeviceQueueFamilyProperties(physical_, &families, props.data());
    family_ = UINT32_MAX;
    for (uint32_t i = 0; i < families && family_ == UINT32_MAX; ++i)
      if (props[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
        family_ = i;
    if (family_ == UINT32_MAX)
      loadError(std::string("Vulkan device '") + properties_.deviceName +
                "' has no compute queue");
    timestampBits_ = props[family_].timestampValidBits;
    timestampPeriod_ = properties_.limits.timestampPeriod;

    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    queue.queueFamilyIndex = family_;
    queue.queueCount = 1;
    queue.pQueuePriorities = &priority;
    VkPhysicalDeviceFeatures enabled{};
    enabled.shaderInt64 = VK_TRUE;
    enabled.shaderInt16 = VK_TRUE;
    VkDeviceCreateInfo deviceInfo{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    deviceInfo.queueCreateInfoCount = 1;
    deviceInfo.pQueueCreateInfos = &queue;
    deviceInfo.pEnabledFeatures = &enabled;
    check(api_.vkCreateDevice(physical_, &deviceInfo, nullptr, &device_), "vkCreateDevice");
    api_.loadDeviceFunctions(device_);
    api_.vkGetDeviceQueue(device_, family_, 0, &queue_);
  }

  Buffer createBuffer(uint64_t bytes, const char *what) {
    Buffer b;
    b.bytes = std::max<uint64_t>(bytes, 16);
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.size = b.bytes;
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    check(api_.vkCreateBuffer(device_, &info, nullptr, &b.buffer),
          std::string("vkCreateBuffer (") + what + ")");
    VkMemoryRequirements req;
    api_.vkGetBufferMemoryRequirements(device_, b.buffer, &req);
    VkPhysicalDeviceMemoryProperties memory;
    api_.vkGetPhysicalDeviceMemoryProperties(physical_, &memory);
    const VkMemoryPropertyFlags needed =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    uint32_t type = UINT32_MAX;
    for (uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
      VkMemoryPropertyFlags flags = memory.memoryTypes[i].propertyFlags;
      if (!(req.memoryTypeBits & (1u << i)) || (flags & needed) != needed)
        continue;
      bool local = flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
      if (type == UINT32_MAX || local)
        type = i;
      if (local)
        break;
    }
    if (type == UINT32_MAX)
      loadError(std::string("Vulkan device '") + properties_.deviceName +
                "' has no host-visible coherent memory for the " + what);
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = type;
    check(api_.vkAllocateMemory(device_, &alloc, nullptr, &b.memory),
          std::string("vkAllocateMemory (") + what + ", " + std::to_string(bytes) + " bytes)");
    check(api_.vkBindBufferMemory(device_, b.buffer, b.memory, 0), "vkBindBufferMemory");
    void *mapped = nullptr;
    check(api_.vkMapMemory(device_, b.memory, 0, VK_WHOLE_SIZE, 0, &mapped), "vkMapMemory");
    b.mapped = static_cast<uint8_t *>(mapped);
    return b;
  }

  void createBuffers() {
    arena_ = createBuffer(manifest_.arenaBytes, "arena");
    weights_ = createBuffer(manifest_.weightsBytes, "weights");
    if (manifest_.weightsBytes) {
      MappedFile file(dir_ + "/weights.bin", manifest_.weightsBytes);
      std::memcpy(weights_.mapped, file.data(), manifest_.weightsBytes);
    }
    scratch_ = createBuffer(largestScratch(), "scratch");
  }

  std::vector<uint32_t> readShader(const std::string &relative) {
    std::string path = dir_ + "/" + relative;
    std::ifstream in(path, std::ios::binary);
    if (!in)
      throw Error(KILN_ERROR_IO, path + ": cannot open the SPIR-V shader");
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    if (bytes.size() < 20 || bytes.size() % 4)
      throw Error(KILN_ERROR_INVALID_ARTIFACT, path + ": not a SPIR-V module");
    std::vector<uint32_t> words(bytes.size() / 4);
    std::memcpy(words.data(), bytes.data(), bytes.size());
    if (words[0] != 0x07230203)
      throw Error(KILN_ERROR_INVALID_ARTIFACT, path + ": not a SPIR-V module (bad magic)");
    return words;
  }

  /// Checks a dispatch against the device's limits, naming the kernel.
  void checkLimits(const std::string &kernel, const Dispatch &d) {
    const VkPhysicalDeviceLimits &limits = properties_.limits;
    uint64_t invocations = uint64_t(d.workgroupSize[0]) * d.workgroupSize[1] * d.workgroupSize[2];
    std::string device = std::string("Vulkan device '") + properties_.deviceName + "'";
    if (invocations > limits.maxComputeWorkGroupInvocations)
      loadError("kernel '" + kernel + "' (" + d.entry + ") needs workgroups of " +
                std::to_string(invocations) + " invocations; " + device + " allows " +
                std::to_string(limits.maxComputeWorkGroupInvocations));
    for (int i = 0; i < 3; ++i) {
      if (d.workgroupSize[i] > limits.maxComputeWorkGroupSize[i])
        loadError("kernel '" + kernel + "' (" + d.entry + ") workgroup size " +
                  std::to_string(d.workgroupSize[i]) + " in dim " + std::to_string(i) +
                  " exceeds the limit " + std::to_string(limits.maxComputeWorkGroupSize[i]) +
                  " of " + device);
      if (d.workgroups[i] > limits.maxComputeWorkGroupCount[i])
        loadError("kernel '" + kernel + "' (" + d.entry + ") dispatches " +
                  std::to_string(d.workgroups[i]) + " workgroups in dim " + std::to_string(i) +
                  "; " + device + " allows " +
                  std::to_string(limits.maxComputeWorkGroupCount[i]));
    }
    if (d.bindings.size() > limits.maxPerStageDescriptorStorageBuffers)
      loadError("kernel '" + kernel + "' (" + d.entry + ") binds " +
                std::to_string(d.bindings.size()) + " storage buffers; " + device +
                " allows " + std::to_string(limits.maxPerStageDescriptorStorageBuffers));
  }

  struct Pipeline {
    VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    VkPipeline pipeline = VK_NULL_HANDLE;
  };

  void createPipelines() {
    VkPipelineCacheCreateInfo cacheInfo{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    check(api_.vkCreatePipelineCache(device_, &cacheInfo, nullptr, &cache_),
          "vkCreatePipelineCache");
    for (const auto &[name, kernel] : kernels_) {
      for (const Dispatch &d : kernel.dispatches) {
        checkLimits(name, d);
        std::string key = d.shader + ":" + d.entry;
        if (pipelines_.count(key))
          continue;
        std::vector<uint32_t> words = readShader(d.shader);
        VkShaderModuleCreateInfo moduleInfo{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
        moduleInfo.codeSize = words.size() * 4;
        moduleInfo.pCode = words.data();
        VkShaderModule module;
        check(api_.vkCreateShaderModule(device_, &moduleInfo, nullptr, &module),
              "vkCreateShaderModule (" + d.shader + ")");
        Pipeline p;
        std::vector<VkDescriptorSetLayoutBinding> bindings(d.bindings.size());
        for (size_t i = 0; i < bindings.size(); ++i) {
          bindings[i].binding = uint32_t(i);
          bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
          bindings[i].descriptorCount = 1;
          bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
        }
        VkDescriptorSetLayoutCreateInfo setInfo{
            VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
        setInfo.bindingCount = uint32_t(bindings.size());
        setInfo.pBindings = bindings.data();
        VkResult r = api_.vkCreateDescriptorSetLayout(device_, &setInfo, nullptr, &p.setLayout);
        if (r == VK_SUCCESS) {
          VkPipelineLayoutCreateInfo layoutInfo{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
          layoutInfo.setLayoutCount = 1;
          layoutInfo.pSetLayouts = &p.setLayout;
          r = api_.vkCreatePipelineLayout(device_, &layoutInfo, nullptr, &p.layout);
        }
        if (r == VK_SUCCESS) {
          VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
          info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
          info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
          info.stage.module = module;
          info.stage.pName = d.entry.c_str();
          info.layout = p.layout;
          r = api_.vkCreateComputePipelines(device_, cache_, 1, &info, nullptr, &p.pipeline);
        }
        api_.vkDestroyShaderModule(device_, module, nullptr);
        pipelines_[key] = p; // destroyed with the others, also on failure
        check(r, "creating the compute pipeline of kernel '" + name + "' (" + d.shader + ")");
      }
    }
  }

  /// Where binding `ref` of step `step` points: buffer, offset and range.
  VkDescriptorBufferInfo bufferOf(const Step &step, const Kernel &kernel, const BindingRef &ref,
                                  const std::string &what) {
    VkDescriptorBufferInfo info{};
    if (ref.scratch) {
      info.buffer = scratch_.buffer;
      info.offset = kernel.scratch[ref.index].offset;
      info.range = std::max<uint64_t>(kernel.scratch[ref.index].bytes, 4);
    } else {
      size_t value = step.args[ref.index];
      const ValueInfo &v = manifest_.values[value];
      info.buffer = v.storage == Storage::Arena ? arena_.buffer : weights_.buffer;
      info.offset = plan_.offsets[value];
      info.range = std::max<uint64_t>(plan_.bytes[value], 4);
    }
    uint64_t align = properties_.limits.minStorageBufferOffsetAlignment;
    if (align && info.offset % align)
      loadError(what + ": buffer offset " + std::to_string(info.offset) +
                " is not a multiple of the device's minStorageBufferOffsetAlignment " +
                std::to_string(align));
    if (info.range > properties_.limits.maxStorageBufferRange)
      loadError(what + ": a buffer of " + std::to_string(info.range) +
                " bytes exceeds the device's maxStorageBufferRange " +
                std::to_string(properties_.limits.maxStorageBufferRange));
    return info;
  }

  void recordCommands() {
    uint32_t sets = 0, descriptors = 0;
    for (const Step &step : manifest_.steps)
      for (const Dispatch &d : kernels_.at(step.kernel).dispatches) {
        ++sets;
        descriptors += uint32_t(d.bindings.size());
      }
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, std::max(1u, descriptors)};
    VkDescriptorPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    poolInfo.maxSets = std::max(1u, sets);
    poolInfo.poolSizeCount = 1;
    poolInfo.pPoolSizes = &size;
    check(api_.vkCreateDescriptorPool(device_, &poolInfo, nullptr, &descriptorPool_),
          "vkCreateDescriptorPool");

    VkCommandPoolCreateInfo cmdPool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    cmdPool.queueFamilyIndex = family_;
    check(api_.vkCreateCommandPool(device_, &cmdPool, nullptr, &commandPool_),
          "vkCreateCommandPool");
    VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    alloc.commandPool = commandPool_;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    check(api_.vkAllocateCommandBuffers(device_, &alloc, &commands_), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fenceInfo{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    check(api_.vkCreateFence(device_, &fenceInfo, nullptr, &fence_), "vkCreateFence");
    uint32_t stamps = uint32_t(manifest_.steps.size() + 1);
    if (timestampBits_ > 0) {
      VkQueryPoolCreateInfo q{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
      q.queryType = VK_QUERY_TYPE_TIMESTAMP;
      q.queryCount = stamps;
      check(api_.vkCreateQueryPool(device_, &q, nullptr, &queries_), "vkCreateQueryPool");
    }

    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    check(api_.vkBeginCommandBuffer(commands_, &begin), "vkBeginCommandBuffer");
    if (queries_)
      api_.vkCmdResetQueryPool(commands_, queries_, 0, stamps);
    VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    for (size_t s = 0; s < manifest_.steps.size(); ++s) {
      const Step &step = manifest_.steps[s];
      const Kernel &kernel = kernels_.at(step.kernel);
      if (queries_)
        api_.vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, queries_,
                                 uint32_t(s));
      for (size_t i = 0; i < kernel.dispatches.size(); ++i) {
        const Dispatch &d = kernel.dispatches[i];
        const Pipeline &p = pipelines_.at(d.shader + ":" + d.entry);
        VkDescriptorSetAllocateInfo setAlloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
        setAlloc.descriptorPool = descriptorPool_;
        setAlloc.descriptorSetCount = 1;
        setAlloc.pSetLayouts = &p.setLayout;
        VkDescriptorSet set;
        check(api_.vkAllocateDescriptorSets(device_, &setAlloc, &set),
              "vkAllocateDescriptorSets");
        std::string what = "steps[" + std::to_string(s) + "] kernel '" + step.kernel +
                           "' dispatch " + std::to_string(i) +
                           (step.name.empty() ? "" : " (" + step.name + ")");
        std::vector<VkDescriptorBufferInfo> infos;
        for (const BindingRef &ref : d.bindings)
          infos.push_back(bufferOf(step, kernel, ref, what));
        std::vector<VkWriteDescriptorSet> writes(infos.size());
        for (size_t b = 0; b < infos.size(); ++b) {
          writes[b] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
          writes[b].dstSet = set;
          writes[b].dstBinding = uint32_t(b);
          writes[b].descriptorCount = 1;
          writes[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
          writes[b].pBufferInfo = &infos[b];
        }
        api_.vkUpdateDescriptorSets(device_, uint32_t(writes.size()), writes.data(), 0, nullptr);
        api_.vkCmdBindPipeline(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline);
        api_.vkCmdBindDescriptorSets(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout, 0, 1,
                                     &set, 0, nullptr);
        api_.vkCmdDispatch(commands_, d.workgroups[0], d.workgroups[1], d.workgroups[2]);
        // Every dispatch sees what the ones before it wrote.
        api_.vkCmdPipelineBarrier(commands_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                                  VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0,
                                  nullptr, 0, nullptr);
      }
    }
    if (queries_)
      api_.vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, queries_,
                               uint32_t(manifest_.steps.size()));
    // The host reads the results after the fence.
    VkMemoryBarrier toHost{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    toHost.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    toHost.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    api_.vkCmdPipelineBarrier(commands_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                              VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &toHost, 0, nullptr, 0, nullptr);
    check(api_.vkEndCommandBuffer(commands_), "vkEndCommandBuffer");
  }

  void destroyBuffer(Buffer &b) {
    if (b.memory)
      api_.vkFreeMemory(device_, b.memory, nullptr);
    if (b.buffer)
      api_.vkDestroyBuffer(device_, b.buffer, nullptr);
    b = Buffer{};
  }

  void destroy() {
    if (device_) {
      if (fence_)
        api_.vkDestroyFence(device_, fence_, nullptr);
      if (queries_)
        api_.vkDestroyQueryPool(device_, queries_, nullptr);
      if (commandPool_)
        api_.vkDestroyCommandPool(device_, commandPool_, nullptr);
      if (descriptorPool_)
        api_.vkDestroyDescriptorPool(device_, descriptorPool_, nullptr);
      for (auto &[key, p] : pipelines_) {
        if (p.pipeline)
          api_.vkDestroyPipeline(device_, p.pipeline, nullptr);
        if (p.layout)
          api_.vkDestroyPipelineLayout(device_, p.layout, nullptr);
        if (p.setLayout)
          api_.vkDestroyDescriptorSetLayout(device_, p.setLayout, nullptr);
      }
      if (cache_)
        api_.vkDestroyPipelineCache(device_, cache_, nullptr);
      destroyBuffer(arena_);
      destroyBuffer(weights_);
      destroyBuffer(scratch_);
      api_.vkDestroyDevice(device_, nullptr);
      device_ = VK_NULL_HANDLE;
    }
    if (instance_) {
      api_.vkDestroyInstance(instance_, nullptr);
      instance_ = VK_NULL_HANDLE;
    }
  }

  Api api_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties properties_{};
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t family_ = 0, timestampBits_ = 0;
  double timestampPeriod_ = 1;
  Buffer arena_, weights_, scratch_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::map<std::string, Pipeline> pipelines_;
  VkDescriptorPool descriptorPool_ = VK_NULL_HANDLE;
  VkCommandPool commandPool_ = VK_NULL_HANDLE;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
};
} // namespace

std::unique_ptr<Executor> createVulkanExecutor(const Manifest &manifest, const std::string &dir,
                                               int device) {
  return std::make_unique<VulkanExecutor>(manifest, dir, device);
}

} // namespace kiln
