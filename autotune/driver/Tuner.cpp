//===- Tuner.cpp - the tuning loop -----------------------------------------===//
#include "autotune/driver/Tuner.h"

#include "autotune/TuningUtil.h"
#include "autotune/database/TuningDatabase.h"
#include "autotune/features/Features.h"
#include "autotune/model/CostModel.h"
#include "autotune/model/TrainingSet.h"
#include "autotune/schedule/TaskScheduler.h"
#include "autotune/search/SearchStrategy.h"
#include "autotune/workload/Space.h"
#include "compiler/Target/CPU/CPUTarget.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <map>
#include <set>

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
            const Measurement &m, bool isDefault, FeatureExtractor *extract) {
  std::vector<float> features;
  if (!isDefault)
    features = (*extract)(*t.workload, scheduleFor(*t.workload, t.space, m.config));
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

std::string targetKey(const RunnerOptions &runner) {
  return tuningTargetKey(runner.target.cpu);
}

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
  auto extractor = tasks.empty() ? nullptr
                                 : std::make_shared<FeatureExtractor>(tasks[0].first.kernel.getContext());
  for (const auto &[w, count] : tasks) {
    TaskState t{&w, spaceFor(w), nullptr, std::nullopt, std::nullopt, 0};
    SearchOptions so;
    so.seed = o.seed;
    so.costModel = o.costModel;
    // Features come from running the scheduling passes (~5-25 ms a config): fewer, shorter
    // annealing chains than the defaults keep the model's search to a few seconds a batch.
    so.population = 16;
    so.annealSteps = 12;
    so.features = [&w, space = t.space, extract = extractor](const Config &c) {
      return (*extract)(w, scheduleFor(w, space, c));
    };
    TrainingSetOptions transfer;
    transfer.excludeWorkload = w.key;
    transfer.target = target;
    so.prior = buildTrainingSet(db->all(), transfer); // warm start from other workloads
    t.strategy = createSearchStrategy(o.strategy, t.space, so);
    resume(t, *db, target);
    if (!t.baseline) {
      Measurement m = measureDefault(runner, w);
      record(*db, t, target, m, /*isDefault=*/true, extractor.get());
      if (m.ok())
        t.baseline = m.seconds;
    }
    // The default schedule is a point of the space (usually): the strategy learns its time as
    // a measured config (xgb starts its chains from it; no strategy proposes it again).
    if (std::optional<Config> c = defaultConfig(w, t.space); c && t.baseline) {
      Measurement m;
      m.config = *c;
      m.seconds = *t.baseline;
      m.gflops = w.flops / *t.baseline / 1e9;
      t.strategy->update({m});
    }
    // The warm-up reaches the tasks that take most of the model's time first.
    std::optional<double> time = t.best ? t.best : t.baseline;
    schedTasks.push_back({w.spec, static_cast<double>(count), time.value_or(0)});
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
      record(*db, t, target, ms[i], false, extractor.get());
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

namespace {
std::vector<double> ranks(const std::vector<double> &v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]])
      ++j;
    for (size_t k = i; k <= j; ++k)
      r[order[k]] = (static_cast<double>(i) + static_cast<double>(j)) / 2;
    i = j + 1;
  }
  return r;
}
} // namespace

double spearman(const std::vector<double> &a, const std::vector<double> &b) {
  if (a.size() != b.size() || a.size() < 2)
    return std::nan("");
  std::vector<double> ra = ranks(a), rb = ranks(b);
  double ma = 0, mb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    ma += ra[i] / ra.size();
    mb += rb[i] / rb.size();
  }
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : std::nan("");
}

void checkMeasurement(const std::vector<std::pair<Workload, int>> &tasks, const TuneOptions &o,
                      size_t configs, llvm::raw_ostream &log) {
  RunnerOptions legacy = o.runner;
  legacy.clock = TimingClock::Wall;
  legacy.rounds = 1;
  legacy.quantile = 0.5;
  CPURunner current(o.runner), old(legacy);
  Rng rng(o.seed);
  for (const auto &[w, count] : tasks) {
    SearchSpace space = spaceFor(w);
    std::set<Config> seen;
    std::vector<Schedule> schedules;
    for (size_t tries = 0; seen.size() < configs && tries < 20 * configs; ++tries) {
      Config c = randomConfig(space, rng);
      if (seen.insert(c).second)
        schedules.push_back(scheduleFor(w, space, c));
    }
    // A, B: the same configs measured twice per method, the methods alternating.
    std::vector<std::vector<Measurement>> runs;
    for (int pass = 0; pass < 2; ++pass) {
      runs.push_back(current.run(w, schedules));
      runs.push_back(old.run(w, schedules));
    }
    for (int method = 0; method < 2; ++method) {
      const auto &a = runs[method], &b = runs[2 + method];
      std::vector<double> ta, tb;
      double noise = 0, maxDiff = 0;
      for (size_t i = 0; i < a.size(); ++i)
        if (a[i].ok() && b[i].ok()) {
          ta.push_back(a[i].gflops);
          tb.push_back(b[i].gflops);
          noise += a[i].noise + b[i].noise;
          maxDiff = std::max(maxDiff, std::abs(a[i].gflops - b[i].gflops) /
                                          std::min(a[i].gflops, b[i].gflops));
        }
      // Pairs whose first-run throughputs differ by more than 5%: the ones worth ranking.
      // and the close ones (within 5%), where noise decides.
      size_t clear = 0, agree = 0, close = 0, closeAgree = 0;
      for (size_t i = 0; i < ta.size(); ++i)
        for (size_t j = i + 1; j < ta.size(); ++j)
          if (std::abs(ta[i] - ta[j]) > 0.05 * std::min(ta[i], ta[j])) {
            ++clear;
            agree += (ta[i] > ta[j]) == (tb[i] > tb[j]);
          } else if (ta[i] != ta[j]) {
            ++close;
            closeAgree += (ta[i] > ta[j]) == (tb[i] > tb[j]);
          }
      std::vector<double> rel;
      for (size_t i = 0; i < ta.size(); ++i)
        rel.push_back(std::abs(ta[i] - tb[i]) / std::min(ta[i], tb[i]));
      std::sort(rel.begin(), rel.end());
      log << llvm::formatv(
          "kiln-tune: measure-check {0,-36} {1,-28} configs {2,3}  spearman {3:f3}  pairwise "
          "{4:f3}  pairwise(>5%) {5:f3} of {6}  pairwise(<5%) {10:f3} of {11}  rerun diff "
          "median {7:f1}% max {8:f1}%  noise {9:f3}\n",
          w.spec, method == 0 ? "thread-cpu/q0.1/interleaved" : "wall/median (old)", ta.size(),
          spearman(ta, tb), pairwiseAccuracy(tb, ta),
          clear ? static_cast<double>(agree) / clear : std::nan(""), clear,
          rel.empty() ? 0.0 : 100 * rel[rel.size() / 2], 100 * maxDiff,
          ta.empty() ? 0.0 : noise / (2 * ta.size()),
          close ? static_cast<double>(closeAgree) / close : std::nan(""), close);
      log.flush();
    }
  }
}

void dumpFeatures(const std::vector<std::pair<Workload, int>> &tasks, const TuneOptions &o,
                  size_t configs, llvm::raw_ostream &out) {
  Rng rng(o.seed);
  const std::vector<std::string> &names = featureNames();
  std::unique_ptr<FeatureExtractor> extract;
  if (!tasks.empty())
    extract = std::make_unique<FeatureExtractor>(tasks[0].first.kernel.getContext());
  for (const auto &[w, count] : tasks) {
    SearchSpace space = spaceFor(w);
    out << w.spec << ": " << space.size() << " configs\n";
    for (size_t i = 0; i <= configs; ++i) {
      Config c = i == 0 ? Config{} : randomConfig(space, rng);
      auto t0 = std::chrono::steady_clock::now();
      std::vector<float> f = (*extract)(w, scheduleFor(w, space, c));
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                      .count();
      out << (i == 0 ? std::string("  default") : "  config");
      for (const auto &[name, value] : knobValues(space, c))
        out << " " << name << "=" << value;
      out << llvm::formatv("  ({0:f1} ms)\n   ", ms);
      for (size_t k = 0; k < f.size(); ++k)
        if (f[k] != 0)
          out << " " << names[k] << "=" << llvm::formatv("{0:g4}", f[k]);
      out << "\n";
    }
  }
}

void evaluateModel(const std::string &trainDb, const std::string &testDb,
                   const std::string &costModel, llvm::raw_ostream &log) {
  std::vector<std::string> warnings;
  auto train = openJsonLinesDatabase(trainDb, &warnings);
  auto test = openJsonLinesDatabase(testDb, &warnings);
  for (const std::string &w : warnings)
    log << "kiln-tune: warning: " << w << "\n";
  std::map<std::string, std::string> specs;
  std::map<std::string, std::vector<const TuningRecord *>> testBy;
  for (const TuningRecord &r : test->all())
    if (r.ok() && !r.features.empty() && r.featureVersion == kFeatureVersion) {
      testBy[r.workload].push_back(&r);
      specs[r.workload] = r.spec;
    }
  auto accuracy = [&](const TrainingSet &data, const std::vector<const TuningRecord *> &rows) {
    if (data.features.empty())
      return std::nan("");
    auto model = createCostModel(costModel);
    model->fit(data.features, data.throughputs, data.groups);
    FeatureMatrix x;
    std::vector<double> y;
    for (const TuningRecord *r : rows) {
      x.push_back(r->features);
      y.push_back(r->throughput());
    }
    return pairwiseAccuracy(model->predict(x), y);
  };
  double sums[3] = {0, 0, 0};
  int counts[3] = {0, 0, 0};
  for (const auto &[key, rows] : testBy) {
    std::vector<TuningRecord> same, others;
    for (const TuningRecord &r : train->all())
      (r.workload == key ? same : others).push_back(r);
    TrainingSetOptions all;
    TrainingSetOptions exclude;
    exclude.excludeWorkload = key;
    double acc[3] = {accuracy(buildTrainingSet(same, all), rows),
                     accuracy(buildTrainingSet(train->all(), all), rows),
                     accuracy(buildTrainingSet(train->all(), exclude), rows)};
    for (int i = 0; i < 3; ++i)
      if (!std::isnan(acc[i])) {
        sums[i] += acc[i];
        ++counts[i];
      }
    log << llvm::formatv("kiln-tune: model-eval {0,-40} test {1,3}  train same {2,4}  acc same "
                         "{3:f3}  all {4:f3}  others (transfer) {5:f3}\n",
                         specs[key], rows.size(), same.size(), acc[0], acc[1], acc[2]);
  }
  log << llvm::formatv("kiln-tune: model-eval mean over {0} workloads: same {1:f3}  all {2:f3}  "
                       "others (transfer) {3:f3}\n",
                       testBy.size(), sums[0] / std::max(counts[0], 1),
                       sums[1] / std::max(counts[1], 1), sums[2] / std::max(counts[2], 1));
}
} // namespace kiln::tune
