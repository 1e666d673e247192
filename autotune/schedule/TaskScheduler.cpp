//===- TaskScheduler.cpp - budget bookkeeping, the "round-robin" scheduler, the registry ---===//
#include "autotune/TuningUtil.h"
#include "autotune/schedule/SchedulerBase.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

namespace kiln::tune {
namespace detail {

SchedulerBase::SchedulerBase(const std::vector<Task> &tasks, const TaskSchedulerOptions &options)
    : options_(options) {
  if (tasks.empty())
    throw TuneError("task scheduler: no tasks");
  if (options.batchSize == 0)
    throw TuneError("task scheduler: the batch size must be at least 1");
  for (const Task &task : tasks) {
    if (!(task.occurrences > 0) || !std::isfinite(task.occurrences))
      throw TuneError("task scheduler: task '" + task.name + "' has occurrence count " +
                      std::to_string(task.occurrences) + " (must be positive)");
    if (!(task.seconds >= 0) || !std::isfinite(task.seconds))
      throw TuneError("task scheduler: task '" + task.name + "' has time " +
                      std::to_string(task.seconds) + " s (must be finite, >= 0)");
    TaskState state;
    state.task = task;
    tasks_.push_back(std::move(state));
  }
}

std::optional<TaskAssignment> SchedulerBase::next() {
  if (used_ >= options_.budget)
    return std::nullopt;
  bool live =
      std::any_of(tasks_.begin(), tasks_.end(), [](const TaskState &t) { return !t.exhausted; });
  if (!live)
    return std::nullopt;
  size_t task = pick();
  size_t trials = std::min(options_.batchSize, options_.budget - used_);
  used_ += trials;
  tasks_[task].trials += trials;
  tasks_[task].pending += trials;
  tasks_[task].rounds += 1;
  return TaskAssignment{task, trials};
}

void SchedulerBase::update(size_t task, const TaskReport &report) {
  if (task >= tasks_.size())
    throw TuneError("task scheduler: no task " + std::to_string(task));
  TaskState &state = tasks_[task];
  if (state.pending == 0 || report.trials > state.pending)
    throw TuneError("task scheduler: task '" + state.task.name + "' reports " +
                    std::to_string(report.trials) + " trials but has " +
                    std::to_string(state.pending) + " outstanding");
  size_t unused = state.pending - report.trials;
  state.pending = 0;
  state.trials -= unused;
  used_ -= unused;
  if (report.bestSeconds) {
    double best = state.best ? std::min(*state.best, *report.bestSeconds) : *report.bestSeconds;
    state.best = best;
    state.history.emplace_back(state.trials, best);
  }
  if (report.exhausted || report.trials == 0)
    state.exhausted = true;
}

namespace {
/// Every live task in turn, one batch each.
class RoundRobinScheduler final : public SchedulerBase {
public:
  RoundRobinScheduler(const std::vector<Task> &tasks, const TaskSchedulerOptions &options)
      : SchedulerBase(tasks, options) {}
  std::string name() const override { return "round-robin"; }

private:
  size_t pick() override {
    for (size_t step = 0; step < tasks_.size(); ++step) {
      size_t task = (cursor_ + step) % tasks_.size();
      if (!tasks_[task].exhausted) {
        cursor_ = task + 1;
        return task;
      }
    }
    throw TuneError("task scheduler: no live task"); // next() checks first
  }
  size_t cursor_ = 0;
};
} // namespace
} // namespace detail

using Factory = std::function<std::unique_ptr<TaskScheduler>(const std::vector<Task> &,
                                                             const TaskSchedulerOptions &)>;

static const std::map<std::string, Factory> &registry() {
  static const std::map<std::string, Factory> factories = {
      {"gradient", detail::createGradientScheduler},
      {"round-robin",
       [](const std::vector<Task> &tasks, const TaskSchedulerOptions &options) {
         return std::make_unique<detail::RoundRobinScheduler>(tasks, options);
       }},
  };
  return factories;
}

std::vector<std::string> taskSchedulerNames() {
  std::vector<std::string> names;
  for (const auto &entry : registry())
    names.push_back(entry.first);
  return names;
}

std::unique_ptr<TaskScheduler> createTaskScheduler(const std::string &name,
                                                   const std::vector<Task> &tasks,
                                                   const TaskSchedulerOptions &options) {
  auto it = registry().find(name);
  if (it != registry().end())
    return it->second(tasks, options);
  std::string known;
  for (const std::string &n : taskSchedulerNames())
    known += (known.empty() ? "" : ", ") + n;
  throw TuneError("unknown task scheduler '" + name + "' (known: " + known + ")");
}

} // namespace kiln::tune
