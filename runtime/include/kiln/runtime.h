/* Kiln runtime C API: load a compiled artifact folder, feed inputs, run, read
 * outputs.
 *
 * Thread safety:
 *  - A loaded kiln_model is read-only to every call that takes `const kiln_model *`: those may be
 *    made from any number of threads at once.
 *  - Runs of one model on several threads at once use one kiln_context per thread
 *    (kiln_context_create): each context has its own inputs, working memory and outputs; they share
 *    the model's kernels and (memory-mapped) weights. A context must not be used by two threads at
 *    once; free every context before its model.
 *  - kiln_model_set_input / kiln_model_run / kiln_model_get_output and the profiling calls use the
 *    model's own default context: they follow the same rule (one thread at a time per model).
 *  - Distinct models may run on different threads at once. All runs share one process-wide thread
 *    pool (kiln_set_num_threads); a run that finds the pool busy runs its loops on its own thread.
 *  - kiln_last_error() is per thread. */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/parallel.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Result of every fallible call. On failure, kiln_last_error() tells why.
typedef enum kiln_status {
  KILN_OK = 0,
  KILN_ERROR_INVALID_ARGUMENT = 1, ///< bad pointer, index, size or state
  KILN_ERROR_IO = 2,               ///< a file could not be opened or read
  KILN_ERROR_INVALID_ARTIFACT =
      3, ///< manifest.json or weights.bin break the format
  KILN_ERROR_KERNEL_LOAD =
      4, ///< kernels.so or one of its symbols failed to load
  KILN_ERROR_OUT_OF_MEMORY = 5, ///< an allocation failed
  KILN_ERROR_INTERNAL = 6       ///< anything else (a runtime bug)
} kiln_status;

/// Element types. The values equal ONNX TensorProto.DataType codes.
typedef enum kiln_dtype {
  KILN_DTYPE_FLOAT32 = 1,
  KILN_DTYPE_UINT8 = 2,
  KILN_DTYPE_INT8 = 3,
  KILN_DTYPE_UINT16 = 4,
  KILN_DTYPE_INT16 = 5,
  KILN_DTYPE_INT32 = 6,
  KILN_DTYPE_INT64 = 7,
  KILN_DTYPE_BOOL = 9, ///< one byte per element
  KILN_DTYPE_FLOAT16 = 10,
  KILN_DTYPE_FLOAT64 = 11,
  KILN_DTYPE_UINT32 = 12,
  KILN_DTYPE_UINT64 = 13
} kiln_dtype;

/// Load-time options. Zero-initialize, then set what you need.
typedef struct kiln_options {
  /// Threads of the process-wide pool (the caller included); 0 keeps the
  /// current setting (by default, one per hardware thread); 1 runs inline.
  int num_threads;
  /// The device of the artifact's kind to run on (GPUs: an index into the
  /// driver's device list, default 0); the CPU ignores it.
  int device;
} kiln_options;

/// Describes one model input or output. Pointers are owned by the model.
typedef struct kiln_tensor_info {
  const char *name;
  kiln_dtype dtype;
  size_t rank;
  const int64_t *shape; ///< `rank` dimensions; -1 for a dim known at run time
  size_t bytes;         ///< product(shape) * kiln_dtype_size(dtype); 0 if dynamic
} kiln_tensor_info;

/// A loaded artifact: its plan, weights, kernels and arena.
typedef struct kiln_model kiln_model;

/// The message of the last failed call on this thread ("" if none). It names
/// the file and what is wrong. Valid until the next failing call on this
/// thread.
KILN_EXPORT const char *kiln_last_error(void);

/// A short constant name for `status`, e.g. "KILN_ERROR_IO".
KILN_EXPORT const char *kiln_status_string(kiln_status status);

/// The manifest name of `dtype` ("float32", "int64", ...), or "unknown".
KILN_EXPORT const char *kiln_dtype_name(kiln_dtype dtype);

/// Bytes per element of `dtype`, or 0 for an unknown value.
KILN_EXPORT size_t kiln_dtype_size(kiln_dtype dtype);

/// Loads the artifact folder `path` (manifest.json, kernels.so, weights.bin):
/// validates the manifest, maps the weights, loads every kernel and allocates
/// the arena. `options` may be NULL. On success `*model` owns everything.
KILN_EXPORT kiln_status kiln_model_load(const char *path,
                                        const kiln_options *options,
                                        kiln_model **model);

/// Releases everything `model` holds. NULL is ignored.
KILN_EXPORT void kiln_model_free(kiln_model *model);

/// Number of model inputs, in the model's order.
KILN_EXPORT kiln_status kiln_model_num_inputs(const kiln_model *model,
                                              size_t *count);

/// Number of model outputs, in the model's order.
KILN_EXPORT kiln_status kiln_model_num_outputs(const kiln_model *model,
                                               size_t *count);

/// Name, dtype and shape of input `index`.
KILN_EXPORT kiln_status kiln_model_input_info(const kiln_model *model,
                                              size_t index,
                                              kiln_tensor_info *info);

/// Name, dtype and shape of output `index`.
KILN_EXPORT kiln_status kiln_model_output_info(const kiln_model *model,
                                               size_t index,
                                               kiln_tensor_info *info);

/// Index of the input called `name`, or KILN_ERROR_INVALID_ARGUMENT.
KILN_EXPORT kiln_status kiln_model_find_input(const kiln_model *model,
                                              const char *name, size_t *index);

/// Copies `bytes` bytes of `data` as input `index`; `bytes` must equal the
/// input's size exactly. The copy is kept and used by every later run.
KILN_EXPORT kiln_status kiln_model_set_input(kiln_model *model, size_t index,
                                             const void *data, size_t bytes);

/// Copies input `index` of the given `shape` (`rank` dims): the input's static
/// dims must match, its dynamic (-1) dims take any size, and `bytes` must be
/// the size of that shape. Required for inputs with dynamic dims; also takes
/// static inputs. The copy is kept and used by every later run.
KILN_EXPORT kiln_status kiln_model_set_input_shaped(kiln_model *model,
                                                    size_t index,
                                                    const void *data,
                                                    size_t bytes, size_t rank,
                                                    const int64_t *shape);

/// Runs every step of the plan. All inputs must have been set. With dynamic
/// dims, first computes every shape from the inputs' (rejecting inputs whose
/// dims disagree, e.g. two batch sizes, naming the step) and sizes the arena.
/// Uses the model's default context: one thread at a time per model (see kiln_context for
/// concurrent runs of one model).
KILN_EXPORT kiln_status kiln_model_run(kiln_model *model);

/// Points `*data` at output `index` of the last run (`*bytes` its size). The
/// bytes stay valid until the next run or kiln_model_free.
KILN_EXPORT kiln_status kiln_model_get_output(const kiln_model *model,
                                              size_t index, const void **data,
                                              size_t *bytes);

/// One step of the plan (one kernel call) and its time over the profiled runs.
typedef struct kiln_step_info {
  const char *kernel; ///< kernel symbol in kernels.so
  const char *op;     ///< what it computes, e.g. "kiln.fused(conv+relu)"
  const char *name;   ///< the ONNX node it came from ("" if unknown)
  double total_ms;    ///< wall time summed over the profiled runs
  uint64_t runs;      ///< profiled runs since profiling was turned on
} kiln_step_info;

/// Turns per-step timing of kiln_model_run on (non-zero; clears the totals) or
/// off. Timing adds two clock reads per step.
KILN_EXPORT kiln_status kiln_model_set_profiling(kiln_model *model, int enabled);

/// Number of steps (kernel calls) of one run.
KILN_EXPORT kiln_status kiln_model_num_steps(const kiln_model *model, size_t *count);

/// Step `index` of the plan and its profiled time. The strings live as long as
/// the model.
KILN_EXPORT kiln_status kiln_model_step_info(const kiln_model *model, size_t index,
                                             kiln_step_info *info);

/// The shape of output `index` in the last run (`*rank` dims at `*shape`, valid
/// until the next run or kiln_model_free): dynamic dims have their run-time size.
KILN_EXPORT kiln_status kiln_model_get_output_shape(const kiln_model *model,
                                                    size_t index, size_t *rank,
                                                    const int64_t **shape);

/// The state of runs of a loaded model: inputs, working memory (the arena) and outputs. Several
/// contexts of one model run on different threads at once, each with its own inputs; they share
/// the model's kernels and weights. One thread at a time per context.
typedef struct kiln_context kiln_context;

/// Creates a context of `model` (which must outlive it). Allocates the arena of a static plan.
KILN_EXPORT kiln_status kiln_context_create(const kiln_model *model, kiln_context **context);

/// Frees a context (NULL is a no-op).
KILN_EXPORT void kiln_context_free(kiln_context *context);

/// As kiln_model_set_input / kiln_model_set_input_shaped, for this context.
KILN_EXPORT kiln_status kiln_context_set_input(kiln_context *context, size_t index,
                                               const void *data, size_t bytes);
KILN_EXPORT kiln_status kiln_context_set_input_shaped(kiln_context *context, size_t index,
                                                      const void *data, size_t bytes,
                                                      size_t rank, const int64_t *shape);

/// As kiln_model_run, for this context.
KILN_EXPORT kiln_status kiln_context_run(kiln_context *context);

/// As kiln_model_get_output / kiln_model_get_output_shape: the last run of this context; valid
/// until its next run or kiln_context_free.
KILN_EXPORT kiln_status kiln_context_get_output(const kiln_context *context, size_t index,
                                                const void **data, size_t *bytes);
KILN_EXPORT kiln_status kiln_context_get_output_shape(const kiln_context *context,
                                                      size_t index, size_t *rank,
                                                      const int64_t **shape);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // KILN_RUNTIME_H
