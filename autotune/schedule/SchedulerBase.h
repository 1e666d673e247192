//===- SchedulerBase.h - (internal) budget and per-task bookkeeping shared by schedulers ---===//
#ifndef KILN_AUTOTUNE_SCHEDULE_SCHEDULERBASE_H
#define KILN_AUTOTUNE_SCHEDULE_SCHEDULERBASE_H

#include "autotune/schedule/TaskScheduler.h"

namespace kiln::tune::detail {

/// What a scheduler knows of one task.
struct TaskState {
  Task task;
  size_t trials = 0;  ///< trials measured or outstanding
  size_t pending = 0; ///< trials assigned but not yet reported
  size_t rounds = 0;  ///< assignments so far
  std::optional<double> best;
  bool exhausted = false;
  std::vector<std::pair<size_t, double>> history; ///< (trials, best) after each success report
};

/// Charges the budget and keeps TaskStates; subclasses only pick the next task.
class SchedulerBase : public TaskScheduler {
public:
  std::optional<TaskAssignment> next() override;
  void update(size_t task, const TaskReport &report) override;
  size_t trialsUsed() const override { return used_; }

protected:
  SchedulerBase(const std::vector<Task> &tasks, const TaskSchedulerOptions &options);
  /// The live task (not exhausted) to run next; called only when one exists.
  virtual size_t pick() = 0;

  std::vector<TaskState> tasks_;
  TaskSchedulerOptions options_;
  size_t used_ = 0;
};

/// The "gradient" scheduler (GradientScheduler.cpp).
std::unique_ptr<TaskScheduler> createGradientScheduler(const std::vector<Task> &tasks,
                                                       const TaskSchedulerOptions &options);

} // namespace kiln::tune::detail

#endif
