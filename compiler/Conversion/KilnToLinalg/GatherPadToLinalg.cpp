//===- GatherPadToLinalg.cpp - kiln.gather / kiln.pad → linalg and tensor --===//
//
// gather: a generic over the result reads the index from `indices`, wraps negative ones,
// clamps it into range (ONNX makes out-of-range indices an error; clamping keeps the read in
// bounds) and tensor.extracts the element of `data`.
// pad: negative pads first crop (extract_slice); constant → tensor.pad; reflect/edge → a
// generic whose body maps every result index back into the input with index arithmetic.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
namespace {

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

/// Clamps an index value into [0, size - 1].
Value clampIndex(OpBuilder &b, Location loc, Value i, int64_t size) {
  Value upper = b.create<arith::MinSIOp>(loc, i, indexConstant(b, loc, size - 1));
  return b.create<arith::MaxSIOp>(loc, upper, indexConstant(b, loc, 0));
}

/// An index read from an indices tensor as `index`, negative ones wrapped, clamped into
/// [0, extent) (ONNX makes out-of-range indices an error; clamping keeps the read in bounds).
/// `dynamicExtent` (read once outside the loop) replaces the static `extent` when given.
Value wrapIndex(OpBuilder &b, Location loc, Value raw, int64_t extent,
                Value dynamicExtent = Value()) {
  Value i = b.create<arith::IndexCastOp>(loc, b.getIndexType(), raw);
  Value isNegative =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, indexConstant(b, loc, 0));
  Value wrapped = b.create<arith::AddIOp>(
      loc, i, dynamicExtent ? dynamicExtent : indexConstant(b, loc, extent));
  i = b.create<arith::SelectOp>(loc, isNegative, wrapped, i);
  if (!dynamicExtent)
    return clampIndex(b, loc, i, extent);
  Value last = b.create<arith::SubIOp>(loc, dynamicExtent, indexConstant(b, loc, 1));
  return b.create<arith::MaxSIOp>(loc, b.create<arith::MinSIOp>(loc, i, last),
                                  indexConstant(b, loc, 0));
}

/// Static shapes (with `dynamicIndices`: the indices and the result may have dynamic dims; with
/// `dynamicData` too, the data) and signless i8..i64 indices, the preconditions of the gathers.
LogicalResult checkGatherOperands(Operation *op, RankedTensorType indicesType,
                                  bool dynamicIndices = false, bool dynamicData = false) {
  if (dynamicIndices) {
    auto data = tensorTypeOf(op->getOperand(0));
    if (!dynamicData && !data.hasStaticShape())
      return emitUnsupported(op) << "gather from data with dynamic dims (" << data << ")";
  } else if (failed(requireStaticShapes(op))) {
    return failure();
  }
  auto indexType = dyn_cast<IntegerType>(indicesType.getElementType());
  if (!indexType || !indexType.isSignless() || indexType.getWidth() < 8)
    return emitUnsupported(op) << "indices must be signless integers (i8 to i64), not "
                               << indicesType.getElementType();
  return success();
}

struct GatherLowering : OpConversionPattern<graph::GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto dataType = tensorTypeOf(op.getData()), indicesType = tensorTypeOf(op.getIndices());
    // Data with dynamic dims too (a CLS-token pooling x[:, 0] of a [?, T, D] batch): they are
    // read at run time, as is the gathered axis's extent.
    if (failed(checkGatherOperands(op, indicesType, /*dynamicIndices=*/true,
                                   /*dynamicData=*/true)))
      return failure();
    int64_t axis = op.getAxis(), indicesRank = indicesType.getRank();
    if (dataType.getDimSize(axis) == 0)
      return emitUnsupported(op) << "gather from an empty axis";
    auto resultType = op.getType();
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    // Dynamic result dims: data dims before the axis, the indices' dims, data dims after it.
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < resultType.getRank(); ++d) {
      if (!resultType.isDynamicDim(d))
        continue;
      if (d < axis)
        dynamicSizes.push_back(rewriter.create<tensor::DimOp>(loc, data, d));
      else if (d < axis + indicesRank)
        dynamicSizes.push_back(rewriter.create<tensor::DimOp>(loc, indices, d - axis));
      else
        dynamicSizes.push_back(rewriter.create<tensor::DimOp>(loc, data, d - indicesRank + 1));
    }
    // A dynamic extent is read once, outside the loop.
    Value dynamicExtent = dataType.isDynamicDim(axis)
                              ? rewriter.create<tensor::DimOp>(loc, data, axis).getResult()
                              : Value();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t d = 0; d < indicesRank; ++d)
      indexExprs.push_back(getAffineDimExpr(axis + d, ctx));
    AffineMap indicesMap = AffineMap::get(resultType.getRank(), 0, indexExprs, ctx);
    Value result = buildParallelGeneric(
        rewriter, loc, resultType, indices, indicesMap,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value i = wrapIndex(b, l, args[0], dataType.getDimSize(axis), dynamicExtent);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < dataType.getRank(); ++d) {
            if (d == axis)
              coords.push_back(i);
            else
              coords.push_back(b.create<linalg::IndexOp>(l, d < axis ? d : d + indicesRank - 1));
          }
          return b.create<tensor::ExtractOp>(l, data, coords);
        },
        dynamicSizes.empty() ? std::nullopt : std::optional<ValueRange>(dynamicSizes));
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// gather_elements: a generic over `indices` (the result's shape) extracting
/// data[i0, ..., indices[i], ..., in].
struct GatherElementsLowering : OpConversionPattern<graph::GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::GatherElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto dataType = tensorTypeOf(op.getData()), indicesType = tensorTypeOf(op.getIndices());
    if (failed(checkGatherOperands(op, indicesType)))
      return failure();
    int64_t axis = op.getAxis(), extent = dataType.getDimSize(axis);
    if (extent == 0)
      return emitUnsupported(op) << "gather from an empty axis";
    Value data = adaptor.getData();
    AffineMap identity = rewriter.getMultiDimIdentityMap(indicesType.getRank());
    Value result = buildParallelGeneric(
        rewriter, op.getLoc(), op.getType(), adaptor.getIndices(), identity,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < dataType.getRank(); ++d)
            coords.push_back(d == axis ? wrapIndex(b, loc, args[0], extent)
                                       : b.create<linalg::IndexOp>(loc, d).getResult());
          return b.create<tensor::ExtractOp>(loc, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// gather_nd: a generic over the result; the index tuple of each element is read from
/// `indices` with tensor.extract, then data is extracted at [batch..., tuple..., rest...].
/// Dynamic dims (a NonZero's indices, data sized at run time) are read outside the loop.
struct GatherNDLowering : OpConversionPattern<graph::GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::GatherNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto dataType = tensorTypeOf(op.getData()), indicesType = tensorTypeOf(op.getIndices());
    if (failed(checkGatherOperands(op, indicesType, /*dynamicIndices=*/true,
                                   /*dynamicData=*/true)))
      return failure();
    int64_t batch = op.getBatchDims(), q = indicesType.getRank();
    int64_t k = indicesType.getDimSize(q - 1);
    if (ShapedType::isDynamic(k))
      return emitUnsupported(op) << "the index tuples' length (the last dim of the indices) "
                                    "must be static";
    if (llvm::any_of(dataType.getShape(), [](int64_t d) { return d == 0; }))
      return emitUnsupported(op) << "gather from an empty dim";
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto resultType = op.getType();
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < resultType.getRank(); ++d)
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(
            d + 1 < q
                ? rewriter.create<tensor::DimOp>(loc, indices, d).getResult()
                : rewriter.create<tensor::DimOp>(loc, data, d - (q - 1) + batch + k).getResult());
    SmallVector<Value> extents; // of the indexed data dims, dynamic ones read here
    for (int64_t j = 0; j < k; ++j)
      extents.push_back(dataType.isDynamicDim(batch + j)
                            ? rewriter.create<tensor::DimOp>(loc, data, batch + j).getResult()
                            : Value());
    Value result = buildParallelGeneric(
        rewriter, loc, resultType, ValueRange{}, {},
        [&](OpBuilder &b, Location loc, ValueRange) -> Value {
          // Result dims: [0, q - 1) index the tuples, the rest the trailing data dims.
          SmallVector<Value> tuple;
          for (int64_t d = 0; d + 1 < q; ++d)
            tuple.push_back(b.create<linalg::IndexOp>(loc, d));
          SmallVector<Value> coords(tuple.begin(), tuple.begin() + batch);
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> at(tuple);
            at.push_back(indexConstant(b, loc, j));
            Value raw = b.create<tensor::ExtractOp>(loc, indices, at);
            coords.push_back(wrapIndex(b, loc, raw, dataType.getDimSize(batch + j), extents[j]));
          }
          for (int64_t d = batch + k; d < dataType.getRank(); ++d)
            coords.push_back(b.create<linalg::IndexOp>(loc, q - 1 + d - batch - k));
          return b.create<tensor::ExtractOp>(loc, data, coords);
        },
        dynamicSizes.empty() ? std::nullopt : std::optional<ValueRange>(dynamicSizes));
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The input index that result index `o` of a dim (input size `n`, begin pad `p` > 0 or
/// end pad) reads under reflect or edge padding.
Value sourceIndex(OpBuilder &b, Location loc, Value o, int64_t n, int64_t p, graph::PadMode mode) {
  Value i = b.create<arith::SubIOp>(loc, o, indexConstant(b, loc, p));
  if (mode == graph::PadMode::edge || n == 1)
    return clampIndex(b, loc, i, n);
  // reflect (numpy): period 2(n - 1); j = i mod period in [0, period); j >= n mirrors.
  int64_t period = 2 * (n - 1);
  Value periodValue = indexConstant(b, loc, period);
  Value rem = b.create<arith::RemSIOp>(loc, i, periodValue);
  Value isNegative =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, rem, indexConstant(b, loc, 0));
  Value j = b.create<arith::SelectOp>(loc, isNegative,
                                      b.create<arith::AddIOp>(loc, rem, periodValue), rem);
  Value mirrors =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, j, indexConstant(b, loc, n));
  return b.create<arith::SelectOp>(loc, mirrors, b.create<arith::SubIOp>(loc, periodValue, j), j);
}

struct PadLowering : OpConversionPattern<graph::PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::PadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = op.getType();
    Type elementType = type.getElementType();
    if (!type.hasStaticShape() && failed(checkDynamicPads(op)))
      return failure();
    if (op.getMode() == graph::PadMode::constant &&
        failed(requireArithType(op, elementType, true, "input")))
      return failure();
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<int64_t> low(pads.take_front(rank)), high(pads.drop_front(rank));
    ArrayRef<int64_t> srcShape = tensorTypeOf(op.getInput()).getShape();
    bool emptySource = llvm::any_of(llvm::seq<int64_t>(0, rank), [&](int64_t d) {
      return srcShape[d] + std::min<int64_t>(low[d], 0) + std::min<int64_t>(high[d], 0) <= 0;
    });
    if (op.getMode() != graph::PadMode::constant && emptySource && type.getNumElements() > 0)
      return emitUnsupported(op) << "reflect/edge padding of an empty tensor";
    Value input = cropNegativePads(rewriter, loc, adaptor.getInput(), low, high);
    ArrayRef<int64_t> inShape = tensorTypeOf(input).getShape();
    Value result;
    if (op.getMode() == graph::PadMode::constant) {
      // An unsigned value (a uint8 zero point) saturates to its type's range, stored signless.
      Value value = createScalar(rewriter, loc, toSignless(elementType),
                                 op.getValue().convertToDouble(), isUnsigned(op.getResult()));
      result = padWithValue(rewriter, loc, input, low, high, value);
    } else {
      result = buildParallelGeneric(
          rewriter, loc, cast<RankedTensorType>(toSignless(type)), ValueRange{}, {}, [&](OpBuilder &b, Location l, ValueRange) {
            SmallVector<Value> coords;
            for (int64_t d = 0; d < rank; ++d) {
              Value o = b.create<linalg::IndexOp>(l, d);
              bool padded = low[d] != 0 || high[d] != 0;
              coords.push_back(padded ? sourceIndex(b, l, o, inShape[d], low[d], op.getMode()) : o);
            }
            return b.create<tensor::ExtractOp>(l, input, coords).getResult();
          });
    }
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  /// A dynamic dim may only take constant, non-negative pads (tensor.pad computes its size).
  static LogicalResult checkDynamicPads(graph::PadOp op) {
    auto inType = tensorTypeOf(op.getInput());
    int64_t rank = inType.getRank();
    if (op.getMode() != graph::PadMode::constant)
      return emitUnsupported(op) << "reflect/edge padding of a tensor with dynamic dims";
    for (int64_t d = 0; d < rank; ++d)
      if (inType.isDynamicDim(d) && (op.getPads()[d] < 0 || op.getPads()[d + rank] < 0))
        return emitUnsupported(op) << "negative pads on dynamic dim " << d;
    return success();
  }

  /// Crops by the negative pads (ONNX: a negative pad removes elements) and zeroes them.
  static Value cropNegativePads(OpBuilder &b, Location loc, Value input,
                                SmallVectorImpl<int64_t> &low, SmallVectorImpl<int64_t> &high) {
    auto type = tensorTypeOf(input);
    SmallVector<int64_t> offsets, sizes, strides(type.getRank(), 1);
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t cropLow = std::max<int64_t>(-low[d], 0), cropHigh = std::max<int64_t>(-high[d], 0);
      offsets.push_back(cropLow);
      sizes.push_back(type.isDynamicDim(d)
                          ? ShapedType::kDynamic // no crop (checkDynamicPads)
                          : std::max<int64_t>(type.getDimSize(d) - cropLow - cropHigh, 0));
      low[d] = std::max<int64_t>(low[d], 0);
      high[d] = std::max<int64_t>(high[d], 0);
    }
    if (ArrayRef<int64_t>(sizes) == type.getShape())
      return input;
    auto croppedType = type.clone(sizes);
    return b.create<tensor::ExtractSliceOp>(loc, croppedType, input, ValueRange{}, ValueRange{},
                                            ValueRange{}, offsets, sizes, strides);
  }
};

} // namespace

void populateGatherPadPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<GatherLowering, GatherElementsLowering, GatherNDLowering, PadLowering>(
      converter, patterns.getContext());
}

} // namespace kiln::lowering
