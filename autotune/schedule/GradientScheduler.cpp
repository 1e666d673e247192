//===- GradientScheduler.cpp - the "gradient" scheduler: weight × expected gain (Ansor) ---===//
//
// After one warm-up batch per task (heaviest first: occurrences × default time, the order of
// the tasks where that is unknown), the next batch goes to the task that promises the most
// model time saved per trial: occurrences × (α · measured rate + (1-α) · optimistic rate),
// where the measured rate is the drop of the task's best time per trial over the last
// `window` reports and the optimistic rate is best / trials (the next trials could improve as
// much as the ones so far did on average). Tasks with no success yet get no priority after
// their warm-up; ties go to the task with fewer trials, then the lower index.
//
//===----------------------------------------------------------------------===//
#include "autotune/TuningUtil.h"
#include "autotune/schedule/SchedulerBase.h"

namespace kiln::tune::detail {
namespace {

class GradientScheduler final : public SchedulerBase {
public:
  GradientScheduler(const std::vector<Task> &tasks, const TaskSchedulerOptions &options)
      : SchedulerBase(tasks, options), rng_(options.seed) {
    if (!(options.alpha >= 0 && options.alpha <= 1))
      throw TuneError("task scheduler 'gradient': alpha must be in [0, 1]");
  }
  std::string name() const override { return "gradient"; }

private:
  size_t pick() override;
  double gain(const TaskState &task) const;
  Rng rng_;
};

double GradientScheduler::gain(const TaskState &task) const {
  if (!task.best || task.trials == 0)
    return 0;
  double optimistic = *task.best / static_cast<double>(task.trials);
  double measured = 0;
  const auto &h = task.history;
  if (h.size() >= 2) {
    size_t from = h.size() > options_.window ? h.size() - 1 - options_.window : 0;
    size_t trials = h.back().first - h[from].first;
    if (trials > 0)
      measured = (h[from].second - h.back().second) / static_cast<double>(trials);
  }
  return task.task.occurrences * (options_.alpha * measured + (1 - options_.alpha) * optimistic);
}

size_t GradientScheduler::pick() {
  std::vector<size_t> live;
  for (size_t i = 0; i < tasks_.size(); ++i)
    if (!tasks_[i].exhausted)
      live.push_back(i);
  // Warm-up: one batch each, the most model time first (ties: in order).
  std::optional<size_t> cold;
  auto weight = [&](size_t i) { return tasks_[i].task.occurrences * tasks_[i].task.seconds; };
  for (size_t i : live)
    if (tasks_[i].rounds == 0 && (!cold || weight(i) > weight(*cold)))
      cold = i;
  if (cold)
    return *cold;
  if (options_.epsilon > 0 && uniformReal(rng_) < options_.epsilon)
    return live[uniformIndex(rng_, live.size())];
  size_t best = live.front();
  double bestGain = gain(tasks_[best]);
  for (size_t i : live) {
    double g = gain(tasks_[i]);
    if (g > bestGain || (g == bestGain && tasks_[i].trials < tasks_[best].trials)) {
      best = i;
      bestGain = g;
    }
  }
  return best;
}

} // namespace

std::unique_ptr<TaskScheduler> createGradientScheduler(const std::vector<Task> &tasks,
                                                       const TaskSchedulerOptions &options) {
  return std::make_unique<GradientScheduler>(tasks, options);
}

} // namespace kiln::tune::detail
