//===- Tuner.cpp - the tuning loop -----------------------------------------===//
#include "autotune/driver/Tuner.h"

#include "autotune/TuningUtil.h"
#include "autotune/database/TuningDatabase.h"
#include "autotune/features/Features.h"
#include "autotune/model/TrainingSet.h"
#include "autotune/schedule/TaskScheduler.h"
#include "autotune/search/SearchStrategy.h"
#include "autotune/workload/Space.h"

#include "llvm/Support/FormatVariadic.h"

#include <optional>

namespace kiln::tune {
namespace {
/// The tuning state of one task.
struct TaskState {
  const Workload *workload;
  SearchSpace space;
  std::unique_ptr<SearchStrategy> strategy;
  std::optional<double> best;    ///< best seconds among tuned configs
  std::optional<double> baseline; ///< the default schedule's seconds
  size_t measured = 0;
};

Measurement measureDefault(CPURunner &runner, const Workload &w) {
  return runner.run(w, {scheduleFor(w, SearchSpace{}, Config{})}).front();
}

void record(TuningDatabase &db, const TaskState &t, const std::string &target,
            const Measurement &m, bool isDefault) {
  std::vector<float> features;
  if (!isDefault)
    features = extractFeatures(*t.workload, scheduleFor(*t.workload, t.space, m.config));
  TuningRecord r = makeRecord(t.workload->key, t.workload->spec, target,
                              isDefault ? SearchSpace{} : t.space, m, std::move(features));
  db.append(r);
}

/// Loads what the database knows about the task: its default time and measured configs.
void resume(TaskState &t, const TuningDatabase &db, const std::string &target) {
  std::vector<Measurement> known;
  for (const TuningRecord &r : db.records(t.workload->key, target)) {
    if (r.knobs.empty()) {
      if (r.ok())
        t.baseline = r.seconds;
      continue;
    }
    if (std::optional<Measurement> m = recordMeasurement(r, t.space)) {
      known.push_back(*m);
      if (m->ok() && (!t.best || m->seconds < *t.best))
        t.best = m->seconds;
    }
  }
  t.measured = known.size();
  if (!known.empty())
    t.strategy->update(known);
}

std::string gflops(const Workload &w, std::optional<double> s) {
  return s ? llvm::formatv("{0:f1}", w.flops / *s / 1e9).str() : "-";
}
} // namespace

std::string targetKey(const RunnerOptions &runner) { return "cpu/" + runner.target.cpu; }

void tune(const std::vector<std::pair<Workload, int>> &tasks, const TuneOptions &o,
          llvm::raw_ostream &log) {
  std::vector<std::string> warnings;
  std::unique_ptr<TuningDatabase> db = openJsonLinesDatabase(o.dbPath, &warnings);
  for (const std::string &w : warnings)
    log << "kiln-tune: warning: " << w << "\n";
  std::string target = targetKey(o.runner);
  CPURunner runner(o.runner);
  std::vector<TaskState> states;
  std::vector<Task> schedTasks;
  for (const auto &[w, count] : tasks) {
    TaskState t{&w, spaceFor(w), nullptr, std::nullopt, std::nullopt, 0};
    SearchOptions so;
    so.seed = o.seed;
    so.features = [&w, space = t.space](const Config &c) {
      return extractFeatures(w, scheduleFor(w, space, c));
    };
    TrainingSetOptions transfer;
    transfer.excludeWorkload = w.key;
    transfer.target = target;
    so.prior = buildTrainingSet(db->all(), transfer); // warm start from other workloads
    t.strategy = createSearchStrategy(o.strategy, t.space, so);
    resume(t, *db, target);
    if (!t.baseline) {
      Measurement m = measureDefault(runner, w);
      record(*db, t, target, m, /*isDefault=*/true);
      if (m.ok())
        t.baseline = m.seconds;
    }
    schedTasks.push_back({w.spec, static_cast<double>(count)});
    states.push_back(std::move(t));
  }
  size_t already = 0;
  for (const TaskState &t : states)
    already += t.measured;
  TaskSchedulerOptions so;
  so.budget = o.trials > already ? o.trials - already : 0;
  so.batchSize = o.batchSize;
  so.seed = o.seed;
  auto scheduler = createTaskScheduler(o.scheduler, schedTasks, so);
  if (o.progress && already)
    log << "kiln-tune: resuming: " << already << " measurements already in " << o.dbPath << "\n";
  size_t round = 0;
  while (std::optional<TaskAssignment> a = scheduler->next()) {
    TaskState &t = states[a->task];
    std::vector<Config> configs = t.strategy->nextBatch(a->trials);
    std::vector<double> predicted = t.strategy->score(configs);
    std::vector<Schedule> schedules;
    for (const Config &c : configs)
      schedules.push_back(scheduleFor(*t.workload, t.space, c));
    std::vector<Measurement> ms = configs.empty() ? std::vector<Measurement>{}
                                                  : runner.run(*t.workload, schedules);
    std::vector<double> measured;
    std::optional<double> batchBest;
    for (size_t i = 0; i < ms.size(); ++i) {
      ms[i].config = configs[i];
      record(*db, t, target, ms[i], false);
      measured.push_back(ms[i].ok() ? ms[i].gflops : 0);
      if (ms[i].ok() && (!batchBest || ms[i].seconds < *batchBest))
        batchBest = ms[i].seconds;
    }
    t.strategy->update(ms);
    t.measured += ms.size();
    if (batchBest && (!t.best || *batchBest < *t.best))
      t.best = batchBest;
    scheduler->update(a->task, {ms.size(), t.best, configs.empty()});
    if (o.progress) {
      std::string acc = predicted.size() == measured.size() && measured.size() > 1
                            ? llvm::formatv("{0:f2}", pairwiseAccuracy(predicted, measured)).str()
                            : "-";
      log << llvm::formatv("kiln-tune: round {0,3}  trials {1,4}/{2}  {3,-36}  batch best {4,7} "
                           "GFLOP/s  best {5,7}  default {6,7}  model acc {7}\n",
                           ++round, scheduler->trialsUsed() + already, o.trials,
                           t.workload->spec, gflops(*t.workload, batchBest),
                           gflops(*t.workload, t.best), gflops(*t.workload, t.baseline), acc);
      log.flush();
    }
  }
  log << "kiln-tune: summary (GFLOP/s: best tuned / default)\n";
  for (const TaskState &t : states)
    log << llvm::formatv("  {0,-40} x{1}  {2,7} / {3,7}  ({4} configs measured)\n",
                         t.workload->spec, tasks[&t - &states[0]].second,
                         gflops(*t.workload, t.best), gflops(*t.workload, t.baseline), t.measured);
}
} // namespace kiln::tune
