//===- Module.cpp - the _kiln extension: compile driver + runtime model bindings -===//
#include "CompileDriver.h"
#include "RuntimeModel.h"

#include <pybind11/stl.h>

namespace py = pybind11;
using namespace kiln::python;

namespace kiln::python {
void bindAutotune(py::module_ &m); // Autotune.cpp: the submodule _kiln.tune
}

namespace {
py::tuple describe(const TensorDesc &d) {
  return py::make_tuple(d.name, d.dtype, py::tuple(py::cast(d.shape)), d.bytes);
}

py::list describeAll(const std::vector<TensorDesc> &descs) {
  py::list out;
  for (const TensorDesc &d : descs)
    out.append(describe(d));
  return out;
}

/// Compiles with the GIL released; returns (ok, ir, errors, warnings).
py::tuple compileModel(py::object model, bool fromBytes, const std::string &displayName,
                       const std::string &artifactPath, const std::string &target,
                       const std::string &cpu,
                       const std::map<std::string, std::vector<int64_t>> &inputShapes,
                       const std::string &compileTo, bool progress,
                       const std::string &tuningDb, bool fuse, int winograd,
                       const std::map<std::string, std::vector<double>> &inputValues) {
  CompileRequest request;
  if (fromBytes)
    request.modelBytes = model.cast<py::bytes>();
  else
    request.modelPath = model.cast<std::string>();
  request.fromBytes = fromBytes;
  request.displayName = displayName;
  request.artifactPath = artifactPath;
  request.target = target;
  request.cpu = cpu;
  request.inputShapes = inputShapes;
  request.inputValues = inputValues;
  request.compileTo = compileTo;
  request.progress = progress;
  request.tuningDb = tuningDb;
  request.fuse = fuse;
  request.winograd = winograd;
  CompileResult result;
  {
    py::gil_scoped_release release;
    result = compile(request);
  }
  return py::make_tuple(result.ok, result.ir, result.errors, result.warnings);
}
} // namespace

PYBIND11_MODULE(_kiln, m) {
  m.doc() = "Kiln's native layer: the compiler driver and the artifact runtime. Use `kiln`.";

  m.def("compile_model", &compileModel, py::arg("model"), py::arg("from_bytes"),
        py::arg("display_name"), py::arg("artifact_path"), py::arg("target"), py::arg("cpu"),
        py::arg("input_shapes"), py::arg("compile_to"), py::arg("progress"),
        py::arg("tuning_db") = "", py::arg("fuse") = true, py::arg("winograd") = 0,
        py::arg("input_values") = std::map<std::string, std::vector<double>>{},
        "Compiles a model (a path, or ModelProto bytes with from_bytes=True) into an artifact "
        "folder, or to a phase's IR with compile_to. winograd: -1 off, 0 the heuristic, 2 or 4 "
        "that tile for every 3x3 candidate. Returns (ok, ir, errors, warnings).");
  m.def("phases", &phases, py::arg("target") = "cpu",
        "The pipeline's phase names for `target`, in order.");

  py::class_<RuntimeModel>(m, "RuntimeModel",
                           "A loaded artifact folder (kiln_model of the runtime C API).")
      .def(py::init<const std::string &, int, int>(), py::arg("path"), py::arg("threads") = 0,
           py::arg("device") = 0)
      .def_property_readonly("path", &RuntimeModel::path)
      .def_property_readonly(
          "inputs", [](const RuntimeModel &m) { return describeAll(m.inputs()); },
          "[(name, dtype, shape, bytes)] in the model's order")
      .def_property_readonly(
          "outputs", [](const RuntimeModel &m) { return describeAll(m.outputs()); },
          "[(name, dtype, shape, bytes)] in the model's order")
      .def("run", &RuntimeModel::run, py::arg("inputs"),
           "Runs on C-contiguous arrays of the declared dtypes and sizes, in order; returns "
           "new arrays holding copies of the outputs.");

  bindAutotune(m);
}
