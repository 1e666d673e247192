//===- Features.h - fixed-length features of a scheduled loop nest --------===//
#ifndef KILN_AUTOTUNE_FEATURES_FEATURES_H
#define KILN_AUTOTUNE_FEATURES_FEATURES_H

#include "autotune/Tuning.h"
#include "autotune/workload/Workload.h"
#include "compiler/Codegen/CPU/Schedule.h"

#include <vector>

namespace kiln::tune {

/// Length of the feature vector of layout kFeatureVersion.
constexpr size_t kFeatureLength = 40;

/// Features of `workload` under `schedule`, in the spirit of AutoTVM's loop-context features,
/// computed from the anchor op's loop nest as the schedule tiles it (its indexing maps give each
/// buffer's footprint per loop level): log-scaled work, trip counts per level (parallel, cache,
/// register), vector width, arithmetic intensity of the register tile, bytes touched and reuse
/// per buffer per level, the share of work in peeled partial tiles, the kind of op, and (version
/// 2) register pressure: vector accumulators, spills, vector width, weight bytes per cache tile
/// against L2, odd task counts, the innermost remainder. Sizes
/// enter as logs and ratios so a model trained on some shapes transfers to others.
std::vector<float> extractFeatures(const Workload &workload, const Schedule &schedule);

/// Names of the features, for documentation and debugging (size kFeatureLength).
const std::vector<std::string> &featureNames();

} // namespace kiln::tune

#endif
