//===- ConvToLinalg.cpp - kiln.conv → linalg convolution ops --------------===//
//
// Pads become a zero tensor.pad; a bias becomes the accumulator the conv adds onto.
// NCHW (input NC..., filter FC...): group 1 → conv_2d_nchw_fchw, depthwise →
// depthwise_conv_2d_nchw_chw, other groups → conv_2d_ngchw_gfchw.
// NHWC (input N...C, filter ...CF): group 1 → conv_2d_nhwc_hwcf, depthwise →
// depthwise_conv_2d_nhwc_hwc, other groups → a linalg.generic over [N, OH, OW, G, F/G].
// 1-D convs run as 2-D with a unit height; 3-D convs use the NCDHW/NDHWC ops (grouped
// non-depthwise 3-D ones a generic).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {

Value buildConvInit(OpBuilder &b, Location loc, RankedTensorType resultType, Value bias,
                    int64_t channelDim, ValueRange dynamicSizes) {
  if (!bias)
    return createFilled(b, loc, resultType, dynamicSizes,
                        createScalar(b, loc, resultType.getElementType(), 0));
  MLIRContext *ctx = b.getContext();
  AffineMap channel =
      AffineMap::get(resultType.getRank(), 0, getAffineDimExpr(channelDim, ctx), ctx);
  return buildParallelGeneric(
      b, loc, resultType, bias, channel,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; }, dynamicSizes);
}

namespace {

RankedTensorType typeOf(Value v) { return tensorTypeOf(v); }

/// The reassociation that inserts a unit dim at `pos` of a rank-`rank` tensor: the unit joins
/// the group of the dim it precedes (the width a 1-D conv's unit height stands before). Inferring
/// it from the shapes is ambiguous when other dims are 1 too ([1, 1, C] → [1, 1, 1, C] could put
/// the unit beside the channels), and tile-and-fuse through such a reshape read wrong elements.
SmallVector<ReassociationIndices> unitDimGroups(int64_t rank, unsigned pos) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t at = d < int64_t(pos) ? d : d + 1;
    groups.push_back(d == int64_t(pos) ? ReassociationIndices{at - 1, at}
                                       : ReassociationIndices{at});
  }
  return groups;
}

/// `v` with a unit dim inserted at `pos` < rank (1-D → 2-D).
Value insertUnitDim(OpBuilder &b, Location loc, Value v, unsigned pos) {
  auto type = typeOf(v);
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + pos, 1);
  return b.create<tensor::ExpandShapeOp>(loc, type.clone(shape), v,
                                         unitDimGroups(type.getRank(), pos));
}

/// `v` without its unit dim at `pos` (2-D → 1-D), the inverse of insertUnitDim.
Value dropUnitDim(OpBuilder &b, Location loc, Value v, unsigned pos) {
  auto type = typeOf(v);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + pos);
  return b.create<tensor::CollapseShapeOp>(loc, type.clone(shape), v,
                                           unitDimGroups(type.getRank() - 1, pos));
}

/// `shape` with dim `d` split into [groups, shape[d] / groups].
SmallVector<int64_t> splitDim(ArrayRef<int64_t> shape, unsigned d, int64_t groups) {
  SmallVector<int64_t> split(shape.take_front(d));
  split.append({groups, shape[d] / groups});
  split.append(shape.begin() + d + 1, shape.end());
  return split;
}

template <typename OpTy>
Value createConvOp(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                   ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  return b
      .create<OpTy>(loc, TypeRange{init.getType()}, ValueRange{input, filter}, ValueRange{init},
                    b.getI64TensorAttr(strides), b.getI64TensorAttr(dilations))
      .getResult(0);
}

/// Depthwise conv (group == C == F): the [C, 1, k...] filter collapses to [C, k...].
Value buildDepthwise(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                     ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  ArrayRef<int64_t> filterShape = typeOf(filter).getShape();
  SmallVector<int64_t> dwShape{filterShape[0]};
  dwShape.append(filterShape.begin() + 2, filterShape.end());
  Value dwFilter = reshapeTo(b, loc, filter, dwShape);
  if (strides.size() == 2)
    return createConvOp<linalg::DepthwiseConv2DNchwChwOp>(b, loc, input, dwFilter, init, strides,
                                                          dilations);
  return createConvOp<linalg::DepthwiseConv3DNcdhwCdhwOp>(b, loc, input, dwFilter, init, strides,
                                                          dilations);
}

/// Grouped 2-D conv: input [N, G, C/G, H, W], filter [G, F/G, C/G, kh, kw].
Value buildGrouped2D(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                     ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, int64_t group) {
  ArrayRef<int64_t> outShape = typeOf(init).getShape();
  Value groupedInput = reshapeTo(b, loc, input, splitDim(typeOf(input).getShape(), 1, group));
  Value groupedFilter = reshapeTo(b, loc, filter, splitDim(typeOf(filter).getShape(), 0, group));
  Value groupedInit = reshapeTo(b, loc, init, splitDim(outShape, 1, group));
  Value out = createConvOp<linalg::Conv2DNgchwGfchwOp>(b, loc, groupedInput, groupedFilter,
                                                       groupedInit, strides, dilations);
  return reshapeTo(b, loc, out, outShape);
}

/// Depthwise NHWC conv (group == C == F): the [k..., 1, C] filter collapses to [k..., C].
Value buildDepthwiseNHWC(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                         ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  ArrayRef<int64_t> filterShape = typeOf(filter).getShape();
  SmallVector<int64_t> dwShape(filterShape.drop_back(2));
  dwShape.push_back(filterShape.back());
  Value dwFilter = reshapeTo(b, loc, filter, dwShape);
  if (strides.size() == 2)
    return createConvOp<linalg::DepthwiseConv2DNhwcHwcOp>(b, loc, input, dwFilter, init, strides,
                                                          dilations);
  return createConvOp<linalg::DepthwiseConv3DNdhwcDhwcOp>(b, loc, input, dwFilter, init, strides,
                                                          dilations);
}

/// Grouped conv as a generic with the group split out of the channel dims: NHWC input
/// [N, S..., G, C/G], filter [K..., C/G, G, F/G], accumulator [N, O..., G, F/G]; NCHW input
/// [N, G, C/G, S...], filter [G, F/G, C/G, K...], accumulator [N, G, F/G, O...].
/// Loops (n, o..., g, f, k..., c).
Value buildGroupedGeneric(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                          ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, int64_t group,
                          bool nhwc) {
  ArrayRef<int64_t> outShape = typeOf(init).getShape();
  unsigned rank = outShape.size(), spatial = rank - 2, loops = 2 * spatial + 4;
  unsigned channelDim = nhwc ? rank - 1 : 1, filterDim = nhwc ? rank - 1 : 0;
  Value in = reshapeTo(b, loc, input, splitDim(typeOf(input).getShape(), channelDim, group));
  Value w = reshapeTo(b, loc, filter, splitDim(typeOf(filter).getShape(), filterDim, group));
  Value out = reshapeTo(b, loc, init, splitDim(outShape, channelDim, group));
  MLIRContext *ctx = b.getContext();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  unsigned g = spatial + 1, f = spatial + 2, k = spatial + 3, c = 2 * spatial + 3;
  SmallVector<AffineExpr> window, kernel, outPos;
  for (unsigned i = 0; i < spatial; ++i) {
    window.push_back(dim(1 + i) * strides[i] + dim(k + i) * dilations[i]);
    kernel.push_back(dim(k + i));
    outPos.push_back(dim(1 + i));
  }
  auto concat = [](std::initializer_list<ArrayRef<AffineExpr>> parts) {
    SmallVector<AffineExpr> all;
    for (ArrayRef<AffineExpr> part : parts)
      all.append(part.begin(), part.end());
    return all;
  };
  AffineExpr n = dim(0), gg = dim(g), ff = dim(f), cc = dim(c);
  SmallVector<AffineExpr> inExprs =
      nhwc ? concat({n, window, {gg, cc}}) : concat({{n, gg, cc}, window});
  SmallVector<AffineExpr> wExprs =
      nhwc ? concat({kernel, {cc, gg, ff}}) : concat({{gg, ff, cc}, kernel});
  SmallVector<AffineExpr> outExprs =
      nhwc ? concat({n, outPos, {gg, ff}}) : concat({{n, gg, ff}, outPos});
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, inExprs, ctx),
                              AffineMap::get(loops, 0, wExprs, ctx),
                              AffineMap::get(loops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(k, utils::IteratorType::parallel);
  iterators.append(loops - k, utils::IteratorType::reduction);
  auto conv = b.create<linalg::GenericOp>(
      loc, TypeRange{out.getType()}, ValueRange{in, w}, ValueRange{out}, maps, iterators,
      [](OpBuilder &nb, Location l, ValueRange args) {
        Value product = createMul(nb, l, args[0], args[1]);
        nb.create<linalg::YieldOp>(l, createAdd(nb, l, args[2], product));
      });
  return reshapeTo(b, loc, conv.getResult(0), outShape);
}

/// NHWC convolution (1 to 3 spatial dims, any group) of an already padded input.
Value buildConvolutionNHWC(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                           ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, int64_t group) {
  if (strides.size() == 1) {
    Value out = buildConvolutionNHWC(
        b, loc, insertUnitDim(b, loc, input, 1), insertUnitDim(b, loc, filter, 0),
        insertUnitDim(b, loc, init, 1), {1, strides[0]}, {1, dilations[0]}, group);
    return dropUnitDim(b, loc, out, 1);
  }
  int64_t channels = typeOf(input).getShape().back();
  int64_t filters = typeOf(filter).getShape().back();
  if (group == 1)
    return strides.size() == 2 ? createConvOp<linalg::Conv2DNhwcHwcfOp>(b, loc, input, filter, init,
                                                                        strides, dilations)
                               : createConvOp<linalg::Conv3DNdhwcDhwcfOp>(b, loc, input, filter,
                                                                          init, strides, dilations);
  if (group == channels && filters == channels)
    return buildDepthwiseNHWC(b, loc, input, filter, init, strides, dilations);
  return buildGroupedGeneric(b, loc, input, filter, init, strides, dilations, group,
                             /*nhwc=*/true);
}

/// NCHW convolution (1 to 3 spatial dims, any group) of an already padded input.
Value buildConvolutionNCHW(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                           ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, int64_t group) {
  if (strides.size() == 1) {
    Value out = buildConvolutionNCHW(
        b, loc, insertUnitDim(b, loc, input, 2), insertUnitDim(b, loc, filter, 2),
        insertUnitDim(b, loc, init, 2), {1, strides[0]}, {1, dilations[0]}, group);
    return dropUnitDim(b, loc, out, 2);
  }
  int64_t channels = typeOf(input).getDimSize(1), filters = typeOf(filter).getDimSize(0);
  bool twoD = strides.size() == 2;
  if (group == 1)
    return twoD ? createConvOp<linalg::Conv2DNchwFchwOp>(b, loc, input, filter, init, strides,
                                                         dilations)
                : createConvOp<linalg::Conv3DNcdhwFcdhwOp>(b, loc, input, filter, init, strides,
                                                           dilations);
  if (group == channels && filters == channels)
    return buildDepthwise(b, loc, input, filter, init, strides, dilations);
  if (!twoD)
    return buildGroupedGeneric(b, loc, input, filter, init, strides, dilations, group,
                               /*nhwc=*/false);
  return buildGrouped2D(b, loc, input, filter, init, strides, dilations, group);
}

} // namespace

Value buildConvolution(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                       ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, int64_t group,
                       bool nhwc) {
  return nhwc ? buildConvolutionNHWC(b, loc, input, filter, init, strides, dilations, group)
              : buildConvolutionNCHW(b, loc, input, filter, init, strides, dilations, group);
}

LogicalResult checkConvOperands(Operation *op, Value input, Value filter, Value bias,
                                bool dynamicSpatial, bool nhwc) {
  if (!dynamicSpatial) {
    if (failed(requireStaticShapes(op)))
      return failure();
  } else {
    // The batch and the spatial dims may be dynamic; channels, filter and bias may not.
    auto in = typeOf(input), out = typeOf(op->getResult(0));
    int64_t channelDim = nhwc ? in.getRank() - 1 : 1;
    if (in.isDynamicDim(channelDim) || out.isDynamicDim(channelDim) ||
        !typeOf(filter).hasStaticShape() || (bias && !typeOf(bias).hasStaticShape()))
      return emitUnsupported(op) << "dynamic channels or filter (input " << in << ", filter "
                                 << typeOf(filter) << ")";
  }
  Type elementType = typeOf(input).getElementType();
  if (failed(requireArithType(op, elementType, true, "input")))
    return failure();
  if (elementType.isInteger(1) || typeOf(filter).getElementType() != elementType ||
      (bias && typeOf(bias).getElementType() != elementType))
    return emitUnsupported(op) << "input, filter and bias must share one float or integer "
                                  "element type (mixed or i1 element types are not supported)";
  int64_t spatial = typeOf(input).getRank() - 2;
  if (spatial < 1 || spatial > 3)
    return emitUnsupported(op) << spatial << " spatial dims (supported: 1 to 3)";
  return success();
}

SmallVector<Value> convOutputSizes(OpBuilder &b, Location loc, RankedTensorType resultType,
                                   Value padded, ArrayRef<int64_t> filterShape,
                                   ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                                   bool nhwc) {
  SmallVector<Value> sizes;
  int64_t rank = resultType.getRank(), spatial = strides.size();
  int64_t first = nhwc ? 1 : 2;                         // first spatial dim of the tensors
  int64_t kernelFirst = nhwc ? 0 : 2;                   // first kernel dim of the filter
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    Value extent = b.create<tensor::DimOp>(loc, padded, d);
    if (d < first || d >= first + spatial) { // the batch
      sizes.push_back(extent);
      continue;
    }
    int64_t i = d - first;
    int64_t span = dilations[i] * (filterShape[kernelFirst + i] - 1) + 1;
    // (padded - span) / stride + 1, negative (an error at run time) when the input is smaller
    // than the window.
    Value rest = b.create<arith::SubIOp>(loc, extent, b.create<arith::ConstantIndexOp>(loc, span));
    Value steps = b.create<arith::FloorDivSIOp>(
        loc, rest, b.create<arith::ConstantIndexOp>(loc, strides[i]));
    sizes.push_back(b.create<arith::AddIOp>(loc, steps, b.create<arith::ConstantIndexOp>(loc, 1)));
  }
  return sizes;
}

namespace {

struct ConvLowering : OpConversionPattern<graph::ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ConvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    bool nhwc = op.getLayout() == "NHWC";
    if (!nhwc && op.getLayout() != "NCHW")
      return emitUnsupported(op) << "layout \"" << op.getLayout() << "\"";
    if (failed(checkConvOperands(op, op.getInput(), op.getFilter(), op.getBias(),
                                 /*dynamicSpatial=*/true, nhwc)))
      return failure();
    ArrayRef<int64_t> pads = op.getPads();
    if (llvm::any_of(pads, [](int64_t p) { return p < 0; }))
      return emitUnsupported(op) << "negative pads";
    Location loc = op.getLoc();
    auto resultType = typeOf(op.getResult());
    int64_t spatial = op.getStrides().size(), channelDim = nhwc ? resultType.getRank() - 1 : 1;
    // Spatial dims are 1..rank-2 in NHWC, 2..rank-1 in NCHW.
    SmallVector<int64_t> low(nhwc ? 1 : 2, 0), high(nhwc ? 1 : 2, 0);
    low.append(pads.begin(), pads.begin() + spatial);
    high.append(pads.begin() + spatial, pads.end());
    if (nhwc) {
      low.push_back(0);
      high.push_back(0);
    }
    Type elementType = resultType.getElementType();
    Value padded = padWithValue(rewriter, loc, adaptor.getInput(), low, high,
                                createScalar(rewriter, loc, elementType, 0));
    Value init = buildConvInit(
        rewriter, loc, resultType, adaptor.getBias(), channelDim,
        convOutputSizes(rewriter, loc, resultType, padded, typeOf(op.getFilter()).getShape(),
                        op.getStrides(), op.getDilations(), nhwc));
    rewriter.replaceOp(op,
                       buildConvolution(rewriter, loc, padded, adaptor.getFilter(), init,
                                        op.getStrides(), op.getDilations(), op.getGroup(), nhwc));
    return success();
  }
};

} // namespace

void populateConvPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvLowering>(converter, patterns.getContext());
}

} // namespace kiln::lowering
