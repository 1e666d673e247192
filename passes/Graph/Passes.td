//===- Passes.td - graph-level passes of Kiln -----------------------------===//
#ifndef KILN_PASSES_GRAPH_PASSES_TD
#define KILN_PASSES_GRAPH_PASSES_TD

include "mlir/Pass/PassBase.td"

def OutlineKernels : Pass<"kiln-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Moves every compute op of @main into its own kernel function";
  let description = [{
    Each kiln op of `@main` that computes (everything but constants and reshapes, which the
    execution plan turns into weights and views) becomes `func.func @kiln_k<N>` marked
    `kiln.kernel`, called from `@main`. Small constants (at most `inline-constant-limit`
    elements) are cloned into the kernel; larger ones stay in `@main` and become weights.
    A fused region (later) outlines as one kernel.
  }];
  let options = [
    Option<"inlineConstantLimit", "inline-constant-limit", "int64_t", "64",
           "largest constant (in elements) cloned into a kernel instead of passed as weight">
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

#endif
