// The C API of runtime.h: a kiln_model is a validated manifest and the artifact
// folder; a kiln_context is one Executor (kernels, weights map, arena) with its
// inputs. Each model owns a default context for the kiln_model_* run calls.
#include "kiln/runtime.h"

#include "src/DType.h"
#include "src/Error.h"
#include "src/AlignedBytes.h"
#include "src/Executor.h"
#include "src/Manifest.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

struct kiln_context {
  const kiln_model *model = nullptr;
  std::unique_ptr<kiln::Executor> executor;
  /// Each input's latest bytes (a copy of the caller's, aligned as the arena is). The
  /// kernels read them in place when the manifest records its views; else they are copied
  /// into the arena at the start of every run.
  std::vector<kiln::AlignedBytes> inputs;
  std::vector<std::vector<int64_t>> inputShapes;
  std::vector<bool> inputSet;
  bool hasRun = false;
};

struct kiln_model {
  kiln::Manifest manifest; ///< read-only once loaded: contexts share it
  std::string dir;
  int device = 0; ///< kiln_options.device: which device of the artifact's kind runs it
  std::unique_ptr<kiln_context> context; ///< the one kiln_model_{set_input,run,...} use
};

namespace kiln {
namespace {

thread_local std::string tLastError;

[[noreturn]] void invalid(const std::string &message) {
  throw Error(KILN_ERROR_INVALID_ARGUMENT, message);
}

void requireNonNull(const void *pointer, const char *function,
                    const char *name) {
  if (!pointer)
    invalid(std::string(function) + ": " + name + " is NULL");
}

void checkIndex(size_t index, size_t count, const char *function,
                const char *what) {
  if (index >= count)
    invalid(std::string(function) + ": " + what + " index " +
            std::to_string(index) + " out of range (the model has " +
            std::to_string(count) + ")");
}

void fillInfo(const Manifest &manifest, const Binding &binding,
              kiln_tensor_info *info) {
  const ValueInfo &value = manifest.values[binding.value];
  info->name = binding.name.c_str();
  info->dtype = value.dtype;
  info->rank = value.shape.size();
  info->shape = value.shape.data();
  info->bytes = size_t(value.bytes);
}

std::unique_ptr<kiln_context> newContext(const kiln_model *model) {
  auto context = std::make_unique<kiln_context>();
  context->model = model;
  context->executor = createExecutor(model->manifest, model->dir, model->device);
  size_t inputs = model->manifest.inputs.size();
  context->inputs.resize(inputs);
  context->inputShapes.resize(inputs);
  context->inputSet.assign(inputs, false);
  return context;
}

std::string inputLabel(const kiln_model *model, size_t index) {
  return "input " + std::to_string(index) + " ('" +
         model->manifest.inputs[index].name + "')";
}

} // namespace

kiln_status setLastError(kiln_status status, const std::string &message) {
  tLastError = message;
  return status;
}

} // namespace kiln

namespace kiln {
namespace {

void setInput(kiln_context &context, size_t index, const void *data, size_t bytes,
              const char *fn) {
  const kiln_model *model = context.model;
  checkIndex(index, model->manifest.inputs.size(), fn, "input");
  const ValueInfo &value = model->manifest.values[model->manifest.inputs[index].value];
  if (value.isDynamic())
    invalid(std::string(fn) + ": " + inputLabel(model, index) + " has dynamic dims " +
            formatShape(value.shape) + ": give its shape with " + fn + "_shaped");
  if (bytes != value.bytes)
    invalid(std::string(fn) + ": " + inputLabel(model, index) + " expects " +
            std::to_string(value.bytes) + " bytes (" + dtypeName(value.dtype) + " " +
            formatShape(value.shape) + "), got " + std::to_string(bytes));
  if (bytes > 0)
    requireNonNull(data, fn, "data");
  context.inputs[index].assign(static_cast<const uint8_t *>(data),
                               static_cast<const uint8_t *>(data) + bytes);
  context.inputShapes[index] = value.shape;
  context.inputSet[index] = true;
}

void setInputShaped(kiln_context &context, size_t index, const void *data, size_t bytes,
                    size_t rank, const int64_t *shape, const char *fn) {
  const kiln_model *model = context.model;
  checkIndex(index, model->manifest.inputs.size(), fn, "input");
  if (rank > 0)
    requireNonNull(shape, fn, "shape");
  const ValueInfo &value = model->manifest.values[model->manifest.inputs[index].value];
  std::vector<int64_t> given(shape, shape + rank);
  bool matches = given.size() == value.shape.size();
  for (size_t d = 0; matches && d < rank; ++d)
    matches = given[d] >= 0 && (value.shape[d] < 0 || value.shape[d] == given[d]);
  if (!matches)
    invalid(std::string(fn) + ": " + inputLabel(model, index) + " expects shape " +
            formatShape(value.shape) + " (-1: any size), got " + formatShape(given));
  auto expected = shapeBytes(given, dtypeSize(value.dtype));
  if (!expected || bytes != *expected)
    invalid(std::string(fn) + ": " + inputLabel(model, index) + " of shape " +
            formatShape(given) + " is " +
            (expected ? std::to_string(*expected) : std::string("too many")) +
            " bytes of " + dtypeName(value.dtype) + ", got " + std::to_string(bytes));
  if (bytes > 0)
    requireNonNull(data, fn, "data");
  context.inputs[index].assign(static_cast<const uint8_t *>(data),
                               static_cast<const uint8_t *>(data) + bytes);
  context.inputShapes[index] = std::move(given);
  context.inputSet[index] = true;
}

void run(kiln_context &context, const char *fn) {
  const Manifest &manifest = context.model->manifest;
  for (size_t i = 0; i < manifest.inputs.size(); ++i)
    if (!context.inputSet[i])
      invalid(std::string(fn) + ": " + inputLabel(context.model, i) + " was not set");
  context.hasRun = false; // until this run succeeds, outputs are not readable
  std::vector<const void *> inputData;
  for (const auto &bytes : context.inputs)
    inputData.push_back(bytes.data());
  Executor &executor = *context.executor;
  executor.prepare(context.inputShapes, inputData);
  for (size_t i = 0; i < manifest.inputs.size(); ++i) {
    const ValueInfo &value = manifest.values[manifest.inputs[i].value];
    if (manifest.viewsRecorded)
      executor.bindInput(value, context.inputs[i].data());
    else
      executor.writeValue(value, context.inputs[i].data());
  }
  executor.run();
  context.hasRun = true;
}

void getOutput(const kiln_context &context, size_t index, const void **data, size_t *bytes,
               const char *fn) {
  requireNonNull(data, fn, "data");
  requireNonNull(bytes, fn, "bytes");
  const Manifest &manifest = context.model->manifest;
  checkIndex(index, manifest.outputs.size(), fn, "output");
  if (!context.hasRun)
    invalid(std::string(fn) + ": the model has not run yet");
  size_t value = manifest.outputs[index].value;
  *data = context.executor->readValue(manifest.values[value]);
  *bytes = size_t(context.executor->resolved().bytes[value]);
}

void getOutputShape(const kiln_context &context, size_t index, size_t *rank,
                    const int64_t **shape, const char *fn) {
  requireNonNull(rank, fn, "rank");
  requireNonNull(shape, fn, "shape");
  const Manifest &manifest = context.model->manifest;
  checkIndex(index, manifest.outputs.size(), fn, "output");
  if (!context.hasRun)
    invalid(std::string(fn) + ": the model has not run yet");
  const std::vector<int64_t> &dims =
      context.executor->resolved().shapes[manifest.outputs[index].value];
  *rank = dims.size();
  *shape = dims.data();
}

} // namespace
} // namespace kiln

using namespace kiln;

extern "C" {

const char *kiln_last_error(void) { return tLastError.c_str(); }

const char *kiln_status_string(kiln_status status) {
  switch (status) {
  case KILN_OK:
    return "KILN_OK";
  case KILN_ERROR_INVALID_ARGUMENT:
    return "KILN_ERROR_INVALID_ARGUMENT";
  case KILN_ERROR_IO:
    return "KILN_ERROR_IO";
  case KILN_ERROR_INVALID_ARTIFACT:
    return "KILN_ERROR_INVALID_ARTIFACT";
  case KILN_ERROR_KERNEL_LOAD:
    return "KILN_ERROR_KERNEL_LOAD";
  case KILN_ERROR_OUT_OF_MEMORY:
    return "KILN_ERROR_OUT_OF_MEMORY";
  case KILN_ERROR_INTERNAL:
    return "KILN_ERROR_INTERNAL";
  }
  return "KILN_ERROR_UNKNOWN";
}

const char *kiln_dtype_name(kiln_dtype dtype) { return dtypeName(dtype); }

size_t kiln_dtype_size(kiln_dtype dtype) { return dtypeSize(dtype); }

kiln_status kiln_model_load(const char *path, const kiln_options *options,
                            kiln_model **model) {
  return guard([&] {
    requireNonNull(path, "kiln_model_load", "path");
    requireNonNull(model, "kiln_model_load", "model");
    *model = nullptr;
    if (options && options->num_threads < 0)
      invalid("kiln_model_load: options->num_threads is negative (" +
              std::to_string(options->num_threads) + ")");
    auto loaded = std::make_unique<kiln_model>();
    loaded->manifest = readManifest(path);
    if (options && options->device < 0)
      invalid("kiln_model_load: options->device is negative (" +
              std::to_string(options->device) + ")");
    loaded->dir = path;
    loaded->device = options ? options->device : 0;
    loaded->context = newContext(loaded.get());
    if (options && options->num_threads > 0)
      kiln_set_num_threads(options->num_threads);
    *model = loaded.release();
  });
}

void kiln_model_free(kiln_model *model) { delete model; }

kiln_status kiln_model_num_inputs(const kiln_model *model, size_t *count) {
  return guard([&] {
    requireNonNull(model, "kiln_model_num_inputs", "model");
    requireNonNull(count, "kiln_model_num_inputs", "count");
    *count = model->manifest.inputs.size();
  });
}

kiln_status kiln_model_num_outputs(const kiln_model *model, size_t *count) {
  return guard([&] {
    requireNonNull(model, "kiln_model_num_outputs", "model");
    requireNonNull(count, "kiln_model_num_outputs", "count");
    *count = model->manifest.outputs.size();
  });
}

kiln_status kiln_model_input_info(const kiln_model *model, size_t index,
                                  kiln_tensor_info *info) {
  return guard([&] {
    requireNonNull(model, "kiln_model_input_info", "model");
    requireNonNull(info, "kiln_model_input_info", "info");
    checkIndex(index, model->manifest.inputs.size(), "kiln_model_input_info",
               "input");
    fillInfo(model->manifest, model->manifest.inputs[index], info);
  });
}

kiln_status kiln_model_output_info(const kiln_model *model, size_t index,
                                   kiln_tensor_info *info) {
  return guard([&] {
    requireNonNull(model, "kiln_model_output_info", "model");
    requireNonNull(info, "kiln_model_output_info", "info");
    checkIndex(index, model->manifest.outputs.size(), "kiln_model_output_info",
               "output");
    fillInfo(model->manifest, model->manifest.outputs[index], info);
  });
}

kiln_status kiln_model_find_input(const kiln_model *model, const char *name,
                                  size_t *index) {
  return guard([&] {
    requireNonNull(model, "kiln_model_find_input", "model");
    requireNonNull(name, "kiln_model_find_input", "name");
    requireNonNull(index, "kiln_model_find_input", "index");
    const std::vector<Binding> &inputs = model->manifest.inputs;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].name == name) {
        *index = i;
        return;
      }
    invalid(std::string("kiln_model_find_input: the model has no input '") +
            name + "'");
  });
}

kiln_status kiln_model_set_input(kiln_model *model, size_t index,
                                 const void *data, size_t bytes) {
  return guard([&] {
    requireNonNull(model, "kiln_model_set_input", "model");
    setInput(*model->context, index, data, bytes, "kiln_model_set_input");
  });
}

kiln_status kiln_model_set_input_shaped(kiln_model *model, size_t index,
                                        const void *data, size_t bytes,
                                        size_t rank, const int64_t *shape) {
  return guard([&] {
    requireNonNull(model, "kiln_model_set_input_shaped", "model");
    setInputShaped(*model->context, index, data, bytes, rank, shape,
                   "kiln_model_set_input_shaped");
  });
}

kiln_status kiln_model_run(kiln_model *model) {
  return guard([&] {
    requireNonNull(model, "kiln_model_run", "model");
    run(*model->context, "kiln_model_run");
  });
}

kiln_status kiln_model_get_output(const kiln_model *model, size_t index,
                                  const void **data, size_t *bytes) {
  return guard([&] {
    requireNonNull(model, "kiln_model_get_output", "model");
    getOutput(*model->context, index, data, bytes, "kiln_model_get_output");
  });
}

kiln_status kiln_model_get_output_shape(const kiln_model *model, size_t index,
                                        size_t *rank, const int64_t **shape) {
  return guard([&] {
    requireNonNull(model, "kiln_model_get_output_shape", "model");
    getOutputShape(*model->context, index, rank, shape, "kiln_model_get_output_shape");
  });
}

kiln_status kiln_model_set_profiling(kiln_model *model, int enabled) {
  return guard([&] {
    requireNonNull(model, "kiln_model_set_profiling", "model");
    model->context->executor->setProfiling(enabled != 0);
  });
}

kiln_status kiln_model_num_steps(const kiln_model *model, size_t *count) {
  return guard([&] {
    requireNonNull(model, "kiln_model_num_steps", "model");
    requireNonNull(count, "kiln_model_num_steps", "count");
    *count = model->manifest.steps.size();
  });
}

kiln_status kiln_model_step_info(const kiln_model *model, size_t index,
                                 kiln_step_info *info) {
  return guard([&] {
    requireNonNull(model, "kiln_model_step_info", "model");
    requireNonNull(info, "kiln_model_step_info", "info");
    checkIndex(index, model->manifest.steps.size(), "kiln_model_step_info",
               "step");
    const kiln::Step &step = model->manifest.steps[index];
    info->kernel = step.kernel.c_str();
    info->op = step.op.c_str();
    info->name = step.name.c_str();
    const Executor &executor = *model->context->executor;
    const std::vector<double> &seconds = executor.stepSeconds();
    info->total_ms = index < seconds.size() ? seconds[index] * 1e3 : 0.0;
    info->runs = executor.profiledRuns();
  });
}

kiln_status kiln_context_create(const kiln_model *model, kiln_context **context) {
  return guard([&] {
    requireNonNull(model, "kiln_context_create", "model");
    requireNonNull(context, "kiln_context_create", "context");
    *context = nullptr;
    *context = newContext(model).release();
  });
}

void kiln_context_free(kiln_context *context) { delete context; }

kiln_status kiln_context_set_input(kiln_context *context, size_t index, const void *data,
                                   size_t bytes) {
  return guard([&] {
    requireNonNull(context, "kiln_context_set_input", "context");
    setInput(*context, index, data, bytes, "kiln_context_set_input");
  });
}

kiln_status kiln_context_set_input_shaped(kiln_context *context, size_t index,
                                          const void *data, size_t bytes, size_t rank,
                                          const int64_t *shape) {
  return guard([&] {
    requireNonNull(context, "kiln_context_set_input_shaped", "context");
    setInputShaped(*context, index, data, bytes, rank, shape, "kiln_context_set_input_shaped");
  });
}

kiln_status kiln_context_run(kiln_context *context) {
  return guard([&] {
    requireNonNull(context, "kiln_context_run", "context");
    run(*context, "kiln_context_run");
  });
}

kiln_status kiln_context_get_output(const kiln_context *context, size_t index,
                                    const void **data, size_t *bytes) {
  return guard([&] {
    requireNonNull(context, "kiln_context_get_output", "context");
    getOutput(*context, index, data, bytes, "kiln_context_get_output");
  });
}

kiln_status kiln_context_get_output_shape(const kiln_context *context, size_t index,
                                          size_t *rank, const int64_t **shape) {
  return guard([&] {
    requireNonNull(context, "kiln_context_get_output_shape", "context");
    getOutputShape(*context, index, rank, shape, "kiln_context_get_output_shape");
  });
}

} // extern "C"
