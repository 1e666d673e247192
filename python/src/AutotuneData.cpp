//===- AutotuneData.cpp - _kiln.tune: records, databases, cost models, training sets -===//
#include "Autotune.h"

#include "autotune/TuningUtil.h"
#include "autotune/features/Features.h"
#include "autotune/model/CostModel.h"
#include "autotune/model/TrainingSet.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace kiln::tune;

namespace kiln::python {
namespace {
using FloatRows = py::array_t<float, py::array::c_style | py::array::forcecast>;
using DoubleValues = py::array_t<double, py::array::c_style | py::array::forcecast>;

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

struct CostModelRef {
  std::unique_ptr<CostModel> model;
  std::mutex mutex;
};

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
} // namespace

void bindTuneData(py::module_ &m) {
  bindRecords(m);
  bindDatabase(m);
  bindCostModel(m);
}

} // namespace kiln::python
