// The CPU device: runs a plan's kernels from kernels.so over a host arena and
// mapped weights.
#ifndef KILN_RUNTIME_CPU_CPUEXECUTOR_H
#define KILN_RUNTIME_CPU_CPUEXECUTOR_H

#include "src/Executor.h"

namespace kiln {

/// Loads `<dir>/weights.bin`, `<dir>/kernels.so` and every step's kernel, and
/// allocates the arena, for target.kind "cpu".
std::unique_ptr<Executor> createCpuExecutor(const Manifest &manifest,
                                            const std::string &dir);

} // namespace kiln

#endif // KILN_RUNTIME_CPU_CPUEXECUTOR_H
