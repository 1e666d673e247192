//===- SilentPassFailure.h - a pass that fails without a message gets one --===//
//
// A pass may fail without an error diagnostic (signalPassFailure after a greedy rewrite that
// did not converge, an internal invariant). The compile then ended with no word on what
// failed ("the compilation failed without a diagnostic"). Running a phase's pass manager
// through runPhase() names the pass and the operation it ran on in an error instead.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_PIPELINE_SILENTPASSFAILURE_H
#define KILN_COMPILER_PIPELINE_SILENTPASSFAILURE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace kiln {
/// Runs `pm` on `module`. If it fails and no error was reported while it ran, reports
/// "kiln: the `phase` phase failed in pass '<pass>' without an error message (an internal
/// error; please report it with the model)" on the operation the pass ran on.
mlir::LogicalResult runPhase(mlir::PassManager &pm, mlir::ModuleOp module,
                             llvm::StringRef phase);
} // namespace kiln

#endif
