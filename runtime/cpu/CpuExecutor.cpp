// The CPU device: runs a plan's kernels from kernels.so over a host arena and
// mapped weights.
#include "cpu/CpuExecutor.h"
#include "cpu/CpuFeatures.h"
#include "cpu/HeapPolicy.h"

#include "cpu/HostResources.h"
#include "src/Error.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <unordered_map>

namespace kiln {
namespace {

/// The C signature of every compiled kernel.
using KernelFn = void (*)(void **args);

/// `manifest` if this CPU has every ISA extension its kernels may use; else an error naming
/// what is missing (before the kernel library is even loaded).
const Manifest &checkCpu(const Manifest &manifest, const std::string &dir) {
  std::vector<std::string> missing = unsupportedCpuFeatures(manifest.targetIsa);
  if (missing.empty())
    return manifest;
  std::string list;
  for (const std::string &m : missing)
    list += (list.empty() ? "" : ", ") + m;
  throw Error(KILN_ERROR_KERNEL_LOAD,
              dir + ": the kernels were compiled for CPU '" + manifest.targetCpu +
                  "' and use " + list + ", which this CPU does not support" +
                  (std::find(missing.begin(), missing.end(), "amx-tile") != missing.end()
                       ? " (AMX tiles also need Linux 5.16 or later, which grants them on "
                         "request)"
                       : "") +
                  "; recompile with --cpu=host (or an older --cpu such as x86-64-v3)");
}

class CpuExecutor final : public Executor {
public:
  CpuExecutor(const Manifest &manifest, const std::string &dir)
      : manifest_(checkCpu(manifest, dir)),
        weights_(dir + "/weights.bin", manifest.weightsBytes), kernels_(dir + "/kernels.so"),
        plan_(staticPlan(manifest)), external_(manifest.values.size(), nullptr) {
    resolveKernels(dir + "/kernels.so");
    reuseLargeKernelAllocations();
    if (!manifest.dynamic) {
      reserveArena(0);
      bindArgs();
    }
    stepSeconds_.assign(manifest.steps.size(), 0.0);
  }

  void prepare(const std::vector<std::vector<int64_t>> &inputShapes,
               const std::vector<const void *> &inputData) override {
    // A static plan keeps the manifest's offsets (the C API checked the sizes). Shape values
    // may change with the same shapes: such a plan is resolved every time (host work only).
    if (!manifest_.dynamic ||
        (prepared_ && inputShapes == lastShapes_ && !manifest_.readsValues))
      return;
    inputData_ = inputData;
    lastShapes_ = inputShapes;
    prepared_ = false;
    // Shape values are read from the inputs and weights, and from kernel
    // results once the stage that computes them has run (the resolver asks only
    // then).
    HostData hostData = [this](size_t value) -> const void * {
      const ValueInfo &info = manifest_.values[value];
      if (info.storage == Storage::Weights)
        return weights_.data() + info.offset;
      for (size_t i = 0; i < manifest_.inputs.size(); ++i)
        if (manifest_.inputs[i].value == value)
          return i < inputData_.size() ? inputData_[i] : nullptr;
      return plan_.arenaOf[value] < arenas_.size() ? address(info) : nullptr;
    };
    resolver_.reset(); // it refers to plan_
    resolver_ = std::make_unique<StagedResolver>(manifest_, plan_, inputShapes,
                                                 shapeFunctions_, hostData);
    steps_.clear();
    args_.clear();
    resolveNextStage();
    prepared_ = true;
  }

  const ResolvedPlan &resolved() const override { return plan_; }

  void writeValue(const ValueInfo &value, const void *data) override {
    std::memcpy(address(value), data, plan_.bytes[indexOf(value)]);
  }

  void bindInput(const ValueInfo &value, const void *data) override {
    const void *&slot = external_[indexOf(value)];
    if (slot != data) {
      slot = data;
      bindArgs();
    }
  }

  const void *readValue(const ValueInfo &value) const override {
    return address(value);
  }

  void run() override {
    // A plan in stages resolves (and places) each stage after the one before
    // has run; a second run of one prepare() starts over from the first.
    if (resolver_ && steps_.size() > plan_.stageEnds.front())
      prepare(lastShapes_, inputData_);
    runSteps(0, steps_.size());
    while (resolver_ && !resolver_->done()) {
      size_t begin = resolveNextStage();
      runSteps(begin, steps_.size());
    }
    if (profiling())
      ++profiledRuns_;
  }

private:
  struct BoundStep {
    KernelFn kernel;
    size_t firstArg; ///< index of the step's first pointer in args_
  };

  void runSteps(size_t begin, size_t end) {
    if (!profiling()) {
      for (size_t i = begin; i < end; ++i)
        steps_[i].kernel(args_.data() + steps_[i].firstArg);
      return;
    }
    for (size_t i = begin; i < end; ++i) {
      auto start = std::chrono::steady_clock::now();
      steps_[i].kernel(args_.data() + steps_[i].firstArg);
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      stepSeconds_[i] += elapsed.count();
    }
  }

  /// Resolves the next stage of a dynamic plan, sizes its arena and binds its
  /// steps; returns its first step.
  size_t resolveNextStage() {
    size_t begin = resolver_->next();
    reserveArena(plan_.stageArenaBytes.size() - 1);
    bindSteps(begin, plan_.stageEnds.back());
    return begin;
  }

  /// Grows the arena of stage `stage` to the plan's size (kept between runs).
  void reserveArena(size_t stage) {
    uint64_t bytes = plan_.stageArenaBytes[stage];
    if (arenas_.size() <= stage)
      arenas_.resize(stage + 1);
    if (!arenas_[stage] || arenas_[stage]->size() < bytes)
      arenas_[stage] = std::make_unique<AlignedBuffer>(bytes);
  }

  size_t indexOf(const ValueInfo &value) const {
    return size_t(&value - manifest_.values.data());
  }

  /// Where the kernels find `value`: in the arena or the weights, or for an input bound with
  /// bindInput (and every view of it) in the host memory given there.
  void *address(const ValueInfo &value) const {
    size_t index = indexOf(value), root = manifest_.viewRoot(index);
    if (const void *data = external_[root]) {
      const auto *bytes = static_cast<const uint8_t *>(data);
      return const_cast<uint8_t *>(bytes) + (plan_.offsets[index] - plan_.offsets[root]);
    }
    const uint8_t *base = value.storage == Storage::Arena
                              ? arenas_[plan_.arenaOf[index]]->data()
                              : weights_.data();
    return const_cast<uint8_t *>(base) + plan_.offsets[index];
  }

  /// Resolves every step's kernel (and shape function) up front.
  void resolveKernels(const std::string &libraryPath) {
    std::unordered_map<std::string, void *> resolved;
    auto lookup = [&](const std::string &name, size_t i, const Step &step) {
      void *&symbol = resolved[name];
      if (!symbol)
        symbol = kernels_.symbol(name);
      if (!symbol)
        throw Error(KILN_ERROR_KERNEL_LOAD,
                    libraryPath + ": missing kernel symbol '" + name +
                        "' needed by steps[" + std::to_string(i) + "]" +
                        (step.name.empty() ? "" : " (" + step.name + ")"));
      return symbol;
    };
    for (size_t i = 0; i < manifest_.steps.size(); ++i) {
      const Step &step = manifest_.steps[i];
      kernelFns_.push_back(reinterpret_cast<KernelFn>(lookup(step.kernel, i, step)));
      shapeFunctions_.push_back(
          step.shapeFunction.empty()
              ? nullptr
              : reinterpret_cast<ShapeFunction>(lookup(step.shapeFunction, i, step)));
    }
  }

  /// Precomputes the argument pointers of every step resolved so far (values,
  /// then pointers to its dynamic dims), so that run() is a plain loop of
  /// calls.
  void bindArgs() {
    size_t resolved =
        manifest_.dynamic ? steps_.size() : manifest_.steps.size();
    steps_.clear();
    args_.clear();
    bindSteps(0, resolved);
  }

  void bindSteps(size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const Step &step = manifest_.steps[i];
      steps_.push_back({kernelFns_[i], args_.size()});
      for (size_t arg : step.args)
        args_.push_back(address(manifest_.values[arg]));
      for (int64_t &dim : plan_.stepDims[i])
        args_.push_back(&dim);
    }
  }

  const Manifest &manifest_;
  MappedFile weights_;
  SharedLibrary kernels_;
  std::vector<std::unique_ptr<AlignedBuffer>>
      arenas_; ///< per stage of the plan
  ResolvedPlan plan_;
  std::unique_ptr<StagedResolver>
      resolver_; ///< a dynamic plan's, as of the last prepare()
  std::vector<const void *> inputData_; ///< as of the last prepare()
  std::vector<const void *> external_; ///< per value: host memory bound by bindInput, or null
  std::vector<KernelFn> kernelFns_;
  std::vector<ShapeFunction> shapeFunctions_;
  std::vector<BoundStep> steps_;
  std::vector<void *> args_;
  std::vector<std::vector<int64_t>> lastShapes_;
  bool prepared_ = false;
};

} // namespace

std::unique_ptr<Executor> createCpuExecutor(const Manifest &manifest,
                                            const std::string &dir) {
  return std::make_unique<CpuExecutor>(manifest, dir);
}

} // namespace kiln
