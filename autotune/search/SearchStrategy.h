//===- SearchStrategy.h - proposes the next configs to measure, created by name ---===//
#ifndef KILN_AUTOTUNE_SEARCH_SEARCHSTRATEGY_H
#define KILN_AUTOTUNE_SEARCH_SEARCHSTRATEGY_H

#include "autotune/Tuning.h"
#include "autotune/model/CostModel.h"
#include "autotune/model/TrainingSet.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kiln::tune {

/// The features of one config of the workload being tuned (fixed length, see kFeatureVersion).
/// Must be a pure function of the config and must not throw for a valid config.
using FeatureFn = std::function<std::vector<float>(const Config &)>;

/// How a strategy is built; only `seed` matters to "random".
struct SearchOptions {
  uint64_t seed = 0;             ///< every random choice follows it
  FeatureFn features;            ///< required by "xgb"
  std::string costModel = "xgb"; ///< cost model name ("xgb", "xgb-reg", "random")
  CostModelOptions model;        ///< its options (its seed is replaced by `seed`)
  double epsilon = 0.05;         ///< chance that a pick is uniform random instead of predicted
  size_t population = 64;        ///< simulated-annealing chains, scored together each step
  size_t annealSteps = 40;       ///< annealing steps per batch
  double temperature = 1.0;      ///< start temperature, in units of the population's score spread
  /// "xgb": every neighbour (one knob one value index away) of this many best measured configs
  /// is scored with the annealed candidates; without a model yet, they are the local picks.
  size_t neighbourhoods = 4;
  int neighbourReach = 2;        ///< ... moving one knob by up to this many value indices
  /// "xgb" without a model yet: this share of a batch is neighbours of the best measured
  /// configs (usually the default schedule's), the rest uniform random.
  double localShare = 0.5;
  TrainingSet prior;             ///< records of other workloads (transfer / warm start)
  size_t featureCacheLimit = 20000; ///< features of unmeasured configs kept between batches
};

/// Proposes batches of configs of one workload and learns from their measurements.
/// Implementations: "random" (uniform without repeats), "xgb" (simulated annealing and the
/// neighbourhoods of the best measured configs, ranked by cost-model scores, ε-greedy,
/// retrained after every update). Deterministic for a seed.
class SearchStrategy {
public:
  virtual ~SearchStrategy() = default;

  /// Up to `n` configs never proposed or measured before; fewer (maybe none) once the space
  /// is exhausted.
  virtual std::vector<Config> nextBatch(size_t n) = 0;

  /// Reports measurements (of proposed configs, or earlier ones to resume from a database).
  /// Throws TuneError on a config that does not fit the space.
  virtual void update(const std::vector<Measurement> &measurements) = 0;

  /// The model's scores for `configs` (higher = predicted faster); empty when the strategy
  /// has no trained model. For progress lines: pairwiseAccuracy(score(batch), measured).
  virtual std::vector<double> score(const std::vector<Config> &configs) = 0;

  /// The name this implementation is created by.
  virtual std::string name() const = 0;
};

/// Creates a strategy by name for `space`; throws TuneError on an unknown name, an empty space
/// or missing options (e.g. "xgb" without `features`).
std::unique_ptr<SearchStrategy> createSearchStrategy(const std::string &name,
                                                     const SearchSpace &space,
                                                     const SearchOptions &options = {});

/// The names createSearchStrategy accepts.
std::vector<std::string> searchStrategyNames();

} // namespace kiln::tune

#endif
