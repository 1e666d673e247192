//===- NormToVectors.cpp - f32 layer norms over static rows → vector code --===//
//
// The linalg lowering (NormToLinalg.cpp) writes a layer norm as two reductions and two
// elementwise generics; tiled apart they became a variance loop over 16 whole rows held as
// one vector (thousands of ops: seconds of compile time per kernel) that ran on one thread,
// and a normalization loop over the columns that could not run on the threads either (a
// vector computed outside it). Here, as a row op (the CPU target): the dims before `axis`
// collapse into rows (static or not), each row (a few KB, in L1) is read three times in
// 16-lane vectors: its sum, with four accumulators; the sum of squared deviations from the
// mean (the two-pass variance of the linalg lowering); then (x - mean) * rstd * scale + bias,
// one store per vector. Rows run on the threads when there is enough data.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/VectorLoops.h"

namespace kiln::lowering {
namespace {
/// Lanes per vector (a 512-bit register of f32).
constexpr int64_t kLanes = 16;
/// Layer norms over fewer elements than this run on one thread.
constexpr int64_t kMinParallelElements = 1 << 15;

/// Whether `param` (scale or bias) is one value per element of a row: its shape, leading 1s
/// dropped, is the input's trailing shape and has `count` elements.
bool isRowParameter(Value param, RankedTensorType input, int64_t axis, int64_t count) {
  auto type = dyn_cast<RankedTensorType>(param.getType());
  if (!type || !type.hasStaticShape() || type.getRank() == 0 || type.getNumElements() != count)
    return false;
  ArrayRef<int64_t> shape = type.getShape();
  while (!shape.empty() && shape.front() == 1 && shape.size() > 1)
    shape = shape.drop_front();
  int64_t n = shape.size();
  return n <= input.getRank() - axis && shape == input.getShape().take_back(n);
}

struct VectorLayerNormLowering : OpConversionPattern<graph::LayerNormOp> {
  VectorLayerNormLowering(const TypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern<graph::LayerNormOp>(converter, ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(graph::LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = tensorTypeOf(op.getInput());
    int64_t rank = type.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    if (!type.getElementType().isF32() || axis < 1)
      return rewriter.notifyMatchFailure(op, "not f32 rows (linalg lowering)");
    int64_t count = 1;
    for (int64_t d = axis; d < rank; ++d) {
      if (type.isDynamicDim(d))
        return rewriter.notifyMatchFailure(op, "dynamic normalized dims");
      count *= type.getDimSize(d);
    }
    for (Value param : {op.getScale(), op.getBias()})
      if (param && !isRowParameter(param, type, axis, count))
        return rewriter.notifyMatchFailure(op, "scale or bias not one value per row element");
    Location loc = op.getLoc();
    auto group = [&](int64_t first, int64_t last) {
      return ReassociationIndices(llvm::to_vector(llvm::seq<int64_t>(first, last)));
    };
    // The input as [d0, ..., d(axis-1), count]: only the static normalized dims collapse (a
    // group of several dynamic dims would need an expand_shape that MLIR 19 resolves wrong).
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < axis; ++d)
      groups.push_back({d});
    groups.push_back(group(axis, rank));
    Value input = adaptor.getInput();
    if (rank - axis > 1)
      input = rewriter.create<tensor::CollapseShapeOp>(loc, input, groups);
    auto flat = [&](Value param) -> Value {
      if (!param || cast<RankedTensorType>(param.getType()).getRank() == 1)
        return param;
      int64_t r = cast<RankedTensorType>(param.getType()).getRank();
      return rewriter.create<tensor::CollapseShapeOp>(
          loc, param, SmallVector<ReassociationIndices>{group(0, r)});
    };
    Row row{count, op.getEpsilon().convertToDouble(), input, flat(adaptor.getScale()),
            flat(adaptor.getBias())};

    // The row's slice [1, ..., 1, normalized dims] written as [1, ..., 1, count]: only the
    // normalized dims (contiguous) collapse; collapsing the unit dims of the strided slice too
    // bufferized to a copy of each row in and out of a heap buffer (a 4-D input's rows).
    SmallVector<ReassociationIndices> sliceGroups;
    for (int64_t d = 0; d < axis; ++d)
      sliceGroups.push_back({d});
    sliceGroups.push_back(group(axis, rank));
    auto body = [&](OpBuilder &b, Location l, ValueRange index, Value slice) -> Value {
      if (rank - axis == 1)
        return row.build(b, l, index, slice);
      Value flatSlice = b.create<tensor::CollapseShapeOp>(l, slice, sliceGroups);
      Value done = row.build(b, l, index, flatSlice);
      return b.create<tensor::ExpandShapeOp>(l, slice.getType(), done, sliceGroups).getResult();
    };
    rewriter.replaceOp(
        op, buildRowOp(rewriter, loc, adaptor.getInput(), axis, kMinParallelElements, body));
    return success();
  }

  /// The code of one row: `input` is [leading dims..., count], the row at index `r` of the
  /// leading dims; `scale` and `bias` [count] (or null); the row's output slice [1, ..., 1,
  /// count].
  struct Row {
    int64_t count;
    double epsilon;
    Value input, scale, bias;

    int64_t full() const { return count / kLanes * kLanes; }

    Value read(OpBuilder &b, Location l, ValueRange r, Value at, int64_t lanes) const {
      return readRowVector(b, l, input, r, at, lanes);
    }

    /// sum over the row of term(x), term mapping a vector of the row to the vector to add.
    Value sum(OpBuilder &b, Location l, ValueRange r,
              function_ref<Value(OpBuilder &, Location, Value)> term) const {
      return reduceRow(
          b, l, count, 0, vector::CombiningKind::ADD,
          [&](OpBuilder &nb, Location nl, Value at, int64_t lanes) {
            return term(nb, nl, read(nb, nl, r, at, lanes));
          },
          [](OpBuilder &nb, Location nl, Value x, Value y) -> Value {
            return nb.create<arith::AddFOp>(nl, x, y);
          });
    }

    /// (x - mean) * rstd * scale (+ bias) of the `lanes` elements from `at`, into `slice`.
    Value normalize(OpBuilder &b, Location l, ValueRange r, Value at, int64_t lanes, Value mean,
                    Value rstd, Value slice) const {
      auto vecType = VectorType::get({lanes}, b.getF32Type());
      auto broadcast = [&](Value s) { return b.create<vector::BroadcastOp>(l, vecType, s); };
      Value centered = b.create<arith::SubFOp>(l, read(b, l, r, at, lanes), broadcast(mean));
      Value y = b.create<arith::MulFOp>(l, centered, broadcast(rstd));
      if (scale)
        y = b.create<arith::MulFOp>(l, y, readVector(b, l, vecType, scale, {at}));
      if (bias)
        y = b.create<arith::AddFOp>(l, y, readVector(b, l, vecType, bias, {at}));
      return writeVector(b, l, y, slice, rowSliceIndex(b, l, slice, at));
    }

    Value build(OpBuilder &b, Location l, ValueRange r, Value slice) const {
      Value n = b.create<arith::ConstantOp>(l, b.getF32FloatAttr(double(count)));
      Value mean = b.create<arith::DivFOp>(
          l, sum(b, l, r, [](OpBuilder &, Location, Value v) { return v; }), n);
      Value squares = sum(b, l, r, [&](OpBuilder &nb, Location nl, Value v) {
        Value m = nb.create<vector::BroadcastOp>(nl, v.getType(), mean);
        Value d = nb.create<arith::SubFOp>(nl, v, m);
        return nb.create<arith::MulFOp>(nl, d, d).getResult();
      });
      Value var = b.create<arith::DivFOp>(l, squares, n);
      Value shifted = b.create<arith::AddFOp>(
          l, var, b.create<arith::ConstantOp>(l, b.getF32FloatAttr(epsilon)));
      Value rstd = b.create<arith::DivFOp>(l, b.create<arith::ConstantOp>(l, b.getF32FloatAttr(1)),
                                           b.create<math::SqrtOp>(l, shifted));
      slice = buildLoop(b, l, 0, full(), kLanes, slice,
                        [&](OpBuilder &nb, Location nl, Value j, Value s) {
                          return normalize(nb, nl, r, j, kLanes, mean, rstd, s);
                        });
      if (int64_t rest = count - full())
        slice = normalize(b, l, r, idx(b, l, full()), rest, mean, rstd, slice);
      return slice;
    }
  };
};
} // namespace

void populateVectorNormPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<VectorLayerNormLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
