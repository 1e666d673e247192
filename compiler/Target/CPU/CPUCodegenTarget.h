//===- CPUCodegenTarget.h - the CPU as a Target: kernels.so ----------------===//
#ifndef KILN_TARGET_CPU_CPUCODEGENTARGET_H
#define KILN_TARGET_CPU_CPUCODEGENTARGET_H

#include "compiler/Target/CPU/KernelLibrary.h"
#include "compiler/Target/Target.h"

#include <memory>

namespace kiln {
/// x86-64 kernels in one shared library (`kernels.so`), phase `llvm` (the LLVM dialect).
std::unique_ptr<Target> createCPUTarget(const CPUTargetOptions &options);
} // namespace kiln

#endif
