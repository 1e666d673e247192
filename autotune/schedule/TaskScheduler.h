//===- TaskScheduler.h - spreads a trial budget over a model's tasks, created by name ---===//
#ifndef KILN_AUTOTUNE_SCHEDULE_TASKSCHEDULER_H
#define KILN_AUTOTUNE_SCHEDULE_TASKSCHEDULER_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln::tune {

/// One task: a distinct workload of the model, how often the model runs it and, when known,
/// the time of one run with the default schedule (0: unknown).
struct Task {
  std::string name;
  double occurrences = 1;
  double seconds = 0;
};

/// How a scheduler spends the budget.
struct TaskSchedulerOptions {
  size_t budget = 0;     ///< total trials (measurements) over every task
  size_t batchSize = 16; ///< trials per assignment (the last one may be smaller)
  double alpha = 0.2; ///< "gradient": weight of the measured improvement rate vs the optimistic one
  size_t window = 3;  ///< "gradient": rounds over which the improvement rate is measured
  double epsilon = 0; ///< "gradient": chance of a uniformly random live task instead
  uint64_t seed = 0;  ///< the random choices of `epsilon`
};

/// The next batch to run: `trials` configs of task `task`.
struct TaskAssignment {
  size_t task = 0;
  size_t trials = 0;
};

/// What happened to a task's batch.
struct TaskReport {
  size_t trials = 0;                 ///< configs actually measured (0 = space exhausted)
  std::optional<double> bestSeconds; ///< the task's best time so far; nullopt: none succeeded
  bool exhausted = false;            ///< the task's search space has nothing left
};

/// Decides which task gets the next batch. Implementations: "gradient" (the default: one
/// warm-up batch per task, the tasks taking most of the model's time (occurrences × seconds)
/// first, so a budget smaller than the warm-up still reaches the heavy ones; then the task
/// with the largest weight × expected gain, where weight = occurrences × best time and the gain mixes the recent improvement rate with
/// an optimistic one, as in Ansor), "round-robin". Deterministic for a seed.
class TaskScheduler {
public:
  virtual ~TaskScheduler() = default;

  /// The next assignment, its trials charged to the budget; nullopt once the budget is spent
  /// or every task is exhausted.
  virtual std::optional<TaskAssignment> next() = 0;

  /// Reports an assignment's outcome; unused trials return to the budget. Throws TuneError for
  /// a task with no outstanding assignment or more trials than assigned.
  virtual void update(size_t task, const TaskReport &report) = 0;

  /// Trials charged so far (never above the budget).
  virtual size_t trialsUsed() const = 0;

  /// The name this implementation is created by.
  virtual std::string name() const = 0;
};

/// Creates a scheduler by name ("gradient", "round-robin"); throws TuneError on an unknown
/// name, no tasks, a non-positive occurrence count or a zero batch size.
std::unique_ptr<TaskScheduler> createTaskScheduler(const std::string &name,
                                                   const std::vector<Task> &tasks,
                                                   const TaskSchedulerOptions &options);

/// The names createTaskScheduler accepts.
std::vector<std::string> taskSchedulerNames();

} // namespace kiln::tune

#endif
