//===- RuntimeModel.h - a loaded artifact (runtime C API) for Python -----------===//
#ifndef KILN_PYTHON_RUNTIMEMODEL_H
#define KILN_PYTHON_RUNTIMEMODEL_H

#include "kiln/runtime.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <mutex>
#include <string>
#include <vector>

namespace kiln::python {

/// Raises the exception class `name` of `kiln.errors` with `message`.
[[noreturn]] void raiseKilnError(const char *name, const std::string &message);

/// One input or output as the manifest declares it.
struct TensorDesc {
  std::string name;
  std::string dtype; ///< manifest/numpy name: "float32", "int64", "bool", ...
  std::vector<int64_t> shape; ///< -1 for a dim known at run time
  size_t bytes = 0;           ///< 0 when the shape has a dynamic dim
  bool dynamic() const;
};

/// Owns a kiln_model. `run` takes C-contiguous arrays of exactly the declared dtype and size
/// (any size along dynamic dims; kiln.Module checks names, shapes and dtypes first) and returns
/// fresh arrays holding copies of the outputs: the runtime's arena, where outputs live, is
/// overwritten by the next run. Thread-safe: each run takes an idle kiln_context of the model
/// (creating one when all are busy), so Python threads run one model at once.
class RuntimeModel {
public:
  /// `device`: for GPU artifacts, the device index (kiln_options::device).
  RuntimeModel(const std::string &path, int numThreads, int device = 0);
  ~RuntimeModel();
  RuntimeModel(const RuntimeModel &) = delete;
  RuntimeModel &operator=(const RuntimeModel &) = delete;

  const std::vector<TensorDesc> &inputs() const { return inputs_; }
  const std::vector<TensorDesc> &outputs() const { return outputs_; }
  const std::string &path() const { return path_; }

  /// Sets every input, runs the plan and copies the outputs out, with the GIL released.
  std::vector<pybind11::array> run(const std::vector<pybind11::array> &inputs);

private:
  void describeAll();
  /// Inputs or outputs with dynamic dims: outputs are sized after the run.
  std::vector<pybind11::array> runDynamic(const std::vector<pybind11::array> &inputs);

  /// An idle context of the model for the lifetime of one run.
  class Lease {
  public:
    explicit Lease(RuntimeModel &model);
    ~Lease();
    kiln_context *get() const { return context_; }
    kiln_status status() const { return status_; }

  private:
    RuntimeModel &model_;
    kiln_context *context_ = nullptr;
    kiln_status status_ = KILN_OK;
  };

  kiln_model *model_ = nullptr;
  std::string path_;
  std::vector<TensorDesc> inputs_, outputs_;
  std::mutex poolMutex_;
  std::vector<kiln_context *> idle_; ///< contexts no run holds (guarded by poolMutex_)
};

} // namespace kiln::python

#endif
