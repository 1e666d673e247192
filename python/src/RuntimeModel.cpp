//===- RuntimeModel.cpp - load, describe and run an artifact from Python -------===//
#include "RuntimeModel.h"

#include <algorithm>
#include <cstring>

namespace py = pybind11;

namespace kiln::python {

void raiseKilnError(const char *name, const std::string &message) {
  py::object cls = py::module_::import("kiln.errors").attr(name);
  PyErr_SetString(cls.ptr(), message.c_str());
  throw py::error_already_set();
}

namespace {
/// Raises kiln.RuntimeError for a failed runtime call, with the runtime's own message.
void check(kiln_status status, const char *what) {
  if (status == KILN_OK)
    return;
  raiseKilnError("RuntimeError", std::string(what) + " failed (" + kiln_status_string(status) +
                                     "): " + kiln_last_error());
}

TensorDesc describe(const kiln_tensor_info &info) {
  TensorDesc d;
  d.name = info.name;
  d.dtype = kiln_dtype_name(info.dtype);
  d.shape.assign(info.shape, info.shape + info.rank);
  d.bytes = info.bytes;
  return d;
}
[[noreturn]] void raiseFailure(const char *failed, kiln_status status, const std::string &error) {
  raiseKilnError("RuntimeError",
                 std::string(failed) + " failed (" + kiln_status_string(status) + "): " + error);
}
} // namespace

bool TensorDesc::dynamic() const {
  return std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d < 0; });
}

RuntimeModel::RuntimeModel(const std::string &path, int numThreads, int device) : path_(path) {
  kiln_options options{};
  options.num_threads = numThreads;
  options.device = device;
  kiln_status status;
  {
    py::gil_scoped_release release;
    status = kiln_model_load(path.c_str(), &options, &model_);
  }
  check(status, "kiln_model_load");
  try {
    describeAll();
  } catch (...) {
    kiln_model_free(model_);
    throw;
  }
}

void RuntimeModel::describeAll() {
  size_t numInputs = 0, numOutputs = 0;
  check(kiln_model_num_inputs(model_, &numInputs), "kiln_model_num_inputs");
  check(kiln_model_num_outputs(model_, &numOutputs), "kiln_model_num_outputs");
  kiln_tensor_info info;
  for (size_t i = 0; i < numInputs; ++i) {
    check(kiln_model_input_info(model_, i, &info), "kiln_model_input_info");
    inputs_.push_back(describe(info));
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    check(kiln_model_output_info(model_, i, &info), "kiln_model_output_info");
    outputs_.push_back(describe(info));
  }
}

RuntimeModel::~RuntimeModel() {
  for (kiln_context *context : idle_)
    kiln_context_free(context);
  kiln_model_free(model_);
}

RuntimeModel::Lease::Lease(RuntimeModel &model) : model_(model) {
  {
    std::lock_guard<std::mutex> lock(model.poolMutex_);
    if (!model.idle_.empty()) {
      context_ = model.idle_.back();
      model.idle_.pop_back();
      return;
    }
  }
  status_ = kiln_context_create(model.model_, &context_);
}

RuntimeModel::Lease::~Lease() {
  if (!context_)
    return;
  std::lock_guard<std::mutex> lock(model_.poolMutex_);
  model_.idle_.push_back(context_);
}

std::vector<py::array> RuntimeModel::run(const std::vector<py::array> &arrays) {
  if (arrays.size() != inputs_.size())
    raiseKilnError("InputError", "the model takes " + std::to_string(inputs_.size()) +
                                     " inputs, got " + std::to_string(arrays.size()));
  auto isDynamic = [](const TensorDesc &d) { return d.dynamic(); };
  if (std::any_of(inputs_.begin(), inputs_.end(), isDynamic) ||
      std::any_of(outputs_.begin(), outputs_.end(), isDynamic))
    return runDynamic(arrays);
  // Defensive re-check of what kiln.Module already validated: the runtime reads raw bytes.
  std::vector<const void *> data;
  for (size_t i = 0; i < arrays.size(); ++i) {
    const py::array &a = arrays[i];
    const TensorDesc &d = inputs_[i];
    if (!(a.flags() & py::array::c_style) || (size_t)a.nbytes() != d.bytes ||
        !a.dtype().equal(py::dtype(d.dtype)))
      raiseKilnError("InputError", "input '" + d.name + "': expected a C-contiguous " + d.dtype +
                                       " array of " + std::to_string(d.bytes) + " bytes");
    data.push_back(a.data());
  }
  // Outputs are allocated while holding the GIL: the run itself holds no Python object.
  std::vector<py::array> results;
  for (const TensorDesc &d : outputs_)
    results.emplace_back(py::dtype(d.dtype), d.shape);
  std::vector<void *> outData;
  for (py::array &r : results)
    outData.push_back(r.mutable_data());

  kiln_status status = KILN_OK;
  const char *failed = nullptr;
  std::string error;
  {
    py::gil_scoped_release release;
    Lease lease(*this);
    kiln_context *context = lease.get();
    if ((status = lease.status()) != KILN_OK)
      failed = "kiln_context_create";
    for (size_t i = 0; i < data.size() && status == KILN_OK; ++i)
      if ((status = kiln_context_set_input(context, i, data[i], inputs_[i].bytes)) != KILN_OK)
        failed = "kiln_context_set_input";
    if (status == KILN_OK && (status = kiln_context_run(context)) != KILN_OK)
      failed = "kiln_context_run";
    for (size_t i = 0; i < outputs_.size() && status == KILN_OK; ++i) {
      const void *out = nullptr;
      size_t bytes = 0;
      if ((status = kiln_context_get_output(context, i, &out, &bytes)) != KILN_OK) {
        failed = "kiln_context_get_output";
      } else if (bytes != outputs_[i].bytes) {
        status = KILN_ERROR_INTERNAL;
        failed = "kiln_context_get_output";
        error = "output '" + outputs_[i].name + "' has " + std::to_string(bytes) +
                " bytes, expected " + std::to_string(outputs_[i].bytes);
      } else if (bytes) {
        std::memcpy(outData[i], out, bytes);
      }
    }
    if (status != KILN_OK && error.empty())
      error = kiln_last_error(); // thread-local: read it on the failing thread
  }
  if (status != KILN_OK)
    raiseKilnError("RuntimeError",
                   std::string(failed) + " failed (" + kiln_status_string(status) + "): " + error);
  return results;
}

std::vector<py::array> RuntimeModel::runDynamic(const std::vector<py::array> &arrays) {
  std::vector<std::vector<int64_t>> shapes;
  for (size_t i = 0; i < arrays.size(); ++i) {
    const py::array &a = arrays[i];
    if (!(a.flags() & py::array::c_style) || !a.dtype().equal(py::dtype(inputs_[i].dtype)))
      raiseKilnError("InputError", "input '" + inputs_[i].name + "': expected a C-contiguous " +
                                       inputs_[i].dtype + " array");
    shapes.emplace_back(a.shape(), a.shape() + a.ndim());
  }
  // Output sizes are known after the run: copy them out of the context, into numpy arrays
  // once the GIL is held again.
  std::vector<std::vector<uint8_t>> bytes(outputs_.size());
  std::vector<std::vector<int64_t>> outShapes(outputs_.size());
  kiln_status status = KILN_OK;
  const char *failed = nullptr;
  std::string error;
  {
    py::gil_scoped_release release;
    Lease lease(*this);
    kiln_context *context = lease.get();
    if ((status = lease.status()) != KILN_OK)
      failed = "kiln_context_create";
    for (size_t i = 0; i < arrays.size() && status == KILN_OK; ++i)
      if ((status = kiln_context_set_input_shaped(context, i, arrays[i].data(),
                                                  arrays[i].nbytes(), shapes[i].size(),
                                                  shapes[i].data())) != KILN_OK)
        failed = "kiln_context_set_input_shaped";
    if (status == KILN_OK && (status = kiln_context_run(context)) != KILN_OK)
      failed = "kiln_context_run";
    for (size_t i = 0; i < outputs_.size() && status == KILN_OK; ++i) {
      const void *out = nullptr;
      size_t size = 0, rank = 0;
      const int64_t *shape = nullptr;
      if ((status = kiln_context_get_output(context, i, &out, &size)) != KILN_OK ||
          (status = kiln_context_get_output_shape(context, i, &rank, &shape)) != KILN_OK) {
        failed = "kiln_context_get_output";
        break;
      }
      bytes[i].assign(static_cast<const uint8_t *>(out), static_cast<const uint8_t *>(out) + size);
      outShapes[i].assign(shape, shape + rank);
    }
    if (status != KILN_OK)
      error = kiln_last_error(); // thread-local: read it on the failing thread
  }
  if (status != KILN_OK) {
    // Inconsistent shapes of the inputs are the caller's mistake.
    if (status == KILN_ERROR_INVALID_ARGUMENT)
      raiseKilnError("InputError", error);
    raiseFailure(failed, status, error);
  }
  std::vector<py::array> results;
  for (size_t i = 0; i < outputs_.size(); ++i) {
    results.emplace_back(py::dtype(outputs_[i].dtype), outShapes[i]);
    if (!bytes[i].empty())
      std::memcpy(results.back().mutable_data(), bytes[i].data(), bytes[i].size());
  }
  return results;
}

} // namespace kiln::python
