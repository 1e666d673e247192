//===- KernelReport.h - per-kernel cost, codegen notes, warnings, table ---===//
//
// No silent slow path: every kernel that keeps scalar loops or runs sequentially although it
// is large is reported (a warning naming the node, the manifest's per-step `codegen` entry,
// `kiln-compile --report`).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PIPELINE_KERNELREPORT_H
#define KILN_PIPELINE_KERNELREPORT_H

#include "compiler/Codegen/CPU/CodegenNotes.h"
#include "compiler/Pipeline/ExecutionPlan.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

namespace kiln {
/// Work of one kernel call, estimated from its linalg (and vector) ops before scheduling.
struct KernelCost {
  double flops = 0; ///< arithmetic ops (an FMA counts 2)
  double int8Ops = 0; ///< ops of int8 GEMMs (2 per multiply-add), not in `flops`
  double bytes = 0; ///< bytes of its arguments and results (each touched once)
};

/// The cost of kernel function `func` (linalg on tensors). Dynamic dims count as 1.
KernelCost estimateKernelCost(mlir::func::FuncOp func);

/// Machine peaks the roofline is drawn with (per core).
struct RooflinePeaks {
  double gflops = 0; ///< fp32 GFLOP/s with FMAs on full vectors
  double int8Gops = 0; ///< int8 GEMM GOP/s (vpdpbusd, AMX tiles, or i32 vector code)
  const char *int8Unit = "i32 vectors"; ///< which of them
  double gbps = 0;   ///< sustained GB/s of one core
  int64_t lanes = 16;
};
/// Peaks for vectors of `vectorBits` at an assumed 3 GHz, 2 FMA ports; 50 GB/s. int8 GEMMs:
/// 4x the fp32 rate with AVX-512 VNNI (`isa` lists "avx512vnni"), 1024 multiply-adds per cycle
/// on AMX tiles ("amx-int8"), else half the fp32 rate.
RooflinePeaks assumedPeaks(int64_t vectorBits, llvm::ArrayRef<std::string> isa = {});

/// Fills each plan step's `codegen` from the kernels' costs and codegen notes.
void annotatePlanSteps(ExecutionPlan &plan, const std::map<std::string, KernelCost> &costs,
                       const std::map<std::string, CodegenNotes> &notes);

/// One warning per step whose kernel keeps large scalar loops or runs large loops on one
/// thread, naming the node and the reason (emitted on `module`'s context).
void warnAboutSlowKernels(mlir::ModuleOp module, const ExecutionPlan &plan);

/// The `--report` table: per step op, node, schedule, vector/parallel, MFLOP, KB, roofline and
/// estimated microseconds; then totals and the count of scalar/sequential kernels.
void printKernelReport(llvm::raw_ostream &os, const ExecutionPlan &plan,
                       const RooflinePeaks &peaks);
} // namespace kiln

#endif
