#include "cpu/CpuFeatures.h"

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace kiln {
namespace {
/// Linux lets a process use the AMX tile registers (8 KiB more of state per
/// thread) once it asks (Linux 5.16 and later); the permission covers every
/// thread of the process. Without it the first tile instruction is SIGILL.
bool amxTilesPermitted() {
#if defined(__x86_64__) && defined(__linux__)
  constexpr long kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  static const bool permitted =
      syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtiledata) == 0;
  return permitted;
#else
  return false;
#endif
}

/// __builtin_cpu_supports needs string literals: one case per extension the compiler may list
/// (compiler/Target/CPU/CPUTarget.cpp, kCheckedISA).
bool supported(const std::string &name) {
#if defined(__x86_64__)
  __builtin_cpu_init();
#define KILN_CHECK(n)                                                                         \
  if (name == n)                                                                              \
    return __builtin_cpu_supports(n);
  KILN_CHECK("sse4.2") KILN_CHECK("popcnt") KILN_CHECK("avx") KILN_CHECK("avx2")
  KILN_CHECK("fma") KILN_CHECK("f16c") KILN_CHECK("bmi") KILN_CHECK("bmi2")
  KILN_CHECK("avx512f") KILN_CHECK("avx512cd") KILN_CHECK("avx512bw") KILN_CHECK("avx512dq")
  KILN_CHECK("avx512vl") KILN_CHECK("avx512vnni") KILN_CHECK("amx-int8")
#undef KILN_CHECK
  if (name == "amx-tile")
    return __builtin_cpu_supports("amx-tile") && amxTilesPermitted();
#endif
  return false;
}
} // namespace

std::vector<std::string> unsupportedCpuFeatures(const std::vector<std::string> &isa) {
  std::vector<std::string> missing;
  for (const std::string &name : isa)
    if (!supported(name))
      missing.push_back(name);
  return missing;
}
} // namespace kiln
