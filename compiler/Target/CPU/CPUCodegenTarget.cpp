//===- CPUCodegenTarget.cpp - the CPU as a Target: kernels.so --------------===//
#include "compiler/Target/CPU/CPUCodegenTarget.h"
#include "compiler/Target/CPU/CPUTarget.h"
#include "compiler/Target/CPU/ParallelBuild.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace kiln {
namespace {
class CPUCodegenTarget final : public Target {
public:
  explicit CPUCodegenTarget(const CPUTargetOptions &options) : options(options) {}

  StringRef name() const override { return "cpu"; }
  StringRef device() const override { return "cpu"; }
  ArrayRef<StringRef> phases() const override {
    static const StringRef phases[] = {"llvm"};
    return phases;
  }
  GraphPolicy graphPolicy() const override { return {}; }

  LogicalResult verify(std::string &error) const override {
    return verifyCPUName(options.cpu, error);
  }

  void prepareModule(ModuleOp module) const override {
    // Checked by verify: the CPU name resolves.
    setTargetAttr(module, *resolveCPU(options.cpu));
  }

  LogicalResult emit(KernelEmission &e) const override {
    ModuleOp module = e.module;
    auto createFolder = [&]() -> LogicalResult {
      if (std::error_code ec = llvm::sys::fs::create_directories(e.artifactDir))
        return module.emitError("kiln: cannot create ") << e.artifactDir << ": " << ec.message();
      return success();
    };
    llvm::SmallString<256> so(e.artifactDir);
    llvm::sys::path::append(so, "kernels.so");
    BuildTimes times;
    if (e.phaseWanted("llvm")) {
      // The IR of the whole module is wanted: one partition, printed after lowering.
      if (failed(runCPUCodegen(module, e.notes)))
        return failure();
      FailureOr<bool> stop = e.phaseDone("llvm");
      if (failed(stop) || *stop)
        return failure(failed(stop));
      if (failed(createFolder()) || failed(emitKernelLibrary(module, e.kernels, options, so)))
        return failure();
    } else if (failed(createFolder()) ||
               failed(buildKernelLibrary(module, e.kernels, options, e.jobs, so, e.notes,
                                         &times))) {
      return failure();
    }
    e.summary = llvm::formatv("{0} threads: mlir {1:f2} s, llvm translate {2:f2} s, optimize "
                              "{3:f2} s, machine code {4:f2} s",
                              times.jobs, times.mlir, times.llvm.translate, times.llvm.optimize,
                              times.llvm.codegen)
                    .str();
    return success();
  }

private:
  CPUTargetOptions options;
};
} // namespace

std::unique_ptr<Target> createCPUTarget(const CPUTargetOptions &options) {
  return std::make_unique<CPUCodegenTarget>(options);
}
} // namespace kiln
