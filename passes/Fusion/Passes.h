//===- Passes.h - fusion passes of Kiln -----------------------------------===//
#ifndef KILN_PASSES_FUSION_PASSES_H
#define KILN_PASSES_FUSION_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

#include <functional>
#include <memory>

namespace kiln {
#define GEN_PASS_DECL
#include "passes/Fusion/Passes.h.inc"

/// Decides whether `candidate` (an elementwise op) joins the group whose first op is `anchor`.
/// Called only for candidates that are legal; the default accepts all of them.
using FusionControlFn = std::function<bool(mlir::Operation *anchor, mlir::Operation *candidate)>;

/// kiln-fuse-elementwise with a control function other than the default.
std::unique_ptr<mlir::Pass> createFuseElementwise(FusionControlFn control,
                                                  const FuseElementwiseOptions &options = {});

#define GEN_PASS_REGISTRATION
#include "passes/Fusion/Passes.h.inc"
} // namespace kiln

#endif
