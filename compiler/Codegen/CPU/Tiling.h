//===- Tiling.h - tiling helpers shared by the CPU scheduling passes ------===//
#ifndef KILN_CODEGEN_CPU_TILING_H
#define KILN_CODEGEN_CPU_TILING_H

#include "compiler/Codegen/CPU/Schedule.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
/// Marks a tiled op the vectorizer must leave scalar (its schedule says so).
constexpr llvm::StringLiteral kNoVectorizeAttr = "kiln.no_vectorize";

/// On the ops of a peeled last partial tile: the tile sizes they were cut with (per loop, 0 =
/// untiled), so a dynamic extent along a tiled loop is below its tile size (a bound for
/// masked vectorization).
constexpr llvm::StringLiteral kTileBoundsAttr = "kiln.tile_bounds";

/// Tiles `op` with `tiles` (0 = untiled) and returns the tiled op, or `op` when nothing to do.
/// With `peel`, loops whose step does not divide their range are split into a full-tile loop
/// and a last partial tile, so both keep static shapes (and can be vectorized); the partial
/// tile's ops carry kTileBoundsAttr. `order` (a permutation of the op's loops, outermost
/// first; empty: their own order) orders the tile loops.
mlir::FailureOr<mlir::Operation *> tileOp(mlir::RewriterBase &rewriter, mlir::Operation *op,
                                          llvm::ArrayRef<int64_t> tiles, bool peel,
                                          bool forall = false, llvm::ArrayRef<int64_t> order = {});

/// Rewrites each static constant tensor.pad into fills of the border and an insert of the
/// source into the interior. Bufferized with empty-tensor elimination, the op producing the
/// source writes straight into the interior of the padded buffer (or one vectorized, parallel
/// copy does, when the source is a kernel argument): no whole-buffer fill, no extra pass.
void decomposePads(mlir::RewriterBase &rewriter, mlir::func::FuncOp func);

/// Schedules a fused kernel: an anchor (contraction, convolution or reduction) whose result
/// feeds elementwise linalg ops up to the returned value. The returned op is tiled at the
/// anchor's parallel and cache levels with every producer computed tile by tile inside
/// (tile-and-fuse), then the anchor's clone gets its reduction and register tiles and the
/// other ops their vector tiles. Returns false (IR untouched) when `func` is no such kernel.
/// `description`, if given, receives the anchor's schedule (describeSchedule).
mlir::FailureOr<bool> tileFusedKernel(mlir::RewriterBase &rewriter, mlir::func::FuncOp func,
                                      std::string *description = nullptr);

/// transfer_read of an extract_slice and insert_slice of a transfer_write index the whole
/// tensor instead (FoldTransferSlices.cpp; replaces MLIR 19's folder, which lost writes); a
/// broadcast read of a one-element tensor is a tensor.extract + vector.broadcast.
void populateFoldTransferSlicePatterns(mlir::RewritePatternSet &patterns);
} // namespace kiln

#endif
