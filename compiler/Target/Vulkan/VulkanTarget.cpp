//===- VulkanTarget.cpp - Vulkan as a Target: SPIR-V per dispatch ----------===//
#include "compiler/Target/Vulkan/VulkanTarget.h"
#include "compiler/Codegen/GPU/DispatchTable.h"
#include "compiler/Codegen/GPU/Passes.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/SPIRV/Serialization.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;

namespace kiln {
namespace {
/// Serializes every spirv.module to `dir/<gpu module>.spv`.
LogicalResult writeShaders(ModuleOp module, StringRef dir, int64_t &count) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return module.emitError("kiln: cannot create ") << dir << ": " << ec.message();
  for (auto spv : module.getOps<spirv::ModuleOp>()) {
    StringRef name = spv.getName().value_or("");
    if (!name.consume_front("__spv__"))
      return spv.emitError("kiln: unexpected SPIR-V module name ") << name;
    SmallVector<uint32_t> words;
    if (failed(spirv::serialize(spv, words)))
      return spv.emitError("kiln: SPIR-V serialization failed for kernel ") << name;
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name + ".spv");
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
    if (ec)
      return module.emitError("kiln: cannot write ") << path << ": " << ec.message();
    os.write(reinterpret_cast<const char *>(words.data()), words.size() * sizeof(uint32_t));
    ++count;
  }
  return success();
}

class VulkanTarget final : public Target {
public:
  StringRef name() const override { return "vulkan"; }
  StringRef device() const override { return "vulkan"; }
  ArrayRef<StringRef> phases() const override {
    static const StringRef phases[] = {"gpu", "spirv"};
    return phases;
  }
  bool phaseWritesFiles(StringRef phase) const override { return phase == "spirv"; }
  GraphPolicy graphPolicy() const override {
    GraphPolicy policy;
    // Storage of f16 needs the 16-bit storage capabilities, not in the base environment yet.
    policy.computeF16InF32 = true;
    policy.vectorConvKernels = false;
    policy.int8GemmEpilogues = false;
    policy.fuseProducers = false;
    policy.inlineConstantLimit = 1; // scalars become splats (fills); tables are weights
    return policy;
  }

  LogicalResult emit(KernelEmission &e) const override {
    ModuleOp module = e.module;
    MLIRContext *ctx = module.getContext();
    auto start = std::chrono::steady_clock::now();
    FailureOr<bool> stop = lowerPlanKernels(e, "vulkan", "gpu", buildGPUKernelPipeline);
    if (failed(stop) || *stop)
      return failure(failed(stop));
    llvm::json::Object kernels;
    for (const std::string &name : e.kernels) {
      auto fn = module.lookupSymbol<func::FuncOp>(name);
      if (!fn)
        return module.emitError("kiln: kernel '") << name << "' is missing after GPU codegen";
      llvm::json::Object kernel;
      auto shader = [](StringRef module, StringRef) { return ("spirv/" + module + ".spv").str(); };
      auto entry = [](StringRef, StringRef entry) { return entry.str(); };
      if (failed(describeDispatches(fn, kernel, shader, entry)))
        return failure();
      kernels[name] = std::move(kernel);
    }
    PassManager spirv(ctx);
    buildVulkanSPIRVPipeline(spirv);
    if (failed(spirv.run(module)))
      return failure();
    int64_t shaders = 0;
    if (e.phaseWanted("spirv")) {
      // --compile-to=spirv: the shaders themselves, straight into the -o folder (without a
      // folder, e.g. kiln.ir(): the IR is printed instead).
      if (!e.artifactDir.empty() && failed(writeShaders(module, e.artifactDir, shaders)))
        return failure();
      FailureOr<bool> stop = e.phaseDone("spirv");
      if (failed(stop) || *stop)
        return failure(failed(stop));
    }
    llvm::SmallString<256> dir(e.artifactDir);
    llvm::sys::path::append(dir, "spirv");
    shaders = 0;
    if (failed(writeShaders(module, dir, shaders)))
      return failure();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    e.summary = llvm::formatv("{0} SPIR-V shaders, {1:f2} s", shaders, s).str();
    e.manifestKernels = std::move(kernels);
    return success();
  }
};
} // namespace

std::unique_ptr<Target> createVulkanTarget() { return std::make_unique<VulkanTarget>(); }
} // namespace kiln
