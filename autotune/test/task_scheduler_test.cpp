//===- task_scheduler_test.cpp - TaskScheduler: budget, warm-up, heavy tasks first ---===//
#include "autotune/TuningUtil.h"
#include "autotune/schedule/TaskScheduler.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace kiln::tune;

namespace {

/// A fake tuning run: task i's best time after n trials is base[i] × (1 + 2/sqrt(n)).
/// Returns the assignments in order; `trialsOf` gets each task's trials.
std::vector<TaskAssignment> simulate(TaskScheduler &scheduler, const std::vector<double> &base,
                                     std::vector<size_t> &trialsOf,
                                     const std::vector<size_t> &spaceSize = {}) {
  std::vector<TaskAssignment> order;
  trialsOf.assign(base.size(), 0);
  while (std::optional<TaskAssignment> a = scheduler.next()) {
    order.push_back(*a);
    size_t limit = spaceSize.empty() ? SIZE_MAX : spaceSize[a->task];
    size_t measured = std::min(a->trials, limit - trialsOf[a->task]);
    trialsOf[a->task] += measured;
    TaskReport report;
    report.trials = measured;
    if (trialsOf[a->task] > 0)
      report.bestSeconds = base[a->task] * (1 + 2 / std::sqrt(double(trialsOf[a->task])));
    report.exhausted = trialsOf[a->task] == limit;
    scheduler.update(a->task, report);
  }
  return order;
}

TEST(TaskScheduler, RespectsTheBudgetExactly) {
  for (const std::string &name : taskSchedulerNames()) {
    auto scheduler = createTaskScheduler(name, {{"a", 1}, {"b", 2}, {"c", 3}}, {100, 16});
    std::vector<size_t> trials;
    simulate(*scheduler, {1e-3, 1e-3, 1e-3}, trials);
    EXPECT_EQ(trials[0] + trials[1] + trials[2], 100u) << name;
    EXPECT_EQ(scheduler->trialsUsed(), 100u) << name;
    EXPECT_FALSE(scheduler->next()) << name;
  }
}

TEST(TaskScheduler, GradientWarmsUpThenFavoursHeavyTasks) {
  // "conv" runs 12 times per inference, the others once: same time per run.
  std::vector<Task> tasks = {{"matmul", 1}, {"conv", 12}, {"softmax", 1}};
  auto scheduler = createTaskScheduler("gradient", tasks, {640, 16});
  std::vector<size_t> trials;
  std::vector<TaskAssignment> order = simulate(*scheduler, {1e-3, 1e-3, 1e-3}, trials);
  ASSERT_GE(order.size(), 3u);
  EXPECT_EQ(order[0].task, 0u);
  EXPECT_EQ(order[1].task, 1u);
  EXPECT_EQ(order[2].task, 2u);
  EXPECT_GT(trials[1], 2 * trials[0]);
  EXPECT_GT(trials[1], 2 * trials[2]);
  EXPECT_GT(trials[1], trials[0] + trials[2]);
  EXPECT_GE(trials[0], 16u);

  // A task's weight also follows its time: a 10× slower kernel gets more trials.
  auto byTime = createTaskScheduler("gradient", {{"fast", 1}, {"slow", 1}}, {320, 16});
  simulate(*byTime, {1e-4, 1e-3}, trials);
  EXPECT_GT(trials[1], 2 * trials[0]);
}

TEST(TaskScheduler, GradientWarmsUpTheHeaviestTasksFirst) {
  // 3 tasks, budget for 2 warm-up batches: the two that take most of the model's time
  // (occurrences x default seconds) get them; the light first task gets none.
  std::vector<Task> tasks = {{"light", 1, 1e-5}, {"heavy", 1, 1e-3}, {"often", 10, 5e-5}};
  auto scheduler = createTaskScheduler("gradient", tasks, {32, 16});
  std::vector<size_t> trials;
  std::vector<TaskAssignment> order = simulate(*scheduler, {1e-5, 1e-3, 5e-5}, trials);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].task, 1u);
  EXPECT_EQ(order[1].task, 2u);
  EXPECT_EQ(trials[0], 0u);
}

TEST(TaskScheduler, ExhaustedTasksReturnTheirTrials) {
  auto scheduler = createTaskScheduler("gradient", {{"tiny", 100}, {"big", 1}}, {200, 16});
  std::vector<size_t> trials;
  simulate(*scheduler, {1e-3, 1e-3}, trials, {20, 1000});
  EXPECT_EQ(trials[0], 20u); // the tiny space ran out
  EXPECT_EQ(trials[1], 180u);
  EXPECT_EQ(scheduler->trialsUsed(), 200u);
}

TEST(TaskScheduler, IsDeterministicAndRoundRobinIsEven) {
  TaskSchedulerOptions options{500, 16};
  options.epsilon = 0.3;
  options.seed = 11;
  std::vector<Task> tasks = {{"a", 1}, {"b", 4}, {"c", 2}, {"d", 1}};
  auto first = createTaskScheduler("gradient", tasks, options);
  auto second = createTaskScheduler("gradient", tasks, options);
  std::vector<size_t> t1, t2;
  std::vector<TaskAssignment> o1 = simulate(*first, {1e-3, 2e-3, 1e-3, 5e-4}, t1);
  std::vector<TaskAssignment> o2 = simulate(*second, {1e-3, 2e-3, 1e-3, 5e-4}, t2);
  ASSERT_EQ(o1.size(), o2.size());
  for (size_t i = 0; i < o1.size(); ++i)
    EXPECT_EQ(o1[i].task, o2[i].task);

  auto rr = createTaskScheduler("round-robin", tasks, {64, 16});
  std::vector<size_t> trials;
  simulate(*rr, {1e-3, 1e-3, 1e-3, 1e-3}, trials);
  EXPECT_EQ(trials, (std::vector<size_t>{16, 16, 16, 16}));
}

TEST(TaskScheduler, ErrorsAreClear) {
  EXPECT_THROW(createTaskScheduler("ansor", {{"a", 1}}, {10, 1}), TuneError);
  EXPECT_THROW(createTaskScheduler("gradient", {}, {10, 1}), TuneError);
  EXPECT_THROW(createTaskScheduler("gradient", {{"a", 0}}, {10, 1}), TuneError);
  EXPECT_THROW(createTaskScheduler("gradient", {{"a", 1, -1}}, {10, 1}), TuneError);
  EXPECT_THROW(createTaskScheduler("gradient", {{"a", 1}}, {10, 0}), TuneError);
  auto scheduler = createTaskScheduler("gradient", {{"a", 1}}, {10, 4});
  EXPECT_THROW(scheduler->update(0, TaskReport{1}), TuneError); // nothing outstanding
  scheduler->next();
  EXPECT_THROW(scheduler->update(0, TaskReport{5}), TuneError); // more than assigned
}

} // namespace
