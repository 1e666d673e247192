//===- RandomSearch.cpp - the "random" strategy: uniform sampling without repeats ---===//
#include "autotune/search/StrategyBase.h"

namespace kiln::tune::detail {
namespace {

class RandomSearch final : public StrategyBase {
public:
  RandomSearch(const SearchSpace &space, uint64_t seed) : StrategyBase(space, seed) {}

  std::vector<Config> nextBatch(size_t n) override {
    std::vector<Config> batch;
    while (batch.size() < n) {
      std::optional<Config> config = takeUnvisited();
      if (!config)
        break;
      batch.push_back(std::move(*config));
    }
    return batch;
  }

  void update(const std::vector<Measurement> &measurements) override {
    for (const Measurement &m : measurements) {
      checkMeasured(m);
      markVisited(m.config);
    }
  }

  std::vector<double> score(const std::vector<Config> &) override { return {}; }
  std::string name() const override { return "random"; }
};

} // namespace

std::unique_ptr<SearchStrategy> createRandomSearch(const SearchSpace &space,
                                                   const SearchOptions &options) {
  return std::make_unique<RandomSearch>(space, options.seed);
}

} // namespace kiln::tune::detail
