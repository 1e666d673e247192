// What the GPU devices (vulkan/, cuda/) share: a static plan, the kernels_<device> section, and
// model inputs copied into device memory at each run (device memory cannot alias host memory).
#ifndef KILN_RUNTIME_GPU_GPUEXECUTOR_H
#define KILN_RUNTIME_GPU_GPUEXECUTOR_H

#include "gpu/GpuKernels.h"
#include "src/Error.h"
#include "src/Executor.h"

#include <map>
#include <string>
#include <vector>

namespace kiln::gpu {

class GpuExecutor : public Executor {
public:
  void prepare(const std::vector<std::vector<int64_t>> &,
               const std::vector<const void *> &) override {}

  const ResolvedPlan &resolved() const override { return plan_; }

  void bindInput(const ValueInfo &value, const void *data) override {
    // Device buffers cannot alias host memory: the bytes are copied in at each run.
    external_[indexOf(value)] = data;
  }

protected:
  /// Checks that the plan is static and reads `kernels_<device>`; throws kiln::Error.
  GpuExecutor(const Manifest &manifest, const std::string &dir, const std::string &device)
      : manifest_(manifest), dir_(dir), plan_(staticPlan(manifest)),
        external_(manifest.values.size(), nullptr) {
    if (manifest.dynamic)
      throw Error(KILN_ERROR_INVALID_ARTIFACT,
                  dir + ": the " + device + " runtime supports static shapes only");
    kernels_ = readGpuKernels(manifest, dir, device);
    stepSeconds_.assign(manifest.steps.size(), 0.0);
  }

  size_t indexOf(const ValueInfo &value) const {
    return size_t(&value - manifest_.values.data());
  }

  /// The largest scratch area of any kernel (one buffer serves them all: steps run in order).
  uint64_t largestScratch() const {
    uint64_t bytes = 0;
    for (const auto &[name, kernel] : kernels_)
      bytes = std::max(bytes, kernel.scratchBytes);
    return bytes;
  }

  const Manifest &manifest_;
  std::string dir_;
  ResolvedPlan plan_;
  std::vector<const void *> external_; ///< per value: host bytes bound as an input, or null
  std::map<std::string, Kernel> kernels_;
};

} // namespace kiln::gpu

#endif // KILN_RUNTIME_GPU_GPUEXECUTOR_H
