//===- Compiler.cpp - runs the phases and writes the artifact -------------===//
#include "compiler/Pipeline/Compiler.h"
#include "compiler/Pipeline/ArtifactWriter.h"
#include "compiler/Pipeline/DedupeKernels.h"
#include "compiler/Pipeline/ExecutionPlan.h"
#include "compiler/Pipeline/KernelReport.h"
#include "compiler/Pipeline/PackPlanWeights.h"
#include "compiler/Pipeline/SilentPassFailure.h"
#include "compiler/Pipeline/TargetRegistry.h"
#include "compiler/Target/CPU/CPUTarget.h"

#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "passes/Fusion/Passes.h"
#include "passes/Quantization/Passes.h"
#include "passes/Graph/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <functional>
#include <map>

using namespace mlir;

namespace kiln {
llvm::ArrayRef<llvm::StringRef> pipelinePhases() {
  static const llvm::StringRef phases[] = {"import", "graph", "kernels", "linalg", "llvm"};
  return phases;
}

namespace {
/// The phases every target runs (the rest are the target's own).
constexpr llvm::StringLiteral kNeutralPhases[] = {"import", "graph", "kernels", "linalg"};
} // namespace

std::vector<std::string> pipelinePhases(llvm::StringRef targetName) {
  std::string error;
  std::unique_ptr<Target> target = createTarget(targetName, CPUTargetOptions(), error);
  if (!target)
    return {};
  std::vector<std::string> names(std::begin(kNeutralPhases), std::end(kNeutralPhases));
  for (StringRef p : target->phases())
    names.push_back(p.str());
  return names;
}

bool compileToWritesFiles(const CompileOptions &options) {
  std::string error;
  std::unique_ptr<Target> target = createTarget(options.target, options.cpu, error, options.gpuArch);
  return target && !options.compileTo.empty() && target->phaseWritesFiles(options.compileTo);
}

namespace {
class PhaseRunner {
public:
  PhaseRunner(ModuleOp module, const CompileOptions &options, llvm::raw_ostream &ir)
      : module(module), options(options), ir(ir) {}

  /// Runs `pm` (if any) as phase `name`; returns true when the pipeline must stop here.
  /// `start`: when the phase began, if its work was done before the call.
  FailureOr<bool> run(llvm::StringRef name, PassManager *pm,
                      std::optional<std::chrono::steady_clock::time_point> begun = {}) {
    auto start = begun ? *begun : std::chrono::steady_clock::now();
    if (pm && failed(runPhase(*pm, module, name)))
      return failure();
    report(name, start);
    if (options.dumpIrAfter == name || options.compileTo == name)
      module->print(ir, OpPrintingFlags().elideLargeElementsAttrs(16).enableDebugInfo(false));
    return options.compileTo == name;
  }

  void report(llvm::StringRef name, std::chrono::steady_clock::time_point start,
              llvm::StringRef detail = "") {
    if (!options.progress)
      return;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    llvm::errs() << llvm::formatv("kiln-compile: {0,-8} {1:f3} s{2}\n", name, s, detail);
  }

private:
  ModuleOp module;
  const CompileOptions &options;
  llvm::raw_ostream &ir;
};

/// Kernels never write their arguments (inputs may be weights or live values).
void markKernelArgsReadOnly(ModuleOp module) {
  module.walk([](func::FuncOp fn) {
    for (unsigned i = 0; i < fn.getNumArguments(); ++i)
      if (isa<TensorType>(fn.getArgument(i).getType()))
        fn.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                         BoolAttr::get(fn.getContext(), false));
  });
}

ArtifactInfo artifactInfo(ModuleOp module, const CompileOptions &options, const Target &target) {
  ArtifactInfo info;
  info.target = target.device().str();
  if (target.device() == "cpu") {
    info.cpu = options.cpu.cpu;
    if (std::optional<ResolvedCPU> cpu = resolveCPU(options.cpu.cpu)) {
      info.cpuName = cpu->name;
      info.isa = cpu->isa;
    }
    info.triple = kernelTargetTriple();
  }
  if (auto s = module->getAttrOfType<StringAttr>("kiln.source"))
    info.sourceModel = s.str();
  if (auto p = module->getAttrOfType<StringAttr>("kiln.producer"))
    info.producer = p.str();
  if (auto o = module->getAttrOfType<IntegerAttr>("kiln.opset"))
    info.opset = o.getInt();
  return info;
}

/// The phases up to kernels in linalg: graph passes, outlining, the execution plan (taken
/// from @main, which is then erased), kiln → linalg. `stopped` when a phase ended the pipeline.
struct FrontEnd {
  ExecutionPlan plan;
  ArtifactInfo info;
  bool stopped = false;
};

FailureOr<FrontEnd> runFrontEnd(ModuleOp module, PhaseRunner &phases,
                                const CompileOptions &options, const Target &target,
                                const std::function<void(PassManager &)> &extraLinalgPasses) {
  MLIRContext *ctx = module.getContext();
  FrontEnd out;
  GraphPolicy policy = target.graphPolicy();
  PassManager graph(ctx);
  if (policy.computeF16InF32) // no f16 arithmetic on x86
    graph.addNestedPass<func::FuncOp>(createComputeF16InF32());
  graph.addPass(createCanonicalizerPass());
  graph.addNestedPass<func::FuncOp>(createFoldEmptyTensors());
  graph.addPass(createCanonicalizerPass());
  graph.addNestedPass<func::FuncOp>(createFoldBatchNorm());
  graph.addNestedPass<func::FuncOp>(createPrunePaddingTaps());
  graph.addNestedPass<func::FuncOp>(createInt8GroupedConvInF32());
  graph.addNestedPass<func::FuncOp>(createDecomposeConvTranspose());
  graph.addNestedPass<func::FuncOp>(createConvertConvLayout());
  graph.addNestedPass<func::FuncOp>(createDecomposeConv3D());
  graph.addNestedPass<func::FuncOp>(createPropagateTransposes());
  graph.addNestedPass<func::FuncOp>(createSplitConvRegions());
  if (policy.vectorConvKernels)
    graph.addNestedPass<func::FuncOp>(createInt8MaxPool());
  graph.addNestedPass<func::FuncOp>(createInt8ConvIm2col({policy.vectorConvKernels}));
  if (options.winograd && policy.vectorConvKernels)
    graph.addNestedPass<func::FuncOp>(createWinogradConv({options.winogradTile}));
  graph.addNestedPass<func::FuncOp>(createConvToMatmul());
  graph.addNestedPass<func::FuncOp>(createSplitConcat());
  if (policy.vectorConvKernels) {
    graph.addNestedPass<func::FuncOp>(createDepthwiseConv());
    graph.addNestedPass<func::FuncOp>(createGroupedConv());
    graph.addNestedPass<func::FuncOp>(createInt8Depthwise());
  }
  graph.addNestedPass<func::FuncOp>(createExplicitConvPadding({policy.vectorConvKernels}));
  graph.addPass(createCanonicalizerPass());
  graph.addPass(createCSEPass());
  graph.addNestedPass<func::FuncOp>(createFormInt8MatMul());
  graph.addNestedPass<func::FuncOp>(createFormInt8FromQDQ());
  graph.addNestedPass<func::FuncOp>(createFoldByteRoundTrips());
  if (options.fuse) {
    graph.addNestedPass<func::FuncOp>(createRecognizeLayerNorm());
    graph.addNestedPass<func::FuncOp>(createSinkReshapes());
    FuseElementwiseOptions fusion;
    fusion.int8Epilogues = policy.int8GemmEpilogues;
    fusion.producers = policy.fuseProducers;
    graph.addNestedPass<func::FuncOp>(createFuseElementwise(fusion));
  }
  FailureOr<bool> stop = phases.run("graph", &graph);
  if (failed(stop) || (out.stopped = *stop))
    return failed(stop) ? FailureOr<FrontEnd>(failure()) : std::move(out);

  PassManager kernels(ctx);
  OutlineKernelsOptions outline;
  outline.inlineConstantLimit = policy.inlineConstantLimit;
  kernels.addPass(createOutlineKernels(outline));
  if (failed(stop = phases.run("kernels", &kernels)) || (out.stopped = *stop))
    return failed(stop) ? FailureOr<FrontEnd>(failure()) : std::move(out);

  auto main = module.lookupSymbol<func::FuncOp>("main");
  FailureOr<ExecutionPlan> plan = buildExecutionPlan(main);
  if (failed(plan))
    return failure();
  out.plan = std::move(*plan);
  out.info = artifactInfo(module, options, target);
  main.erase();

  PassManager linalg(ctx);
  linalg.addPass(createConvertKilnToLinalgPass({/*vectorCode=*/policy.vectorConvKernels}));
  linalg.addPass(createCanonicalizerPass());
  if (out.plan.dynamic) {
    linalg.addNestedPass<func::FuncOp>(createSinkRowReshapes());
    linalg.addPass(createShapeFunctionsPass());
  }
  if (extraLinalgPasses)
    extraLinalgPasses(linalg);
  if (failed(stop = phases.run("linalg", &linalg)))
    return failure();
  out.stopped = *stop;
  if (!out.stopped && out.plan.dynamic && failed(addShapeValueArgs(module, out.plan)))
    return failure();
  return std::move(out);
}

/// Kernel names in step order, each once.
std::vector<std::string> uniqueKernels(const ExecutionPlan &plan) {
  std::vector<std::string> names;
  llvm::StringSet<> seen;
  for (const PlanStep &s : plan.steps)
    if (seen.insert(s.kernel).second)
      names.push_back(s.kernel);
  return names;
}

LogicalResult lowerAndEmit(ModuleOp module, PhaseRunner &phases, StringRef artifactPath,
                           const CompileOptions &options, const Target &target) {
  FailureOr<FrontEnd> front =
      runFrontEnd(module, phases, options, target, options.extraLinalgPasses);
  if (failed(front) || front->stopped)
    return failure(failed(front));
  ExecutionPlan &plan = front->plan;
  int64_t shared = dedupeKernels(module, plan);
  std::vector<std::string> kernelNames = uniqueKernels(plan);
  std::map<std::string, KernelCost> costs;
  for (const std::string &name : kernelNames)
    if (auto fn = module.lookupSymbol<func::FuncOp>(name))
      costs[name] = estimateKernelCost(fn);

  markKernelArgsReadOnly(module);
  if (target.device() == "cpu")
    markWeightArgs(module, plan);
  target.prepareModule(module);
  auto start = std::chrono::steady_clock::now();
  KernelEmission emission;
  emission.module = module;
  emission.kernels = kernelNames;
  emission.artifactDir = artifactPath.str();
  emission.jobs = options.jobs;
  emission.phaseWanted = [&](StringRef name) {
    return options.dumpIrAfter == name || options.compileTo == name;
  };
  emission.phaseDone = [&](StringRef name) -> FailureOr<bool> {
    if (target.phaseWritesFiles(name) && options.compileTo == name && !artifactPath.empty()) {
      phases.report(name, start);
      return emission.stopped = true; // the target wrote the files; there is no IR to print
    }
    FailureOr<bool> stop = phases.run(name, nullptr, start);
    emission.stopped = succeeded(stop) && *stop;
    return stop;
  };
  if (failed(target.emit(emission)) || emission.stopped)
    return failure(!emission.stopped);
  phases.report("codegen", start,
                llvm::formatv(" ({0} kernels, {1} shared by identical steps; {2})",
                              kernelNames.size(), shared, emission.summary)
                    .str());

  std::map<std::string, std::vector<int64_t>> packed;
  for (auto &[name, notes] : emission.notes)
    if (!notes.packedArgs.empty()) {
      packed[name] = notes.packedArgs;
      notes.schedule += " B-panels"; // the manifest and --report say the weights are packed
    }
  packPlanWeights(plan, packed);
  annotatePlanSteps(plan, costs, emission.notes);
  if (!emission.notes.empty()) {
    // CPU notes: scalar or sequential loops are reported.
    warnAboutSlowKernels(module, plan);
    if (options.report)
      printKernelReport(*options.report, plan,
                        assumedPeaks(vectorTargetOf(module).lanes * 32, front->info.isa));
  }
  std::string error;
  front->info.tuningRecordsUsed = options.tuningRecordsUsed ? *options.tuningRecordsUsed
                                                            : std::vector<std::string>{};
  front->info.deviceKernels = std::move(emission.manifestKernels);
  // The target's AMX extensions are required of the machine that runs the artifact only where
  // a kernel uses the tiles (an fp32 model compiled on an AMX machine runs on any AVX-512 one
  // with the rest of its ISA).
  if (llvm::none_of(emission.notes, [](const auto &kv) { return kv.second.amxTiles; }))
    llvm::erase_if(front->info.isa, [](const std::string &name) {
      return llvm::StringRef(name).starts_with("amx-");
    });
  if (!writeArtifactFiles(artifactPath, plan, front->info, error))
    return module.emitError("kiln: ") << error;
  return success();
}
} // namespace

LogicalResult compileModule(ModuleOp module, StringRef artifactPath, const CompileOptions &options,
                            llvm::raw_ostream &irOutput) {
  std::string error;
  std::unique_ptr<Target> target = createTarget(options.target, options.cpu, error, options.gpuArch);
  if (!target || failed(target->verify(error)))
    return module.emitError("kiln: ") << error;
  for (StringRef phase : {StringRef(options.dumpIrAfter), StringRef(options.compileTo)}) {
    if (phase.empty() || llvm::is_contained(kNeutralPhases, phase) ||
        llvm::is_contained(target->phases(), phase))
      continue;
    std::string names;
    for (StringRef p : kNeutralPhases)
      names += p.str() + ", ";
    names += llvm::join(target->phases(), ", ");
    return module.emitError("kiln: unknown phase '")
           << phase << "' for target " << target->name() << " (phases: " << names << ")";
  }
  PhaseRunner phases(module, options, irOutput);
  FailureOr<bool> stop = phases.run("import", nullptr);
  if (failed(stop) || *stop)
    return failure(failed(stop));
  LogicalResult result = lowerAndEmit(module, phases, artifactPath, options, *target);
  // A phase that stopped the pipeline on purpose returns failure(false) == success.
  return result;
}

FailureOr<ExecutionPlan> lowerToLinalgKernels(ModuleOp module, StringRef cpu, bool winograd) {
  std::optional<ResolvedCPU> target = resolveCPU(cpu);
  if (!target)
    return module.emitError("kiln: unknown CPU '") << cpu << "'", failure();
  setTargetAttr(module, *target);
  CompileOptions silent;
  silent.progress = false;
  silent.winograd = winograd;
  PhaseRunner phases(module, silent, llvm::nulls());
  std::string error;
  std::unique_ptr<Target> cpuTarget = createTarget("cpu", silent.cpu, error);
  FailureOr<FrontEnd> front = runFrontEnd(module, phases, silent, *cpuTarget, nullptr);
  if (failed(front))
    return failure();
  markKernelArgsReadOnly(module);
  markWeightArgs(module, front->plan); // tuning times the weight layout it deploys
  return std::move(front->plan);
}

LogicalResult compileModel(MLIRContext &ctx, StringRef modelPath, StringRef artifactPath,
                           const CompileOptions &options, llvm::raw_ostream &irOutput) {
  auto start = std::chrono::steady_clock::now();
  auto module = importONNXFile(ctx, modelPath, options.import);
  if (failed(module))
    return failure();
  if (options.progress) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    llvm::errs() << llvm::formatv("kiln-compile: {0,-8} {1:f3} s (parse)\n", "onnx", s);
  }
  return compileModule(module->get(), artifactPath, options, irOutput);
}
} // namespace kiln
