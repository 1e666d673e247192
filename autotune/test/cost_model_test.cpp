//===- cost_model_test.cpp - CostModel: learns a ranking, transfers, saves and loads ---===//
#include "autotune/TuningUtil.h"
#include "autotune/model/CostModel.h"
#include "autotune/model/TrainingSet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

using namespace kiln::tune;

namespace {

/// Rows of 6 uniform features with throughput = scale × f(features) × (1 + noise).
struct Synthetic {
  FeatureMatrix features;
  std::vector<double> throughputs;
};

Synthetic synthetic(size_t n, uint64_t seed, double scale = 1.0) {
  Rng rng(seed);
  Synthetic s;
  for (size_t i = 0; i < n; ++i) {
    std::vector<float> x(6);
    for (float &v : x)
      v = static_cast<float>(uniformReal(rng));
    double f = 3 * x[0] + 2 * std::sin(3 * x[1]) + 2 * x[2] * x[3] + 1;
    double noise = 0.05 * (uniformReal(rng) - 0.5);
    s.features.push_back(x);
    s.throughputs.push_back(scale * f * (1 + noise));
  }
  return s;
}

class CostModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CostModelTest, LearnsASyntheticRanking) {
  Synthetic train = synthetic(400, 1), test = synthetic(200, 2);
  auto model = createCostModel(GetParam(), {/*seed=*/3});
  EXPECT_FALSE(model->trained());
  model->fit(train.features, train.throughputs, {});
  ASSERT_TRUE(model->trained());
  double accuracy = pairwiseAccuracy(model->predict(test.features), test.throughputs);
  EXPECT_GE(accuracy, 0.8) << GetParam();
}

TEST_P(CostModelTest, SaveAndLoadGiveTheSamePredictions) {
  Synthetic train = synthetic(200, 4), test = synthetic(50, 5);
  auto model = createCostModel(GetParam(), {/*seed=*/1});
  model->fit(train.features, train.throughputs, {120, 80});
  std::string path = ::testing::TempDir() + "kiln_model_" + GetParam() + ".json";
  model->save(path);
  std::vector<double> before = model->predict(test.features);
  auto loaded = createCostModel(GetParam(), {/*seed=*/1});
  loaded->load(path);
  EXPECT_TRUE(loaded->trained());
  EXPECT_EQ(loaded->predict(test.features), before);
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Xgb, CostModelTest, ::testing::Values("xgb", "xgb-reg"));

TEST(CostModel, TransfersAcrossWorkloadsThroughRecords) {
  // Two "workloads" of very different speeds train the model; a third is ranked unseen.
  std::vector<TuningRecord> records;
  for (int w = 0; w < 2; ++w) {
    Synthetic s = synthetic(200, 10 + w, w == 0 ? 1.0 : 100.0);
    for (size_t i = 0; i < s.features.size(); ++i) {
      TuningRecord r;
      r.workload = "w" + std::to_string(w);
      r.target = "cpu";
      r.gflops = s.throughputs[i];
      r.seconds = 1 / s.throughputs[i];
      r.features = s.features[i];
      records.push_back(r);
    }
  }
  records[5].error = "failed"; // failures become throughput 0
  records[6].features.clear(); // records without features are left out
  records[7].featureVersion = kFeatureVersion + 1;
  TrainingSet set = buildTrainingSet(records);
  EXPECT_EQ(set.size(), 398u);
  EXPECT_EQ(set.groups, (std::vector<unsigned>{198, 200}));
  EXPECT_EQ(set.throughputs[5], 0.0);
  EXPECT_EQ(buildTrainingSet(records, {kFeatureVersion, true, "w0"}).size(), 200u);

  Synthetic unseen = synthetic(200, 20, 7.0);
  for (const char *name : {"xgb", "xgb-reg"}) {
    auto model = createCostModel(name);
    model->fit(set.features, set.throughputs, set.groups);
    EXPECT_GE(pairwiseAccuracy(model->predict(unseen.features), unseen.throughputs), 0.8) << name;
  }
}

TEST(CostModel, RandomModelIsSeededAndUninformed) {
  Synthetic test = synthetic(200, 6);
  auto a = createCostModel("random", {/*seed=*/9});
  auto b = createCostModel("random", {/*seed=*/9});
  EXPECT_TRUE(a->trained());
  std::vector<double> scores = a->predict(test.features);
  EXPECT_EQ(scores, b->predict(test.features));
  double accuracy = pairwiseAccuracy(scores, test.throughputs);
  EXPECT_GT(accuracy, 0.4);
  EXPECT_LT(accuracy, 0.6);

  std::string path = ::testing::TempDir() + "kiln_model_random.json";
  a->save(path);
  auto c = createCostModel("random", {/*seed=*/1});
  c->load(path);
  EXPECT_EQ(c->predict(test.features), scores);
  std::remove(path.c_str());
}

TEST(CostModel, ErrorsAreClear) {
  EXPECT_THROW(createCostModel("lightgbm"), TuneError);
  auto model = createCostModel("xgb");
  Synthetic s = synthetic(20, 7);
  EXPECT_THROW(model->predict(s.features), TuneError); // not trained
  EXPECT_THROW(model->fit(s.features, {1.0, 2.0}, {}), TuneError);
  EXPECT_THROW(model->fit(s.features, s.throughputs, {5}), TuneError);
  model->fit(s.features, s.throughputs, {});
  EXPECT_THROW(model->predict({{1.0f, 2.0f}}), TuneError); // wrong feature count

  std::string path = ::testing::TempDir() + "kiln_model_rank.json";
  model->save(path);
  auto regression = createCostModel("xgb-reg");
  try {
    regression->load(path);
    FAIL() << "loading a rank:pairwise model as xgb-reg must fail";
  } catch (const TuneError &e) {
    EXPECT_NE(std::string(e.what()).find("rank:pairwise"), std::string::npos) << e.what();
  }
  EXPECT_THROW(createCostModel("random")->load(path), TuneError);
  EXPECT_THROW(model->load(path + ".missing"), TuneError);
  std::remove(path.c_str());
}

TEST(PairwiseAccuracy, CountsOrderedPairsWithinGroups) {
  EXPECT_DOUBLE_EQ(pairwiseAccuracy({1, 2, 3}, {10, 20, 30}), 1.0);
  EXPECT_DOUBLE_EQ(pairwiseAccuracy({3, 2, 1}, {10, 20, 30}), 0.0);
  EXPECT_DOUBLE_EQ(pairwiseAccuracy({1, 1}, {1, 2}), 0.5); // predicted tie
  EXPECT_DOUBLE_EQ(pairwiseAccuracy({1, 2, 0, 5}, {1, 2, 9, 3}, {2, 2}), 0.5);
  EXPECT_TRUE(std::isnan(pairwiseAccuracy({1, 2}, {3, 3})));
}

} // namespace
