//===- DispatchTable.h - a GPU kernel's dispatches, for the manifest ------===//
//
// After the GPU kernel pipeline, a plan kernel is a host function of scratch allocations and
// gpu.launch_func ops. Its dispatch table (what the runtime replays) says, per kernel, the
// scratch buffers and, per dispatch, the kernel module and entry point, workgroup counts and
// size, and what each argument binds: the step's argument i or scratch buffer j.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_GPU_DISPATCHTABLE_H
#define KILN_CODEGEN_GPU_DISPATCHTABLE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/JSON.h"

#include <functional>
#include <string>

namespace kiln {
/// Scratch offsets inside a kernel's scratch area are multiples of this (the largest
/// minStorageBufferOffsetAlignment of common devices; CUDA needs 16).
constexpr int64_t kScratchAlignment = 256;

/// Fills `out` with `fn`'s `scratch`, `scratch_bytes` and `dispatches` (the JSON of
/// docs/artifact.md). `shaderOf(module, entry)` names each dispatch's code file; `entryOf`
/// its entry point. Fails with a diagnostic on host ops other than allocations, constants and
/// launches, dynamic sizes, or launch operands that are neither arguments nor scratch.
mlir::LogicalResult describeDispatches(
    mlir::func::FuncOp fn, llvm::json::Object &out,
    const std::function<std::string(llvm::StringRef module, llvm::StringRef entry)> &shaderOf,
    const std::function<std::string(llvm::StringRef module, llvm::StringRef entry)> &entryOf);
} // namespace kiln

#endif
