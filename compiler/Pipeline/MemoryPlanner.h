//===- MemoryPlanner.h - offsets in one arena for buffers with lifetimes ---===//
#ifndef KILN_PIPELINE_MEMORYPLANNER_H
#define KILN_PIPELINE_MEMORYPLANNER_H

#include <cstdint>
#include <vector>

namespace kiln {
/// A buffer that is live from step `first` to step `last` (inclusive).
struct BufferLifetime {
  int64_t bytes = 0;
  int64_t first = 0;
  int64_t last = 0;
};

/// Places every buffer in one arena so that buffers whose lifetimes overlap never share bytes
/// (greedy: largest first, lowest fitting offset). Offsets are multiples of `alignment`.
/// Returns the offsets in input order; `arenaBytes` receives the arena's size.
std::vector<int64_t> planArena(const std::vector<BufferLifetime> &buffers, int64_t &arenaBytes,
                               int64_t alignment = 64);
} // namespace kiln

#endif
