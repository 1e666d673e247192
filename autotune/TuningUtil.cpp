//===- TuningUtil.cpp - SearchSpace::size and the config helpers of TuningUtil.h ---===//
#include "autotune/TuningUtil.h"

#include <limits>

namespace kiln::tune {

uint64_t SearchSpace::size() const {
  uint64_t total = 1;
  for (const Knob &knob : knobs) {
    uint64_t n = knob.values.size();
    if (n == 0)
      return 0;
    if (total > std::numeric_limits<uint64_t>::max() / n)
      return std::numeric_limits<uint64_t>::max();
    total *= n;
  }
  return total;
}

size_t ConfigHash::operator()(const Config &config) const {
  uint64_t h = 1469598103934665603ull; // FNV-1a over the indices
  for (int v : config) {
    h ^= static_cast<uint64_t>(static_cast<uint32_t>(v));
    h *= 1099511628211ull;
  }
  return static_cast<size_t>(h);
}

bool isValidConfig(const SearchSpace &space, const Config &config) {
  if (config.size() != space.knobs.size())
    return false;
  for (size_t k = 0; k < config.size(); ++k)
    if (config[k] < 0 || static_cast<size_t>(config[k]) >= space.knobs[k].values.size())
      return false;
  return true;
}

std::string configToString(const Config &config) {
  std::string s = "[";
  for (size_t i = 0; i < config.size(); ++i)
    s += (i ? "," : "") + std::to_string(config[i]);
  return s + "]";
}

std::map<std::string, int64_t> configToValues(const SearchSpace &space, const Config &config) {
  if (!isValidConfig(space, config))
    throw TuneError("config " + configToString(config) + " does not fit a space of " +
                    std::to_string(space.knobs.size()) + " knobs");
  std::map<std::string, int64_t> values;
  for (size_t k = 0; k < config.size(); ++k)
    values[space.knobs[k].name] = space.knobs[k].values[config[k]];
  return values;
}

std::optional<Config> valuesToConfig(const SearchSpace &space,
                                     const std::map<std::string, int64_t> &values) {
  Config config;
  for (const Knob &knob : space.knobs) {
    auto it = values.find(knob.name);
    if (it == values.end())
      return std::nullopt;
    int index = -1;
    for (size_t i = 0; i < knob.values.size() && index < 0; ++i)
      if (knob.values[i] == it->second)
        index = static_cast<int>(i);
    if (index < 0)
      return std::nullopt;
    config.push_back(index);
  }
  return config;
}

uint64_t uniformIndex(Rng &rng, uint64_t n) {
  if (n == 0)
    throw TuneError("uniformIndex: empty range");
  // Rejection sampling: unbiased and independent of <random>'s distributions.
  uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t x;
  do
    x = rng();
  while (x >= limit);
  return x % n;
}

double uniformReal(Rng &rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double throughputOf(const Measurement &m) {
  if (!m.ok())
    return 0;
  if (m.gflops > 0)
    return m.gflops;
  return m.seconds > 0 ? 1.0 / m.seconds : 0;
}

Config randomConfig(const SearchSpace &space, Rng &rng) {
  Config config(space.knobs.size());
  for (size_t k = 0; k < config.size(); ++k) {
    if (space.knobs[k].values.empty())
      throw TuneError("knob '" + space.knobs[k].name + "' has no values");
    config[k] = static_cast<int>(uniformIndex(rng, space.knobs[k].values.size()));
  }
  return config;
}

Config randomNeighbour(const SearchSpace &space, const Config &config, Rng &rng) {
  std::vector<size_t> movable;
  for (size_t k = 0; k < space.knobs.size(); ++k)
    if (space.knobs[k].values.size() > 1)
      movable.push_back(k);
  if (movable.empty())
    return config;
  size_t k = movable[uniformIndex(rng, movable.size())];
  int last = static_cast<int>(space.knobs[k].values.size()) - 1;
  Config next = config;
  if (config[k] == 0)
    next[k] = 1;
  else if (config[k] == last)
    next[k] = last - 1;
  else
    next[k] += uniformIndex(rng, 2) ? 1 : -1;
  return next;
}

std::vector<Config> neighbours(const SearchSpace &space, const Config &config, int reach) {
  std::vector<Config> result;
  for (size_t k = 0; k < space.knobs.size(); ++k) {
    for (int distance = 1; distance <= reach; ++distance) {
      for (int delta : {-distance, distance}) {
        int v = config[k] + delta;
        if (v < 0 || static_cast<size_t>(v) >= space.knobs[k].values.size())
          continue;
        Config next = config;
        next[k] = v;
        result.push_back(std::move(next));
      }
    }
  }
  return result;
}

Config configAt(const SearchSpace &space, uint64_t index) {
  Config config(space.knobs.size());
  for (size_t k = space.knobs.size(); k-- > 0;) {
    uint64_t n = space.knobs[k].values.size();
    config[k] = static_cast<int>(index % n);
    index /= n;
  }
  return config;
}

} // namespace kiln::tune
