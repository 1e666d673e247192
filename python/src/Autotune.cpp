//===- Autotune.cpp - _kiln.tune: the autotuner's parts for Python (kiln.autotune) -===//
//
// Workloads (TuneWorkloads.h: the MLIR side, which never throws), features, the CPU runner,
// the tuning database, cost models and the tuning loop. Every C++ error arrives here as a
// TuneError (or is turned into one) and leaves as kiln.TuneError; long calls release the GIL
// and then take the lock of what they use (context, database, model).
//
//===----------------------------------------------------------------------===//
#include "TuneWorkloads.h"

#include "autotune/TuningUtil.h"
#include "autotune/database/TuningDatabase.h"
#include "autotune/driver/Tuner.h"
#include "autotune/features/Features.h"
#include "autotune/model/CostModel.h"
#include "autotune/model/TrainingSet.h"
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
using FloatRows = py::array_t<float, py::array::c_style | py::array::forcecast>;
using DoubleValues = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// A workload as Python sees it: its context (shared with the workloads loaded with it) and
/// its index there.
struct WorkloadRef {
  std::shared_ptr<TuneContext> tc;
  size_t index = 0;
  const TuneTask &task() const { return tc->tasks[index]; }
};

/// A database and the lock its users take with the GIL released.
struct DatabaseRef {
  std::unique_ptr<TuningDatabase> db;
  std::string path; ///< "" for "memory"
  std::vector<std::string> warnings;
  std::mutex mutex;
};

struct CostModelRef {
  std::unique_ptr<CostModel> model;
  std::mutex mutex;
};

/// A vector's data as a 1-d numpy array that owns it (no copy).
template <typename T> py::array_t<T> toArray(std::vector<T> &&values) {
  auto *heap = new std::vector<T>(std::move(values));
  py::capsule owner(heap, [](void *p) { delete static_cast<std::vector<T> *>(p); });
  return py::array_t<T>({heap->size()}, {sizeof(T)}, heap->data(), owner);
}

/// The rows of a 2-d float array (one copy: the C++ models take rows).
FeatureMatrix toRows(const FloatRows &x) {
  if (x.ndim() != 2)
    throw TuneError("features must be a 2-d array [rows, features], got " +
                    std::to_string(x.ndim()) + " dims");
  FeatureMatrix rows(x.shape(0));
  const float *data = x.data();
  size_t width = x.shape(1);
  for (size_t i = 0; i < rows.size(); ++i)
    rows[i].assign(data + i * width, data + (i + 1) * width);
  return rows;
}

std::vector<double> toValues(const DoubleValues &v, const char *what) {
  if (v.ndim() != 1)
    throw TuneError(std::string(what) + " must be a 1-d array");
  return std::vector<double>(v.data(), v.data() + v.shape(0));
}

/// Checks each config against the task's space (an empty config: the default heuristics).
void checkConfigs(const TuneTask &t, const std::vector<Config> &configs, bool allowEmpty) {
  for (const Config &c : configs)
    if (!(allowEmpty && c.empty()) && !isValidConfig(t.space, c))
      throw TuneError("config " + configToString(c) + " does not fit the space of " +
                      t.workload.spec + " (" + std::to_string(t.space.knobs.size()) +
                      " knobs)");
}

const char *kindName(WorkloadKind k) {
  switch (k) {
  case WorkloadKind::Matmul: return "matmul";
  case WorkloadKind::BatchMatmul: return "batch_matmul";
  case WorkloadKind::ConvNhwc: return "conv2d_nhwc";
  case WorkloadKind::DepthwiseNhwc: return "depthwise_nhwc";
  case WorkloadKind::Generic: return "generic";
  }
  return "?";
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

void bindRecords(py::module_ &m) {
  py::class_<TuningRecord>(m, "Record", "One tuning record (a line of a jsonl database).")
      .def(py::init<>())
      .def_readwrite("format", &TuningRecord::format)
      .def_readwrite("workload", &TuningRecord::workload)
      .def_readwrite("spec", &TuningRecord::spec)
      .def_readwrite("target", &TuningRecord::target)
      .def_readwrite("feature_version", &TuningRecord::featureVersion)
      .def_readwrite("knobs", &TuningRecord::knobs)
      .def_readwrite("seconds", &TuningRecord::seconds)
      .def_readwrite("gflops", &TuningRecord::gflops)
      .def_readwrite("error", &TuningRecord::error)
      .def_readwrite("noise", &TuningRecord::noise)
      .def_readwrite("time", &TuningRecord::time)
      .def_property(
          "features",
          [](const TuningRecord &r) -> py::object {
            if (r.features.empty())
              return py::none();
            return toArray(std::vector<float>(r.features));
          },
          [](TuningRecord &r, py::object f) {
            r.features.clear();
            if (f.is_none())
              return;
            FloatRows a = FloatRows::ensure(f);
            if (!a || a.ndim() != 1)
              throw TuneError("Record.features must be a 1-d array of floats");
            r.features.assign(a.data(), a.data() + a.shape(0));
          })
      .def_property_readonly("ok", &TuningRecord::ok)
      .def_property_readonly("throughput", &TuningRecord::throughput)
      .def("to_json", &recordToJsonLine)
      .def_static("from_json", &recordFromJsonLine, py::arg("line"))
      .def("to_dict", [](const TuningRecord &r) {
        return py::module_::import("json").attr("loads")(recordToJsonLine(r));
      })
      .def_static("from_dict", [](py::object d) {
        return recordFromJsonLine(py::module_::import("json").attr("dumps")(d).cast<std::string>());
      })
      .def("__repr__", [](const TuningRecord &r) { return "Record(" + recordToJsonLine(r) + ")"; });
}

void bindDatabase(py::module_ &m) {
  py::class_<DatabaseRef>(m, "Database", "A tuning database: \"jsonl\" at a path, or \"memory\".")
      .def(py::init([](const std::string &path) {
             auto ref = std::make_unique<DatabaseRef>();
             ref->path = path;
             py::gil_scoped_release release;
             ref->db = createTuningDatabase(path.empty() ? "memory" : "jsonl");
             ref->warnings = ref->db->open(path);
             return ref;
           }),
           py::arg("path"))
      .def_readonly("path", &DatabaseRef::path)
      .def_readonly("warnings", &DatabaseRef::warnings)
      .def("__len__", [](DatabaseRef &d) {
        std::lock_guard<std::mutex> lock(d.mutex);
        return d.db->all().size();
      })
      .def("records", [](DatabaseRef &d) {
        std::lock_guard<std::mutex> lock(d.mutex);
        return d.db->all();
      })
      .def("best",
           [](DatabaseRef &d, const std::string &key, const std::string &target) {
             std::lock_guard<std::mutex> lock(d.mutex);
             return d.db->best(key, target);
           },
           py::arg("workload"), py::arg("target"))
      .def("append",
           [](DatabaseRef &d, const TuningRecord &r) {
             py::gil_scoped_release release;
             std::lock_guard<std::mutex> lock(d.mutex);
             d.db->append(r);
           },
           py::arg("record"));
}

void bindCostModel(py::module_ &m) {
  py::class_<CostModelRef>(m, "CostModel", "A cost model by name: xgb, xgb-reg, random.")
      .def(py::init([](const std::string &kind, uint64_t seed, int rounds, int maxDepth,
                       int threads, const std::string &treeMethod) {
             CostModelOptions o;
             o.seed = seed;
             o.rounds = rounds;
             o.maxDepth = maxDepth;
             o.threads = threads;
             o.treeMethod = treeMethod;
             auto ref = std::make_unique<CostModelRef>();
             ref->model = createCostModel(kind, o);
             return ref;
           }),
           py::arg("kind"), py::arg("seed"), py::arg("rounds"), py::arg("max_depth"),
           py::arg("threads"), py::arg("tree_method"))
      .def_property_readonly("kind", [](CostModelRef &c) { return c.model->name(); })
      .def_property_readonly("trained", [](CostModelRef &c) { return c.model->trained(); })
      .def("fit",
           [](CostModelRef &c, const FloatRows &x, const DoubleValues &y,
              const std::vector<unsigned> &groups) {
             FeatureMatrix rows = toRows(x);
             std::vector<double> values = toValues(y, "throughputs");
             py::gil_scoped_release release;
             std::lock_guard<std::mutex> lock(c.mutex);
             c.model->fit(rows, values, groups);
           },
           py::arg("features"), py::arg("throughputs"), py::arg("groups"))
      .def("predict",
           [](CostModelRef &c, const FloatRows &x) {
             FeatureMatrix rows = toRows(x);
             std::vector<double> scores;
             {
               py::gil_scoped_release release;
               std::lock_guard<std::mutex> lock(c.mutex);
               scores = c.model->predict(rows);
             }
             return toArray(std::move(scores));
           },
           py::arg("features"))
      .def("save",
           [](CostModelRef &c, const std::string &path) {
             py::gil_scoped_release release;
             std::lock_guard<std::mutex> lock(c.mutex);
             c.model->save(path);
           },
           py::arg("path"))
      .def("load",
           [](CostModelRef &c, const std::string &path) {
             py::gil_scoped_release release;
             std::lock_guard<std::mutex> lock(c.mutex);
             c.model->load(path);
           },
           py::arg("path"));

  m.def(
      "training_set",
      [](const std::vector<TuningRecord> &records, int featureVersion, bool includeFailures,
         const std::string &excludeWorkload, const std::string &target) {
        TrainingSetOptions o;
        o.featureVersion = featureVersion;
        o.includeFailures = includeFailures;
        o.excludeWorkload = excludeWorkload;
        o.target = target;
        TrainingSet set;
        {
          py::gil_scoped_release release;
          set = buildTrainingSet(records, o);
        }
        size_t width = set.features.empty() ? kFeatureLength : set.features[0].size();
        py::array_t<float> x({set.size(), width});
        float *data = x.mutable_data();
        for (size_t i = 0; i < set.size(); ++i)
          std::copy(set.features[i].begin(), set.features[i].end(), data + i * width);
        return py::make_tuple(x, toArray(std::move(set.throughputs)), set.groups);
      },
      py::arg("records"), py::arg("feature_version"), py::arg("include_failures"),
      py::arg("exclude_workload"), py::arg("target"));
  m.def(
      "pairwise_accuracy",
      [](const DoubleValues &predicted, const DoubleValues &measured,
         const std::vector<unsigned> &groups) {
        std::vector<double> p = toValues(predicted, "scores"), y = toValues(measured, "measured");
        if (p.size() != y.size())
          throw TuneError("pairwise_accuracy: " + std::to_string(p.size()) + " scores but " +
                          std::to_string(y.size()) + " measured values");
        size_t sum = 0;
        for (unsigned g : groups)
          sum += g;
        if (!groups.empty() && sum != y.size())
          throw TuneError("pairwise_accuracy: the groups cover " + std::to_string(sum) +
                          " rows, not " + std::to_string(y.size()));
        return pairwiseAccuracy(p, y, groups);
      },
      py::arg("scores"), py::arg("measured"), py::arg("groups"));
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
  bindRecords(m);
  bindDatabase(m);
  bindCostModel(m);
}

} // namespace kiln::python
