//===- Autotune.cpp - _kiln.tune: the autotuner's parts for Python (kiln.autotune) -===//
//
// Workloads (TuneWorkloads.h: the MLIR side, which never throws), features, the CPU runner and
// the tuning loop here; records, databases and cost models in AutotuneData.cpp. Every C++ error
// arrives as a TuneError (or is turned into one) and leaves as kiln.TuneError; long calls
// release the GIL and then take the lock of what they use (context, database, model).
//
//===----------------------------------------------------------------------===//
#include "Autotune.h"
#include "TuneWorkloads.h"

#include "autotune/TuningUtil.h"
#include "autotune/database/TuningDatabase.h"
#include "autotune/driver/Tuner.h"
#include "autotune/features/Features.h"
#include "autotune/model/CostModel.h"
#include "autotune/search/SearchStrategy.h"
#include "compiler/Target/CPU/CPUTarget.h"

#include "llvm/Support/raw_ostream.h"

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <set>

namespace py = pybind11;
using namespace kiln::tune;

namespace kiln::python {
namespace {

/// A workload as Python sees it: its context (shared with the workloads loaded with it) and
/// its index there.
struct WorkloadRef {
  std::shared_ptr<TuneContext> tc;
  size_t index = 0;
  const TuneTask &task() const { return tc->tasks[index]; }
};

/// Checks each config against the task's space (an empty config: the default heuristics).
void checkConfigs(const TuneTask &t, const std::vector<Config> &configs, bool allowEmpty) {
  for (const Config &c : configs)
    if (!(allowEmpty && c.empty()) && !isValidConfig(t.space, c))
      throw TuneError("config " + configToString(c) + " does not fit the space of " +
                      t.workload.spec + " (" + std::to_string(t.space.knobs.size()) +
                      " knobs)");
}

std::vector<WorkloadRef> refsOf(const std::shared_ptr<TuneContext> &tc) {
  std::vector<WorkloadRef> refs;
  for (size_t i = 0; i < tc->tasks.size(); ++i)
    refs.push_back({tc, i});
  return refs;
}

WorkloadRef parseWorkload(const std::string &spec) {
  std::string error;
  std::shared_ptr<TuneContext> tc;
  {
    py::gil_scoped_release release;
    tc = loadWorkloadSpec(spec, error);
  }
  if (!tc)
    throw TuneError(error);
  return {tc, 0};
}

std::vector<WorkloadRef> workloadsOf(const std::string &path, bool allKernels) {
  std::string error;
  std::shared_ptr<TuneContext> tc;
  {
    py::gil_scoped_release release;
    tc = loadModelWorkloads(path, allKernels, error);
  }
  if (!tc)
    throw TuneError(error);
  return refsOf(tc);
}

/// Features of `configs` as a float32 array [n, kFeatureLength], written in place.
py::array_t<float> features(const WorkloadRef &w, const std::vector<Config> &configs) {
  checkConfigs(w.task(), configs, /*allowEmpty=*/true);
  py::array_t<float> out({configs.size(), kFeatureLength});
  float *data = out.mutable_data();
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(w.tc->mutex);
  extractFeatures(*w.tc, w.index, configs, data);
  return out;
}

RunnerOptions runnerOptions(const std::string &cpu, int threads, double minSeconds,
                            int minRepeats, bool verify) {
  if (std::string error = checkCPU(cpu); !error.empty())
    throw TuneError(error);
  RunnerOptions o;
  o.target.cpu = cpu;
  o.threads = std::max(threads, 1);
  o.minSeconds = minSeconds;
  o.minRepeats = std::max(minRepeats, 1);
  o.verify = verify;
  return o;
}

/// Measures `configs`; with `db`, appends a record per measurement (features included).
std::vector<Measurement> measure(const WorkloadRef &w, const std::vector<Config> &configs,
                                 const std::string &cpu, int threads, double minSeconds,
                                 int minRepeats, bool verify, DatabaseRef *db) {
  checkConfigs(w.task(), configs, /*allowEmpty=*/true);
  RunnerOptions o = runnerOptions(cpu, threads, minSeconds, minRepeats, verify);
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(w.tc->mutex);
  std::vector<Measurement> ms = measureConfigs(*w.tc, w.index, configs, o);
  if (!db)
    return ms;
  const TuneTask &t = w.task();
  std::vector<float> rows(ms.size() * kFeatureLength);
  extractFeatures(*w.tc, w.index, configs, rows.data());
  std::lock_guard<std::mutex> dbLock(db->mutex);
  for (size_t i = 0; i < ms.size(); ++i) {
    // An empty config is the default schedule: recorded without knobs, as the tuner does.
    bool isDefault = ms[i].config.empty();
    std::vector<float> f;
    if (!isDefault)
      f.assign(rows.begin() + i * kFeatureLength, rows.begin() + (i + 1) * kFeatureLength);
    db->db->append(makeRecord(t.workload.key, t.workload.spec, targetKey(o),
                              isDefault ? SearchSpace{} : t.space, ms[i], std::move(f)));
  }
  return ms;
}

/// `n` distinct configs drawn with Rng(seed) (fewer when the space is smaller).
std::vector<Config> randomConfigs(const WorkloadRef &w, size_t n, uint64_t seed) {
  const SearchSpace &space = w.task().space;
  Rng rng(seed);
  std::set<Config> seen;
  std::vector<Config> out;
  for (size_t tries = 0; out.size() < n && out.size() < space.size() && tries < 50 * n + 100;
       ++tries) {
    Config c = randomConfig(space, rng);
    if (seen.insert(c).second)
      out.push_back(c);
  }
  return out;
}

/// An llvm::raw_ostream that hands each complete line to `sink`.
class LineStream : public llvm::raw_ostream {
public:
  explicit LineStream(std::function<void(const std::string &)> sink) : sink_(std::move(sink)) {
    SetUnbuffered();
  }
  ~LineStream() override {
    flush();
    if (!pending_.empty())
      sink_(pending_);
  }

private:
  void write_impl(const char *data, size_t size) override {
    pending_.append(data, size);
    pos_ += size;
    for (size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
      sink_(pending_.substr(0, nl));
      pending_.erase(0, nl + 1);
    }
  }
  uint64_t current_pos() const override { return pos_; }
  std::function<void(const std::string &)> sink_;
  std::string pending_;
  uint64_t pos_ = 0;
};

/// Runs the tuning loop on `workloads` (one context) into the database at `dbPath`. Progress
/// lines go to `progress(line)` (None: nowhere); an exception it raises is re-raised after the
/// loop (which cannot be stopped midway), and further lines are dropped.
void search(const std::vector<WorkloadRef> &workloads, const std::string &dbPath, size_t trials,
            const std::string &strategy, uint64_t seed, int threads, size_t batchSize,
            const std::string &cpu, const std::string &scheduler, double minSeconds,
            int minRepeats, py::object progress) {
  if (workloads.empty())
    throw TuneError("search: no workloads");
  for (const WorkloadRef &w : workloads)
    if (w.tc != workloads[0].tc)
      throw TuneError("search: the workloads of one search must come from one "
                      "Workload.parse or workloads_of call");
  std::vector<std::string> strategies = searchStrategyNames();
  if (std::find(strategies.begin(), strategies.end(), strategy) == strategies.end())
    throw TuneError("unknown search strategy '" + strategy + "'");
  TuneOptions o;
  o.dbPath = dbPath;
  o.strategy = strategy;
  o.scheduler = scheduler;
  o.trials = trials;
  o.batchSize = std::max<size_t>(batchSize, 1);
  o.seed = seed;
  o.runner = runnerOptions(cpu, threads, minSeconds, minRepeats, /*verify=*/true);
  std::vector<std::pair<Workload, int>> tasks;
  for (const WorkloadRef &w : workloads)
    tasks.push_back({w.task().workload, w.task().occurrences});
  std::optional<py::error_already_set> failure;
  auto sink = [&](const std::string &line) {
    if (progress.is_none() || failure)
      return;
    py::gil_scoped_acquire gil;
    try {
      progress(line);
    } catch (py::error_already_set &e) {
      failure.emplace(std::move(e));
    }
  };
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(workloads[0].tc->mutex);
    LineStream log(sink);
    kiln::tune::tune(tasks, o, log);
  }
  if (failure)
    throw std::move(*failure);
}

void bindWorkloads(py::module_ &m) {
  py::class_<WorkloadRef>(m, "Workload", "One kernel as a tuning task (see kiln.autotune).")
      .def_property_readonly("key", [](const WorkloadRef &w) { return w.task().workload.key; })
      .def_property_readonly("spec", [](const WorkloadRef &w) { return w.task().workload.spec; })
      .def_property_readonly("kind",
                             [](const WorkloadRef &w) { return kindName(w.task().workload.kind); })
      .def_property_readonly("flops", [](const WorkloadRef &w) { return w.task().workload.flops; })
      .def_property_readonly("loop_ranges",
                             [](const WorkloadRef &w) { return w.task().workload.loopRanges; })
      .def_property_readonly("occurrences", [](const WorkloadRef &w) { return w.task().occurrences; })
      .def_property_readonly(
          "knobs",
          [](const WorkloadRef &w) {
            py::list out;
            for (const Knob &k : w.task().space.knobs)
              out.append(py::make_tuple(k.name, py::tuple(py::cast(k.values))));
            return out;
          },
          "[(name, (values...))] of the workload's search space")
      .def_property_readonly(
          "default_config",
          [](const WorkloadRef &w) -> py::object {
            const auto &c = w.task().defaultConfig;
            return c ? py::object(py::tuple(py::cast(*c))) : py::none();
          })
      .def_property_readonly("context_id",
                             [](const WorkloadRef &w) { return reinterpret_cast<uintptr_t>(w.tc.get()); })
      .def("features", &features, py::arg("configs"))
      .def("random_configs", &randomConfigs, py::arg("n"), py::arg("seed"))
      .def("measure", &measure, py::arg("configs"), py::arg("cpu"), py::arg("threads"),
           py::arg("min_seconds"), py::arg("min_repeats"), py::arg("verify"), py::arg("db"));
  m.def("parse_workload", &parseWorkload, py::arg("spec"));
  m.def("workloads_of", &workloadsOf, py::arg("path"), py::arg("all_kernels"));

  py::class_<Measurement>(m, "Measurement", "One measured (or failed) config.")
      .def_property_readonly("config",
                             [](const Measurement &x) { return py::tuple(py::cast(x.config)); })
      .def_readonly("seconds", &Measurement::seconds)
      .def_readonly("gflops", &Measurement::gflops)
      .def_readonly("noise", &Measurement::noise)
      .def_readonly("error", &Measurement::error)
      .def_property_readonly("ok", &Measurement::ok)
      .def("__repr__", [](const Measurement &x) {
        return "Measurement(config=" + configToString(x.config) +
               (x.ok() ? ", seconds=" + std::to_string(x.seconds) +
                             ", gflops=" + std::to_string(x.gflops)
                       : ", error='" + x.error + "'") +
               ")";
      });
  m.def("search", &search, py::arg("workloads"), py::arg("db_path"), py::arg("trials"),
        py::arg("strategy"), py::arg("seed"), py::arg("threads"), py::arg("batch_size"),
        py::arg("cpu"), py::arg("scheduler"), py::arg("min_seconds"), py::arg("min_repeats"),
        py::arg("progress"));
}


/// TuneError (and anything else a tuner part throws) → kiln.TuneError with its message.
void translateErrors() {
  py::register_local_exception_translator([](std::exception_ptr p) {
    auto raise = [](const char *message) {
      py::object cls = py::module_::import("kiln.errors").attr("TuneError");
      PyErr_SetString(cls.ptr(), message);
    };
    try {
      std::rethrow_exception(p);
    } catch (const TuneError &e) {
      raise(e.what());
    } catch (const py::error_already_set &) {
      throw; // a Python error (e.g. raised by a progress callback): pybind11 restores it
    } catch (const py::builtin_exception &) {
      throw;
    } catch (const std::bad_alloc &) {
      throw;
    } catch (const std::exception &e) { // e.g. a JSON or file-system error of a tuner part
      raise(e.what());
    }
  });
}
} // namespace

void bindAutotune(py::module_ &parent) {
  py::module_ m = parent.def_submodule("tune", "The autotuner's parts; use kiln.autotune.");
  translateErrors();
  m.attr("FEATURE_VERSION") = kFeatureVersion;
  m.attr("FEATURE_LENGTH") = kFeatureLength;
  m.attr("RECORD_FORMAT_VERSION") = kRecordFormatVersion;
  m.attr("FEATURE_NAMES") = py::tuple(py::cast(featureNames()));
  m.attr("COST_MODELS") = py::tuple(py::cast(costModelNames()));
  m.attr("SEARCH_STRATEGIES") = py::tuple(py::cast(searchStrategyNames()));
  m.def(
      "target_key",
      [](const std::string &cpu) {
        if (std::string error = checkCPU(cpu); !error.empty())
          throw TuneError(error);
        return kiln::tuningTargetKey(cpu);
      },
      py::arg("cpu"), "The target key of records measured on `cpu` (\"cpu/<resolved name>\").");
  bindWorkloads(m);
  bindTuneData(m);
}

} // namespace kiln::python
