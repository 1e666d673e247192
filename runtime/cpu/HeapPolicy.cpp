// How the CPU device asks the C library to serve the kernels' own allocations.
#include "cpu/HeapPolicy.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kiln {

void reuseLargeKernelAllocations() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char *setting = std::getenv("KILN_HEAP_REUSE");
    if (setting && std::strcmp(setting, "0") == 0)
      return;
#if defined(__GLIBC__)
    constexpr int kThreshold = 1 << 30;
    (void)mallopt(M_MMAP_THRESHOLD, kThreshold);
    (void)mallopt(M_TRIM_THRESHOLD, kThreshold);
#endif
  });
}

} // namespace kiln
