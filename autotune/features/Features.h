//===- Features.h - fixed-length features of a scheduled loop nest --------===//
#ifndef KILN_AUTOTUNE_FEATURES_FEATURES_H
#define KILN_AUTOTUNE_FEATURES_FEATURES_H

#include "autotune/Tuning.h"
#include "autotune/workload/Workload.h"
#include "compiler/Codegen/CPU/Schedule.h"

#include <memory>
#include <vector>

namespace kiln::tune {

/// Length of the feature vector of layout kFeatureVersion.
constexpr size_t kFeatureLength = 64;

/// Features of `workload` under `schedule`, read from the scheduled loop nest in MLIR, in the
/// spirit of AutoTVM's loop-context features: a clone of the kernel gets the schedule and runs
/// through the real scheduling passes (kiln::buildCPUSchedulePipeline: TileAndVectorize,
/// bufferization, transfer hoisting); then, for the five innermost loops of the main nest (the
/// loops around the op doing the most flops): trip count, parallel or not, flops executed per
/// run of the loop, bytes touched per buffer (input 0, input 1, output, all) over the loop's
/// iterations and the resulting arithmetic intensity; and for the whole kernel: vectorized
/// share of the flops, vector width and register tile of the main op, accumulator and operand
/// registers, memory ops and bytes per flop of the innermost body, parallel tasks, loop
/// count, scalar memory accesses per flop, the kind of op. Sizes enter as logs and ratios so
/// a model trained on some shapes transfers to others. A schedule the passes reject gets
/// zeros with `dynamic_or_failed` = 1. Costs a few milliseconds per call.
std::vector<float> extractFeatures(const Workload &workload, const Schedule &schedule);

/// extractFeatures with its pass pipeline built once (pattern sets are not rebuilt per call):
/// use one per context for many configs.
class FeatureExtractor {
public:
  explicit FeatureExtractor(mlir::MLIRContext *ctx);
  ~FeatureExtractor();
  std::vector<float> operator()(const Workload &workload, const Schedule &schedule);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Names of the features, for documentation and debugging (size kFeatureLength).
const std::vector<std::string> &featureNames();

} // namespace kiln::tune

#endif
