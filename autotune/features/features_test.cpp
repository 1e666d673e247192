//===- features_test.cpp - feature vectors of real scheduled workloads -----===//
#include "autotune/features/Features.h"
#include "autotune/workload/Space.h"
#include "autotune/test/WorkloadTest.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

using namespace kiln::tune;

namespace {
struct FeaturesTest : kiln::tune::test::WorkloadTest {
};

TEST_F(FeaturesTest, FixedLengthAndVersion) {
  EXPECT_EQ(kFeatureVersion, 3);
  EXPECT_EQ(featureNames().size(), kFeatureLength);
  for (const char *spec : {"matmul:64,128,256", "conv2d:1,16,28,28,32,3,3,1,1"}) {
    auto tasks = workloads(spec);
    ASSERT_FALSE(tasks.empty()) << spec;
    for (auto &[w, count] : tasks) {
      SearchSpace space = spaceFor(w);
      std::vector<float> f = extractFeatures(w, scheduleFor(w, space, Config{}));
      EXPECT_EQ(f.size(), kFeatureLength) << w.spec;
      for (float v : f)
        EXPECT_TRUE(std::isfinite(v)) << w.spec;
    }
  }
}

TEST_F(FeaturesTest, BatchMatmulSpec) {
  auto tasks = workloads("batch_matmul:4,16,64,32");
  ASSERT_EQ(tasks.size(), 1u);
  const Workload &w = tasks[0].first;
  EXPECT_EQ(w.kind, WorkloadKind::BatchMatmul);
  EXPECT_EQ(w.spec, "batch_matmul:4x16x64x32 f32");
  EXPECT_DOUBLE_EQ(w.flops, 2.0 * 4 * 16 * 64 * 32);
}

TEST_F(FeaturesTest, SchedulesDiffer) {
  auto tasks = workloads("matmul:64,128,256");
  ASSERT_EQ(tasks.size(), 1u);
  const Workload &w = tasks[0].first;
  EXPECT_EQ(w.kind, WorkloadKind::Matmul);
  EXPECT_EQ(w.spec, "matmul:64x128x256 f32");
  SearchSpace space = spaceFor(w);
  ASSERT_GT(space.size(), 1u);
  Config a(space.knobs.size(), 0), b(space.knobs.size(), 0);
  b[1] = static_cast<int>(space.knobs[1].values.size()) - 1; // the widest tile_n
  ASSERT_EQ(space.knobs[1].name, "tile_n");
  ASSERT_NE(space.knobs[1].values.front(), space.knobs[1].values.back());
  EXPECT_NE(extractFeatures(w, scheduleFor(w, space, a)),
            extractFeatures(w, scheduleFor(w, space, b)));
}

TEST_F(FeaturesTest, KeysIgnoreNamesAndMatchAcrossModules) {
  auto first = workloads("matmul:32,64,16");
  auto second = workloads("matmul:32,64,16");
  auto other = workloads("matmul:32,64,32");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].first.key, second[0].first.key);
  EXPECT_NE(first[0].first.key, other[0].first.key);
}

TEST_F(FeaturesTest, RecordedKnobsRoundTrip) {
  auto tasks = workloads("conv2d:1,16,14,14,32,3,3,1,1");
  for (auto &[w, count] : tasks) {
    SearchSpace space = spaceFor(w);
    Config c(space.knobs.size(), 0);
    auto back = configFromValues(space, knobValues(space, c));
    ASSERT_TRUE(mlir::succeeded(back)) << w.spec;
    EXPECT_EQ(*back, c);
  }
}
} // namespace

namespace {
float feature(const std::vector<float> &f, const std::string &name) {
  const auto &names = featureNames();
  auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  return it == names.end() ? NAN : f[it - names.begin()];
}

// The features describe the loop nest the passes actually produce: the innermost loop of a
// matmul's main nest is the k loop of a register tile (tile_k / reg_k trips) reading a
// reg_m x tile_k slice of A and a tile_k x reg_n slice of B, with reg_m x reg_n / 16
// accumulators in zmm registers, all flops vectorized at the register tile's width.
TEST_F(FeaturesTest, ReadFromTheScheduledLoopNest) {
  auto tasks = workloads("matmul:64,128,256");
  ASSERT_EQ(tasks.size(), 1u);
  const Workload &w = tasks[0].first;
  SearchSpace space = spaceFor(w);
  std::map<std::string, int64_t> knobs = {{"tile_m", 32}, {"tile_n", 128}, {"tile_k", 64},
                                          {"reg_m", 4},   {"reg_n", 32},   {"reg_k", 1},
                                          {"par", 0}};
  auto config = configFromValues(space, knobs);
  ASSERT_TRUE(mlir::succeeded(config));
  std::vector<float> f = extractFeatures(w, scheduleFor(w, space, *config));
  EXPECT_FLOAT_EQ(feature(f, "loop0_log_trips"), 6);               // 64 k steps
  EXPECT_FLOAT_EQ(feature(f, "loop0_log_bytes_in0"), 10);          // 4 x 64 floats of A
  EXPECT_FLOAT_EQ(feature(f, "loop0_log_bytes_in1"), 13);          // 64 x 32 floats of B
  EXPECT_FLOAT_EQ(feature(f, "loop0_log_bytes_out"), 0);           // C hoisted out of the k loop
  EXPECT_FLOAT_EQ(feature(f, "accumulator_regs"), 8);              // 4 x 32 / 16
  EXPECT_FLOAT_EQ(feature(f, "vector_lanes"), 32);
  EXPECT_FLOAT_EQ(feature(f, "vector_flop_share"), 1);
  EXPECT_NEAR(feature(f, "log_flops_ir"), std::log2(2.0 * 64 * 128 * 256), 1e-4);
  EXPECT_FLOAT_EQ(feature(f, "dynamic_or_failed"), 0);

  knobs["reg_k"] = 4; // four k steps per register tile: a quarter of the trips
  knobs["reg_n"] = 16;
  std::vector<float> g = extractFeatures(w, scheduleFor(w, space, *configFromValues(space, knobs)));
  EXPECT_FLOAT_EQ(feature(g, "loop0_log_trips"), 4);
  EXPECT_FLOAT_EQ(feature(g, "accumulator_regs"), 4);
  EXPECT_FLOAT_EQ(feature(g, "vector_lanes"), 16);
}
} // namespace

namespace {
// The default heuristics' schedule is a point of each space (the tuner seeds the search with
// its measured time), and that point stands for exactly the default schedule.
TEST_F(FeaturesTest, DefaultScheduleIsAPointOfTheSpace) {
  for (const char *spec : {"matmul:64,1024,1024", "matmul:128,768,256", "matmul:3136,24,96",
                           "conv2d:1,64,56,56,64,3,3,1,1", "conv2d:1,3,224,224,64,7,7,2,3"}) {
    for (auto &[w, count] : workloads(spec)) {
      SearchSpace space = spaceFor(w);
      std::optional<Config> c = defaultConfig(w, space);
      ASSERT_TRUE(c.has_value()) << w.spec;
      kiln::Schedule mine = scheduleFor(w, space, *c), theirs = scheduleFor(w, space, Config{});
      EXPECT_EQ(mine.outerTiles, theirs.outerTiles) << w.spec;
      EXPECT_EQ(mine.innerTiles, theirs.innerTiles) << w.spec;
      EXPECT_EQ(mine.parallelTiles, theirs.parallelTiles) << w.spec;
    }
  }
}
} // namespace
