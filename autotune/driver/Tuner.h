//===- Tuner.h - the tuning loop: tasks, search, measure, record ----------===//
#ifndef KILN_AUTOTUNE_DRIVER_TUNER_H
#define KILN_AUTOTUNE_DRIVER_TUNER_H

#include "autotune/measure/CPURunner.h"
#include "autotune/workload/Workload.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace kiln::tune {

struct TuneOptions {
  std::string dbPath;              ///< JSON-lines tuning database (appended to, resumed from)
  std::string strategy = "xgb";    ///< "xgb" (cost-model guided) or "random"
  std::string costModel = "xgb";   ///< the cost model of "xgb" (createCostModel's names)
  std::string scheduler = "gradient";
  size_t trials = 64;              ///< measurements over all tasks (resumed ones count)
  size_t batchSize = 16;           ///< measured per round
  uint64_t seed = 0;
  RunnerOptions runner;
  bool progress = true;
};

/// "cpu/<cpu name>": the target key of records.
std::string targetKey(const RunnerOptions &runner);

/// Tunes `tasks` (workload, occurrences): measures each task's default schedule once, then
/// spends the trial budget over the tasks (task scheduler), each round a batch proposed by the
/// search strategy, built and timed by the runner, and appended to the database at once (a
/// killed run loses at most the batch in flight; a rerun resumes from the records). One
/// progress line per round. Throws TuneError on database errors.
void tune(const std::vector<std::pair<Workload, int>> &tasks, const TuneOptions &options,
          llvm::raw_ostream &log);

/// Measurement repeatability: per task, measures `configs` random configs (seeded) twice with
/// `options.runner` and twice the way the runner used to (wall clock, median of one block of
/// runs per candidate), alternating the two, and logs the rank agreement of the two runs of
/// each method (Spearman, pairwise): the ceiling of any cost model's ranking accuracy.
void checkMeasurement(const std::vector<std::pair<Workload, int>> &tasks,
                      const TuneOptions &options, size_t configs, llvm::raw_ostream &log);

/// Prints, per task, the features (name = value) of the default config and `configs` random
/// ones (seeded), with the knob values and the milliseconds each extraction took.
void dumpFeatures(const std::vector<std::pair<Workload, int>> &tasks, const TuneOptions &options,
                  size_t configs, llvm::raw_ostream &out);

/// Offline ranking accuracy of the cost model `costModel`: for each workload of `testDb`,
/// pairwise accuracy on its successful records of a model trained on the records of `trainDb`
/// of (a) the same workload only, (b) all workloads, (c) the other workloads only (transfer,
/// zero-shot). Only records of the current feature version count. Lines go to `log`.
void evaluateModel(const std::string &trainDb, const std::string &testDb,
                   const std::string &costModel, llvm::raw_ostream &log);

/// Spearman rank correlation of two equally long series (average ranks for ties).
double spearman(const std::vector<double> &a, const std::vector<double> &b);

} // namespace kiln::tune

#endif
