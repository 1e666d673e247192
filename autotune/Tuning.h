//===- Tuning.h - the vocabulary every autotune part shares ---------------===//
//
// A workload (one kernel: pattern + shapes + dtypes) has a search space of knobs; a config
// picks one value index per knob; a measurement is a config's time (or its error). These
// types carry no MLIR: the MLIR side (workloads, features, runner) and the search side
// (database, cost model, strategies, scheduler) meet here.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_AUTOTUNE_TUNING_H
#define KILN_AUTOTUNE_TUNING_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::tune {

/// One tunable choice: a name ("tile_m", "vector_f", ...) and the values it may take.
struct Knob {
  std::string name;
  std::vector<int64_t> values;
};

/// The knobs of one workload. Every combination of values is a valid schedule (spaces
/// encode their constraints by construction, e.g. only dividing tile sizes).
struct SearchSpace {
  std::vector<Knob> knobs;
  /// Number of configs (saturates at UINT64_MAX).
  uint64_t size() const;
};

/// One value index per knob of a SearchSpace.
using Config = std::vector<int>;

/// The measured (or failed) run of one config.
struct Measurement {
  Config config;
  double seconds = 0;   ///< time of one run (a low quantile of the timed runs), if ok()
  double gflops = 0;    ///< throughput, valid when `error` is empty
  double noise = 0;     ///< relative spread of the timed runs ((median - reported) / reported)
  std::string error;    ///< why building or running failed; empty on success
  bool ok() const { return error.empty(); }
};

/// The version of the feature layout (bumped whenever features change meaning). Records of
/// other versions stay loadable; their features are left out of training sets.
constexpr int kFeatureVersion = 3;
/// The version of the tuning-record format.
constexpr int kRecordFormatVersion = 1;

} // namespace kiln::tune

#endif
