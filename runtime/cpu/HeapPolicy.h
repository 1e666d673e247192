// How the CPU device asks the C library to serve the kernels' own allocations.
#ifndef KILN_RUNTIME_CPU_HEAPPOLICY_H
#define KILN_RUNTIME_CPU_HEAPPOLICY_H

namespace kiln {

/// Kernels allocate their temporaries (a two-stage reduction's partial sums, a
/// tile that does not fit the arena plan) with malloc on every call. glibc
/// serves a block over its mmap threshold (at most 32 MiB) with a fresh mapping
/// each time: every page of it faults again on each run (an ISNet row-sum
/// kernel with a 67 MB temporary: 190 ms instead of 24). Raises the mmap and
/// trim thresholds to 1 GiB, once per process, so such blocks are reused from
/// the heap like small ones (the memory stays with the process between runs, as
/// an arena's would). KILN_HEAP_REUSE=0 leaves the C library's defaults.
void reuseLargeKernelAllocations();

} // namespace kiln

#endif
