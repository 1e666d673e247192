//===- features_test.cpp - feature vectors of real scheduled workloads -----===//
#include "autotune/features/Features.h"
#include "autotune/workload/Space.h"
#include "compiler/Pipeline/Registration.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <mutex>

using namespace kiln::tune;

namespace {
struct FeaturesTest : ::testing::Test {
  void SetUp() override {
    static std::once_flag once; // the scheduling pipeline is partly textual: registered passes
    std::call_once(once, [] { kiln::registerKilnPasses(); });
    mlir::DialectRegistry registry;
    kiln::registerKilnDialects(registry);
    ctx = std::make_unique<mlir::MLIRContext>(registry);
    ctx->loadAllAvailableDialects();
  }
  std::vector<std::pair<Workload, int>> workloads(const std::string &spec) {
    auto module = buildWorkloadModule(*ctx, spec);
    EXPECT_TRUE(mlir::succeeded(module)) << spec;
    modules.push_back(std::move(*module));
    return extractWorkloads(modules.back().get());
  }
  std::unique_ptr<mlir::MLIRContext> ctx;
  std::vector<mlir::OwningOpRef<mlir::ModuleOp>> modules;
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
