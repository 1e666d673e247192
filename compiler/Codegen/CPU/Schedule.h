//===- Schedule.h - the schedule of one linalg op and its defaults --------===//
//
// Choosing a schedule is separate from applying it: the tuner writes `kiln.schedule`
// attributes, the heuristics here fill in the rest, TileAndVectorize applies either.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_CPU_SCHEDULE_H
#define KILN_CODEGEN_CPU_SCHEDULE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace kiln {
/// Tile sizes per loop of the op's iteration space; 0 leaves a loop untiled.
struct Schedule {
  /// Tiles of the parallel loops run over the runtime's thread pool (scf.forall); 0 = not
  /// split. Only parallel (non-reduction) loops may be split.
  llvm::SmallVector<int64_t> parallelTiles;
  llvm::SmallVector<int64_t> outerTiles; ///< cache-level tiles
  llvm::SmallVector<int64_t> innerTiles; ///< register/vector-level tiles (relative to outer)
  bool vectorize = true;
  /// The order of the register tiles' loops, outermost first (a permutation of the op's
  /// loops); empty: the loops' own order.
  llvm::SmallVector<int64_t> innerOrder;
};

/// Name of the attribute that carries a schedule on a linalg op in the IR.
constexpr llvm::StringLiteral kScheduleAttr = "kiln.schedule";

/// Module attribute naming the CPU the kernels are for (compiler/Target/CPU/CPUTarget.h):
/// `{cpu, vector_bits, vector_registers, isa[, l2_bytes]}`. The default schedules are sized by
/// it.
constexpr llvm::StringLiteral kTargetAttr = "kiln.target";

/// What the default schedules are sized for: f32 lanes per vector register and the number of
/// vector registers. Without a `kiln.target` on an enclosing op: AVX-512 (tests pin it).
struct VectorTarget {
  int64_t lanes = 16;
  int64_t registers = 32;
  int64_t l2Bytes = 0; ///< per core; 0 when unknown (a named CPU)
  bool bigRegisterFile() const { return registers >= 32; }
};
VectorTarget vectorTargetOf(mlir::Operation *op);

/// Dynamic loop extents are scheduled as if they were this long (divisible by 64, 60, 48, 32,
/// 16, 8, 6): the register tiles along them are static and peeled, the last partial tile runs
/// element by element (TileAndVectorize), so every op that is vectorized has static shapes.
constexpr int64_t kRepresentativeExtent = 960;

/// The op's static loop ranges with every dynamic one replaced by kRepresentativeExtent.
llvm::SmallVector<int64_t> scheduleRanges(mlir::linalg::LinalgOp op);

/// The schedule of `op`: its `kiln.schedule` attribute if present, else the default heuristics.
Schedule getSchedule(mlir::linalg::LinalgOp op);

/// Heuristic default schedule by op kind (matmul, conv, elementwise, reduction...).
Schedule chooseDefaultSchedule(mlir::linalg::LinalgOp op);

/// Fills `parallelTiles` from the other levels: the parallel dims of the cache tiles, or else
/// the first parallel loop with more than one iteration, at its register tile (dividing).
void addParallelSplit(mlir::linalg::LinalgOp op, Schedule &schedule);

/// Sets `innerOrder` where a matmul's register tiles of columns should run outside its
/// register tiles of rows (Schedule.cpp); leaves it empty otherwise.
void chooseRegisterOrder(mlir::linalg::LinalgOp op, Schedule &schedule);

/// Vector width of a register tile over a dim of `extent`: the largest power of two up to
/// `limit` whose remainder (peeled) is 0 or a power of two; widths like 24 or 56 lanes split
/// into mixed registers that LLVM handles very badly (24 lanes: 3 GFLOP/s vs 95 for 16 + 8).
int64_t registerVectorTile(int64_t extent, int64_t limit);

/// Largest divisor of `extent` that is <= `limit` (1 if none); used so tiles divide shapes.
int64_t largestDivisorAtMost(int64_t extent, int64_t limit);

/// Whether `map` reads its dims in loop order, each at most once, or constants 0 (an
/// elementwise operand, possibly broadcast): no transposition.
bool readsInLoopOrder(mlir::AffineMap map);
} // namespace kiln

#endif
