//===- runner_test.cpp - every point of a space builds, runs and is correct ===//
#include "autotune/TuningUtil.h"
#include "autotune/measure/CPURunner.h"
#include "autotune/workload/Space.h"
#include "autotune/test/WorkloadTest.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>

using namespace kiln::tune;
using kiln::Schedule;

namespace {
struct RunnerTest : kiln::tune::test::WorkloadTest {
  /// Quick timing: correctness is the point here, not the times.
  static RunnerOptions quick() {
    RunnerOptions o;
    o.minRepeats = 1;
    o.minSeconds = 0;
    o.warmupSeconds = 0;
    o.rounds = 2;
    return o;
  }
  /// `n` distinct random configs of `space`, plus the first and the last value of every knob.
  static std::vector<Config> sample(const SearchSpace &space, size_t n, uint64_t seed) {
    std::set<Config> configs;
    Config first(space.knobs.size(), 0), last;
    for (const Knob &k : space.knobs)
      last.push_back(static_cast<int>(k.values.size()) - 1);
    configs.insert(first);
    configs.insert(last);
    Rng rng(seed);
    for (size_t tries = 0; configs.size() < n + 2 && tries < 50 * n; ++tries)
      configs.insert(randomConfig(space, rng));
    return {configs.begin(), configs.end()};
  }
};

// The spaces' promise: every config is a valid schedule. Sampled configs of each kind (odd
// shapes on purpose: peeled register tiles, strided convs) build, run and match the default
// schedule's outputs (the runner checks each candidate against them).
TEST_F(RunnerTest, SampledSpacePointsBuildAndMatchTheDefault) {
  CPURunner runner(quick());
  for (const char *spec : {"matmul:24,40,20", "matmul:96,80,72", "batch_matmul:3,14,40,24",
                           "conv2d:1,8,10,10,16,3,3,1,1",
                           "conv2d:1,12,15,15,40,3,3,2,1", "conv2d:1,16,12,12,24,1,1,1,0"}) {
    for (auto &[w, count] : workloads(spec)) {
      SearchSpace space = spaceFor(w);
      std::vector<Config> configs = sample(space, 14, 7);
      std::vector<Schedule> schedules;
      for (const Config &c : configs)
        schedules.push_back(scheduleFor(w, space, c));
      std::vector<Measurement> ms = runner.run(w, schedules);
      ASSERT_EQ(ms.size(), configs.size());
      for (size_t i = 0; i < ms.size(); ++i) {
        std::string knobs;
        for (const auto &[name, value] : knobValues(space, configs[i]))
          knobs += name + "=" + std::to_string(value) + " ";
        EXPECT_TRUE(ms[i].ok()) << w.spec << " " << knobs << ": " << ms[i].error;
        EXPECT_GT(ms[i].seconds, 0) << w.spec << " " << knobs;
        EXPECT_GE(ms[i].noise, 0) << w.spec << " " << knobs;
      }
    }
  }
}

// Regression: a k register tile as large as the k cache tile with par 1 or 2 computed wrong
// results (found by the runner's output check in the tuning benchmark): MLIR 19's
// slice/transfer folder dropped a peeled register tile's write; FoldTransferSlices.cpp
// replaces it (FileCheck: tile_and_vectorize.mlir, @peeled_rows_whole_k).
TEST_F(RunnerTest, FullKRegisterTilesMatchTheDefault) {
  CPURunner runner(quick());
  auto tasks = workloads("matmul:64,1024,1024");
  ASSERT_EQ(tasks.size(), 1u);
  const Workload &w = tasks[0].first;
  SearchSpace space = spaceFor(w);
  std::vector<Config> configs;
  std::vector<std::string> names;
  for (int64_t par : {0, 1, 2})
    for (int64_t tk : {4, 8, 16})
      for (int64_t rk : {1, 4, 8}) {
        std::map<std::string, int64_t> v = {{"tile_m", 8}, {"tile_n", 64}, {"tile_k", tk},
                                            {"reg_m", 6},  {"reg_n", 64},  {"reg_k", rk},
                                            {"par", par}};
        auto c = configFromValues(space, v);
        ASSERT_TRUE(mlir::succeeded(c));
        configs.push_back(*c);
        names.push_back("par=" + std::to_string(par) + " tile_k=" + std::to_string(tk) +
                        " reg_k=" + std::to_string(rk));
      }
  std::vector<Schedule> schedules;
  for (const Config &c : configs)
    schedules.push_back(scheduleFor(w, space, c));
  std::vector<Measurement> ms = runner.run(w, schedules);
  for (size_t i = 0; i < ms.size(); ++i)
    EXPECT_TRUE(ms[i].ok()) << names[i] << ": " << ms[i].error;
}

// The output check runs: with a tolerance no result can meet, every candidate is an error
// that says why, and none gets a time.
TEST_F(RunnerTest, OutputsAreCheckedAgainstTheDefaultSchedule) {
  RunnerOptions o = quick();
  o.tolerance = -1;
  CPURunner runner(o);
  auto tasks = workloads("matmul:16,32,8");
  ASSERT_EQ(tasks.size(), 1u);
  const Workload &w = tasks[0].first;
  SearchSpace space = spaceFor(w);
  std::vector<Schedule> schedules = {scheduleFor(w, space, sample(space, 2, 1)[0]),
                                     scheduleFor(w, space, sample(space, 2, 1)[1])};
  for (const Measurement &m : runner.run(w, schedules)) {
    EXPECT_NE(m.error.find("wrong result"), std::string::npos) << m.error;
    EXPECT_EQ(m.seconds, 0);
  }
  o.tolerance = 1e-3;
  CPURunner checked(o);
  for (const Measurement &m : checked.run(w, schedules))
    EXPECT_TRUE(m.ok()) << m.error;
}

// Records written before a knob existed still map onto the wider space (the knob's legacy
// value: what those schedules did), so old databases keep applying.
TEST_F(RunnerTest, RecordsWithoutNewKnobsMapToTheirLegacyValues) {
  auto tasks = workloads("matmul:64,128,256");
  ASSERT_EQ(tasks.size(), 1u);
  const Workload &w = tasks[0].first;
  SearchSpace space = spaceFor(w);
  std::map<std::string, int64_t> old = {
      {"tile_m", 64}, {"tile_n", 128}, {"tile_k", 256}, {"reg_m", 4}, {"reg_n", 32}};
  auto config = configFromValues(space, old);
  ASSERT_TRUE(mlir::succeeded(config));
  std::map<std::string, int64_t> now = knobValues(space, *config);
  EXPECT_EQ(now["reg_k"], 1);
  EXPECT_EQ(now["par"], 0);
  old.erase("tile_m");
  EXPECT_TRUE(mlir::failed(configFromValues(space, old)));
}
} // namespace
