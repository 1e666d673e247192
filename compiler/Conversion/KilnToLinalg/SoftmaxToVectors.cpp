//===- SoftmaxToVectors.cpp - f32 softmax over static rows → vector code ---===//
//
// The linalg lowering (ReduceToLinalg.cpp) writes a softmax as a max reduction, a sum of
// exponentials and an elementwise exp(x - max) / sum: two exponentials per element, and rows
// whose length is not a multiple of the vector (an attention's 197 or 77 keys) vectorized as
// one odd-sized vector. Here, as a row op over the last axis (the CPU target): each row (a
// few KB, in L1) in 16-lane vectors and one shorter vector for its rest: its max (reduceRow:
// four accumulators); then e = exp(x - max) stored to the output while summed; then the
// output scaled by 1 / sum. One exponential per element. Rows run on the threads when there is
// enough data.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/VectorLoops.h"

#include <limits>

namespace kiln::lowering {
namespace {
/// Lanes per vector (a 512-bit register of f32).
constexpr int64_t kLanes = 16;
/// Softmaxes over fewer elements than this run on one thread.
constexpr int64_t kMinParallelElements = 1 << 15;

/// The code of one row of `count` elements: `input` [leading dims..., count], the row at index
/// `r`; the row's output slice [1, ..., 1, count] (no reshape: a collapse of the unit dims of
/// a strided slice bufferizes to a copy).
struct Row {
  int64_t count;
  Value input;

  int64_t full() const { return count / kLanes * kLanes; }

  Value read(OpBuilder &b, Location l, ValueRange r, Value at, int64_t lanes) const {
    return readRowVector(b, l, input, r, at, lanes);
  }

  /// The row's max.
  Value max(OpBuilder &b, Location l, ValueRange r) const {
    return reduceRow(
        b, l, count, -std::numeric_limits<double>::infinity(), vector::CombiningKind::MAXIMUMF,
        [&](OpBuilder &nb, Location nl, Value at, int64_t lanes) {
          return read(nb, nl, r, at, lanes);
        },
        [](OpBuilder &nb, Location nl, Value x, Value y) -> Value {
          return nb.create<arith::MaximumFOp>(nl, x, y);
        });
  }

  /// exp(x - max) of the `lanes` elements from `at` into `slice`; returns the new slice and
  /// adds the exponentials to `sum` (a vector of `lanes`).
  std::pair<Value, Value> exponentials(OpBuilder &b, Location l, ValueRange r, Value at,
                                       int64_t lanes, Value max, Value sum, Value slice) const {
    auto vecType = VectorType::get({lanes}, b.getF32Type());
    Value shifted = b.create<arith::SubFOp>(l, read(b, l, r, at, lanes),
                                            b.create<vector::BroadcastOp>(l, vecType, max));
    Value e = b.create<math::ExpOp>(l, shifted);
    return {writeVector(b, l, e, slice, rowSliceIndex(b, l, slice, at)),
            b.create<arith::AddFOp>(l, sum, e)};
  }

  /// The `lanes` outputs from `at` times `inverse`.
  Value scale(OpBuilder &b, Location l, Value at, int64_t lanes, Value inverse, Value slice) const {
    auto vecType = VectorType::get({lanes}, b.getF32Type());
    Value e = readVector(b, l, vecType, slice, rowSliceIndex(b, l, slice, at));
    Value y = b.create<arith::MulFOp>(l, e, b.create<vector::BroadcastOp>(l, vecType, inverse));
    return writeVector(b, l, y, slice, rowSliceIndex(b, l, slice, at));
  }

  Value build(OpBuilder &b, Location l, ValueRange r, Value slice) const {
    Value m = max(b, l, r);
    auto vecType = VectorType::get({kLanes}, b.getF32Type());
    Value sum = b.create<arith::ConstantOp>(l, b.getF32FloatAttr(0));
    if (full()) {
      auto loop = b.create<scf::ForOp>(l, idx(b, l, 0), idx(b, l, full()), idx(b, l, kLanes),
                                       ValueRange{slice, splat(b, l, vecType, 0)},
                                       [&](OpBuilder &nb, Location nl, Value j, ValueRange args) {
                                         auto [s, acc] = exponentials(nb, nl, r, j, kLanes, m,
                                                                      args[1], args[0]);
                                         nb.create<scf::YieldOp>(nl, ValueRange{s, acc});
                                       });
      slice = loop.getResult(0);
      sum = b.create<vector::ReductionOp>(l, vector::CombiningKind::ADD, loop.getResult(1));
    }
    int64_t rest = count - full();
    if (rest) {
      auto restType = VectorType::get({rest}, b.getF32Type());
      auto [s, tail] =
          exponentials(b, l, r, idx(b, l, full()), rest, m, splat(b, l, restType, 0), slice);
      slice = s;
      sum = b.create<arith::AddFOp>(
          l, sum, b.create<vector::ReductionOp>(l, vector::CombiningKind::ADD, tail));
    }
    Value inverse =
        b.create<arith::DivFOp>(l, b.create<arith::ConstantOp>(l, b.getF32FloatAttr(1)), sum);
    slice = buildLoop(b, l, 0, full(), kLanes, slice,
                      [&](OpBuilder &nb, Location nl, Value j, Value s) {
                        return scale(nb, nl, j, kLanes, inverse, s);
                      });
    if (rest)
      slice = scale(b, l, idx(b, l, full()), rest, inverse, slice);
    return slice;
  }
};

struct VectorSoftmaxLowering : OpConversionPattern<graph::SoftmaxOp> {
  VectorSoftmaxLowering(const TypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern<graph::SoftmaxOp>(converter, ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(graph::SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = tensorTypeOf(op.getInput());
    int64_t rank = type.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    if (!type.getElementType().isF32() || rank < 2 || axis != rank - 1)
      return rewriter.notifyMatchFailure(op, "not f32 rows along the last axis (linalg lowering)");
    if (type.isDynamicDim(axis))
      return rewriter.notifyMatchFailure(op, "a dynamic row length (linalg lowering)");
    Location loc = op.getLoc();
    Row row{type.getDimSize(axis), adaptor.getInput()};
    auto body = [&](OpBuilder &b, Location l, ValueRange index, Value slice) {
      return row.build(b, l, index, slice);
    };
    rewriter.replaceOp(
        op, buildRowOp(rewriter, loc, adaptor.getInput(), axis, kMinParallelElements, body));
    return success();
  }
};
} // namespace

void populateVectorSoftmaxPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<VectorSoftmaxLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
