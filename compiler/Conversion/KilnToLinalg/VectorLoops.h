//===- VectorLoops.h - loops of vector ops on tensors, for hand-written lowerings ===//
//
// The kernels that lower straight to vector code rather than to linalg (Winograd transforms,
// depthwise and grouped convolutions) build the same pieces: a loop over output rows that runs on the
// thread pool or not, scf.for loops threading a tensor, channel vectors read and written
// in bounds, splat constants, the clamp of a fused relu / clip and a conv window's geometry.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_KILNTOLINALG_VECTORLOOPS_H
#define KILN_CONVERSION_KILNTOLINALG_VECTORLOOPS_H

#include "compiler/Conversion/KilnToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace kiln::lowering {
/// Channels per vector: 16 (a 512-bit register) where they divide the channel count, else 8.
inline int64_t channelVector(int64_t channels) { return channels % 16 == 0 ? 16 : 8; }

/// A constant vector of `type` (float or integer elements) with every lane `value`.
Value splat(OpBuilder &b, Location loc, VectorType type, double value);

/// An index constant.
Value idx(OpBuilder &b, Location loc, int64_t v);

/// A vector along the last dim of `tensor` at `indices`, known to be in bounds.
Value readVector(OpBuilder &b, Location loc, VectorType type, Value tensor, ValueRange indices);

/// `tensor` with `vector` written along its last dim at `indices` (in bounds).
Value writeVector(OpBuilder &b, Location loc, Value vector, Value tensor, ValueRange indices);

/// max(lo, min(hi, v)), each side skipped when infinite (no relu / clip).
Value clampVector(OpBuilder &b, Location loc, Value v, double lo, double hi);
/// clampVector, then (with `hardSwish`) createHardSwish or (with `silu`) createSilu: a
/// convolution's fused activation.
Value activateVector(OpBuilder &b, Location loc, Value v, double lo, double hi, bool hardSwish,
                     bool silu = false);

/// The geometry of a 2-D NHWC convolution window whose zero padding is read in place
/// (depthwise and grouped convolutions, pools). The image sizes h, w, oh, ow may be
/// ShapedType::kDynamic (known at run time only); the window, strides and pads are static.
struct ConvWindow {
  int64_t h, w, kh, kw, oh, ow, sh, sw, top, left;
  /// Output columns [interiorLo, interiorHi) whose taps are all inside the input (static
  /// w and ow only).
  int64_t interiorLo, interiorHi;
  ConvWindow(RankedTensorType input, int64_t kh, int64_t kw, RankedTensorType output,
             ArrayRef<int64_t> strides, ArrayRef<int64_t> pads);
  bool hasStaticSizes() const;
  /// Binds the run-time sizes of the dynamic ones: h, w are dims 1, 2 of `input`, oh, ow
  /// those of `output`. Call at the kernel's entry (the values are used inside its loops).
  void bindSizes(OpBuilder &b, Location loc, Value input, Value output);
  /// h, w, oh, ow as index values: constants, or the bound run-time sizes.
  Value hValue(OpBuilder &b, Location loc) const { return sizeValue(b, loc, h, sizes[0]); }
  Value wValue(OpBuilder &b, Location loc) const { return sizeValue(b, loc, w, sizes[1]); }
  Value ohValue(OpBuilder &b, Location loc) const { return sizeValue(b, loc, oh, sizes[2]); }
  Value owValue(OpBuilder &b, Location loc) const { return sizeValue(b, loc, ow, sizes[3]); }
  /// The input column of tap `j` of output column `ow` (< 0 or >= w: the padding).
  int64_t column(int64_t ow, int64_t j) const { return ow * sw - left + j; }
  bool columnInside(int64_t ow, int64_t j) const {
    return column(ow, j) >= 0 && column(ow, j) < w;
  }

private:
  static Value sizeValue(OpBuilder &b, Location loc, int64_t size, Value bound);
  /// The run-time h, w, oh, ow where dynamic (bindSizes).
  Value sizes[4];
};

/// The output rows (N * OH) of a window op whose NHWC result is `init`, and whether they run
/// on the thread pool: with run-time sizes always (an image's rows), else when the rows'
/// pixels times `perPixel` reach `minParallel`.
std::pair<OpFoldResult, bool> windowRows(OpBuilder &b, Location loc, const ConvWindow &g,
                                         Value init, int64_t perPixel, int64_t minParallel);

/// Output row `row` of a window op (n = row / OH, oh = row % OH) and its slice
/// [n, oh, 0, 0] of sizes [1, 1, OW, channels].
struct WindowRow {
  Value n, oh;
};
WindowRow windowRow(OpBuilder &b, Location loc, const ConvWindow &g, Value row);
void windowRowSlice(OpBuilder &b, Location loc, const ConvWindow &g, int64_t channels, Value row,
                    SmallVectorImpl<OpFoldResult> &offsets, SmallVectorImpl<OpFoldResult> &sizes);

/// Of output row `oh`: the input row of filter row 0 and the filter rows [khLo, khHi) that
/// fall inside the input (a kh loop with these bounds skips the padding rows).
struct RowTaps {
  Value ihBase, khLo, khHi;
};
RowTaps rowTaps(OpBuilder &b, Location loc, const ConvWindow &g, Value oh);

/// Which blocks of pixels of an output row run where: static blocks of the `head` sizes from
/// column 0, then `loops` blocks of `pixels` in a loop from `loopStart` (all their taps
/// inside the input), then static blocks of the `tail` sizes.
struct RowPlan {
  int64_t loopStart = 0, loops = 0;
  SmallVector<int64_t> head, tail;
};

/// The plan for blocks of at most `pixels` costing the fewest accumulator slots, a block of
/// s pixels costing at least `minPixels` (fewer independent accumulators wait on the
/// multiply-add latency); among equal costs the longest loop (the least code).
RowPlan planRow(const ConvWindow &w, int64_t pixels, int64_t minPixels);

/// A loop over `rows` whose body builds the new value of `slice` (an extract_slice of `init`
/// at the `sliceOf` offsets and sizes) and inserts it back: an scf.forall (the kernel's
/// threads) when `parallel`, else an scf.for threading the result.
using RowBodyFn = function_ref<Value(OpBuilder &, Location, Value row, Value slice)>;
using RowSliceFn = function_ref<void(OpBuilder &, Location, Value row,
                                     SmallVectorImpl<OpFoldResult> &offsets,
                                     SmallVectorImpl<OpFoldResult> &sizes)>;
Value buildRowLoop(OpBuilder &b, Location loc, Value init, OpFoldResult rows, bool parallel,
                   RowSliceFn sliceOf, RowBodyFn body);
inline Value buildRowLoop(OpBuilder &b, Location loc, Value init, int64_t rows, bool parallel,
                          RowSliceFn sliceOf, RowBodyFn body) {
  return buildRowLoop(b, loc, init, b.getIndexAttr(rows), parallel, sliceOf, body);
}
/// An op over rows (layer norm, softmax): `input`'s dims from `axis` on (static) are one row,
/// the dims before it (static or symbolic, axis >= 1) index the rows. The result, a tensor
/// like `input`, has each row written by `body` from its index over the leading dims and its
/// output slice [1, ..., 1, row dims]; the rows run on the threads from
/// `minParallelElements` elements (or a symbolic row count) on.
using RowOpFn = function_ref<Value(OpBuilder &, Location, ValueRange index, Value slice)>;
Value buildRowOp(OpBuilder &b, Location loc, Value input, int64_t axis, int64_t minParallelElements,
                 RowOpFn body);
/// `lanes` f32 elements of row `row` (its index over the leading dims) of `input` [leading
/// dims..., count], from element `at`.
Value readRowVector(OpBuilder &b, Location loc, Value input, ValueRange row, Value at,
                    int64_t lanes);
/// A reduction (sum, max) over a row of `count` f32 elements in 16-lane vectors: `combine`
/// folds `term(at, 16)` (the vector of the row from `at`, mapped) into up to four independent
/// accumulators (the op's latency) over the whole vectors, starting at `identity`; then the
/// accumulators together and their lanes (`kind`); then `term` of the rest (count % 16 lanes).
using RowTermFn = function_ref<Value(OpBuilder &, Location, Value at, int64_t lanes)>;
using CombineFn = function_ref<Value(OpBuilder &, Location, Value, Value)>;
Value reduceRow(OpBuilder &b, Location loc, int64_t count, double identity,
                vector::CombiningKind kind, RowTermFn term, CombineFn combine);
/// The index of element `at` of a row op's output slice [1, ..., 1, count].
SmallVector<Value> rowSliceIndex(OpBuilder &b, Location loc, Value slice, Value at);
/// The same with strided slices: `sliceOf` also gives the strides (a dilated conv's rows).
using StridedRowSliceFn = function_ref<void(
    OpBuilder &, Location, Value row, SmallVectorImpl<OpFoldResult> &offsets,
    SmallVectorImpl<OpFoldResult> &sizes, SmallVectorImpl<OpFoldResult> &strides)>;
Value buildRowLoop(OpBuilder &b, Location loc, Value init, OpFoldResult rows, bool parallel,
                   StridedRowSliceFn sliceOf, RowBodyFn body);

/// for (iv = lb; iv < ub; iv += step) acc = body(iv, acc): an scf.for threading one tensor.
/// Returns `acc` itself when the loop is empty.
using LoopBodyFn = function_ref<Value(OpBuilder &, Location, Value iv, Value acc)>;
Value buildLoop(OpBuilder &b, Location loc, int64_t lb, int64_t ub, int64_t step, Value acc,
                LoopBodyFn body);
inline Value buildLoop(OpBuilder &b, Location loc, int64_t ub, int64_t step, Value acc,
                       LoopBodyFn body) {
  return buildLoop(b, loc, 0, ub, step, acc, body);
}
/// An output row of a window op (depthwise conv, pool) threading `acc`: the pixels at the
/// edges (some tap outside the input: `checked`) one by one, the interior in blocks of `block`
/// pixels: `pixels(ow, count, checked, acc)` builds pixels [ow, ow + count). With dynamic
/// sizes the interior's bounds are computed at run time (bindSizes first).
using PixelsFn =
    function_ref<Value(OpBuilder &, Location, Value ow, int64_t count, bool checked, Value acc)>;
Value buildRowPixels(OpBuilder &b, Location loc, const ConvWindow &g, int64_t block, Value acc,
                     PixelsFn pixels);

/// The same with index-value bounds (symbolic sizes); constant bounds as above.
Value buildLoop(OpBuilder &b, Location loc, Value lb, Value ub, int64_t step, Value acc,
                LoopBodyFn body);
} // namespace kiln::lowering

#endif
