//===- Target.h - what a code generation target provides -----------------===//
//
// The compiler's phases up to `linalg` are target-neutral: kernels in linalg on tensors and an
// execution plan. A Target turns those kernels into kernel binaries in the artifact folder
// (the CPU: one kernels.so; Vulkan: one SPIR-V module per dispatch) and names the device the
// runtime runs them on. Targets are siblings: compiler/Target/<Name> implements one, and
// compiler/Pipeline/TargetRegistry.cpp lists those this build has.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_TARGET_H
#define KILN_TARGET_TARGET_H

#include "compiler/Codegen/CPU/CodegenNotes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/Support/JSON.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

#include <functional>
#include <map>
#include <string>

namespace kiln {
/// What the target-neutral graph passes do for this target.
struct GraphPolicy {
  /// f16 arithmetic is computed in f32 (x86 has no f16 arithmetic).
  bool computeF16InF32 = true;
  /// Winograd, depthwise and grouped convolutions become hand-written vector loops (CPU
  /// vector code); off: they stay linalg convolutions.
  bool vectorConvKernels = true;
  /// kiln.matmul_int8 takes its requantization into its kernel (kiln-fuse-elementwise's
  /// int8-epilogues): the CPU's VNNI GEMM applies it to the accumulators before the store.
  bool int8GemmEpilogues = true;
  /// Elementwise producers used only by a reduction or an int8 epilogue join its kernel
  /// (kiln-fuse-elementwise's producers): the CPU merges them into the consumer's loops.
  bool fuseProducers = true;
  /// Largest constant (in elements) cloned into a kernel instead of passed as a weight
  /// (kiln-outline-kernels): GPU kernels cannot hold constant tables, only splats.
  int64_t inlineConstantLimit = 64;
};

/// What a target's code generation gets, and what it hands back.
struct KernelEmission {
  /// Kernel functions in linalg on tensors (arguments read-only). Codegen may change it.
  mlir::ModuleOp module;
  /// The plan's kernel names in step order, each once.
  std::vector<std::string> kernels;
  /// The artifact folder (created by the target when it writes there).
  std::string artifactDir;
  /// Threads that generate code; 0: one per core.
  unsigned jobs = 0;
  /// True when the IR after target phase `name` is wanted (printed or the pipeline stops).
  std::function<bool(llvm::StringRef name)> phaseWanted;
  /// Called after target phase `name` when phaseWanted: prints the IR if asked; returns true
  /// when the pipeline stops there.
  std::function<mlir::FailureOr<bool>(llvm::StringRef name)> phaseDone;

  /// Set when phaseDone stopped the pipeline (the target then returns success at once).
  bool stopped = false;

  // Filled by the target:
  /// Per kernel: what codegen made of it (targets that keep notes).
  std::map<std::string, CodegenNotes> notes;
  /// Detail for the `codegen` progress line.
  std::string summary;
  /// Target-specific manifest section (e.g. the GPU dispatches), written as "kernels_<device>".
  llvm::json::Object manifestKernels;
};

/// The GPU targets' first step: every function of `e.module` must be a plan kernel (static
/// shapes only: else an error naming `target`), `build`'s passes lower them, and target phase
/// `phase` may print the IR or stop the pipeline. Returns true when it stopped (the target then
/// returns success at once).
mlir::FailureOr<bool> lowerPlanKernels(KernelEmission &e, llvm::StringRef target,
                                       llvm::StringRef phase,
                                       llvm::function_ref<void(mlir::OpPassManager &)> build);

class Target {
public:
  virtual ~Target() = default;
  /// The `--target` name.
  virtual llvm::StringRef name() const = 0;
  /// The device the runtime runs the kernels on: the manifest's target.kind and every step's
  /// `device`.
  virtual llvm::StringRef device() const = 0;
  /// The target's phases after `linalg`, in order (`--compile-to`, `--dump-ir-after`).
  virtual llvm::ArrayRef<llvm::StringRef> phases() const = 0;
  /// A phase whose `--compile-to` output is files written into the `-o` folder (binaries),
  /// not IR text.
  virtual bool phaseWritesFiles(llvm::StringRef phase) const { return false; }
  virtual GraphPolicy graphPolicy() const = 0;
  /// Checks the target's options before any work; `error` says what is wrong.
  virtual mlir::LogicalResult verify(std::string &error) const { return mlir::success(); }
  /// Sets what the target's schedules read on the module (before codegen).
  virtual void prepareModule(mlir::ModuleOp module) const {}
  /// Generates the kernels' code and writes the kernel binaries into the artifact folder
  /// (or stops after a phase, see KernelEmission). Errors are diagnostics on the module.
  virtual mlir::LogicalResult emit(KernelEmission &emission) const = 0;
};

/// Every `--target` name the compiler knows, built or not (for messages).
llvm::ArrayRef<llvm::StringRef> knownTargetNames();
} // namespace kiln

#endif
