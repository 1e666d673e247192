//===- kiln-tune.cpp - tune a model's (or one workload's) kernels ---------===//
#include "autotune/TuningUtil.h"
#include "autotune/driver/Tuner.h"
#include "compiler/Import/ONNX/ONNXImporter.h"
#include "compiler/Pipeline/Compiler.h"
#include "compiler/Pipeline/Registration.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

#include <algorithm>
#include <cstdlib>
#include <exception>

namespace cl = llvm::cl;
using namespace kiln;

static cl::OptionCategory kilnCategory("kiln-tune options");
static cl::opt<std::string> modelPath(cl::Positional, cl::desc("[<model.onnx>]"),
                                      cl::cat(kilnCategory));
static cl::opt<std::string>
    workloadSpec("workload",
                 cl::desc("tune one workload: matmul:M,N,K, batch_matmul:B,M,N,K or "
                          "conv2d:N,C,H,W,K,R,S,stride,pad"),
                 cl::cat(kilnCategory));
static cl::opt<std::string> dbPath("db", cl::desc("tuning database (JSON lines)"), cl::Required,
                                   cl::cat(kilnCategory));
static cl::opt<std::string> target("target", cl::desc("target: cpu"), cl::init("cpu"),
                                   cl::cat(kilnCategory));
static cl::opt<std::string> cpu("cpu", cl::desc("CPU (as kiln-compile --cpu)"), cl::init("host"),
                                cl::cat(kilnCategory));
static cl::opt<unsigned> trials("trials", cl::desc("measurements over all tasks"), cl::init(64),
                                cl::cat(kilnCategory));
static cl::opt<unsigned> batch("batch", cl::desc("measurements per round"), cl::init(16),
                               cl::cat(kilnCategory));
static cl::opt<std::string> strategy("strategy", cl::desc("xgb | random"), cl::init("xgb"),
                                     cl::cat(kilnCategory));
static cl::opt<std::string> costModel(
    "cost-model",
    cl::desc("cost model of --strategy xgb and --evaluate-model: xgb (rank:pairwise) | xgb-reg "
             "(regression) | random (ablation)"),
    cl::init("xgb"), cl::cat(kilnCategory));
static cl::opt<unsigned> seed("seed", cl::desc("seed of every random choice"), cl::init(0),
                              cl::cat(kilnCategory));

/// `--threads T` (threads while timing) is taken out of argv before LLVM's option parser,
/// because LLVM itself registers a hidden global option of that name.
static int takeThreadsOption(int &argc, char **argv) {
  int threads = 1, out = 1;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg(argv[i]);
    if ((arg == "--threads" || arg == "-threads") && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
      continue;
    }
    if (arg.consume_front("--threads=") || arg.consume_front("-threads=")) {
      threads = std::atoi(arg.str().c_str());
      continue;
    }
    argv[out++] = argv[i];
  }
  argc = out;
  return std::max(threads, 1);
}
static cl::opt<unsigned> measureCheck(
    "measure-check",
    cl::desc("measure N random configs per task twice (current and old timing method), report "
             "how well the two runs agree (rank correlation), tune nothing"),
    cl::init(0), cl::cat(kilnCategory));
static cl::opt<unsigned> dumpFeatures(
    "dump-features",
    cl::desc("print the features of the default and N random configs per task (and the time "
             "one extraction takes), tune nothing"),
    cl::init(0), cl::cat(kilnCategory));
static cl::opt<std::string> evalTest(
    "evaluate-model",
    cl::desc("TEST.jsonl: ranking accuracy of the cost model trained on --db's records, on the "
             "records of TEST.jsonl (same workload, all, others only); tunes nothing"),
    cl::cat(kilnCategory));
static cl::opt<bool> allKernels("all-kernels", cl::desc("also tune elementwise/reduction kernels"),
                                cl::cat(kilnCategory));

/// The kernels to tune, in linalg, in `module`; errors are diagnostics.
static mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>> loadKernels(mlir::MLIRContext &ctx) {
  if (!workloadSpec.empty())
    return tune::buildWorkloadModule(ctx, workloadSpec);
  auto module = importONNXFile(ctx, modelPath);
  if (failed(module) || failed(lowerToLinalgKernels(module->get())))
    return mlir::failure();
  return std::move(*module);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  int threads = takeThreadsOption(argc, argv);
  cl::HideUnrelatedOptions(kilnCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "Kiln: tune kernel schedules into a database\n"
                              "  --threads T  threads while timing (default 1)\n");
  if (!evalTest.empty()) {
    try {
      tune::evaluateModel(dbPath, evalTest, costModel, llvm::errs());
    } catch (const std::exception &e) {
      llvm::errs() << "kiln-tune: error: " << e.what() << "\n";
      return 1;
    }
    return 0;
  }
  if (modelPath.empty() == workloadSpec.empty()) {
    llvm::errs() << "kiln-tune: error: give either a model or --workload SPEC\n";
    return 1;
  }
  if (target != "cpu") {
    llvm::errs() << "kiln-tune: error: unsupported target '" << target << "' (supported: cpu)\n";
    return 1;
  }
  mlir::DialectRegistry registry;
  registerKilnDialects(registry);
  registerKilnPasses();
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  mlir::ScopedDiagnosticHandler handler(&ctx, [](mlir::Diagnostic &d) {
    if (d.getSeverity() == mlir::DiagnosticSeverity::Error)
      llvm::errs() << "kiln-tune: error: " << d << "\n";
    return mlir::success();
  });
  std::string cpuError;
  if (failed(verifyCPUName(cpu, cpuError))) {
    llvm::errs() << "kiln-tune: error: " << cpuError << "\n";
    return 1;
  }
  auto module = loadKernels(ctx);
  if (failed(module))
    return 1;
  std::vector<std::pair<tune::Workload, int>> tasks;
  for (auto &task : tune::extractWorkloads(module->get()))
    if (allKernels || task.first.kind != tune::WorkloadKind::Generic)
      tasks.push_back(task);
  llvm::errs() << "kiln-tune: " << tasks.size() << " tasks\n";
  tune::TuneOptions options;
  options.dbPath = dbPath;
  options.strategy = strategy;
  options.costModel = costModel;
  options.trials = trials;
  options.batchSize = batch;
  options.seed = seed;
  options.runner.target.cpu = cpu;
  options.runner.threads = threads;
  try {
    if (dumpFeatures) {
      tune::dumpFeatures(tasks, options, dumpFeatures, llvm::outs());
      return 0;
    }
    if (measureCheck) {
      tune::checkMeasurement(tasks, options, measureCheck, llvm::errs());
      return 0;
    }
    tune::tune(tasks, options, llvm::errs());
  } catch (const std::exception &e) {
    llvm::errs() << "kiln-tune: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
