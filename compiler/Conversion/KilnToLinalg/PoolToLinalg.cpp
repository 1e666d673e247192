//===- PoolToLinalg.cpp - kiln.max_pool / kiln.avg_pool → linalg pooling --===//
//
// NCHW (and NHWC for 2-D pools). The input is padded with the pooling identity (-inf for max, 0 for avg) by the
// begin/end pads plus, in ceil mode, whatever the last window needs beyond the end pad; then
// linalg.pooling_nchw_max / _sum (1-D pools run as 2-D with a unit height; 3-D pools, which
// have no NCDHW named op, run as the equivalent linalg.generic). avg divides by the number of
// window taps that ONNX counts: with count_include_pad the taps inside the explicitly padded
// input (never the ceil-mode overhang), else the taps inside the input. Those counts are
// computed at compile time (a scalar, or a constant tensor over the output's spatial dims), or
// for outputs too large for a constant, per position in the kernel.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/DynamicPools.h"

namespace kiln::lowering {
namespace {

/// The window geometry per spatial dim (a 1-D pool gets a unit leading dim).
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd, input, output;
};

template <typename OpTy> Window windowOf(OpTy op) {
  Window w;
  auto pads = op.getPads();
  size_t spatial = op.getKernelShape().size();
  w.kernel.assign(op.getKernelShape().begin(), op.getKernelShape().end());
  w.strides.assign(op.getStrides().begin(), op.getStrides().end());
  w.dilations.assign(op.getDilations().begin(), op.getDilations().end());
  w.padBegin.assign(pads.begin(), pads.begin() + spatial);
  w.padEnd.assign(pads.begin() + spatial, pads.end());
  // Spatial dims: after N, C (NCHW) or between N and C (NHWC).
  size_t first = op.getLayout() == "NHWC" ? 1 : 2;
  auto in = op.getInput().getType().getShape().slice(first, spatial);
  auto out = tensorTypeOf(op.getResult()).getShape().slice(first, spatial);
  w.input.assign(in.begin(), in.end());
  w.output.assign(out.begin(), out.end());
  if (spatial == 1) {
    for (auto *v : {&w.kernel, &w.strides, &w.dilations, &w.input, &w.output})
      v->insert(v->begin(), 1);
    w.padBegin.insert(w.padBegin.begin(), 0);
    w.padEnd.insert(w.padEnd.begin(), 0);
  }
  return w;
}

/// End pad per dim so that the last window (ceil mode) lies inside the padded input.
SmallVector<int64_t> requiredPadEnd(const Window &w) {
  SmallVector<int64_t> padEnd;
  for (size_t i = 0; i < w.kernel.size(); ++i) {
    int64_t needed = (w.output[i] - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t have = w.input[i] + w.padBegin[i] + w.padEnd[i];
    padEnd.push_back(w.padEnd[i] + std::max<int64_t>(needed - have, 0));
  }
  return padEnd;
}

/// Number of taps ONNX counts for every output position along spatial dim `i`: the taps t in
/// [0, kernel) with begin <= p + t * dilation < end (p = o * stride), in closed form so that a
/// huge window costs nothing (poolTapsInside is the same count built in a kernel).
SmallVector<int64_t> tapCounts(const Window &w, size_t i, bool countIncludePad) {
  SmallVector<int64_t> counts;
  int64_t begin = countIncludePad ? 0 : w.padBegin[i];
  int64_t end = w.padBegin[i] + w.input[i] + (countIncludePad ? w.padEnd[i] : 0);
  int64_t d = w.dilations[i];
  for (int64_t o = 0; o < w.output[i]; ++o) {
    int64_t p = o * w.strides[i];
    int64_t lo = std::max<int64_t>(0, llvm::divideCeilSigned(begin - p, d));
    int64_t hi = std::min<int64_t>(w.kernel[i] - 1, llvm::divideFloorSigned(end - p - 1, d));
    counts.push_back(std::max<int64_t>(hi - lo + 1, 0));
  }
  return counts;
}

/// The window tap count of every output position (row-major over the spatial dims).
SmallVector<int64_t> windowCounts(const Window &w, bool countIncludePad) {
  SmallVector<int64_t> counts{1};
  for (size_t i = 0; i < w.kernel.size(); ++i) {
    SmallVector<int64_t> dimCounts = tapCounts(w, i, countIncludePad), next;
    for (int64_t c : counts)
      for (int64_t d : dimCounts)
        next.push_back(c * d);
    counts = std::move(next);
  }
  return counts;
}

/// Output positions up to which the tap counts are a compile-time constant tensor; beyond,
/// they are computed in the kernel (a constant over the output of a huge pool would take
/// minutes and gigabytes to build).
constexpr int64_t kMaxTapCountConstant = int64_t(1) << 20;

/// Whether every output position along dim `i` counts all `kernel[i]` taps: the first and the
/// last window lie inside the counted range (positions grow with the output index). O(1), for
/// dims too long to enumerate.
bool allWindowsInside(const Window &w, size_t i, bool countIncludePad) {
  int64_t begin = countIncludePad ? 0 : w.padBegin[i];
  int64_t end = w.padBegin[i] + w.input[i] + (countIncludePad ? w.padEnd[i] : 0);
  int64_t lastTap = (w.kernel[i] - 1) * w.dilations[i];
  return begin <= 0 && (w.output[i] - 1) * w.strides[i] + lastTap < end;
}

/// sum / count: a scalar where every position counts the same taps, else a compile-time
/// constant tensor over the output's spatial dims, or for huge outputs the count computed per
/// position in the kernel from its indices.
Value divideByTapCount(OpBuilder &b, Location loc, Value sum, const Window &w,
                       bool countIncludePad, bool nhwc) {
  auto type = tensorTypeOf(sum);
  auto floatType = cast<FloatType>(type.getElementType());
  auto divideByScalar = [&](double count) {
    return buildElementwise(b, loc, type, sum, [&](OpBuilder &nb, Location l, ValueRange args) {
      return nb.create<arith::DivFOp>(l, args[0], createScalar(nb, l, floatType, count));
    });
  };
  unsigned rank = type.getRank();
  int64_t positions = 1;
  for (int64_t o : w.output)
    positions = positions > kMaxTapCountConstant / std::max<int64_t>(o, 1) ? kMaxTapCountConstant + 1
                                                                           : positions * o;
  if (positions > kMaxTapCountConstant) {
    double product = 1;
    bool uniform = true;
    for (size_t i = 0; i < w.kernel.size(); ++i) {
      uniform &= allWindowsInside(w, i, countIncludePad);
      product *= static_cast<double>(w.kernel[i]);
    }
    if (uniform)
      return divideByScalar(product);
    // Spatial dim i of the window is dim `first + i` of `sum` (a 1-D pool's unit dim included).
    int64_t first = nhwc ? 1 : 2;
    return buildParallelGeneric(
        b, loc, type, sum, {b.getMultiDimIdentityMap(rank)},
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value count;
          for (size_t i = 0; i < w.kernel.size(); ++i) {
            auto idx = [&](int64_t v) { return nb.create<arith::ConstantIndexOp>(l, v); };
            Value o = nb.create<linalg::IndexOp>(l, first + i);
            Value p = nb.create<arith::MulIOp>(l, o, idx(w.strides[i]));
            int64_t begin = countIncludePad ? 0 : w.padBegin[i];
            int64_t end = w.padBegin[i] + w.input[i] + (countIncludePad ? w.padEnd[i] : 0);
            Value taps = poolTapsInside(nb, l, p, idx(begin), idx(end), w.kernel[i],
                                        w.dilations[i]);
            count = count ? nb.create<arith::MulIOp>(l, count, taps).getResult() : taps;
          }
          Value asInt = nb.create<arith::IndexCastOp>(l, nb.getI64Type(), count);
          Value asFloat = nb.create<arith::SIToFPOp>(l, args[0].getType(), asInt);
          return nb.create<arith::DivFOp>(l, args[0], asFloat);
        });
  }
  SmallVector<int64_t> counts = windowCounts(w, countIncludePad);
  if (llvm::all_equal(counts))
    return divideByScalar(static_cast<double>(counts.front()));
  SmallVector<APFloat> values;
  for (int64_t c : counts) {
    APFloat v(static_cast<double>(c));
    bool lost;
    v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(v);
  }
  auto countType = RankedTensorType::get(w.output, floatType);
  Value countTensor = b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(countType, values));
  AffineMap spatial =
      dropDimsMap(b.getContext(), rank, {0, nhwc ? static_cast<int64_t>(rank) - 1 : 1});
  return buildParallelGeneric(b, loc, type, ValueRange{sum, countTensor},
                              {b.getMultiDimIdentityMap(rank), spatial},
                              [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                                return nb.create<arith::DivFOp>(l, args[0], args[1]);
                              });
}

/// The pooling_nchw_{max,sum} loop nest as a generic, for any number of spatial dims:
/// loops (n, c, o..., k...) with the input read at o * stride + k * dilation.
Value buildGenericPool(OpBuilder &b, Location loc, Value padded, Value window, Value init,
                       const Window &w, bool isMax, bool isUnsigned) {
  MLIRContext *ctx = b.getContext();
  unsigned spatial = w.kernel.size(), loops = 2 + 2 * spatial;
  SmallVector<AffineExpr> inExprs{getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, kExprs;
  for (unsigned i = 0; i < spatial; ++i) {
    AffineExpr o = getAffineDimExpr(2 + i, ctx), k = getAffineDimExpr(2 + spatial + i, ctx);
    inExprs.push_back(o * w.strides[i] + k * w.dilations[i]);
    kExprs.push_back(k);
  }
  SmallVector<int64_t> windowDims = llvm::to_vector(llvm::seq<int64_t>(2 + spatial, loops));
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, inExprs, ctx),
                              AffineMap::get(loops, 0, kExprs, ctx),
                              dropDimsMap(ctx, loops, windowDims)};
  SmallVector<utils::IteratorType> iterators(2 + spatial, utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  auto pool = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, ValueRange{padded, window}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value acc = isMax ? createMax(nb, l, args[2], args[0], isUnsigned)
                          : createAdd(nb, l, args[2], args[0]);
        nb.create<linalg::YieldOp>(l, acc);
      });
  return pool.getResult(0);
}

template <typename OpTy, bool IsMax> struct PoolLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inputType = tensorTypeOf(op.getInput());
    Type elementType = inputType.getElementType();
    // NHWC pools (what the graph passes make of 2-D pools) take a dynamic batch.
    bool nhwc = op.getLayout() == "NHWC";
    // NHWC pools take dynamic batch and image dims; the others need static shapes.
    if (nhwc && inputType.isDynamicDim(inputType.getRank() - 1))
      return emitUnsupported(op) << "dynamic channels (" << inputType << ")";
    if ((!nhwc && failed(requireStaticShapes(op))) ||
        failed(requireArithType(op, elementType, /*allowInteger=*/IsMax, "input")))
      return failure();
    if (elementType.isInteger(1))
      return emitUnsupported(op) << "pooling of i1 values";
    int64_t spatial = inputType.getRank() - 2;
    if (spatial < 1 || spatial > 3)
      return emitUnsupported(op) << spatial << " spatial dims (supported: 1 to 3)";
    Window w = windowOf(op);
    if (llvm::any_of(w.padBegin, [](int64_t p) { return p < 0; }) ||
        llvm::any_of(w.padEnd, [](int64_t p) { return p < 0; }))
      return emitUnsupported(op) << "negative pads";
    Location loc = op.getLoc();
    if (op.getLayout() == "NHWC")
      return lowerNHWC(op, adaptor.getInput(), w, rewriter);
    SmallVector<int64_t> shape{inputType.getDimSize(0), inputType.getDimSize(1)}, outShape(shape);
    shape.append(w.input);
    outShape.append(w.output);
    bool isUnsignedMax = IsMax && isUnsigned(op.getInput());
    Value identity = IsMax ? createLowest(rewriter, loc, elementType, isUnsignedMax)
                           : createScalar(rewriter, loc, elementType, 0);
    SmallVector<int64_t> low{0, 0}, high{0, 0};
    low.append(w.padBegin);
    high.append(requiredPadEnd(w));
    Value padded = padWithValue(rewriter, loc, reshapeTo(rewriter, loc, adaptor.getInput(), shape),
                                low, high, identity);
    Value init = createFilled(rewriter, loc, outShape, identity);
    Value window = createEmpty(rewriter, loc, w.kernel, elementType);
    // linalg has no unsigned NCHW max pool: the generic loop nest takes its place.
    Value pooled =
        w.kernel.size() == 3 || isUnsignedMax
            ? buildGenericPool(rewriter, loc, padded, window, init, w, IsMax, isUnsignedMax)
            : createNamedPool(rewriter, loc, padded, window, init, w);
    if (!IsMax)
      pooled = divideByTapCount(rewriter, loc, pooled, w, op.getCountIncludePad(), false);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, pooled, tensorTypeOf(op.getResult()).getShape()));
    return success();
  }

private:
  /// NHWC 2-D pools: pooling_nhwc_{max,sum}, which vectorize along the channels.
  static LogicalResult lowerNHWC(OpTy op, Value input, const Window &w,
                                 ConversionPatternRewriter &rewriter) {
    auto inputType = tensorTypeOf(op.getInput());
    if (inputType.getRank() != 4)
      return emitUnsupported(op) << "NHWC pooling with " << inputType.getRank() - 2
                                 << " spatial dims (supported: 2)";
    Location loc = op.getLoc();
    Type elementType = inputType.getElementType();
    bool isUnsignedMax = IsMax && isUnsigned(op.getInput());
    Value identity = IsMax ? createLowest(rewriter, loc, elementType, isUnsignedMax)
                           : createScalar(rewriter, loc, elementType, 0);
    if (inputType.isDynamicDim(1) || inputType.isDynamicDim(2))
      return lowerDynamicNHWC(op, input, identity, rewriter);
    SmallVector<int64_t> padEnd = requiredPadEnd(w);
    Value padded = padWithValue(rewriter, loc, input, {0, w.padBegin[0], w.padBegin[1], 0},
                                {0, padEnd[0], padEnd[1], 0}, identity);
    auto resultType = tensorTypeOf(op.getResult());
    Value init = createFilled(rewriter, loc, resultType,
                              dynamicSizesLike(rewriter, loc, resultType, input), identity);
    Value window = createEmpty(rewriter, loc, w.kernel, elementType);
    using NamedOp = std::conditional_t<IsMax, linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>;
    Value pooled = isUnsignedMax
                       ? createNhwcPool<linalg::PoolingNhwcMaxUnsignedOp>(rewriter, loc, padded,
                                                                          window, init, w)
                       : createNhwcPool<NamedOp>(rewriter, loc, padded, window, init, w);
    if (!IsMax)
      pooled = divideByTapCount(rewriter, loc, pooled, w, op.getCountIncludePad(), true);
    rewriter.replaceOp(op, pooled);
    return success();
  }

  /// NHWC pools with run-time image dims: output sizes, the end padding of ceil mode and the
  /// average's tap counts computed from the input's dims (DynamicPools.h).
  static LogicalResult lowerDynamicNHWC(OpTy op, Value input, Value identity,
                                        ConversionPatternRewriter &rewriter) {
    Location loc = op.getLoc();
    auto pads = op.getPads();
    PoolWindow2D w{{op.getKernelShape()[0], op.getKernelShape()[1]},
                   {op.getStrides()[0], op.getStrides()[1]},
                   {op.getDilations()[0], op.getDilations()[1]},
                   {pads[0], pads[1]},
                   {pads[2], pads[3]},
                   op.getCeilMode()};
    auto resultType = tensorTypeOf(op.getResult());
    SmallVector<Value> outSizes{dynamicPoolOutputSize(rewriter, loc, input, 0, w),
                                dynamicPoolOutputSize(rewriter, loc, input, 1, w)};
    Value padded = padPoolInput(rewriter, loc, input, outSizes, w, identity);
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < 4; ++d)
      if (resultType.isDynamicDim(d))
        dynamic.push_back(d == 0 ? rewriter.create<tensor::DimOp>(loc, input, 0).getResult()
                                 : outSizes[d - 1]);
    Value init = createFilled(rewriter, loc, resultType, dynamic, identity);
    Window window;
    window.strides = {w.strides[0], w.strides[1]};
    window.dilations = {w.dilations[0], w.dilations[1]};
    Value windowTensor =
        createEmpty(rewriter, loc, {w.kernel[0], w.kernel[1]}, resultType.getElementType());
    bool isUnsignedMax = IsMax && isUnsigned(op.getInput());
    using NamedOp = std::conditional_t<IsMax, linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>;
    Value pooled = isUnsignedMax
                       ? createNhwcPool<linalg::PoolingNhwcMaxUnsignedOp>(
                             rewriter, loc, padded, windowTensor, init, window)
                       : createNhwcPool<NamedOp>(rewriter, loc, padded, windowTensor, init, window);
    if (!IsMax)
      pooled = divideByDynamicTapCount(rewriter, loc, pooled, input, w, op.getCountIncludePad());
    rewriter.replaceOp(op, pooled);
    return success();
  }

  template <typename NamedOp>
  static Value createNhwcPool(OpBuilder &b, Location loc, Value padded, Value window, Value init,
                              const Window &w) {
    return b
        .create<NamedOp>(loc, TypeRange{init.getType()}, ValueRange{padded, window},
                         ValueRange{init}, b.getI64TensorAttr(w.strides),
                         b.getI64TensorAttr(w.dilations))
        .getResult(0);
  }

  static Value createNamedPool(OpBuilder &b, Location loc, Value padded, Value window, Value init,
                               const Window &w) {
    using NamedOp = std::conditional_t<IsMax, linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp>;
    return b
        .create<NamedOp>(loc, TypeRange{init.getType()}, ValueRange{padded, window},
                         ValueRange{init}, b.getI64TensorAttr(w.strides),
                         b.getI64TensorAttr(w.dilations))
        .getResult(0);
  }
};

} // namespace

void populatePoolPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<PoolLowering<graph::MaxPoolOp, true>, PoolLowering<graph::AvgPoolOp, false>>(
      converter, patterns.getContext());
}

} // namespace kiln::lowering
