//===- memory_planner_test.cpp - arena planning never aliases live buffers ===//
#include "compiler/Pipeline/MemoryPlanner.h"

#include <gtest/gtest.h>

#include <random>

using kiln::BufferLifetime;

namespace {
bool overlapInTime(const BufferLifetime &a, const BufferLifetime &b) {
  return a.first <= b.last && b.first <= a.last;
}

/// Checks alignment, bounds and that buffers alive at the same time never share a byte.
void expectValid(const std::vector<BufferLifetime> &buffers, const std::vector<int64_t> &offsets,
                 int64_t arena) {
  ASSERT_EQ(offsets.size(), buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(offsets[i] % 64, 0);
    EXPECT_LE(offsets[i] + buffers[i].bytes, arena);
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      if (!overlapInTime(buffers[i], buffers[j]))
        continue;
      bool disjoint = offsets[i] + buffers[i].bytes <= offsets[j] ||
                      offsets[j] + buffers[j].bytes <= offsets[i];
      EXPECT_TRUE(disjoint) << "buffers " << i << " and " << j << " collide";
    }
  }
}

TEST(MemoryPlanner, ChainReusesBytes) {
  // a → b → c → d: each value dies after its consumer; a and c can share, b and d too.
  std::vector<BufferLifetime> chain{{4096, 0, 1}, {4096, 1, 2}, {4096, 2, 3}, {4096, 3, 4}};
  int64_t arena = 0;
  auto offsets = kiln::planArena(chain, arena);
  expectValid(chain, offsets, arena);
  EXPECT_EQ(arena, 2 * 4096) << "a chain needs two buffers, not four";
}

TEST(MemoryPlanner, LongLivedValueIsNotReused) {
  // A residual connection: value 0 lives until step 5 while others come and go.
  std::vector<BufferLifetime> buffers{{1000, 0, 5}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 5}};
  int64_t arena = 0;
  auto offsets = kiln::planArena(buffers, arena);
  expectValid(buffers, offsets, arena);
}

TEST(MemoryPlanner, RandomLifetimesNeverCollide) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<BufferLifetime> buffers;
    int n = 1 + rng() % 40;
    for (int i = 0; i < n; ++i) {
      int64_t first = rng() % 30;
      buffers.push_back({1 + static_cast<int64_t>(rng() % 100000), first,
                         first + static_cast<int64_t>(rng() % 10)});
    }
    int64_t arena = 0;
    auto offsets = kiln::planArena(buffers, arena);
    expectValid(buffers, offsets, arena);
    int64_t total = 0;
    for (auto &b : buffers)
      total += (b.bytes + 63) / 64 * 64;
    EXPECT_LE(arena, total);
  }
}
} // namespace
