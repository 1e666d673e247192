// The CUDA device: the arena, weights and scratch in device memory (the weights copied once
// at load); the PTX JIT-compiled by the driver once per artifact; every dispatch prepared at
// load as a launch with its pointer arguments; each run copies the bound inputs in, launches
// the plan in order on one stream and waits. Values are read back on demand (readValue).
#include "cuda/CudaExecutor.h"

#include "cpu/HostResources.h"
#include "cuda/CudaApi.h"
#include "gpu/GpuExecutor.h"
#include "src/Error.h"

#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace kiln {
namespace {
using namespace cuda;
using gpu::BindingRef;
using gpu::Dispatch;
using gpu::Kernel;

[[noreturn]] void loadError(const std::string &message) {
  throw Error(KILN_ERROR_KERNEL_LOAD, message);
}

/// One prepared kernel launch: its function, grid, block and pointer arguments.
struct Launch {
  CUfunction function = nullptr;
  std::array<uint32_t, 3> grid{1, 1, 1}, block{1, 1, 1};
  std::vector<CUdeviceptr> pointers;
  std::string what; ///< "steps[i] kernel 'k' dispatch j (node)", for errors
};

class CudaExecutor final : public gpu::GpuExecutor {
public:
  CudaExecutor(const Manifest &manifest, const std::string &dir, int device)
      : GpuExecutor(manifest, dir, "cuda"), hostArena_(manifest.arenaBytes),
        fresh_(manifest.values.size(), false) {
    try {
      createContext(device);
      createBuffers();
      loadModules();
      prepareLaunches();
    } catch (...) {
      destroy();
      throw;
    }
  }

  ~CudaExecutor() override { destroy(); }

  void writeValue(const ValueInfo &value, const void *data) override {
    size_t i = indexOf(value);
    makeCurrent();
    check(api_.cuMemcpyHtoDAsync(devicePointer(i), data, plan_.bytes[i], stream_),
          "copying value " + std::to_string(i) + " to the device", KILN_ERROR_INTERNAL);
    check(api_.cuStreamSynchronize(stream_), "cuStreamSynchronize", KILN_ERROR_INTERNAL);
    fresh_[i] = false;
  }

  const void *readValue(const ValueInfo &value) const override {
    size_t i = indexOf(value);
    if (value.storage != Storage::Arena)
      return weightsHost_->data() + plan_.offsets[i];
    if (!fresh_[i]) {
      makeCurrent();
      check(api_.cuMemcpyDtoHAsync(hostArena_.data() + plan_.offsets[i], devicePointer(i),
                                   plan_.bytes[i], stream_),
            "copying value " + std::to_string(i) + " from the device", KILN_ERROR_INTERNAL);
      check(api_.cuStreamSynchronize(stream_), "cuStreamSynchronize", KILN_ERROR_INTERNAL);
      fresh_[i] = true;
    }
    return hostArena_.data() + plan_.offsets[i];
  }

  void run() override {
    makeCurrent();
    for (size_t i = 0; i < external_.size(); ++i)
      if (external_[i])
        check(api_.cuMemcpyHtoDAsync(devicePointer(i), external_[i], plan_.bytes[i], stream_),
              "copying input value " + std::to_string(i) + " to the device",
              KILN_ERROR_INTERNAL);
    bool timed = profiling() && !events_.empty();
    for (size_t s = 0; s < stepLaunches_.size(); ++s) {
      if (timed)
        check(api_.cuEventRecord(events_[s], stream_), "cuEventRecord", KILN_ERROR_INTERNAL);
      for (size_t l : stepLaunches_[s])
        launch(launches_[l]);
    }
    if (timed)
      check(api_.cuEventRecord(events_.back(), stream_), "cuEventRecord", KILN_ERROR_INTERNAL);
    check(api_.cuStreamSynchronize(stream_), "running the plan (cuStreamSynchronize)",
          KILN_ERROR_INTERNAL);
    fresh_.assign(fresh_.size(), false);
    if (timed) {
      for (size_t s = 0; s + 1 < events_.size(); ++s) {
        float ms = 0;
        check(api_.cuEventElapsedTime(&ms, events_[s], events_[s + 1]), "cuEventElapsedTime",
              KILN_ERROR_INTERNAL);
        stepSeconds_[s] += double(ms) * 1e-3;
      }
      ++profiledRuns_;
    }
  }

private:
  CUdeviceptr devicePointer(size_t value) const {
    const ValueInfo &v = manifest_.values[value];
    return (v.storage == Storage::Arena ? arena_ : weights_) + plan_.offsets[value];
  }

  void check(CUresult result, const std::string &what, int status) const {
    api_.check(result, what, status);
  }

  /// The driver's current context is per thread: every entry point sets it.
  void makeCurrent() const {
    check(api_.cuCtxSetCurrent(context_), "cuCtxSetCurrent", KILN_ERROR_INTERNAL);
  }

  void createContext(int index) {
    api_.load();
    CUresult init = api_.cuInit(0);
    if (init == CUDA_ERROR_NO_DEVICE || init == CUDA_ERROR_STUB_LIBRARY ||
        init == CUDA_ERROR_INSUFFICIENT_DRIVER)
      loadError("no usable CUDA device: cuInit: " + api_.describe(init) +
                " (a cuda artifact needs an NVIDIA GPU with a driver for CUDA 12 or newer)");
    check(init, "cuInit", KILN_ERROR_KERNEL_LOAD);
    int count = 0;
    check(api_.cuDeviceGetCount(&count), "cuDeviceGetCount", KILN_ERROR_KERNEL_LOAD);
    if (count == 0)
      loadError("no CUDA device found");
    if (index < 0 || index >= count)
      loadError("CUDA device " + std::to_string(index) + " does not exist (" +
                std::to_string(count) + " device" + (count == 1 ? "" : "s") + ": 0.." +
                std::to_string(count - 1) + ")");
    check(api_.cuDeviceGet(&device_, index), "cuDeviceGet", KILN_ERROR_KERNEL_LOAD);
    char name[256] = {};
    check(api_.cuDeviceGetName(name, sizeof(name) - 1, device_), "cuDeviceGetName",
          KILN_ERROR_KERNEL_LOAD);
    deviceName_ = std::string("CUDA device ") + std::to_string(index) + " '" + name + "'";
    check(api_.cuDevicePrimaryCtxRetain(&context_, device_), "cuDevicePrimaryCtxRetain",
          KILN_ERROR_KERNEL_LOAD);
    retained_ = true;
    makeCurrent();
    for (int i = 0; i < 3; ++i) {
      check(api_.cuDeviceGetAttribute(&maxBlock_[i], CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X + i,
                                      device_),
            "cuDeviceGetAttribute", KILN_ERROR_KERNEL_LOAD);
      check(api_.cuDeviceGetAttribute(&maxGrid_[i], CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X + i,
                                      device_),
            "cuDeviceGetAttribute", KILN_ERROR_KERNEL_LOAD);
    }
    check(api_.cuStreamCreate(&stream_, 0), "cuStreamCreate", KILN_ERROR_KERNEL_LOAD);
  }

  CUdeviceptr allocate(uint64_t bytes, const char *what) {
    CUdeviceptr p = 0;
    check(api_.cuMemAlloc(&p, std::max<uint64_t>(bytes, 256)),
          std::string("allocating the ") + what + " (" + std::to_string(bytes) + " bytes) on " +
              deviceName_,
          KILN_ERROR_KERNEL_LOAD);
    allocations_.push_back(p);
    return p;
  }

  void createBuffers() {
    arena_ = allocate(manifest_.arenaBytes, "arena");
    // Zeroed like the CPU arena: nothing may depend on it, but runs are then reproducible.
    check(api_.cuMemsetD8Async(arena_, 0, std::max<uint64_t>(manifest_.arenaBytes, 256), stream_),
          "clearing the arena", KILN_ERROR_KERNEL_LOAD);
    weights_ = allocate(manifest_.weightsBytes, "weights");
    if (manifest_.weightsBytes) {
      weightsHost_ = std::make_unique<MappedFile>(dir_ + "/weights.bin", manifest_.weightsBytes);
      check(api_.cuMemcpyHtoDAsync(weights_, weightsHost_->data(), manifest_.weightsBytes,
                                   stream_),
            "copying the weights to the device", KILN_ERROR_KERNEL_LOAD);
    }
    scratch_ = allocate(largestScratch(), "scratch");
    check(api_.cuStreamSynchronize(stream_), "cuStreamSynchronize", KILN_ERROR_KERNEL_LOAD);
  }

  /// JIT-compiles each PTX file the dispatches name, once.
  void loadModules() {
    for (const auto &[name, kernel] : kernels_)
      for (const Dispatch &d : kernel.dispatches) {
        if (modules_.count(d.shader))
          continue;
        std::string path = dir_ + "/" + d.shader;
        std::ifstream in(path, std::ios::binary);
        if (!in)
          throw Error(KILN_ERROR_IO, path + ": cannot open the PTX");
        std::stringstream text;
        text << in.rdbuf();
        std::string ptx = text.str(); // NUL-terminated by c_str()
        if (ptx.find(".entry") == std::string::npos || ptx.find(".target") == std::string::npos)
          throw Error(KILN_ERROR_INVALID_ARTIFACT, path + ": not a PTX module");
        std::string log(8192, '\0');
        int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
        void *values[] = {log.data(), reinterpret_cast<void *>(uintptr_t(log.size()))};
        CUmodule module = nullptr;
        CUresult r = api_.cuModuleLoadDataEx(&module, ptx.c_str(), 2, options, values);
        if (r != CUDA_SUCCESS) {
          log.resize(std::strlen(log.c_str()));
          std::string hint = r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION
                                 ? " (the driver is older than the PTX: update it)"
                                 : "";
          loadError(path + ": " + deviceName_ + " cannot load the PTX: " + api_.describe(r) +
                    hint + (log.empty() ? "" : "\n" + log));
        }
        modules_[d.shader] = module;
      }
  }

  CUfunction functionOf(const std::string &kernel, const Dispatch &d) {
    std::string key = d.shader + ":" + d.entry;
    auto it = functions_.find(key);
    if (it != functions_.end())
      return it->second;
    CUfunction f = nullptr;
    CUresult r = api_.cuModuleGetFunction(&f, modules_.at(d.shader), d.entry.c_str());
    if (r != CUDA_SUCCESS)
      loadError("kernel '" + kernel + "': " + d.shader + " has no function '" + d.entry +
                "' (" + api_.describe(r) + ")");
    return functions_[key] = f;
  }

  /// Checks a dispatch against the device's and the function's limits, naming the kernel.
  void checkLimits(const std::string &kernel, const Dispatch &d, CUfunction f) {
    int maxThreads = 0;
    check(api_.cuFuncGetAttribute(&maxThreads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f),
          "cuFuncGetAttribute", KILN_ERROR_KERNEL_LOAD);
    uint64_t threads = uint64_t(d.workgroupSize[0]) * d.workgroupSize[1] * d.workgroupSize[2];
    std::string name = "kernel '" + kernel + "' (" + d.entry + ")";
    if (threads > uint64_t(maxThreads))
      loadError(name + " needs blocks of " + std::to_string(threads) + " threads; " +
                deviceName_ + " runs it with at most " + std::to_string(maxThreads));
    for (int i = 0; i < 3; ++i) {
      if (d.workgroupSize[i] > uint32_t(maxBlock_[i]))
        loadError(name + " block size " + std::to_string(d.workgroupSize[i]) + " in dim " +
                  std::to_string(i) + " exceeds the limit " + std::to_string(maxBlock_[i]) +
                  " of " + deviceName_);
      if (d.workgroups[i] > uint32_t(maxGrid_[i]))
        loadError(name + " launches " + std::to_string(d.workgroups[i]) + " blocks in dim " +
                  std::to_string(i) + "; " + deviceName_ + " allows " +
                  std::to_string(maxGrid_[i]));
    }
  }

  void prepareLaunches() {
    stepLaunches_.resize(manifest_.steps.size());
    for (size_t s = 0; s < manifest_.steps.size(); ++s) {
      const Step &step = manifest_.steps[s];
      const Kernel &kernel = kernels_.at(step.kernel);
      for (size_t i = 0; i < kernel.dispatches.size(); ++i) {
        const Dispatch &d = kernel.dispatches[i];
        Launch l;
        l.function = functionOf(step.kernel, d);
        checkLimits(step.kernel, d, l.function);
        l.grid = d.workgroups;
        l.block = d.workgroupSize;
        for (const BindingRef &ref : d.bindings)
          l.pointers.push_back(ref.scratch ? scratch_ + kernel.scratch[ref.index].offset
                                           : devicePointer(step.args[ref.index]));
        l.what = "steps[" + std::to_string(s) + "] kernel '" + step.kernel + "' dispatch " +
                 std::to_string(i) + (step.name.empty() ? "" : " (" + step.name + ")");
        stepLaunches_[s].push_back(launches_.size());
        launches_.push_back(std::move(l));
      }
    }
    events_.resize(manifest_.steps.size() + 1, nullptr);
    for (CUevent &e : events_)
      check(api_.cuEventCreate(&e, 0), "cuEventCreate", KILN_ERROR_KERNEL_LOAD);
  }

  void launch(Launch &l) {
    std::vector<void *> params(l.pointers.size());
    for (size_t i = 0; i < params.size(); ++i)
      params[i] = &l.pointers[i];
    check(api_.cuLaunchKernel(l.function, l.grid[0], l.grid[1], l.grid[2], l.block[0],
                              l.block[1], l.block[2], 0, stream_, params.data(), nullptr),
          "launching " + l.what, KILN_ERROR_INTERNAL);
  }

  void destroy() {
    if (!api_.library || !context_)
      return;
    api_.cuCtxSetCurrent(context_);
    if (stream_)
      api_.cuStreamSynchronize(stream_);
    for (CUevent e : events_)
      if (e)
        api_.cuEventDestroy(e);
    for (auto &[path, module] : modules_)
      api_.cuModuleUnload(module);
    for (CUdeviceptr p : allocations_)
      api_.cuMemFree(p);
    if (stream_)
      api_.cuStreamDestroy(stream_);
    if (retained_)
      api_.cuDevicePrimaryCtxRelease(device_);
    events_.clear();
    modules_.clear();
    allocations_.clear();
    stream_ = nullptr;
    context_ = nullptr;
  }

  Api api_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  bool retained_ = false;
  std::string deviceName_;
  int maxBlock_[3] = {}, maxGrid_[3] = {};
  CUstream stream_ = nullptr;
  CUdeviceptr arena_ = 0, weights_ = 0, scratch_ = 0;
  std::vector<CUdeviceptr> allocations_;
  std::unique_ptr<MappedFile> weightsHost_;
  std::map<std::string, CUmodule> modules_;
  std::map<std::string, CUfunction> functions_;
  std::vector<Launch> launches_;
  std::vector<std::vector<size_t>> stepLaunches_;
  std::vector<CUevent> events_;
  // Host copies of arena values, filled on demand by readValue after each run.
  AlignedBuffer hostArena_;
  mutable std::vector<bool> fresh_;
};
} // namespace

std::unique_ptr<Executor> createCudaExecutor(const Manifest &manifest, const std::string &dir,
                                             int device) {
  return std::make_unique<CudaExecutor>(manifest, dir, device);
}

} // namespace kiln
