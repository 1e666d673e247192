//===- CPURunner.h - build schedules of a workload and time them ----------===//
#ifndef KILN_AUTOTUNE_MEASURE_CPURUNNER_H
#define KILN_AUTOTUNE_MEASURE_CPURUNNER_H

#include "autotune/Tuning.h"
#include "autotune/workload/Workload.h"
#include "compiler/Codegen/CPU/Schedule.h"
#include "compiler/Target/CPU/KernelLibrary.h"

#include <string>
#include <vector>

namespace kiln::tune {

struct RunnerOptions {
  CPUTargetOptions target;
  int threads = 1;             ///< runtime thread-pool size while timing
  int minRepeats = 10;         ///< timed runs at least ...
  double minSeconds = 0.1;     ///< ... and at least this long in total (median reported)
  double warmupSeconds = 0.02; ///< untimed runs first (at least 2): caches, pages, clocks
  double timeoutSeconds = 120; ///< per batch; a hung candidate becomes an error
  std::string workDir = "/tmp";
};

/// Builds all schedules of a batch into one kernel library (falling back to one library per
/// schedule to pin down build errors) and times each in a child process, so a candidate that
/// fails to build, crashes or hangs becomes a Measurement with an error, never a tuner crash.
class CPURunner {
public:
  explicit CPURunner(RunnerOptions options) : options(std::move(options)) {}

  /// One Measurement per schedule (configs are left empty: the caller fills them in).
  std::vector<Measurement> run(const Workload &workload, const std::vector<Schedule> &schedules);

private:
  RunnerOptions options;
};

} // namespace kiln::tune

#endif
