#include "cpu/CpuFeatures.h"

namespace kiln {
namespace {
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
  KILN_CHECK("avx512vl") KILN_CHECK("avx512vnni")
#undef KILN_CHECK
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
