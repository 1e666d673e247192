//===- CPURunner.h - build schedules of a workload and time them ----------===//
#ifndef KILN_AUTOTUNE_MEASURE_CPURUNNER_H
#define KILN_AUTOTUNE_MEASURE_CPURUNNER_H

#include "autotune/Tuning.h"
#include "autotune/workload/Workload.h"
#include "compiler/Codegen/CPU/Schedule.h"
#include "compiler/Target/CPU/KernelLibrary.h"

#include <map>
#include <string>
#include <vector>

namespace kiln::tune {

/// Which clock times a run.
enum class TimingClock {
  Auto,      ///< ThreadCPU with one thread, Wall otherwise
  Wall,      ///< steady_clock around the call
  ThreadCPU, ///< CLOCK_THREAD_CPUTIME_ID of the calling thread: time this thread ran, so
             ///< preemption by other processes on a shared machine does not count
};

struct RunnerOptions {
  CPUTargetOptions target;
  int threads = 1;             ///< runtime thread-pool size while timing
  int minRepeats = 10;         ///< timed runs at least ...
  double minSeconds = 0.1;     ///< ... and at least this long in total, over all rounds
  double warmupSeconds = 0.02; ///< untimed runs first (at least 2): caches, pages, clocks
  /// Rounds over the batch: each round runs every candidate (one untimed run to warm its
  /// caches, then its share of the timed runs), so slow drifts of the machine's load hit all
  /// candidates alike instead of whichever was being timed at the moment.
  int rounds = 4;
  /// The reported time: this quantile of all timed runs (0 = fastest, 0.5 = median). A low
  /// quantile estimates the undisturbed time; disturbances only ever add time.
  double quantile = 0.1;
  TimingClock clock = TimingClock::Auto;
  /// Checks each candidate's float outputs against the kernel under its default schedule (built
  /// once per workload, run on the same inputs); a mismatch is an error, not a time.
  bool verify = true;
  /// Largest accepted output error, relative to the largest reference output value.
  double tolerance = 1e-3;
  double timeoutSeconds = 120; ///< per batch; a hung candidate becomes an error
  std::string workDir = "/tmp";
};

/// Builds all schedules of a batch into one kernel library (falling back to one library per
/// schedule to pin down build errors) and times each in a child process, so a candidate that
/// fails to build, crashes, hangs or computes a wrong result becomes a Measurement with an
/// error, never a tuner crash.
class CPURunner {
public:
  explicit CPURunner(RunnerOptions options) : options(std::move(options)) {}
  ~CPURunner();
  CPURunner(const CPURunner &) = delete;
  CPURunner &operator=(const CPURunner &) = delete;

  /// One Measurement per schedule (configs are left empty: the caller fills them in).
  std::vector<Measurement> run(const Workload &workload, const std::vector<Schedule> &schedules);

private:
  RunnerOptions options;
  /// The default schedule's build of a workload: the library ("": none) and, per function,
  /// the weight arguments it reads as panels ([argument, W, ...]).
  struct Reference {
    std::string path;
    std::map<std::string, std::vector<int64_t>> packed;
  };
  std::map<std::string, Reference> references_; ///< by workload key
};

} // namespace kiln::tune

#endif
