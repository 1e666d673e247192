//===- StrategyBase.cpp - drawing unvisited configs without repeats; the strategy registry ---===//
#include "autotune/search/StrategyBase.h"

#include <functional>
#include <map>

namespace kiln::tune {
namespace detail {

/// Spaces up to this size are enumerated once random draws keep hitting visited configs.
static constexpr uint64_t kEnumerateLimit = uint64_t(1) << 22;

StrategyBase::StrategyBase(const SearchSpace &space, uint64_t seed)
    : space_(space), spaceSize_(space.size()), rng_(seed) {
  for (const Knob &knob : space_.knobs)
    if (knob.values.empty())
      throw TuneError("search space: knob '" + knob.name + "' has no values");
}

std::optional<Config> StrategyBase::takeUnvisited() {
  if (!enumerated_) {
    const int attempts = spaceSize_ > kEnumerateLimit ? 1 << 16 : 32;
    for (int i = 0; i < attempts; ++i) {
      Config config = randomConfig(space_, rng_);
      if (markVisited(config))
        return config;
    }
    if (spaceSize_ > kEnumerateLimit)
      return std::nullopt; // practically exhausted: tens of thousands of draws all collided
    enumerated_ = true;
    for (uint64_t index = 0; index < spaceSize_; ++index) {
      Config config = configAt(space_, index);
      if (!isVisited(config))
        unvisited_.push_back(std::move(config));
    }
  }
  while (!unvisited_.empty()) {
    size_t pick = uniformIndex(rng_, unvisited_.size());
    std::swap(unvisited_[pick], unvisited_.back());
    Config config = std::move(unvisited_.back());
    unvisited_.pop_back();
    if (markVisited(config))
      return config;
  }
  return std::nullopt;
}

void StrategyBase::checkMeasured(const Measurement &measurement) const {
  if (!isValidConfig(space_, measurement.config))
    throw TuneError("search: measured config " + configToString(measurement.config) +
                    " does not fit the space of " + std::to_string(space_.knobs.size()) + " knobs");
}

} // namespace detail

using Factory =
    std::function<std::unique_ptr<SearchStrategy>(const SearchSpace &, const SearchOptions &)>;

static const std::map<std::string, Factory> &registry() {
  static const std::map<std::string, Factory> factories = {
      {"random", detail::createRandomSearch},
      {"xgb", detail::createModelSearch},
  };
  return factories;
}

std::vector<std::string> searchStrategyNames() {
  std::vector<std::string> names;
  for (const auto &entry : registry())
    names.push_back(entry.first);
  return names;
}

std::unique_ptr<SearchStrategy> createSearchStrategy(const std::string &name,
                                                     const SearchSpace &space,
                                                     const SearchOptions &options) {
  auto it = registry().find(name);
  if (it != registry().end())
    return it->second(space, options);
  std::string known;
  for (const std::string &n : searchStrategyNames())
    known += (known.empty() ? "" : ", ") + n;
  throw TuneError("unknown search strategy '" + name + "' (known: " + known + ")");
}

} // namespace kiln::tune
