//===- ParallelBuild.h - kernels in linalg → kernels.so on all cores ------===//
#ifndef KILN_TARGET_CPU_PARALLELBUILD_H
#define KILN_TARGET_CPU_PARALLELBUILD_H

#include "compiler/Codegen/CPU/CodegenNotes.h"
#include "compiler/Target/CPU/KernelLibrary.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>
#include <vector>

namespace kiln {
/// Builds the shared library `soPath` from `module` (kernel functions in linalg on tensors,
/// their shape functions): the functions are split into `jobs` partitions of about equal size
/// (functions that refer to each other stay together); each partition runs the CPU codegen
/// pipeline and LLVM's code generation on its own thread into an object file; lld links the
/// objects. `module` keeps its functions (in linalg). `notes` receives each kernel's
/// CodegenNotes. Diagnostics are reported in partition order. jobs = 0: one per core.
/// `times` (if given) receives the seconds of each stage summed over the threads.
struct BuildTimes {
  double mlir = 0; ///< the codegen pipeline (linalg → LLVM dialect)
  EmitTimes llvm;
  unsigned jobs = 1;
};
mlir::LogicalResult buildKernelLibrary(mlir::ModuleOp module, llvm::ArrayRef<std::string> kernels,
                                       const CPUTargetOptions &options, unsigned jobs,
                                       llvm::StringRef soPath,
                                       std::map<std::string, CodegenNotes> &notes,
                                       BuildTimes *times = nullptr);

/// Loads every dialect the CPU codegen pipeline creates ops of into `ctx` and says whether
/// several threads may run the pipeline on it at once: its uniquers lock (multithreading
/// enabled) and the pipeline's dependent registry adds nothing to the context's, so no
/// PassManager::run writes to it. buildKernelLibrary runs one job where it says no.
bool prepareParallelCodegen(mlir::MLIRContext *ctx);

/// Runs the CPU codegen pipeline on `module` in place (schedule, then lowering to the LLVM
/// dialect), collecting the kernels' notes in between.
mlir::LogicalResult runCPUCodegen(mlir::ModuleOp module,
                                  std::map<std::string, CodegenNotes> &notes);
} // namespace kiln

#endif
