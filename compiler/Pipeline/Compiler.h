//===- Compiler.h - ONNX model → artifact, phase by phase -----------------===//
#ifndef KILN_PIPELINE_COMPILER_H
#define KILN_PIPELINE_COMPILER_H

#include "compiler/Import/ONNX/ONNXImporter.h"
#include "compiler/Pipeline/ExecutionPlan.h"
#include "compiler/Target/CPU/KernelLibrary.h"

#include "mlir/Pass/PassManager.h"

#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kiln {
/// The named phases of the pipeline, in order. `--compile-to` stops after one,
/// `--dump-ir-after` prints the IR after one.
///   import  - kiln dialect as imported
///   graph   - after graph passes (folding, canonicalization)
///   kernels - compute ops outlined into kernel functions, @main still present
///   linalg  - kernels in linalg on tensors (@main moved into the execution plan)
///   llvm    - kernels in the LLVM dialect (target cpu)
///   gpu     - host functions of gpu.launch_func, one gpu.module per dispatch (GPU targets)
///   spirv   - spirv.module per dispatch (target vulkan; `--compile-to=spirv` writes .spv files)
/// Each target runs the first four and its own (Target::phases()). These are the CPU's.
llvm::ArrayRef<llvm::StringRef> pipelinePhases();

/// The phases of target `target` in order (empty for a target this build lacks).
std::vector<std::string> pipelinePhases(llvm::StringRef target);

struct CompileOptions {
  std::string target = "cpu"; ///< cpu, vulkan or cuda (TargetRegistry.h)
  std::string gpuArch = "sm_90"; ///< the cuda target's architecture
  CPUTargetOptions cpu;
  ImportOptions import;
  std::string dumpIrAfter; ///< phase name, or "" for none
  std::string compileTo;   ///< phase name, or "" to produce the artifact
  bool progress = true;    ///< one line per phase on stderr with its time
  /// Fusion (kiln-recognize-layer-norm, kiln-sink-reshapes, kiln-fuse-elementwise); off: one
  /// kernel per op, for comparisons and for bisecting a wrong result.
  bool fuse = true;
  /// 3x3 convolutions the control function picks run as Winograd F(m x m, 3 x 3)
  /// (kiln-winograd-conv); off: every convolution direct or im2col, for comparisons.
  bool winograd = true;
  /// With winograd: 2 or 4 forces that output tile on every candidate (experiments); 0 lets
  /// the control function choose.
  int64_t winogradTile = 0;
  /// Added to the end of the `linalg` phase, e.g. the pass applying tuning records (so their
  /// schedules show in `--dump-ir-after=linalg`).
  std::function<void(mlir::PassManager &)> extraLinalgPasses;
  /// Keys of the tuning records applied, filled by those passes, written to the manifest.
  std::shared_ptr<std::vector<std::string>> tuningRecordsUsed;
  /// Threads that generate code (kernels are split into this many partitions); 0: one per core.
  unsigned jobs = 0;
  /// When set, the per-kernel report (schedule, vector/parallel, roofline) is printed here.
  llvm::raw_ostream *report = nullptr;
};

/// True when `--compile-to` names a phase whose output is files in the `-o` folder (e.g.
/// `spirv`: one .spv per dispatch), not IR text.
bool compileToWritesFiles(const CompileOptions &options);

/// Compiles `modelPath`. With `compileTo` set, prints that phase's IR to `irOutput` and stops;
/// otherwise writes the artifact folder `artifactPath`. IR dumps go to `irOutput` too.
/// Errors are MLIR diagnostics on `ctx` naming the file, node and op.
mlir::LogicalResult compileModel(mlir::MLIRContext &ctx, llvm::StringRef modelPath,
                                 llvm::StringRef artifactPath, const CompileOptions &options,
                                 llvm::raw_ostream &irOutput);

/// The phases up to `linalg`, silently: afterwards `module` holds only the kernel functions
/// (linalg on tensors, arguments read-only) and the returned plan says how they are called.
/// Used by the tuner to extract workloads exactly as the compiler builds them; the module gets
/// `cpu`'s `kiln.target`. `winograd` as CompileOptions::winograd.
mlir::FailureOr<ExecutionPlan> lowerToLinalgKernels(mlir::ModuleOp module,
                                                    llvm::StringRef cpu = "host",
                                                    bool winograd = true);

/// Same for a model already imported into `module` (e.g. from Python's onnx.ModelProto).
mlir::LogicalResult compileModule(mlir::ModuleOp module, llvm::StringRef artifactPath,
                                  const CompileOptions &options, llvm::raw_ostream &irOutput);
} // namespace kiln

#endif
