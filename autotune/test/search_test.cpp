//===- search_test.cpp - SearchStrategy: no repeats, determinism, xgb beats random ---===//
#include "ToyProblem.h"
#include "autotune/TuningUtil.h"
#include "autotune/search/SearchStrategy.h"

#include <gtest/gtest.h>

#include <set>

using namespace kiln::tune;
using kiln::tune::test::ToyProblem;

namespace {

SearchOptions toyOptions(const ToyProblem &toy, uint64_t seed) {
  SearchOptions options;
  options.seed = seed;
  options.features = [&toy](const Config &c) { return toy.features(c); };
  return options;
}

/// Runs `strategy` with the fake runner for up to `budget` trials in batches of `batch`;
/// returns the configs in the order they were proposed.
std::vector<Config> run(SearchStrategy &strategy, const ToyProblem &toy, size_t budget,
                        size_t batch, const Config *stopAt = nullptr) {
  std::vector<Config> proposed;
  while (proposed.size() < budget) {
    std::vector<Config> configs = strategy.nextBatch(std::min(batch, budget - proposed.size()));
    if (configs.empty())
      break;
    std::vector<Measurement> results;
    for (const Config &c : configs) {
      results.push_back(toy.measure(c));
      proposed.push_back(c);
    }
    strategy.update(results);
    if (stopAt && std::find(configs.begin(), configs.end(), *stopAt) != configs.end())
      break;
  }
  return proposed;
}

TEST(SearchStrategy, RandomNeverRepeatsAndExhaustsSmallSpaces) {
  SearchSpace space{{{"a", {1, 2}}, {"b", {1, 2, 3}}}};
  auto strategy = createSearchStrategy("random", space, {});
  Measurement resumed;
  resumed.config = {1, 2};
  resumed.seconds = 1;
  strategy->update({resumed}); // measured in an earlier run: never proposed again
  std::set<Config> seen = {resumed.config};
  for (size_t expected : {3u, 2u, 0u}) {
    std::vector<Config> batch = strategy->nextBatch(3);
    EXPECT_EQ(batch.size(), expected);
    for (const Config &c : batch) {
      EXPECT_TRUE(isValidConfig(space, c));
      EXPECT_TRUE(seen.insert(c).second) << configToString(c);
    }
  }
  EXPECT_EQ(seen.size(), 6u);
}

TEST(SearchStrategy, SeededSearchIsDeterministic) {
  ToyProblem toy;
  for (const char *name : {"random", "xgb"}) {
    auto a = createSearchStrategy(name, toy.space, toyOptions(toy, 42));
    auto b = createSearchStrategy(name, toy.space, toyOptions(toy, 42));
    auto c = createSearchStrategy(name, toy.space, toyOptions(toy, 43));
    std::vector<Config> runA = run(*a, toy, 96, 16), runB = run(*b, toy, 96, 16);
    EXPECT_EQ(runA, runB) << name;
    EXPECT_NE(runA, run(*c, toy, 96, 16)) << name;
    EXPECT_EQ(std::set<Config>(runA.begin(), runA.end()).size(), runA.size()) << name;
  }
}

TEST(SearchStrategy, XgbReachesTheOptimumInFewerTrialsThanRandom) {
  // Random needs ~2048 trials on average to hit the one best of 4096 configs; the model-guided
  // search should need a few hundred at most. Capped runs count as the budget.
  ToyProblem toy;
  Config best = toy.optimum();
  const size_t budget = 640, batch = 16;
  size_t xgbTotal = 0, randomTotal = 0, xgbFound = 0;
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    auto xgb = createSearchStrategy("xgb", toy.space, toyOptions(toy, seed));
    auto random = createSearchStrategy("random", toy.space, toyOptions(toy, seed));
    std::vector<Config> x = run(*xgb, toy, budget, batch, &best);
    std::vector<Config> r = run(*random, toy, budget, batch, &best);
    bool found = std::find(x.begin(), x.end(), best) != x.end();
    xgbFound += found;
    xgbTotal += x.size();
    randomTotal += r.size();
    std::printf("seed %llu: xgb %zu trials (%s), random %zu trials\n",
                static_cast<unsigned long long>(seed), x.size(), found ? "found" : "not found",
                r.size());
  }
  EXPECT_GE(xgbFound, 4u);
  EXPECT_LT(2 * xgbTotal, randomTotal);
}

TEST(SearchStrategy, NeighboursMoveOneKnobUpToReach) {
  SearchSpace space{{{"a", {1, 2, 3, 4}}, {"b", {1, 2}}}};
  std::vector<Config> near = neighbours(space, {1, 0});
  EXPECT_EQ(near, (std::vector<Config>{{0, 0}, {2, 0}, {1, 1}}));
  std::vector<Config> far = neighbours(space, {1, 0}, 2);
  EXPECT_EQ(far, (std::vector<Config>{{0, 0}, {2, 0}, {3, 0}, {1, 1}}));
}

TEST(SearchStrategy, ColdXgbExploresAroundTheMeasuredBest) {
  // Before a model exists, half of a batch is neighbours (up to two value indices away on one
  // knob) of the best measured config, the rest random.
  ToyProblem toy;
  SearchOptions options = toyOptions(toy, 11);
  auto xgb = createSearchStrategy("xgb", toy.space, options);
  Measurement known;
  known.config = {3, 3, 3, 3};
  known.seconds = 1;
  known.gflops = 1;
  xgb->update({known});
  std::vector<Config> batch = xgb->nextBatch(16);
  ASSERT_EQ(batch.size(), 16u);
  std::vector<Config> near = neighbours(toy.space, known.config, options.neighbourReach);
  size_t local = 0;
  for (const Config &c : batch)
    local += std::find(near.begin(), near.end(), c) != near.end();
  EXPECT_GE(local, 8u);
  EXPECT_LT(local, 16u);
}

TEST(SearchStrategy, ModelScoresAreAvailableAfterTraining) {
  ToyProblem toy;
  auto xgb = createSearchStrategy("xgb", toy.space, toyOptions(toy, 7));
  std::vector<Config> first = xgb->nextBatch(32);
  EXPECT_TRUE(xgb->score(first).empty()); // no model yet: the first batch is random
  std::vector<Measurement> results;
  for (const Config &c : first)
    results.push_back(toy.measure(c));
  xgb->update(results);
  // 32 measurements already rank unseen configs well.
  Rng rng(99);
  std::vector<Config> unseen;
  std::vector<double> measured;
  for (int i = 0; i < 300; ++i) {
    unseen.push_back(randomConfig(toy.space, rng));
    measured.push_back(toy.gflops(unseen.back()));
  }
  std::vector<double> scores = xgb->score(unseen);
  ASSERT_EQ(scores.size(), unseen.size());
  EXPECT_GE(pairwiseAccuracy(scores, measured), 0.7);
}

TEST(SearchStrategy, TransferWarmStartsTheFirstBatch) {
  // Prior data from a shifted workload: the first batch is already model-guided and better
  // than a random one.
  ToyProblem other, toy;
  other.peak[0] = 3.5;
  other.peak[2] = 3.8;
  TrainingSet prior;
  FeatureMatrix rows;
  std::vector<double> values;
  Rng rng(5);
  for (int i = 0; i < 300; ++i) {
    Config c = randomConfig(other.space, rng);
    rows.push_back(other.features(c));
    values.push_back(other.gflops(c));
  }
  prior.addGroup(rows, values);
  SearchOptions options = toyOptions(toy, 3);
  options.prior = prior;
  auto warm = createSearchStrategy("xgb", toy.space, options);
  auto cold = createSearchStrategy("random", toy.space, options);
  auto mean = [&](const std::vector<Config> &batch) {
    double sum = 0;
    for (const Config &c : batch)
      sum += toy.gflops(c);
    return sum / batch.size();
  };
  EXPECT_FALSE(warm->score({Config{0, 0, 0, 0}}).empty());
  EXPECT_GT(mean(warm->nextBatch(32)), 2 * mean(cold->nextBatch(32)));
}

TEST(SearchStrategy, ErrorsAreClear) {
  ToyProblem toy;
  EXPECT_THROW(createSearchStrategy("genetic", toy.space, {}), TuneError);
  EXPECT_THROW(createSearchStrategy("xgb", toy.space, {}), TuneError); // no feature function
  SearchSpace empty{{{"a", {}}}};
  EXPECT_THROW(createSearchStrategy("random", empty, {}), TuneError);
  auto random = createSearchStrategy("random", toy.space, {});
  Measurement bad;
  bad.config = {9, 9, 9, 9};
  EXPECT_THROW(random->update({bad}), TuneError);
}

} // namespace
