//===- CodegenNotes.h - what the CPU schedule did to each kernel ----------===//
//
// No silent slow path: kiln-cpu-tile-and-vectorize records on every kernel function whether
// its loops were vectorized and run in parallel, and why not. The compiler turns the notes
// into warnings, the manifest's per-step `codegen` entries and `kiln-compile --report`.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_CPU_CODEGENNOTES_H
#define KILN_CODEGEN_CPU_CODEGENNOTES_H

#include "compiler/Codegen/CPU/Schedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>
#include <string>
#include <utility>

namespace kiln {
/// Function attribute holding the notes (a dictionary).
constexpr llvm::StringLiteral kCodegenNotesAttr = "kiln.codegen";
/// Op attribute: why this (tiled) linalg op stays scalar; moved into the notes.
constexpr llvm::StringLiteral kScalarReasonAttr = "kiln.scalar_reason";
/// Function attribute set by kiln-cpu-outline-parallel-loops: why a parallel loop of the kernel
/// could not be outlined (it runs on one thread); moved into the notes after lowering.
constexpr llvm::StringLiteral kNotOutlinedAttr = "kiln.not_outlined";

/// Function attribute set by kiln-cpu-vnni-gemm on a kernel whose int8 GEMM it wrote as vector
/// or AMX code: which, recorded as the kernel's schedule; kAmxTilesAttr (unit) where it used
/// AMX tiles, recorded as CodegenNotes::amxTiles.
constexpr llvm::StringLiteral kGemmKernelAttr = "kiln.gemm_kernel";
constexpr llvm::StringLiteral kAmxTilesAttr = "kiln.amx_tiles";

/// Scalar work below this many loop iterations per run is not reported (index arithmetic,
/// shape tensors, tiny constants).
constexpr int64_t kReportedScalarIterations = 4096;
/// Kernels with at least this many iterations per run should run on the thread pool.
constexpr int64_t kReportedSequentialIterations = 1 << 17;

struct CodegenNotes {
  /// Loop iterations per run left to scalar loops (linalg ops the vectorizer did not take),
  /// counting the trips of the loops around them; -1 when a trip count is dynamic.
  int64_t scalarIterations = 0;
  /// Why the largest scalar op stays scalar (empty when nothing is scalar).
  std::string scalarReason;
  /// Loop iterations of the kernel's linalg ops per run before tiling (-1: dynamic).
  int64_t iterations = 0;
  /// Some loop of the kernel runs on the thread pool.
  bool parallel = false;
  /// Why a loop that the schedule made parallel runs on one thread after all (a loop that
  /// kiln-cpu-outline-parallel-loops could not outline); empty when none.
  std::string sequentialReason;
  /// The schedule applied to the kernel's main op, e.g. "par[0,2,0] cache[..] reg[..]", or
  /// "vector code" for kernels lowered straight to vectors.
  std::string schedule;
  /// Weight arguments read as panels (kiln-cpu-pack-weight-panels): [argument, W, ...].
  std::vector<int64_t> packedArgs;
  /// The kernel runs an int8 GEMM on AMX tiles (the artifact then needs amx-tile/amx-int8).
  bool amxTiles = false;

  bool scalar() const {
    return scalarIterations < 0 || scalarIterations >= kReportedScalarIterations;
  }
  bool sequential() const {
    return !sequentialReason.empty() || (!parallel && iterations >= kReportedSequentialIterations);
  }
};

/// "par[..] cache[..] reg[..]" (levels that tile nothing are left out), "+novec" when the
/// schedule turns vectorization off.
std::string describeSchedule(const Schedule &schedule);

/// Static trip count of a loop with constant bounds, or -1.
int64_t tripCount(mlir::OpFoldResult lb, mlir::OpFoldResult ub, mlir::OpFoldResult step);

/// Constant bounds [lo, hi] of an index value computed from constants, loop positions and
/// integer arithmetic (add, sub, min, max, mul and div by constants, rem, select: a
/// convolution's taps that stay inside the image, the rows of a task), or nothing.
std::optional<std::pair<int64_t, int64_t>> constantRange(mlir::OpFoldResult value, int depth = 0);

/// Product of the static trip counts of the scf loops around `op` in its function (-1 when
/// one is dynamic).
int64_t tripsAround(mlir::Operation *op);

/// tripsAround with each loop whose bounds are known at run time only counted at its most
/// trips (constantRange of its ends; 1 where unknown): the work of vector code that skips
/// padding, for the kernel report's roofline.
int64_t tripsAroundAtMost(mlir::Operation *op);

/// Iterations of `op`'s own loops times the static trips of the loops around it (-1 if any
/// is dynamic).
int64_t iterationsPerRun(mlir::linalg::LinalgOp op);

/// Writes `notes` onto `func` (kCodegenNotesAttr) and removes the ops' kScalarReasonAttr.
/// `schedule` and `iterations` come from the caller; the rest is read from the IR: linalg
/// ops still present are scalar; an scf.forall makes the kernel parallel.
void recordCodegenNotes(mlir::func::FuncOp func, llvm::StringRef schedule, int64_t iterations);

/// The notes of a kernel function (defaults when it has none).
CodegenNotes readCodegenNotes(mlir::Operation *func);
} // namespace kiln

#endif
