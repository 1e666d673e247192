//===- DataMovementToLinalg.cpp - constants, shapes and views → tensor ops -===//
//
// constant/shape → arith.constant; reshape → collapse/expand_shape; transpose →
// linalg.transpose; concat → tensor.empty + one insert_slice per input; slice →
// extract_slice (positive steps) or a generic with reversed indexing (negative steps);
// expand → a broadcasting generic.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace kiln::lowering {
namespace {

struct ConstantLowering : OpConversionPattern<graph::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op)))
      return failure();
    auto value = cast<ElementsAttr>(op.getValue());
    Type signless = toSignless(value.getType());
    if (signless != value.getType()) // unsigned data: the same bits, signless
      value = cast<DenseElementsAttr>(value).bitcast(cast<ShapedType>(signless).getElementType());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

struct ShapeLowering : OpConversionPattern<graph::ShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ShapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inType = tensorTypeOf(op.getInput());
    if (inType.hasStaticShape()) {
      auto value = DenseElementsAttr::get(op.getType(), inType.getShape());
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
      return success();
    }
    // Dynamic dims are read at run time (tensor.dim), static ones are constants.
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (int64_t d = 0; d < inType.getRank(); ++d) {
      if (!inType.isDynamicDim(d)) {
        dims.push_back(rewriter.create<arith::ConstantIntOp>(loc, inType.getDimSize(d), 64));
        continue;
      }
      Value size = rewriter.create<tensor::DimOp>(loc, adaptor.getInput(), d);
      dims.push_back(rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), size));
    }
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(), dims);
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<graph::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ReshapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = tensorTypeOf(op.getInput()), out = tensorTypeOf(op.getResult());
    if (!canReshape(in.getShape(), out.getShape()))
      return emitUnsupported(op) << "a reshape from " << in << " to " << out
                                 << " whose dynamic dims do not follow from its input";
    rewriter.replaceOp(
        op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(), tensorTypeOf(op.getResult()).getShape()));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<graph::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op,
                       transposeTensor(rewriter, op.getLoc(), adaptor.getInput(), op.getPerm()));
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<graph::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = tensorTypeOf(op.getResult());
    int64_t axis = op.getAxis(), rank = type.getRank();
    // Dims other than the concatenated one may be dynamic (they are the same in every input);
    // inputs dynamic along it (the boxes a NonZero selects) are placed at run-time offsets.
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto sizeAlong = [&](Value input, int64_t d) -> OpFoldResult {
      auto inputType = tensorTypeOf(input);
      if (inputType.isDynamicDim(d))
        return rewriter.create<tensor::DimOp>(loc, input, d).getResult();
      return rewriter.getIndexAttr(inputType.getDimSize(d));
    };
    auto add = [&](OpFoldResult x, OpFoldResult y) -> OpFoldResult {
      std::optional<int64_t> cx = getConstantIntValue(x), cy = getConstantIntValue(y);
      if (cx && cy)
        return rewriter.getIndexAttr(*cx + *cy);
      if (cx == 0)
        return y;
      return rewriter
          .create<arith::AddIOp>(loc, getValueOrCreateConstantIndexOp(rewriter, loc, x),
                                 getValueOrCreateConstantIndexOp(rewriter, loc, y))
          .getResult();
    };
    SmallVector<OpFoldResult> starts; // of each input along the axis
    OpFoldResult total = rewriter.getIndexAttr(0);
    for (Value input : adaptor.getInputs()) {
      starts.push_back(total);
      total = add(total, sizeAlong(input, axis));
    }
    Value first = adaptor.getInputs().front();
    SmallVector<Value> resultSizes;
    for (int64_t d = 0; d < rank; ++d)
      if (type.isDynamicDim(d))
        resultSizes.push_back(d == axis
                                  ? getValueOrCreateConstantIndexOp(rewriter, loc, total)
                                  : rewriter.create<tensor::DimOp>(loc, first, d).getResult());
    Value result = createEmpty(rewriter, loc, type, resultSizes);
    for (auto [input, start] : llvm::zip(adaptor.getInputs(), starts)) {
      if (tensorTypeOf(input).getDimSize(axis) == 0)
        continue;
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)), sizes;
      offsets[axis] = start;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(sizeAlong(input, d));
      result = rewriter.create<tensor::InsertSliceOp>(
          loc, input, result, offsets, sizes,
          getAsIndexOpFoldResult(ctx, SmallVector<int64_t>(rank, 1)));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `bound` (ONNX: negative counts from the end) clamped into [0, dim], for a dynamic dim.
Value clampBound(OpBuilder &b, Location loc, int64_t bound, Value dim) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value v = bound < 0 ? b.create<arith::AddIOp>(
                            loc, dim, b.create<arith::ConstantIndexOp>(loc, bound)).getResult()
                      : b.create<arith::ConstantIndexOp>(loc, bound).getResult();
  return b.create<arith::MaxSIOp>(loc, b.create<arith::MinSIOp>(loc, v, dim), zero);
}

/// A slice with dynamic dims and positive steps: an extract_slice whose offsets and sizes of
/// the dynamic dims follow ONNX's clamping rules at run time.
FailureOr<Value> dynamicSlice(OpBuilder &b, graph::SliceOp op, Value input) {
  auto inType = tensorTypeOf(op.getInput());
  ArrayRef<int64_t> starts = op.getStarts(), ends = op.getEnds(), steps = op.getSteps();
  if (llvm::any_of(steps, [](int64_t s) { return s <= 0; }))
    return emitUnsupported(op) << "negative steps on a tensor with dynamic dims", failure();
  Location loc = op.getLoc();
  SmallVector<OpFoldResult> offsets, sizes, strides;
  auto outType = tensorTypeOf(op.getResult());
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    strides.push_back(b.getIndexAttr(steps[d]));
    if (!inType.isDynamicDim(d)) {
      offsets.push_back(b.getIndexAttr(starts[d]));
      sizes.push_back(b.getIndexAttr(outType.getDimSize(d)));
      continue;
    }
    Value dim = b.create<tensor::DimOp>(loc, input, d);
    Value start = clampBound(b, loc, starts[d], dim), end = clampBound(b, loc, ends[d], dim);
    Value span = b.create<arith::MaxSIOp>(loc, b.create<arith::SubIOp>(loc, end, start),
                                          b.create<arith::ConstantIndexOp>(loc, 0));
    Value size = b.create<arith::CeilDivSIOp>(loc, span,
                                              b.create<arith::ConstantIndexOp>(loc, steps[d]));
    offsets.push_back(start);
    sizes.push_back(size);
  }
  return b.create<tensor::ExtractSliceOp>(loc, outType, input, offsets, sizes, strides)
      .getResult();
}

struct SliceLowering : OpConversionPattern<graph::SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!tensorTypeOf(op.getInput()).hasStaticShape()) {
      FailureOr<Value> sliced = dynamicSlice(rewriter, op, adaptor.getInput());
      if (failed(sliced))
        return failure();
      rewriter.replaceOp(op, *sliced);
      return success();
    }
    if (failed(requireStaticShapes(op)))
      return failure();
    auto type = tensorTypeOf(op.getResult());
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    Location loc = op.getLoc();
    Value result;
    if (type.getNumElements() == 0) {
      result = createEmpty(rewriter, loc, type.getShape(), type.getElementType());
    } else if (llvm::all_of(steps, [](int64_t s) { return s > 0; })) {
      result = rewriter.create<tensor::ExtractSliceOp>(loc, type, adaptor.getInput(), ValueRange{},
                                                       ValueRange{}, ValueRange{}, starts,
                                                       type.getShape(), steps);
    } else {
      // Result index i of dim d reads input index starts[d] + i * steps[d].
      MLIRContext *ctx = rewriter.getContext();
      SmallVector<AffineExpr> exprs;
      for (auto [d, start, step] : llvm::enumerate(starts, steps))
        exprs.push_back(getAffineConstantExpr(start, ctx) + getAffineDimExpr(d, ctx) * step);
      AffineMap map = AffineMap::get(type.getRank(), 0, exprs, ctx);
      result = buildParallelGeneric(rewriter, loc, type, adaptor.getInput(), map,
                                    [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ExpandLowering : OpConversionPattern<graph::ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ExpandOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op)))
      return failure();
    Value result = buildElementwise(rewriter, op.getLoc(), tensorTypeOf(op.getResult()), adaptor.getInput(),
                                    [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// depth_to_space as views around one transpose: the channels split into [bh, bw * C], the
/// transpose [N, H, bh, W, bw * C] interleaves the blocks with the rows and columns (runs of
/// bw * C contiguous elements), the blocks merge into them and the crop is a slice. Dynamic
/// H and W stay dynamic throughout.
struct DepthToSpaceLowering : OpConversionPattern<graph::DepthToSpaceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::DepthToSpaceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = tensorTypeOf(op.getInput()), out = tensorTypeOf(op.getResult());
    ArrayRef<int64_t> s = in.getShape(), block = op.getBlock(), crops = op.getCrops();
    Location loc = op.getLoc();
    int64_t channels = out.getDimSize(3);
    SmallVector<OpFoldResult> splitSizes;
    for (int64_t d = 0; d < 3; ++d)
      splitSizes.push_back(in.isDynamicDim(d) ? OpFoldResult(rewriter.create<tensor::DimOp>(
                                                    loc, adaptor.getInput(), d))
                                              : rewriter.getIndexAttr(s[d]));
    for (int64_t size : {block[0], block[1] * channels})
      splitSizes.push_back(rewriter.getIndexAttr(size));
    Value split = rewriter.create<tensor::ExpandShapeOp>(
        loc, in.clone({s[0], s[1], s[2], block[0], block[1] * channels}), adaptor.getInput(),
        SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}}, splitSizes);
    Value moved = transposeTensor(rewriter, loc, split, {0, 1, 3, 2, 4});
    auto merged = [&](int64_t d, int64_t b) {
      return ShapedType::isDynamic(d) ? ShapedType::kDynamic : d * b;
    };
    // [N, H, bh, W, bw * C] → [N, H * bh, W * bw * C] → [N, H * bh, W * bw, C].
    Value rows = rewriter.create<tensor::CollapseShapeOp>(
        loc, in.clone({s[0], merged(s[1], block[0]), merged(s[2], block[1] * channels)}), moved,
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3, 4}});
    auto scaled = [&](OpFoldResult size, int64_t b) -> OpFoldResult {
      if (auto c = getConstantIntValue(size))
        return rewriter.getIndexAttr(*c * b);
      return rewriter
          .create<arith::MulIOp>(loc, cast<Value>(size),
                                 rewriter.create<arith::ConstantIndexOp>(loc, b))
          .getResult();
    };
    Value result = rewriter.create<tensor::ExpandShapeOp>(
        loc, in.clone({s[0], merged(s[1], block[0]), merged(s[2], block[1]), channels}), rows,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
        SmallVector<OpFoldResult>{splitSizes[0], scaled(splitSizes[1], block[0]),
                                  scaled(splitSizes[2], block[1]),
                                  rewriter.getIndexAttr(channels)});
    if (llvm::any_of(crops, [](int64_t c) { return c != 0; })) {
      SmallVector<OpFoldResult> offsets{rewriter.getIndexAttr(0), rewriter.getIndexAttr(crops[0]),
                                        rewriter.getIndexAttr(crops[1]), rewriter.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < 4; ++d) {
        if (!out.isDynamicDim(d)) {
          sizes.push_back(rewriter.getIndexAttr(out.getDimSize(d)));
          continue;
        }
        Value full = rewriter.create<tensor::DimOp>(loc, result, d);
        int64_t cut = d == 1 || d == 2 ? crops[d - 1] + crops[d + 1] : 0;
        sizes.push_back(cut ? rewriter.createOrFold<arith::SubIOp>(
                                  loc, full, rewriter.create<arith::ConstantIndexOp>(loc, cut))
                            : OpFoldResult(full));
      }
      SmallVector<OpFoldResult> steps(4, rewriter.getIndexAttr(1));
      result = rewriter.create<tensor::ExtractSliceOp>(loc, out, result, offsets, sizes, steps);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateDataMovementPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, ShapeLowering, ReshapeLowering, TransposeLowering, ConcatLowering,
               SliceLowering, ExpandLowering, DepthToSpaceLowering>(converter,
                                                                    patterns.getContext());
}

} // namespace kiln::lowering
