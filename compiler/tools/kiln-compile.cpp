//===- kiln-compile.cpp - ONNX model → Kiln artifact ----------------------===//
#include "compiler/Pipeline/Compiler.h"
#include "compiler/Pipeline/DiagnosticOrigin.h"
#include "compiler/Pipeline/Registration.h"
#include "compiler/Target/CPU/CPUTarget.h"

#include "autotune/driver/BestRecords.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace cl = llvm::cl;

static cl::OptionCategory kilnCategory("kiln-compile options");
static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                                      cl::cat(kilnCategory));
static cl::opt<std::string> outputPath("o",
                                       cl::desc("artifact folder, or the IR file with "
                                                "--compile-to ('-' = stdout)"),
                                       cl::value_desc("path"), cl::cat(kilnCategory));
static cl::opt<std::string> target("target", cl::desc("target: cpu (default), vulkan (SPIR-V), cuda (PTX)"), cl::init("cpu"),
                                   cl::cat(kilnCategory));
static cl::opt<std::string> gpuArch("gpu-arch",
                                    cl::desc("--target cuda: the GPU architecture (default sm_90)"),
                                    cl::init("sm_90"), cl::cat(kilnCategory));
static cl::opt<std::string> cpu("cpu",
                                cl::desc("CPU: host (default: this machine), x86-64-v4 (AVX-512), "
                                         "x86-64-v3 (AVX2), x86-64, or an LLVM CPU name"),
                                cl::init("host"), cl::cat(kilnCategory));
static cl::opt<std::string> dumpIrAfter("dump-ir-after",
                                        cl::desc("print the IR after a phase to stdout: import, "
                                                 "graph, kernels, linalg, llvm"),
                                        cl::cat(kilnCategory));
static cl::opt<std::string> compileTo("compile-to",
                                      cl::desc("stop after a phase and write its IR to -o (spirv: one .spv per dispatch into the "
                                               "folder -o; ptx: the PTX file -o)"),
                                      cl::cat(kilnCategory));
static cl::list<std::string> inputShapes("input-shape",
                                         cl::desc("fix an input's shape: NAME=D0,D1,..."),
                                         cl::cat(kilnCategory));
static cl::list<std::string> inputValues(
    "input-value",
    cl::desc("fix an input to values at compile time (it is no longer an input): NAME=V0,V1,..."),
    cl::cat(kilnCategory));
static cl::opt<bool> quiet("quiet", cl::desc("no progress lines"), cl::cat(kilnCategory));
static cl::opt<bool> fuse("fuse",
                          cl::desc("fuse ops into shared kernels (default on; "
                                   "--fuse=false: one kernel per op)"),
                          cl::init(true), cl::cat(kilnCategory));
static cl::opt<bool> winograd("winograd",
                              cl::desc("run chosen 3x3 convolutions as Winograd F(m x m, 3 x 3) "
                                       "(default on; --winograd=false: direct or im2col)"),
                              cl::init(true), cl::cat(kilnCategory));
static cl::opt<int> winogradTile("winograd-tile",
                                 cl::desc("force Winograd tile 2 or 4 on every 3x3 candidate "
                                          "(0: the heuristic chooses)"),
                                 cl::init(0), cl::cat(kilnCategory));
static cl::opt<unsigned> jobs("jobs",
                             cl::desc("threads generating code (default 0: one per core)"),
                             cl::init(0), cl::cat(kilnCategory));
static cl::opt<unsigned> optLevel("opt-level",
                                 cl::desc("LLVM optimization level of the kernels, 0-3 "
                                          "(default 2)"),
                                 cl::init(2), cl::cat(kilnCategory));
static cl::opt<bool> report("report",
                            cl::desc("print a per-kernel table to stdout: schedule, vectorized, "
                                     "parallel, work, roofline and estimated time"),
                            cl::cat(kilnCategory));
static cl::opt<std::string> maxTensorBytes(
    "max-tensor-bytes",
    cl::desc("refuse models with an input or node result larger than this: bytes, or with a "
             "K/M/G/T suffix (powers of 1024); default 2^47, what a process can address"),
    cl::value_desc("size"), cl::cat(kilnCategory));
static cl::opt<unsigned> timeoutSeconds(
    "timeout", cl::desc("give up after this many seconds with an error (exit status 124)"),
    cl::value_desc("seconds"), cl::init(0), cl::cat(kilnCategory));
static cl::opt<std::string> tuningDb("tuning-db",
                                     cl::desc("apply the best schedules of this tuning database"),
                                     cl::cat(kilnCategory));

/// The best records of `path` for the target; errors and warnings are printed here.
static bool loadBestRecords(const std::string &path, const std::string &target,
                            kiln::tune::BestRecords &out) {
  try {
    std::vector<std::string> warnings;
    out = kiln::tune::loadBestRecords(path, target, warnings);
    for (const std::string &w : warnings)
      llvm::errs() << "kiln-compile: warning: " << w << "\n";
    return true;
  } catch (const std::exception &e) {
    llvm::errs() << "kiln-compile: error: " << e.what() << "\n";
    return false;
  }
}

/// Parses `NAME=V0,V1,...` flags of `flag` into `out[NAME]`, each element by `parse` (false:
/// malformed); prints the error and returns false on a malformed flag.
template <typename T, typename ParseFn>
static bool parseNamedLists(const cl::list<std::string> &specs, llvm::StringRef flag,
                            llvm::StringRef expected, llvm::StringMap<llvm::SmallVector<T>> &out,
                            ParseFn parse) {
  for (const std::string &spec : specs) {
    auto [name, text] = llvm::StringRef(spec).split('=');
    llvm::SmallVector<T> values;
    llvm::SmallVector<llvm::StringRef> parts;
    text.split(parts, ',');
    for (llvm::StringRef p : parts) {
      T v;
      if (name.empty() || !parse(p.trim(), v)) {
        llvm::errs() << "kiln-compile: error: bad --" << flag << " '" << spec << "' (expected "
                     << expected << ")\n";
        return false;
      }
      values.push_back(v);
    }
    out[name] = values;
  }
  return true;
}

/// --input-shape and --input-value into the import options.
static bool parseInputOverrides(kiln::ImportOptions &options) {
  return parseNamedLists<int64_t>(inputShapes, "input-shape", "NAME=D0,D1,...",
                                  options.inputShapes,
                                  [](llvm::StringRef p, int64_t &d) {
                                    return !p.getAsInteger(10, d) && d >= 0;
                                  }) &&
         parseNamedLists<double>(inputValues, "input-value", "NAME=V0,V1,...",
                                 options.inputValues, [](llvm::StringRef p, double &v) {
                                   return !p.getAsDouble(v);
                                 });
}

/// "16G" → 16 << 30; false when malformed, zero or past 2^64.
static bool parseByteSize(llvm::StringRef text, uint64_t &bytes) {
  unsigned shift = 0;
  if (!text.empty()) {
    size_t unit = llvm::StringRef("KMGT").find(char(std::toupper((unsigned char)text.back())));
    if (unit != llvm::StringRef::npos) {
      shift = 10 * unsigned(unit + 1);
      text = text.drop_back();
    }
  }
  if (text.getAsInteger(10, bytes) || bytes == 0 || (shift && bytes > (~uint64_t(0) >> shift)))
    return false;
  bytes <<= shift;
  return true;
}

/// --timeout: a watchdog that ends the process with an error once the time is up (a compile
/// stuck in a pass cannot be interrupted more gently). An artifact being written is left
/// incomplete; the runtime refuses it (its files are checked against the manifest).
static void startWatchdog(unsigned seconds, std::string model) {
  std::thread([seconds, model = std::move(model)] {
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    llvm::errs() << "kiln-compile: error: " << model << ": compilation did not finish within "
                 << seconds << " s (--timeout)\n";
    llvm::errs().flush();
    std::_Exit(124);
  }).detach();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(kilnCategory);
  cl::ParseCommandLineOptions(argc, argv, "Kiln: compile an ONNX model ahead of time\n");
  if (outputPath.empty()) {
    llvm::errs() << "kiln-compile: error: no output given (-o ARTIFACT)\n";
    return 1;
  }
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  kiln::registerKilnPasses(); // the codegen pipeline names upstream passes textually
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  mlir::ScopedDiagnosticHandler handler(&ctx, [](mlir::Diagnostic &diag) {
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
      llvm::errs() << "kiln-compile: error: " << kiln::diagnosticOrigin(diag) << diag << "\n";
    else if (diag.getSeverity() == mlir::DiagnosticSeverity::Warning)
      llvm::errs() << "kiln-compile: warning: " << kiln::diagnosticOrigin(diag) << diag << "\n";
    return mlir::success();
  });

  kiln::CompileOptions options;
  options.target = target;
  options.cpu.cpu = cpu;
  options.gpuArch = gpuArch;
  options.dumpIrAfter = dumpIrAfter;
  options.compileTo = compileTo;
  options.progress = !quiet;
  options.fuse = fuse;
  options.winograd = winograd;
  options.winogradTile = winogradTile;
  options.jobs = jobs;
  options.cpu.optLevel = std::min(3u, unsigned(optLevel));
  if (report)
    options.report = &llvm::outs();
  if (!parseInputOverrides(options.import))
    return 1;
  if (!maxTensorBytes.empty() && !parseByteSize(maxTensorBytes, options.import.maxTensorBytes)) {
    llvm::errs() << "kiln-compile: error: bad --max-tensor-bytes '" << maxTensorBytes
                 << "' (expected a positive size such as 1073741824, 512M or 16G)\n";
    return 1;
  }
  if (timeoutSeconds)
    startWatchdog(timeoutSeconds, inputPath);
  if (!tuningDb.empty()) {
    auto records = std::make_shared<kiln::tune::BestRecords>();
    if (!loadBestRecords(tuningDb, kiln::tuningTargetKey(cpu), *records))
      return 1;
    options.tuningRecordsUsed = std::make_shared<std::vector<std::string>>();
    options.extraLinalgPasses = [records, used = options.tuningRecordsUsed](mlir::PassManager &pm) {
      pm.addPass(kiln::tune::createApplyTuningRecordsPass(records, used));
    };
  }

  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> irFile;
  llvm::raw_ostream *ir = &llvm::outs();
  if (!compileTo.empty() && !kiln::compileToWritesFiles(options)) {
    irFile = mlir::openOutputFile(outputPath, &error);
    if (!irFile) {
      llvm::errs() << "kiln-compile: error: " << error << "\n";
      return 1;
    }
    ir = &irFile->os();
  }
  if (mlir::failed(kiln::compileModel(ctx, inputPath, outputPath, options, *ir)))
    return 1;
  if (irFile)
    irFile->keep();
  return 0;
}
