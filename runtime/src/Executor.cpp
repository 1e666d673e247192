// The device registry: maps a manifest's target.kind to the Executor that runs
// it.
#include "src/Executor.h"

#include "cpu/CpuExecutor.h"
#include "cuda/CudaExecutor.h"
#ifdef KILN_RUNTIME_VULKAN
#include "vulkan/VulkanExecutor.h"
#endif
#include "src/Error.h"

namespace kiln {
namespace {

using ExecutorFactory = std::unique_ptr<Executor> (*)(const Manifest &,
                                                      const std::string &, int device);

struct Device {
  const char *kind;
  ExecutorFactory create;
};

/// Every device this runtime was built with.
constexpr Device kDevices[] = {
    {"cpu",
     [](const Manifest &manifest, const std::string &dir, int) {
       return createCpuExecutor(manifest, dir);
     }},
#ifdef KILN_RUNTIME_VULKAN
    {"vulkan", createVulkanExecutor},
#endif
    {"cuda", createCudaExecutor},
};

} // namespace

std::unique_ptr<Executor> createExecutor(const Manifest &manifest,
                                         const std::string &dir, int device) {
  std::string known;
  for (const Device &d : kDevices) {
    if (manifest.targetKind == d.kind)
      return d.create(manifest, dir, device);
    known += (known.empty() ? "" : ", ") + std::string(d.kind);
  }
  throw Error(KILN_ERROR_INVALID_ARTIFACT,
              manifest.path + ": target.kind '" + manifest.targetKind +
                  "' is not supported by this runtime (supported: " + known +
                  ")");
}

} // namespace kiln
