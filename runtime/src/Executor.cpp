// The device registry: maps a manifest's target.kind to the Executor that runs
// it.
#include "src/Executor.h"

#include "cpu/CpuExecutor.h"
#include "src/Error.h"

namespace kiln {
namespace {

using ExecutorFactory = std::unique_ptr<Executor> (*)(const Manifest &,
                                                      const std::string &);

struct Device {
  const char *kind;
  ExecutorFactory create;
};

/// Every device this runtime was built with.
constexpr Device kDevices[] = {
    {"cpu", createCpuExecutor},
};

} // namespace

std::unique_ptr<Executor> createExecutor(const Manifest &manifest,
                                         const std::string &dir) {
  std::string known;
  for (const Device &device : kDevices) {
    if (manifest.targetKind == device.kind)
      return device.create(manifest, dir);
    known += (known.empty() ? "" : ", ") + std::string(device.kind);
  }
  throw Error(KILN_ERROR_INVALID_ARTIFACT,
              manifest.path + ": target.kind '" + manifest.targetKind +
                  "' is not supported by this runtime (supported: " + known +
                  ")");
}

} // namespace kiln
