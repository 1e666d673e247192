//===- CUDATarget.cpp - CUDA as a Target: one PTX module --------------------===//
#include "compiler/Target/CUDA/CUDATarget.h"
#include "compiler/Codegen/GPU/DispatchTable.h"
#include "compiler/Codegen/GPU/Passes.h"

#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>

using namespace mlir;

namespace kiln {
namespace {
/// Writes `text` to `path` (creating its folder).
LogicalResult writeText(ModuleOp module, StringRef path, StringRef text) {
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (!dir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(dir))
      return module.emitError("kiln: cannot create ") << dir << ": " << ec.message();
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return module.emitError("kiln: cannot write ") << path << ": " << ec.message();
  os << text;
  return success();
}

/// CUDA's libdevice (math functions as LLVM bitcode) under $CUDA_HOME, $CUDA_PATH or
/// /usr/local/cuda; empty when there is none.
std::string findLibdevice() {
  for (const char *env : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"}) {
    const char *root = std::getenv(env);
    if (!root || !*root)
      continue;
    llvm::SmallString<256> path(root);
    llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
    if (llvm::sys::fs::exists(path))
      return path.str().str();
  }
  const char *fallback = "/usr/local/cuda/nvvm/libdevice/libdevice.10.bc";
  return llvm::sys::fs::exists(fallback) ? fallback : "";
}

/// Without libdevice, a kernel that calls one of its functions cannot become valid PTX.
LogicalResult checkLibdevice(ModuleOp module, StringRef libdevice) {
  if (!libdevice.empty())
    return success();
  WalkResult result = module.walk([&](LLVM::LLVMFuncOp fn) {
    if (fn.isExternal() && fn.getName().starts_with("__nv_")) {
      fn.emitError("kiln: the kernels call ")
          << fn.getName()
          << " of CUDA's libdevice, which was not found: set CUDA_HOME to a CUDA toolkit "
             "(nvvm/libdevice/libdevice.10.bc)";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

class CUDATarget final : public Target {
public:
  explicit CUDATarget(StringRef gpuArch) : arch(gpuArch.str()) {}

  StringRef name() const override { return "cuda"; }
  StringRef device() const override { return "cuda"; }
  ArrayRef<StringRef> phases() const override {
    static const StringRef phases[] = {"gpu", "nvvm", "ptx"};
    return phases;
  }
  bool phaseWritesFiles(StringRef phase) const override { return phase == "ptx"; }
  GraphPolicy graphPolicy() const override {
    GraphPolicy policy;
    policy.computeF16InF32 = true;
    policy.vectorConvKernels = false;
    policy.int8GemmEpilogues = false;
    policy.fuseProducers = false;
    policy.inlineConstantLimit = 1;
    return policy;
  }

  LogicalResult verify(std::string &error) const override {
    if (llvm::Regex("^sm_[0-9]+a?$").match(arch))
      return success();
    error = "unknown GPU architecture '" + arch + "' (--gpu-arch sm_NN, e.g. sm_80, sm_90)";
    return failure();
  }

  LogicalResult emit(KernelEmission &e) const override {
    ModuleOp module = e.module;
    MLIRContext *ctx = module.getContext();
    auto start = std::chrono::steady_clock::now();
    FailureOr<bool> stop = lowerPlanKernels(e, "cuda", "gpu", buildGPUKernelPipeline);
    if (failed(stop) || *stop)
      return failure(failed(stop));
    PassManager nvvm(ctx);
    std::string libdevice = findLibdevice();
    buildNVVMPipeline(nvvm, arch, libdevice);
    if (failed(nvvm.run(module)) || failed(checkLibdevice(module, libdevice)))
      return failure();
    // After merging, each kernel is the function named for its old module.
    llvm::json::Object kernels;
    auto shader = [](StringRef, StringRef) { return std::string("cuda/kernels.ptx"); };
    auto entry = [](StringRef, StringRef entry) { return entry.str(); };
    for (const std::string &name : e.kernels) {
      auto fn = module.lookupSymbol<func::FuncOp>(name);
      llvm::json::Object kernel;
      if (!fn || failed(describeDispatches(fn, kernel, shader, entry)))
        return failure();
      kernels[name] = std::move(kernel);
    }
    if (e.phaseWanted("nvvm")) {
      FailureOr<bool> stop = e.phaseDone("nvvm");
      if (failed(stop) || *stop)
        return failure(failed(stop));
    }
    PassManager binary(ctx);
    GpuModuleToBinaryPassOptions toBinary;
    toBinary.compilationTarget = "isa";
    binary.addPass(createGpuModuleToBinaryPass(toBinary));
    if (failed(binary.run(module)))
      return failure();
    std::string ptx;
    for (auto bin : module.getOps<gpu::BinaryOp>())
      for (Attribute object : bin.getObjects())
        ptx += cast<gpu::ObjectAttr>(object).getObject().getValue().str();
    // LLVM ends the PTX string with a NUL byte, which ptxas takes for an early end of file.
    while (!ptx.empty() && ptx.back() == '\0')
      ptx.pop_back();
    if (ptx.empty())
      return module.emitError("kiln: the NVPTX back end produced no PTX");
    if (e.phaseWanted("ptx")) {
      if (!e.artifactDir.empty() && failed(writeText(module, e.artifactDir, ptx)))
        return failure();
      FailureOr<bool> stop = e.phaseDone("ptx");
      if (failed(stop) || *stop)
        return failure(failed(stop));
    }
    llvm::SmallString<256> path(e.artifactDir);
    llvm::sys::path::append(path, "cuda", "kernels.ptx");
    if (failed(writeText(module, path, ptx)))
      return failure();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    e.summary = llvm::formatv("PTX for {0}, {1} KB, {2:f2} s", arch, ptx.size() / 1024, s).str();
    e.manifestKernels = std::move(kernels);
    return success();
  }

private:
  std::string arch;
};
} // namespace

std::unique_ptr<Target> createCUDATarget(StringRef gpuArch) {
  return std::make_unique<CUDATarget>(gpuArch);
}
} // namespace kiln
