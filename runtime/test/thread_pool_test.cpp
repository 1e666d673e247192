// Tests of kiln_parallel_for: exact coverage, thread counts, nesting,
// repetition, concurrency.
#include "kiln/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace {

/// Counts how often each index is visited and checks every chunk's bounds.
struct Coverage {
  explicit Coverage(int64_t n) : n(n), hits(size_t(n)) {}
  int64_t n;
  std::vector<std::atomic<int>> hits;
  std::atomic<int> badChunks{0};
  std::atomic<int> calls{0};

  static void visit(void *ctx, int64_t begin, int64_t end) {
    auto *self = static_cast<Coverage *>(ctx);
    self->calls.fetch_add(1);
    if (begin < 0 || begin >= end || end > self->n) {
      self->badChunks.fetch_add(1);
      return;
    }
    for (int64_t i = begin; i < end; ++i)
      self->hits[size_t(i)].fetch_add(1);
  }

  void run() { kiln_parallel_for(&Coverage::visit, this, n); }

  bool exactlyOnce() const {
    for (const auto &hit : hits)
      if (hit.load() != 1)
        return false;
    return badChunks.load() == 0;
  }
};

/// Restores the default pool size after each test.
class ThreadPool : public ::testing::Test {
protected:
  void TearDown() override { kiln_set_num_threads(0); }
};

} // namespace

TEST_F(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 4, 8}) {
    kiln_set_num_threads(threads);
    EXPECT_EQ(kiln_get_num_threads(), threads);
    for (int64_t n : {0, 1, 2, 3, 7, 31, 64, 1000, 100003}) {
      Coverage coverage(n);
      coverage.run();
      EXPECT_TRUE(coverage.exactlyOnce()) << threads << " threads, n=" << n;
      if (n == 0)
        EXPECT_EQ(coverage.calls.load(), 0);
    }
  }
}

TEST_F(ThreadPool, OneThreadRunsInlineInOneCall) {
  kiln_set_num_threads(1);
  Coverage coverage(1000);
  std::thread::id caller = std::this_thread::get_id(), seen;
  struct Ctx {
    Coverage *coverage;
    std::thread::id *seen;
  } ctx{&coverage, &seen};
  kiln_parallel_for(
      [](void *raw, int64_t begin, int64_t end) {
        auto *ctx = static_cast<Ctx *>(raw);
        *ctx->seen = std::this_thread::get_id();
        Coverage::visit(ctx->coverage, begin, end);
      },
      &ctx, 1000);
  EXPECT_EQ(coverage.calls.load(), 1);
  EXPECT_EQ(seen, caller);
  EXPECT_TRUE(coverage.exactlyOnce());
}

TEST_F(ThreadPool, RepeatedShortCalls) {
  kiln_set_num_threads(4);
  for (int round = 0; round < 20000; ++round) {
    Coverage coverage(1 + round % 37);
    coverage.run();
    ASSERT_TRUE(coverage.exactlyOnce()) << "round " << round;
  }
}

TEST_F(ThreadPool, NestedCallsCoverTheirRanges) {
  kiln_set_num_threads(4);
  constexpr int64_t kOuter = 16, kInner = 100;
  std::vector<std::atomic<int>> hits(kOuter * kInner);
  kiln_parallel_for(
      [](void *ctx, int64_t begin, int64_t end) {
        for (int64_t outer = begin; outer < end; ++outer) {
          struct Inner {
            std::vector<std::atomic<int>> *hits;
            int64_t row;
          } inner{static_cast<std::vector<std::atomic<int>> *>(ctx), outer};
          kiln_parallel_for(
              [](void *raw, int64_t b, int64_t e) {
                auto *in = static_cast<Inner *>(raw);
                for (int64_t i = b; i < e; ++i)
                  (*in->hits)[size_t(in->row * kInner + i)].fetch_add(1);
              },
              &inner, kInner);
        }
      },
      &hits, kOuter);
  for (const auto &hit : hits)
    ASSERT_EQ(hit.load(), 1);
}

TEST_F(ThreadPool, ConcurrentCallersAllComplete) {
  kiln_set_num_threads(3);
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&failures, t] {
      for (int round = 0; round < 500; ++round) {
        Coverage coverage(100 + t * 13 + round % 50);
        coverage.run();
        if (!coverage.exactlyOnce())
          failures.fetch_add(1);
      }
    });
  for (std::thread &caller : callers)
    caller.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(ThreadPool, UsesWorkerThreads) {
  kiln_set_num_threads(2);
  struct Ctx {
    std::mutex mutex;
    std::set<std::thread::id> ids;
  } ctx;
  // Sleeping chunks leave a worker time to wake even on a busy machine.
  kiln_parallel_for(
      [](void *raw, int64_t begin, int64_t end) {
        auto *ctx = static_cast<Ctx *>(raw);
        std::this_thread::sleep_for(
            std::chrono::milliseconds(2 * (end - begin)));
        std::lock_guard<std::mutex> lock(ctx->mutex);
        ctx->ids.insert(std::this_thread::get_id());
      },
      &ctx, 32);
  EXPECT_EQ(ctx.ids.size(), 2u);
}

TEST_F(ThreadPool, ResizingAndDefault) {
  kiln_set_num_threads(5);
  EXPECT_EQ(kiln_get_num_threads(), 5);
  Coverage five(5000);
  five.run();
  EXPECT_TRUE(five.exactlyOnce());
  kiln_set_num_threads(2);
  Coverage two(5000);
  two.run();
  EXPECT_TRUE(two.exactlyOnce());
  kiln_set_num_threads(0);
  EXPECT_GE(kiln_get_num_threads(), 1);
}
