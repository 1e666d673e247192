//===- TuningUtil.h - helpers over the shared tuning vocabulary (configs, spaces) -===//
#ifndef KILN_AUTOTUNE_TUNINGUTIL_H
#define KILN_AUTOTUNE_TUNINGUTIL_H

#include "autotune/Tuning.h"

#include <cstddef>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::tune {

/// The error every search-side part throws: a message saying what is wrong and where.
class TuneError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The random engine of every seeded part (fixed algorithm: same seed, same sequence).
using Rng = std::mt19937_64;

/// Hash of a Config, for unordered containers.
struct ConfigHash {
  size_t operator()(const Config &config) const;
};

/// True when `config` has one in-range value index per knob of `space`.
bool isValidConfig(const SearchSpace &space, const Config &config);

/// "[i0,i1,...]": the value indices, for messages and logs.
std::string configToString(const Config &config);

/// The knob values a config picks, by knob name (what the database stores).
std::map<std::string, int64_t> configToValues(const SearchSpace &space, const Config &config);

/// The config picking these knob values; nullopt when a knob is missing or its value is not in
/// the space (a record written for another version of the space). Extra names are ignored.
std::optional<Config> valuesToConfig(const SearchSpace &space,
                                     const std::map<std::string, int64_t> &values);

/// Throughput used for ranking: gflops when known, else 1/seconds; 0 for a failure.
double throughputOf(const Measurement &measurement);

/// A config drawn uniformly from `space` (which must have at least one value per knob).
Config randomConfig(const SearchSpace &space, Rng &rng);

/// A random neighbour: one knob moved to an adjacent value index. Returns `config` itself when
/// every knob has a single value.
Config randomNeighbour(const SearchSpace &space, const Config &config, Rng &rng);

/// Every neighbour of `config`: one knob moved by 1..`reach` value indices either way, in knob
/// order (nearest first per knob).
std::vector<Config> neighbours(const SearchSpace &space, const Config &config, int reach = 1);

/// The config with linear index `index` in [0, space.size()) (the last knob varies fastest).
Config configAt(const SearchSpace &space, uint64_t index);

/// A uniform integer in [0, n) (n > 0) drawn with a fixed algorithm, so that sequences do not
/// depend on the standard library's distribution implementation.
uint64_t uniformIndex(Rng &rng, uint64_t n);

/// A uniform real in [0, 1) drawn with a fixed algorithm.
double uniformReal(Rng &rng);

} // namespace kiln::tune

#endif
