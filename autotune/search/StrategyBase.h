//===- StrategyBase.h - (internal) state shared by strategies: space, seed, visited ---===//
#ifndef KILN_AUTOTUNE_SEARCH_STRATEGYBASE_H
#define KILN_AUTOTUNE_SEARCH_STRATEGYBASE_H

#include "autotune/TuningUtil.h"
#include "autotune/search/SearchStrategy.h"

#include <optional>
#include <unordered_set>

namespace kiln::tune::detail {

/// The space, the seeded engine and the set of configs proposed or measured so far.
class StrategyBase : public SearchStrategy {
protected:
  StrategyBase(const SearchSpace &space, uint64_t seed);

  /// A uniformly drawn config not visited yet (and now marked visited); nullopt when the space
  /// is exhausted.
  std::optional<Config> takeUnvisited();
  /// Marks a config visited; false when it already was.
  bool markVisited(const Config &config) { return visited_.insert(config).second; }
  bool isVisited(const Config &config) const { return visited_.count(config) != 0; }
  /// Throws TuneError when a measured config does not fit the space.
  void checkMeasured(const Measurement &measurement) const;

  SearchSpace space_;
  uint64_t spaceSize_;
  Rng rng_;

private:
  std::unordered_set<Config, ConfigHash> visited_;
  std::vector<Config> unvisited_; ///< every unvisited config, once random draws keep colliding
  bool enumerated_ = false;
};

/// The "random" and "xgb" strategies (RandomSearch.cpp, ModelSearch.cpp).
std::unique_ptr<SearchStrategy> createRandomSearch(const SearchSpace &space,
                                                   const SearchOptions &options);
std::unique_ptr<SearchStrategy> createModelSearch(const SearchSpace &space,
                                                  const SearchOptions &options);

} // namespace kiln::tune::detail

#endif
