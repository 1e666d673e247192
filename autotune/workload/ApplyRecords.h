//===- ApplyRecords.h - best tuning records → kiln.schedule attributes -----===//
#ifndef KILN_AUTOTUNE_WORKLOAD_APPLYRECORDS_H
#define KILN_AUTOTUNE_WORKLOAD_APPLYRECORDS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::tune {

/// What the compiler needs of a tuning database for one workload: the fastest tuned knobs and
/// how the default schedule measured (the tuner always measures it).
struct BestRecord {
  std::map<std::string, int64_t> knobs;
  double tunedSeconds = 0;
  double defaultSeconds = 0; ///< 0 when the default was not measured successfully
  std::string spec;
};

/// workload key → best record, for one target.
using BestRecords = std::map<std::string, BestRecord>;

/// How much faster than the default a tuned record must have measured to replace it (3%: the
/// tuner's reruns of one config differ by up to ~2.6% on a busy 2-core machine).
constexpr double kMinTunedGain = 0.03;

/// A pass over a module of kernels (linalg on tensors) that gives each kernel whose workload
/// has a record at least kMinTunedGain faster than its default schedule that schedule, as a
/// `kiln.schedule` attribute on its anchor op; the keys and specs applied are appended to
/// `used`. Kernels without such a record keep the default heuristics.
std::unique_ptr<mlir::Pass> createApplyTuningRecordsPass(std::shared_ptr<const BestRecords> records,
                                                         std::shared_ptr<std::vector<std::string>> used);

} // namespace kiln::tune

#endif
