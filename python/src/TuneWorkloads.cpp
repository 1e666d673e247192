//===- TuneWorkloads.cpp - workloads, features and measurements for kiln.autotune -===//
//
// The MLIR side of the autotune bindings: nothing here throws or touches Python, so the
// bindings may call it with the GIL released and no exception crosses MLIR/LLVM frames.
//
//===----------------------------------------------------------------------===//
#include "TuneWorkloads.h"

#include "CompileDriver.h"

#include "autotune/features/Features.h"
#include "autotune/workload/Space.h"
#include "compiler/Import/ONNX/ONNXImporter.h"
#include "compiler/Pipeline/Compiler.h"
#include "compiler/Pipeline/Registration.h"
#include "compiler/Target/CPU/KernelLibrary.h"

#include "mlir/IR/Diagnostics.h"

#include <algorithm>

namespace kiln::python {
namespace {
/// A fresh context with every Kiln dialect loaded.
std::shared_ptr<TuneContext> newContext() {
  registerPassesOnce();
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  auto tc = std::make_shared<TuneContext>();
  tc->ctx = std::make_unique<mlir::MLIRContext>(registry);
  tc->ctx->loadAllAvailableDialects();
  tc->ctx->printOpOnDiagnostic(false);
  return tc;
}

/// Error diagnostics of the handler's lifetime, joined into one message.
struct ErrorCollector {
  explicit ErrorCollector(mlir::MLIRContext *ctx)
      : handler(ctx, [this](mlir::Diagnostic &d) {
          if (d.getSeverity() == mlir::DiagnosticSeverity::Error)
            text += (text.empty() ? "" : "\n") + d.str();
          return mlir::success();
        }) {}
  std::string text;
  mlir::ScopedDiagnosticHandler handler;
};

/// Fills `tc->tasks` from its module; false when no kernel is tunable.
bool collectTasks(TuneContext &tc, bool allKernels) {
  for (auto &[w, count] : tune::extractWorkloads(tc.module.get())) {
    if (!allKernels && w.kind == tune::WorkloadKind::Generic)
      continue;
    TuneTask t{w, count, tune::spaceFor(w), std::nullopt};
    t.defaultConfig = tune::defaultConfig(w, t.space);
    tc.tasks.push_back(std::move(t));
  }
  return !tc.tasks.empty();
}
} // namespace

TuneContext::~TuneContext() = default;

std::shared_ptr<TuneContext> loadWorkloadSpec(const std::string &spec, std::string &error) {
  std::shared_ptr<TuneContext> tc = newContext();
  ErrorCollector errors(tc->ctx.get());
  auto module = tune::buildWorkloadModule(*tc->ctx, spec);
  if (mlir::failed(module)) {
    error = errors.text.empty() ? "bad workload spec '" + spec + "'" : errors.text;
    return nullptr;
  }
  tc->module = std::move(*module);
  if (!collectTasks(*tc, /*allKernels=*/false)) {
    error = "workload spec '" + spec + "' has no tunable kernel";
    return nullptr;
  }
  return tc;
}

std::shared_ptr<TuneContext> loadModelWorkloads(const std::string &path, bool allKernels,
                                                std::string &error) {
  std::shared_ptr<TuneContext> tc = newContext();
  ErrorCollector errors(tc->ctx.get());
  auto module = kiln::importONNXFile(*tc->ctx, path);
  if (mlir::failed(module) || mlir::failed(kiln::lowerToLinalgKernels(module->get()))) {
    error = errors.text.empty() ? "cannot lower '" + path + "' to kernels" : errors.text;
    return nullptr;
  }
  tc->module = std::move(*module);
  collectTasks(*tc, allKernels); // a model without tunable kernels has no workloads
  return tc;
}

void extractFeatures(TuneContext &tc, size_t task, const std::vector<tune::Config> &configs,
                     float *out) {
  // A schedule the passes reject gets zero features with `dynamic_or_failed` set; its
  // diagnostics are not news.
  mlir::ScopedDiagnosticHandler quiet(tc.ctx.get(), [](mlir::Diagnostic &) {
    return mlir::success();
  });
  if (!tc.extractor)
    tc.extractor = std::make_unique<tune::FeatureExtractor>(tc.ctx.get());
  const TuneTask &t = tc.tasks[task];
  for (size_t i = 0; i < configs.size(); ++i) {
    std::vector<float> f =
        (*tc.extractor)(t.workload, tune::scheduleFor(t.workload, t.space, configs[i]));
    f.resize(tune::kFeatureLength, 0.0f);
    std::copy(f.begin(), f.end(), out + i * tune::kFeatureLength);
  }
}

std::vector<tune::Measurement> measureConfigs(TuneContext &tc, size_t task,
                                              const std::vector<tune::Config> &configs,
                                              const tune::RunnerOptions &options) {
  const TuneTask &t = tc.tasks[task];
  std::vector<Schedule> schedules;
  for (const tune::Config &c : configs)
    schedules.push_back(tune::scheduleFor(t.workload, t.space, c));
  tune::CPURunner runner(options);
  std::vector<tune::Measurement> ms = runner.run(t.workload, schedules);
  for (size_t i = 0; i < ms.size() && i < configs.size(); ++i)
    ms[i].config = configs[i];
  return ms;
}

std::string checkCPU(const std::string &cpu) {
  std::string error;
  return mlir::failed(kiln::verifyCPUName(cpu, error)) ? error : "";
}

} // namespace kiln::python
