//===- SilentPassFailure.cpp - a pass that fails without a message gets one ===//
#include "compiler/Pipeline/SilentPassFailure.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"

#include <atomic>
#include <mutex>
#include <optional>

using namespace mlir;

namespace {
/// The first pass that failed and the operation it ran on (passes on functions run on
/// several threads).
struct FirstFailure : PassInstrumentation {
  std::mutex mutex;
  std::string pass;
  std::optional<Location> loc;

  void runAfterPassFailed(Pass *p, Operation *op) override {
    std::lock_guard<std::mutex> lock(mutex);
    if (loc)
      return;
    pass = p->getArgument().empty() ? p->getName().str() : p->getArgument().str();
    loc = op->getLoc();
  }
};
} // namespace

LogicalResult kiln::runPhase(PassManager &pm, ModuleOp module, llvm::StringRef phase) {
  auto owned = std::make_unique<FirstFailure>();
  FirstFailure *first = owned.get();
  pm.addInstrumentation(std::move(owned));
  std::atomic<int> errors{0};
  LogicalResult result = success();
  {
    // Counts the errors and lets them through to the handlers that report them.
    ScopedDiagnosticHandler counter(module.getContext(), [&](Diagnostic &d) {
      if (d.getSeverity() == DiagnosticSeverity::Error)
        ++errors;
      return failure();
    });
    result = pm.run(module);
  }
  if (succeeded(result) || errors > 0)
    return result;
  emitError(first->loc ? *first->loc : module.getLoc())
      << "kiln: the " << phase << " phase failed"
      << (first->loc ? " in pass '" + first->pass + "'" : std::string())
      << " without an error message (an internal error; please report it with the model)";
  return failure();
}
