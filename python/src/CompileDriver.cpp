//===- CompileDriver.cpp - runs kiln::compileModel/compileModule for Python ----===//
#include "CompileDriver.h"

#include "autotune/driver/BestRecords.h"
#include "compiler/Pipeline/Compiler.h"
#include "compiler/Pipeline/DiagnosticOrigin.h"
#include "compiler/Pipeline/Registration.h"
#include "compiler/Target/CPU/CPUTarget.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <mutex>

namespace kiln::python {
void registerPassesOnce() {
  static std::once_flag once;
  std::call_once(once, [] { kiln::registerKilnPasses(); });
}

namespace {
CompileOptions toOptions(const CompileRequest &request) {
  CompileOptions options;
  options.target = request.target;
  options.cpu.cpu = request.cpu;
  options.compileTo = request.compileTo;
  options.progress = request.progress;
  options.fuse = request.fuse;
  options.winograd = request.winograd >= 0;
  options.winogradTile = std::max(request.winograd, 0);
  for (const auto &[name, shape] : request.inputShapes)
    options.import.inputShapes[name] = llvm::SmallVector<int64_t>(shape.begin(), shape.end());
  for (const auto &[name, values] : request.inputValues)
    options.import.inputValues[name] = llvm::SmallVector<double>(values.begin(), values.end());
  return options;
}
} // namespace

CompileResult compile(const CompileRequest &request) {
  registerPassesOnce();
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  ctx.printOpOnDiagnostic(false); // no whole-module dumps in exception messages

  CompileResult result;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &diag) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << kiln::diagnosticOrigin(diag) << diag;
    for (const mlir::Diagnostic &note : diag.getNotes())
      os << "\n  note: " << note;
    os.flush();
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
      result.errors.push_back(std::move(text));
    else if (diag.getSeverity() == mlir::DiagnosticSeverity::Warning)
      result.warnings.push_back(std::move(text));
    return mlir::success();
  });

  CompileOptions options = toOptions(request);
  if (!request.tuningDb.empty()) {
    auto records = std::make_shared<kiln::tune::BestRecords>();
    try {
      std::vector<std::string> warnings;
      *records = kiln::tune::loadBestRecords(request.tuningDb, kiln::tuningTargetKey(request.cpu), warnings);
      result.warnings.insert(result.warnings.end(), warnings.begin(), warnings.end());
    } catch (const std::exception &e) {
      result.errors.push_back(std::string("kiln: tuning database: ") + e.what());
      return result;
    }
    options.tuningRecordsUsed = std::make_shared<std::vector<std::string>>();
    options.extraLinalgPasses = [records, used = options.tuningRecordsUsed](mlir::PassManager &pm) {
      pm.addPass(kiln::tune::createApplyTuningRecordsPass(records, used));
    };
  }
  llvm::raw_string_ostream ir(result.ir);
  mlir::LogicalResult status = mlir::failure();
  if (!request.fromBytes) {
    status = kiln::compileModel(ctx, request.modelPath, request.artifactPath, options, ir);
  } else {
    auto module = kiln::importONNXBytes(ctx, request.modelBytes, /*modelDir=*/"",
                                        request.displayName, options.import);
    if (mlir::succeeded(module))
      status = kiln::compileModule(module->get(), request.artifactPath, options, ir);
  }
  ir.flush();
  result.ok = mlir::succeeded(status) && result.errors.empty();
  if (!result.ok && result.errors.empty())
    result.errors.push_back("kiln: the compilation failed without a diagnostic");
  return result;
}

std::vector<std::string> phases(const std::string &target) {
  return kiln::pipelinePhases(target);
}

} // namespace kiln::python
