//===- TrainingSet.h - cost-model training data from records, and ranking accuracy ---===//
#ifndef KILN_AUTOTUNE_MODEL_TRAININGSET_H
#define KILN_AUTOTUNE_MODEL_TRAININGSET_H

#include "autotune/Tuning.h"
#include "autotune/database/TuningRecord.h"
#include "autotune/model/CostModel.h"

#include <string>
#include <vector>

namespace kiln::tune {

/// Rows of (features, throughput) in groups of mutually comparable rows (one per workload).
struct TrainingSet {
  FeatureMatrix features;
  std::vector<double> throughputs;
  std::vector<unsigned> groups; ///< sizes of consecutive groups; they sum to the row count

  size_t size() const { return throughputs.size(); }
  /// Appends one group (skipped when empty). Throws TuneError on mismatched sizes.
  void addGroup(FeatureMatrix rows, std::vector<double> values);
  /// Appends every group of `other`.
  void append(const TrainingSet &other);
};

/// What buildTrainingSet keeps.
struct TrainingSetOptions {
  int featureVersion = kFeatureVersion; ///< rows of other feature layouts are left out
  bool includeFailures = true;          ///< failed configs as throughput 0 (learn to avoid them)
  std::string excludeWorkload;          ///< leave this workload out (e.g. the one being tuned)
  std::string target;                   ///< keep only this target; empty = every target
};

/// A training set from records that carry features: one group per (workload, target), in the
/// order first seen. Records are shape-independent through their features, so records of other
/// workloads warm-start (transfer to) a new one. Throws TuneError when rows of the same feature
/// version have different lengths.
TrainingSet buildTrainingSet(const std::vector<TuningRecord> &records,
                             const TrainingSetOptions &options = {});

/// Fraction of pairs (within each group; empty groups = one group) with distinct measured
/// values that `predicted` orders the same way; a predicted tie counts half. NaN when there is
/// no such pair.
double pairwiseAccuracy(const std::vector<double> &predicted, const std::vector<double> &measured,
                        const std::vector<unsigned> &groups = {});

} // namespace kiln::tune

#endif
