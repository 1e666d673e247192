//===- KernelLibrary.h - LLVM dialect kernels → a shared library ----------===//
#ifndef KILN_TARGET_CPU_KERNELLIBRARY_H
#define KILN_TARGET_CPU_KERNELLIBRARY_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

#include <string>

namespace kiln {
struct CPUTargetOptions {
  /// `host` (this machine, the default), `x86-64-v4` (AVX-512), `x86-64-v3` (AVX2),
  /// `x86-64` (portable baseline) or an LLVM x86 CPU name.
  std::string cpu = "host";
  /// LLVM optimization level for the kernels (MLIR already unrolled and vectorized them).
  unsigned optLevel = 2;
};

/// Checks the CPU name before any work is done: an unknown CPU is an error naming it.
mlir::LogicalResult verifyCPUName(llvm::StringRef cpu, std::string &error);

/// Translates `module` (LLVM dialect) to LLVM IR, gives every function named in
/// `kernels` a packed entry point `void name(void **args)` (args[i] = data pointer of the
/// i-th memref), emits an object file and links it into the shared library `soPath`.
/// Errors are emitted on the module's location.
mlir::LogicalResult emitKernelLibrary(mlir::ModuleOp module, llvm::ArrayRef<std::string> kernels,
                                      const CPUTargetOptions &options, llvm::StringRef soPath);

/// Seconds spent in the stages of emitKernelObject.
struct EmitTimes {
  double translate = 0, optimize = 0, codegen = 0;
};

/// The first half of emitKernelLibrary: the object file `objPath` (kernels' entry points,
/// parallel dispatches; LLVM-optimized), for linking with others. Adds to `times` if given.
mlir::LogicalResult emitKernelObject(mlir::ModuleOp module, llvm::ArrayRef<std::string> kernels,
                                     const CPUTargetOptions &options, llvm::StringRef objPath,
                                     EmitTimes *times = nullptr);

/// Links object files into the shared library `soPath` with ld.lld (errors on `module`).
mlir::LogicalResult linkKernelLibrary(mlir::ModuleOp module, llvm::ArrayRef<std::string> objPaths,
                                      llvm::StringRef soPath);

/// The target triple of the kernels (for the artifact's metadata).
std::string kernelTargetTriple();
} // namespace kiln

#endif
