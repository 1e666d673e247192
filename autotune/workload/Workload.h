//===- Workload.h - a kernel as a tuning task: key, spec, anchor op -------===//
#ifndef KILN_AUTOTUNE_WORKLOAD_WORKLOAD_H
#define KILN_AUTOTUNE_WORKLOAD_WORKLOAD_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace kiln::tune {

/// What kind of schedule space a kernel has, from its anchor op.
enum class WorkloadKind { Matmul, BatchMatmul, ConvNhwc, DepthwiseNhwc, Generic };

/// One kernel (a function of linalg ops on tensors) seen as a tuning task. The anchor is the
/// op whose schedule is tuned (the contraction/convolution, else the largest op).
struct Workload {
  std::string key;  ///< hash of the kernel's IR with its name removed (stable across models)
  std::string spec; ///< readable: "matmul:169x1000x512 f32", "conv2d_nhwc:1x7x7x512->512 k3x3 s1"
  WorkloadKind kind = WorkloadKind::Generic;
  mutable mlir::func::FuncOp kernel; // op handles: MLIR accessors are non-const
  mutable mlir::linalg::LinalgOp anchor;
  std::vector<int64_t> loopRanges; ///< the anchor's static iteration space
  double flops = 0;                ///< 2 x multiply-adds (or 1 per element for elementwise)
};

/// The kind as the specs and records spell it ("matmul", "conv2d_nhwc", ...).
const char *kindName(WorkloadKind kind);

/// Position of the anchor among the kernel's linalg ops (walk order), to find it again in a
/// clone of the kernel; -1 if absent.
int anchorIndex(const Workload &w);

/// Analyzes a kernel function in linalg on tensors; fails (no diagnostic) for kernels without
/// a statically shaped linalg op, which are not tunable.
mlir::FailureOr<Workload> analyzeKernel(mlir::func::FuncOp kernel);

/// The distinct tunable workloads of a module of kernels with their number of occurrences.
std::vector<std::pair<Workload, int>> extractWorkloads(mlir::ModuleOp module);

/// A module with one kernel `@kiln_k0` for a workload spec given on the command line:
/// `matmul:M,N,K`, `batch_matmul:B,M,N,K` or `conv2d:N,C,H,W,K,R,S,stride,pad` (NCHW terms, as
/// in ONNX). The kernel goes through the same graph passes and lowering as a model's.
/// Errors → diagnostics.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>> buildWorkloadModule(mlir::MLIRContext &ctx,
                                                                      llvm::StringRef spec);

} // namespace kiln::tune

#endif
