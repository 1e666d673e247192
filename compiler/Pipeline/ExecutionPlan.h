//===- ExecutionPlan.h - the runtime's plan, built from @main -------------===//
#ifndef KILN_PIPELINE_EXECUTIONPLAN_H
#define KILN_PIPELINE_EXECUTIONPLAN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace kiln {
struct PlanValue {
  enum class Storage { Arena, Weights };
  int64_t id = 0;
  std::string dtype;
  std::vector<int64_t> shape; ///< -1 for a dim known only at run time
  Storage storage = Storage::Arena;
  int64_t offset = 0;
  int64_t bytes = 0; ///< 0 when the shape is dynamic
  /// A view (reshape) of value `viewOf`'s bytes, or -1.
  int64_t viewOf = -1;
  /// For a view with dynamic dims: per dim, the dim of `viewOf` it equals, or -1 (static, or
  /// the single dim inferred from the element count).
  std::vector<int64_t> dimsFrom;
  /// A view whose dims follow the int64 values of value `shapeFrom` (read on the host: a
  /// graph input or a weight before any kernel runs, a kernel's result once it has run;
  /// its bytes stay live until the view's last user) as `shapeMode` says ("reshape",
  /// "reshape_allowzero", "unsqueeze", "squeeze"; kiln.reshape_to), or -1.
  int64_t shapeFrom = -1;
  std::string shapeMode;
  std::string node; ///< the ONNX node of a view with `shapeFrom`, for errors
  /// Steps (1-based; 0 = before the first) between which an arena buffer that is no view is
  /// live; the runtime re-plans the arena with them when shapes are dynamic.
  int64_t firstStep = 0, lastStep = 0;
};

/// What code generation made of a step's kernel (KernelReport.h): written to the manifest.
struct StepCodegen {
  bool known = false;      ///< filled in (after codegen)
  bool scalar = false;     ///< large scalar loops are left
  bool sequential = false; ///< large loops run on one thread
  std::string schedule;    ///< the main op's schedule
  std::string note;        ///< why scalar / sequential
  double flops = 0, bytes = 0;
  double int8Ops = 0;        ///< of int8 GEMMs (2 per multiply-add), not in `flops`
  double scalarFraction = 0; ///< of the kernel's loop iterations (1 when unknown)
};

struct PlanStep {
  std::string kernel;
  std::vector<int64_t> args; ///< value ids: inputs, then the `numOutputs` outputs
  int64_t numOutputs = 1;
  std::string op;   ///< the kiln op (or fused group) the kernel computes
  std::string name; ///< the ONNX node name, for profiles and errors
  /// The dynamic dims of the args, (position in `args`, dim) in order: passed to the kernel
  /// after the pointers, and (those of the inputs) to `shapeFunction`.
  std::vector<std::pair<int64_t, int64_t>> dims;
  /// `<kernel>_shape` when `dims` is not empty: computes the outputs' dynamic dims and checks
  /// that the inputs' dims agree.
  std::string shapeFunction;
  /// Shape values: (position in `args`, element) of each input element whose bits (zero-
  /// extended to int64) the shape function reads after the input dims.
  std::vector<std::pair<int64_t, int64_t>> valueArgs;
  StepCodegen codegen;
};

/// What the runtime executes: values in an arena or in the weights, kernel steps in order.
struct ExecutionPlan {
  std::vector<PlanValue> values;
  std::vector<std::pair<std::string, int64_t>> inputs, outputs; ///< name → value id
  std::vector<PlanStep> steps;
  int64_t arenaBytes = 0;
  std::vector<char> weights; ///< weights.bin, each constant 64-byte aligned
  /// Some value has a dynamic dim: the runtime computes shapes and arena offsets at run time.
  bool dynamic = false;
};

/// Builds the plan from `main` after kiln-outline-kernels: block arguments are inputs,
/// kiln.constant → weights, func.call of a kernel → a step, kiln.reshape → a view of its
/// operand's bytes, the return → outputs. Arena offsets come from liveness (MemoryPlanner).
/// With dynamic dims, values record their lifetimes and views how their dims follow their
/// source; steps list their dynamic dims and shape function. Fails with a diagnostic on
/// anything else (e.g. a reshape whose dims the runtime could not work out).
mlir::FailureOr<ExecutionPlan> buildExecutionPlan(mlir::func::FuncOp main);

/// Copies the shape values each step's shape function reads (`kiln.value_args` of the
/// `<kernel>_shape` functions in `module`, after kiln-shape-functions) into the plan. Fails
/// naming the node when a shape value is computed by a kernel: the runtime reads shape
/// values on the host before any kernel runs, so they must be graph inputs or weights.
mlir::LogicalResult addShapeValueArgs(mlir::ModuleOp module, ExecutionPlan &plan);

/// Offset of the next weight after `bytes` of weights.bin: each starts 64-byte aligned.
uint64_t alignedWeightsOffset(uint64_t bytes);

/// The artifact's name for an element type ("float32", "int64", ...), "" if unsupported.
std::string dtypeName(mlir::Type elementType);
} // namespace kiln

#endif
