//===- VectorLoops.h - loops of vector ops on tensors, for hand-written lowerings ===//
//
// The kernels that lower straight to vector code rather than to linalg (Winograd transforms,
// depthwise convolutions) build the same pieces: a loop over output rows that runs on the
// thread pool or not, scf.for loops threading a tensor, channel vectors read and written
// in bounds, splat constants and the clamp of a fused relu / clip.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_KILNTOLINALG_VECTORLOOPS_H
#define KILN_CONVERSION_KILNTOLINALG_VECTORLOOPS_H

#include "compiler/Conversion/KilnToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace kiln::lowering {
/// Channels per vector: 16 (a 512-bit register) where they divide the channel count, else 8.
inline int64_t channelVector(int64_t channels) { return channels % 16 == 0 ? 16 : 8; }

/// A constant vector of `type` with every lane `value`.
Value splat(OpBuilder &b, Location loc, VectorType type, double value);

/// An index constant.
Value idx(OpBuilder &b, Location loc, int64_t v);

/// A vector along the last dim of `tensor` at `indices`, known to be in bounds.
Value readVector(OpBuilder &b, Location loc, VectorType type, Value tensor, ValueRange indices);

/// `tensor` with `vector` written along its last dim at `indices` (in bounds).
Value writeVector(OpBuilder &b, Location loc, Value vector, Value tensor, ValueRange indices);

/// max(lo, min(hi, v)), each side skipped when infinite (no relu / clip).
Value clampVector(OpBuilder &b, Location loc, Value v, double lo, double hi);

/// A loop over `rows` whose body builds the new value of `slice` (an extract_slice of `init`
/// at the `sliceOf` offsets and sizes) and inserts it back: an scf.forall (the kernel's
/// threads) when `parallel`, else an scf.for threading the result.
using RowBodyFn = function_ref<Value(OpBuilder &, Location, Value row, Value slice)>;
using RowSliceFn = function_ref<void(OpBuilder &, Location, Value row,
                                     SmallVectorImpl<OpFoldResult> &offsets,
                                     SmallVectorImpl<OpFoldResult> &sizes)>;
Value buildRowLoop(OpBuilder &b, Location loc, Value init, int64_t rows, bool parallel,
                   RowSliceFn sliceOf, RowBodyFn body);

/// for (iv = lb; iv < ub; iv += step) acc = body(iv, acc): an scf.for threading one tensor.
/// Returns `acc` itself when the loop is empty.
using LoopBodyFn = function_ref<Value(OpBuilder &, Location, Value iv, Value acc)>;
Value buildLoop(OpBuilder &b, Location loc, int64_t lb, int64_t ub, int64_t step, Value acc,
                LoopBodyFn body);
inline Value buildLoop(OpBuilder &b, Location loc, int64_t ub, int64_t step, Value acc,
                       LoopBodyFn body) {
  return buildLoop(b, loc, 0, ub, step, acc, body);
}
} // namespace kiln::lowering

#endif
