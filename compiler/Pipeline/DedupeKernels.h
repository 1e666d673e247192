//===- DedupeKernels.h - identical kernels compiled once ------------------===//
#ifndef KILN_PIPELINE_DEDUPEKERNELS_H
#define KILN_PIPELINE_DEDUPEKERNELS_H

#include "compiler/Pipeline/ExecutionPlan.h"

#include "mlir/IR/BuiltinOps.h"

namespace kiln {
/// Kernel functions of `module` (and their `<kernel>_shape` functions) that are identical
/// but for their names are kept once: the plan's steps call the first of them and the others
/// are erased. Returns how many kernels were erased.
int64_t dedupeKernels(mlir::ModuleOp module, ExecutionPlan &plan);
} // namespace kiln

#endif
