//===- PoolToLinalg.cpp - kiln.max_pool / kiln.avg_pool → linalg pooling --===//
//
// NCHW (1-D pools run as 2-D with a unit height). The input is padded with the pooling
// identity (-inf for max, 0 for avg) by the begin/end pads plus, in ceil mode, whatever the
// last window needs beyond the end pad; then linalg.pooling_nchw_max / _sum. avg divides by
// the number of window taps that ONNX counts: with count_include_pad the taps inside the
// explicitly padded input (never the ceil-mode overhang), else the taps inside the input.
// Those counts are computed at compile time (a scalar, or a constant [OH, OW] tensor).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
namespace {

/// The window geometry of a 2-D pool (a 1-D pool gets a unit leading dim).
struct Window2D {
  SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd, input, output;
};

template <typename OpTy>
Window2D windowOf(OpTy op) {
  Window2D w;
  w.kernel.assign(op.getKernelShape().begin(), op.getKernelShape().end());
  w.strides.assign(op.getStrides().begin(), op.getStrides().end());
  w.dilations.assign(op.getDilations().begin(), op.getDilations().end());
  ArrayRef<int64_t> pads = op.getPads();
  size_t spatial = w.kernel.size();
  w.padBegin.assign(pads.begin(), pads.begin() + spatial);
  w.padEnd.assign(pads.begin() + spatial, pads.end());
  w.input.assign(op.getInput().getType().getShape().begin() + 2,
                 op.getInput().getType().getShape().end());
  w.output.assign(op.getResult().getType().getShape().begin() + 2,
                  op.getResult().getType().getShape().end());
  if (spatial == 1)
    for (auto *v : {&w.kernel, &w.strides, &w.dilations, &w.input, &w.output})
      v->insert(v->begin(), 1);
  if (spatial == 1) {
    w.padBegin.insert(w.padBegin.begin(), 0);
    w.padEnd.insert(w.padEnd.begin(), 0);
  }
  return w;
}

/// End pad per dim so that the last window (ceil mode) lies inside the padded input.
SmallVector<int64_t> requiredPadEnd(const Window2D &w) {
  SmallVector<int64_t> padEnd;
  for (size_t i = 0; i < 2; ++i) {
    int64_t needed = (w.output[i] - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t have = w.input[i] + w.padBegin[i] + w.padEnd[i];
    padEnd.push_back(w.padEnd[i] + std::max<int64_t>(needed - have, 0));
  }
  return padEnd;
}

/// Number of taps ONNX counts for every output position along spatial dim `i`.
SmallVector<int64_t> tapCounts(const Window2D &w, size_t i, bool countIncludePad) {
  SmallVector<int64_t> counts;
  int64_t begin = countIncludePad ? 0 : w.padBegin[i];
  int64_t end = w.padBegin[i] + w.input[i] + (countIncludePad ? w.padEnd[i] : 0);
  for (int64_t o = 0; o < w.output[i]; ++o) {
    int64_t count = 0;
    for (int64_t t = 0; t < w.kernel[i]; ++t) {
      int64_t pos = o * w.strides[i] + t * w.dilations[i];
      count += pos >= begin && pos < end;
    }
    counts.push_back(count);
  }
  return counts;
}

/// sum / count, with the count per output position computed at compile time.
Value divideByTapCount(OpBuilder &b, Location loc, Value sum, const Window2D &w,
                       bool countIncludePad) {
  auto type = tensorTypeOf(sum);
  auto floatType = cast<FloatType>(type.getElementType());
  SmallVector<int64_t> rows = tapCounts(w, 0, countIncludePad);
  SmallVector<int64_t> cols = tapCounts(w, 1, countIncludePad);
  auto uniform = [](ArrayRef<int64_t> v) { return llvm::all_equal(v); };
  if (uniform(rows) && uniform(cols)) {
    double count = static_cast<double>(rows.front() * cols.front());
    return buildElementwise(b, loc, type, sum, [&](OpBuilder &nb, Location l, ValueRange args) {
      return nb.create<arith::DivFOp>(l, args[0], createScalar(nb, l, floatType, count));
    });
  }
  SmallVector<APFloat> values;
  for (int64_t r : rows)
    for (int64_t c : cols) {
      APFloat v(static_cast<double>(r * c));
      bool lost;
      v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(v);
    }
  auto countType = RankedTensorType::get({w.output[0], w.output[1]}, floatType);
  Value counts =
      b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(countType, values)).getResult();
  MLIRContext *ctx = b.getContext();
  AffineMap spatial = AffineMap::get(
      4, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)}, ctx);
  return buildParallelGeneric(b, loc, type, ValueRange{sum, counts},
                              {b.getMultiDimIdentityMap(4), spatial},
                              [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                                return nb.create<arith::DivFOp>(l, args[0], args[1]);
                              });
}

template <typename OpTy, bool IsMax>
struct PoolLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inputType = tensorTypeOf(op.getInput());
    Type elementType = inputType.getElementType();
    if (failed(requireStaticShapes(op)) ||
        failed(requireArithType(op, elementType, /*allowInteger=*/IsMax, "input")))
      return failure();
    if (elementType.isInteger(1))
      return emitUnsupported(op) << "pooling of i1 values";
    int64_t spatial = inputType.getRank() - 2;
    if (spatial != 1 && spatial != 2)
      return emitUnsupported(op) << spatial
                                 << "-D pooling (only 1-D and 2-D NCHW pooling is supported)";
    Window2D w = windowOf(op);
    if (llvm::any_of(w.padBegin, [](int64_t p) { return p < 0; }) ||
        llvm::any_of(w.padEnd, [](int64_t p) { return p < 0; }))
      return emitUnsupported(op) << "negative pads";
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    if (spatial == 1)
      input = reshapeTo(rewriter, loc, input,
                        {inputType.getDimSize(0), inputType.getDimSize(1), 1,
                         inputType.getDimSize(2)});
    Value identity = IsMax ? createLowest(rewriter, loc, elementType)
                           : createScalar(rewriter, loc, elementType, 0);
    SmallVector<int64_t> low{0, 0, w.padBegin[0], w.padBegin[1]}, high{0, 0};
    high.append(requiredPadEnd(w));
    Value padded = padWithValue(rewriter, loc, input, low, high, identity);
    SmallVector<int64_t> outShape{inputType.getDimSize(0), inputType.getDimSize(1), w.output[0],
                                  w.output[1]};
    Value init = createFilled(rewriter, loc, outShape, identity);
    Value window = createEmpty(rewriter, loc, w.kernel, elementType);
    using NamedOp = std::conditional_t<IsMax, linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp>;
    Value pooled = rewriter
                       .create<NamedOp>(loc, TypeRange{init.getType()}, ValueRange{padded, window},
                                        ValueRange{init}, rewriter.getI64TensorAttr(w.strides),
                                        rewriter.getI64TensorAttr(w.dilations))
                       .getResult(0);
    if (!IsMax)
      pooled = divideByTapCount(rewriter, loc, pooled, w, op.getCountIncludePad());
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, pooled, op.getResult().getType().getShape()));
    return success();
  }
};

} // namespace

void populatePoolPatterns(RewritePatternSet &patterns) {
  patterns.add<PoolLowering<graph::MaxPoolOp, true>, PoolLowering<graph::AvgPoolOp, false>>(
      patterns.getContext());
}

} // namespace kiln::lowering
