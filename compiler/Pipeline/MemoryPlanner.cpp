//===- MemoryPlanner.cpp - greedy best-offset arena planning --------------===//
#include "compiler/Pipeline/MemoryPlanner.h"

#include <algorithm>
#include <numeric>

namespace kiln {
namespace {
int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

bool overlaps(const BufferLifetime &a, const BufferLifetime &b) {
  return a.first <= b.last && b.first <= a.last;
}
} // namespace

std::vector<int64_t> planArena(const std::vector<BufferLifetime> &buffers, int64_t &arenaBytes,
                               int64_t alignment) {
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  std::vector<int64_t> offsets(buffers.size(), 0);
  std::vector<size_t> placed;
  arenaBytes = 0;
  for (size_t i : order) {
    // Intervals [offset, offset + bytes) of placed buffers alive at the same time.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t j : placed)
      if (overlaps(buffers[i], buffers[j]))
        busy.push_back({offsets[j], offsets[j] + buffers[j].bytes});
    std::sort(busy.begin(), busy.end());
    int64_t candidate = 0;
    for (auto [begin, end] : busy) {
      if (candidate + buffers[i].bytes <= begin)
        break;
      candidate = std::max(candidate, alignUp(end, alignment));
    }
    offsets[i] = candidate;
    arenaBytes = std::max(arenaBytes, alignUp(candidate + buffers[i].bytes, alignment));
    placed.push_back(i);
  }
  return offsets;
}
} // namespace kiln
