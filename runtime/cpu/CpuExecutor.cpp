// The CPU device: runs a plan's kernels from kernels.so over a host arena and
// mapped weights.
#include "cpu/CpuExecutor.h"

#include "cpu/HostResources.h"
#include "src/Error.h"

#include <chrono>
#include <cstring>
#include <unordered_map>

namespace kiln {
namespace {

/// The C signature of every compiled kernel.
using KernelFn = void (*)(void **args);

class CpuExecutor final : public Executor {
public:
  CpuExecutor(const Manifest &manifest, const std::string &dir)
      : weights_(dir + "/weights.bin", manifest.weightsBytes),
        arena_(manifest.arenaBytes), kernels_(dir + "/kernels.so") {
    bindSteps(manifest, dir + "/kernels.so");
    stepSeconds_.assign(steps_.size(), 0.0);
  }

  void writeValue(const ValueInfo &value, const void *data) override {
    std::memcpy(address(value), data, value.bytes);
  }

  const void *readValue(const ValueInfo &value) const override {
    return address(value);
  }

  void run() override {
    if (!profiling()) {
      for (const BoundStep &step : steps_)
        step.kernel(args_.data() + step.firstArg);
      return;
    }
    for (size_t i = 0; i < steps_.size(); ++i) {
      auto start = std::chrono::steady_clock::now();
      steps_[i].kernel(args_.data() + steps_[i].firstArg);
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      stepSeconds_[i] += elapsed.count();
    }
    ++profiledRuns_;
  }

private:
  struct BoundStep {
    KernelFn kernel;
    size_t firstArg; ///< index of the step's first pointer in args_
  };

  void *address(const ValueInfo &value) const {
    const uint8_t *base =
        value.storage == Storage::Arena ? arena_.data() : weights_.data();
    return const_cast<uint8_t *>(base) + value.offset;
  }

  /// Resolves every step's kernel up front and precomputes its argument
  /// pointers, so that run() is a plain loop of calls.
  void bindSteps(const Manifest &manifest, const std::string &libraryPath) {
    std::unordered_map<std::string, KernelFn> resolved;
    for (size_t i = 0; i < manifest.steps.size(); ++i) {
      const Step &step = manifest.steps[i];
      KernelFn &kernel = resolved[step.kernel];
      if (!kernel)
        kernel = reinterpret_cast<KernelFn>(kernels_.symbol(step.kernel));
      if (!kernel)
        throw Error(KILN_ERROR_KERNEL_LOAD,
                    libraryPath + ": missing kernel symbol '" + step.kernel +
                        "' needed by steps[" + std::to_string(i) + "]" +
                        (step.name.empty() ? "" : " (" + step.name + ")"));
      steps_.push_back({kernel, args_.size()});
      for (size_t arg : step.args)
        args_.push_back(address(manifest.values[arg]));
    }
  }

  MappedFile weights_;
  AlignedBuffer arena_;
  SharedLibrary kernels_;
  std::vector<BoundStep> steps_;
  std::vector<void *> args_;
};

} // namespace

std::unique_ptr<Executor> createCpuExecutor(const Manifest &manifest,
                                            const std::string &dir) {
  return std::make_unique<CpuExecutor>(manifest, dir);
}

} // namespace kiln
