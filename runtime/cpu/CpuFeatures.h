// Which ISA extensions this CPU has: an artifact compiled for more is refused with an error
// naming the extension instead of dying of SIGILL in its first kernel.
#ifndef KILN_RUNTIME_CPU_CPUFEATURES_H
#define KILN_RUNTIME_CPU_CPUFEATURES_H

#include <string>
#include <vector>

namespace kiln {
/// The names in `isa` (LLVM spellings: "avx2", "avx512f", ...) this CPU does not support; a
/// name the runtime does not know counts as unsupported, and so does "amx-tile" where the
/// kernel refuses this process the AMX tile state (asked for on the first check).
std::vector<std::string> unsupportedCpuFeatures(const std::vector<std::string> &isa);
} // namespace kiln

#endif
