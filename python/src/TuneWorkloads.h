//===- TuneWorkloads.h - tuning workloads for Python: MLIR side, errors as text -===//
#ifndef KILN_PYTHON_TUNEWORKLOADS_H
#define KILN_PYTHON_TUNEWORKLOADS_H

#include "autotune/Tuning.h"
#include "autotune/measure/CPURunner.h"
#include "autotune/workload/Workload.h"

#include "mlir/IR/MLIRContext.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kiln::tune {
class FeatureExtractor;
}

namespace kiln::python {

/// One workload of a TuneContext, with what Python asks of it most.
struct TuneTask {
  tune::Workload workload;
  int occurrences = 1;            ///< how often the model runs the kernel
  tune::SearchSpace space;        ///< spaceFor(workload)
  std::optional<tune::Config> defaultConfig;
};

/// An MLIRContext, the module of kernels built in it (from a workload spec or a model) and its
/// tunable workloads. Workloads keep op handles into the module, so they share its lifetime.
/// Every use of the context goes through `mutex` (taken with the GIL released).
struct TuneContext {
  std::unique_ptr<mlir::MLIRContext> ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::vector<TuneTask> tasks;
  std::unique_ptr<tune::FeatureExtractor> extractor; ///< created on first use
  std::mutex mutex;
  ~TuneContext();
};

/// The workloads of a spec (`matmul:M,N,K`, `batch_matmul:B,M,N,K`,
/// `conv2d:N,C,H,W,K,R,S,stride,pad`), or of an ONNX
/// model's kernels (`allKernels`: elementwise/reduction kernels too). Never throws: nullptr and
/// the error diagnostics in `error` on failure.
std::shared_ptr<TuneContext> loadWorkloadSpec(const std::string &spec, std::string &error);
std::shared_ptr<TuneContext> loadModelWorkloads(const std::string &path, bool allKernels,
                                                std::string &error);

/// Features of `configs` of task `task` (an empty config: the default heuristics) written into
/// `out` (configs.size() x kFeatureLength floats). The caller holds `tc.mutex`. Never throws.
void extractFeatures(TuneContext &tc, size_t task, const std::vector<tune::Config> &configs,
                     float *out);

/// Builds and times `configs` of task `task` with the CPU runner (configs are filled in).
/// The caller holds `tc.mutex`. Never throws (failures are Measurements with an error).
std::vector<tune::Measurement> measureConfigs(TuneContext &tc, size_t task,
                                              const std::vector<tune::Config> &configs,
                                              const tune::RunnerOptions &options);

/// "" when `cpu` names a CPU LLVM knows, else why not.
std::string checkCPU(const std::string &cpu);

} // namespace kiln::python

#endif
