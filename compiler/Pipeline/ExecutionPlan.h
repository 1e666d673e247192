//===- ExecutionPlan.h - the runtime's plan, built from @main -------------===//
#ifndef KILN_PIPELINE_EXECUTIONPLAN_H
#define KILN_PIPELINE_EXECUTIONPLAN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace kiln {
struct PlanValue {
  enum class Storage { Arena, Weights };
  int64_t id = 0;
  std::string dtype;
  std::vector<int64_t> shape;
  Storage storage = Storage::Arena;
  int64_t offset = 0;
  int64_t bytes = 0;
};

struct PlanStep {
  std::string kernel;
  std::vector<int64_t> args; ///< value ids: inputs, then the `numOutputs` outputs
  int64_t numOutputs = 1;
  std::string op;   ///< the kiln op (or fused group) the kernel computes
  std::string name; ///< the ONNX node name, for profiles and errors
};

/// What the runtime executes: values in an arena or in the weights, kernel steps in order.
struct ExecutionPlan {
  std::vector<PlanValue> values;
  std::vector<std::pair<std::string, int64_t>> inputs, outputs; ///< name → value id
  std::vector<PlanStep> steps;
  int64_t arenaBytes = 0;
  std::vector<char> weights; ///< weights.bin, each constant 64-byte aligned
};

/// Builds the plan from `main` after kiln-outline-kernels: block arguments are inputs,
/// kiln.constant → weights, func.call of a kernel → a step, kiln.reshape → a view of its
/// operand's bytes, the return → outputs. Arena offsets come from liveness (MemoryPlanner).
/// Fails with a diagnostic on anything else (e.g. a dynamic shape).
mlir::FailureOr<ExecutionPlan> buildExecutionPlan(mlir::func::FuncOp main);

/// The artifact's name for an element type ("float32", "int64", ...), "" if unsupported.
std::string dtypeName(mlir::Type elementType);
} // namespace kiln

#endif
