//===- CPUTarget.h - what codegen and the runtime need to know of a CPU ----===//
//
// `--cpu` names an LLVM x86 CPU (`x86-64-v4`, `znver3`, ...) or `host` (the compiling
// machine, the default). From it come the LLVM CPU/feature strings for the object file, the
// vector width and register count the default schedules are sized for (a `kiln.target`
// attribute on the module, read by compiler/Codegen/CPU/Schedule.cpp), and the ISA extensions
// the runtime checks before it runs an artifact.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_CPU_CPUTARGET_H
#define KILN_TARGET_CPU_CPUTARGET_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace kiln {
struct ResolvedCPU {
  std::string name;     ///< LLVM CPU name ("host" becomes this machine's, e.g. "znver3")
  std::string features; ///< LLVM feature string ("+avx2,+fma,..."), empty for a named CPU
  int64_t vectorBits = 128;
  int64_t vectorRegisters = 16;
  /// The ISA extensions among those the runtime can check (docs/artifact.md) that kernels
  /// compiled for this CPU may use.
  std::vector<std::string> isa;
  /// The L2 cache of one core in bytes, read from the host (0: unknown, as for a named CPU);
  /// matmul schedules size their cache tiles by it.
  int64_t l2Bytes = 0;
};

/// A cache size as Linux's sysfs writes it ("2048K", "1M", "512"), in bytes; 0 for anything
/// else.
int64_t parseCacheSize(llvm::StringRef text);

/// Resolves a CPU name; nothing for a name LLVM does not know as an x86-64 CPU.
std::optional<ResolvedCPU> resolveCPU(llvm::StringRef cpu);

/// Sets `kiln.target = {cpu, vector_bits, vector_registers, isa[, l2_bytes]}` on the module:
/// the default schedules are sized for it.
void setTargetAttr(mlir::ModuleOp module, const ResolvedCPU &cpu);

/// Copies `from`'s `kiln.target` (if any) to `to`: kernels cloned into a module of their own
/// keep the target their schedules are sized for.
void copyTargetAttr(mlir::ModuleOp from, mlir::ModuleOp to);

/// The key of tuning records measured on `cpu`: "cpu/" + its resolved name ("host" is the
/// machine's CPU name, so records of one machine do not apply to another kind).
std::string tuningTargetKey(llvm::StringRef cpu);
} // namespace kiln

#endif
