//===- ConvTransposeToLinalg.cpp - kiln.conv_transpose → linalg conv ------===//
//
// y[o] = sum x[i] * w[k] over o = i * stride + k * dilation - pad_begin (ONNX ConvTranspose)
// is a stride-1 conv of the input with stride-1 zeros inserted between its elements, padded
// by dilation * (k - 1) - pad_begin before and dilation * (k - 1) - pad_end + output_padding
// after, with the filter flipped in space and transposed to F(C/group). Negative paddings
// (pads beyond the kernel extent) become a crop of the conv result.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
namespace {

RankedTensorType typeOf(Value v) { return tensorTypeOf(v); }

/// Filter [C, F/G, k...] → [F, C/G, k...] with every kernel dim reversed.
Value flipFilter(OpBuilder &b, Location loc, Value filter, int64_t group) {
  auto type = typeOf(filter);
  ArrayRef<int64_t> shape = type.getShape(), kernel = shape.drop_front(2);
  int64_t cg = shape[0] / group, fg = shape[1];
  SmallVector<int64_t> srcShape{group, cg, fg}, dstShape{group, fg, cg};
  srcShape.append(kernel.begin(), kernel.end());
  dstShape.append(kernel.begin(), kernel.end());
  Value grouped = reshapeTo(b, loc, filter, srcShape);
  // Loops (g, f, c, k...) read grouped[g, c, f, K - 1 - k...]. The read is a tensor.extract
  // at computed indices: an indexing map with K - 1 - k would not survive tiling (linalg's
  // verifier bounds such maps by the whole extent, not the tile).
  auto flippedType = RankedTensorType::get(dstShape, type.getElementType());
  Value flipped = buildParallelGeneric(
      b, loc, flippedType, ValueRange{}, {}, [&](OpBuilder &nb, Location nloc, ValueRange) {
        SmallVector<Value> coords{nb.create<linalg::IndexOp>(nloc, 0),
                                  nb.create<linalg::IndexOp>(nloc, 2),
                                  nb.create<linalg::IndexOp>(nloc, 1)};
        for (auto [i, k] : llvm::enumerate(kernel)) {
          Value last = nb.create<arith::ConstantIndexOp>(nloc, k - 1);
          coords.push_back(
              nb.create<arith::SubIOp>(nloc, last, nb.create<linalg::IndexOp>(nloc, 3 + i)));
        }
        return nb.create<tensor::ExtractOp>(nloc, grouped, coords).getResult();
      });
  SmallVector<int64_t> convShape{group * fg, cg};
  convShape.append(kernel.begin(), kernel.end());
  return reshapeTo(b, loc, flipped, convShape);
}

/// Paddings of the zero-inserted input per spatial dim; negative ones are crops of the result.
struct TransposedPadding {
  SmallVector<int64_t> low, high, cropLow, cropHigh;
};

TransposedPadding computePadding(graph::ConvTransposeOp op) {
  ArrayRef<int64_t> kernel = typeOf(op.getFilter()).getShape().drop_front(2);
  ArrayRef<int64_t> pads = op.getPads(), dil = op.getDilations(), extra = op.getOutputPadding();
  size_t spatial = kernel.size();
  TransposedPadding p;
  for (size_t i = 0; i < spatial; ++i) {
    int64_t extent = dil[i] * (kernel[i] - 1);
    int64_t low = extent - pads[i], high = extent - pads[spatial + i] + extra[i];
    p.low.push_back(std::max<int64_t>(low, 0));
    p.high.push_back(std::max<int64_t>(high, 0));
    p.cropLow.push_back(std::max<int64_t>(-low, 0));
    p.cropHigh.push_back(std::max<int64_t>(-high, 0));
  }
  return p;
}

/// The input with stride - 1 zeros between elements along every spatial dim, padded. Dynamic
/// batch and spatial dims are sized at run time: stride x (dim - 1) + 1 + low + high.
Value dilateAndPad(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> strides,
                   const TransposedPadding &p) {
  auto type = typeOf(input);
  Value zero = createScalar(b, loc, type.getElementType(), 0);
  SmallVector<int64_t> low{0, 0}, high{0, 0};
  low.append(p.low);
  high.append(p.high);
  if (llvm::all_of(strides, [](int64_t s) { return s == 1; }))
    return padWithValue(b, loc, input, low, high, zero);
  SmallVector<int64_t> shape(type.getShape().take_front(2)), steps{1, 1};
  SmallVector<Value> dynamicSizes;
  SmallVector<OpFoldResult> inputSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    inputSizes.push_back(type.isDynamicDim(d)
                             ? OpFoldResult(b.create<tensor::DimOp>(loc, input, d).getResult())
                             : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  if (type.isDynamicDim(0))
    dynamicSizes.push_back(cast<Value>(inputSizes[0]));
  for (auto [i, s] : llvm::enumerate(strides)) {
    int64_t extra = 1 + p.low[i] + p.high[i];
    if (type.isDynamicDim(i + 2)) {
      shape.push_back(ShapedType::kDynamic);
      Value scaled = b.create<arith::MulIOp>(loc, cast<Value>(inputSizes[i + 2]),
                                             b.create<arith::ConstantIndexOp>(loc, s));
      dynamicSizes.push_back(
          b.create<arith::AddIOp>(loc, scaled, b.create<arith::ConstantIndexOp>(loc, extra - s)));
    } else {
      shape.push_back(s * (type.getDimSize(i + 2) - 1) + extra);
    }
    steps.push_back(s);
  }
  auto bufferType = RankedTensorType::get(shape, type.getElementType());
  if (!type.hasStaticShape()) {
    // Dynamic: a gather over the dilated buffer (input at (i - low) / stride where that
    // divides and lies inside, else zero). A strided insert_slice of dynamic sizes crashed
    // MLIR 19's canonicalization once its consumer was tiled.
    return buildParallelGeneric(
        b, loc, bufferType, ValueRange{}, {},
        [&](OpBuilder &nb, Location l, ValueRange) -> Value {
          Value valid = nb.create<arith::ConstantIntOp>(l, 1, 1);
          SmallVector<Value> at{nb.create<linalg::IndexOp>(l, 0), nb.create<linalg::IndexOp>(l, 1)};
          Value zeroIndex = nb.create<arith::ConstantIndexOp>(l, 0);
          for (auto [i, st] : llvm::enumerate(strides)) {
            Value shifted =
                nb.create<arith::SubIOp>(l, nb.create<linalg::IndexOp>(l, i + 2),
                                         nb.create<arith::ConstantIndexOp>(l, p.low[i]));
            Value stride = nb.create<arith::ConstantIndexOp>(l, st);
            Value q = nb.create<arith::FloorDivSIOp>(l, shifted, stride);
            Value last = nb.create<arith::SubIOp>(
                l, getValueOrCreateConstantIndexOp(nb, l, inputSizes[i + 2]),
                nb.create<arith::ConstantIndexOp>(l, 1));
            Value onGrid =
                nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq,
                                         nb.create<arith::RemSIOp>(l, shifted, stride), zeroIndex);
            Value inside = nb.create<arith::AndIOp>(
                l, nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, shifted, zeroIndex),
                nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sle, q, last));
            valid = nb.create<arith::AndIOp>(l, valid, nb.create<arith::AndIOp>(l, onGrid, inside));
            at.push_back(
                nb.create<arith::MaxSIOp>(l, nb.create<arith::MinSIOp>(l, q, last), zeroIndex));
          }
          Value v = nb.create<tensor::ExtractOp>(l, input, at);
          return nb.create<arith::SelectOp>(l, valid, v,
                                            createScalar(nb, l, type.getElementType(), 0));
        },
        ValueRange(dynamicSizes));
  }
  Value buffer = createFilled(b, loc, bufferType, dynamicSizes, zero);
  return b.create<tensor::InsertSliceOp>(loc, input, buffer,
                                         getAsIndexOpFoldResult(b.getContext(), low), inputSizes,
                                         getAsIndexOpFoldResult(b.getContext(), steps));
}

struct ConvTransposeLowering : OpConversionPattern<graph::ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ConvTransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    // The batch and the image dims may be dynamic (symbolic H/W); channels and filter not.
    if (failed(checkConvOperands(op, op.getInput(), op.getFilter(), op.getBias(),
                                 /*dynamicSpatial=*/true, /*nhwc=*/false)))
      return failure();
    auto inputType = typeOf(op.getInput()), resultType = typeOf(op.getResult());
    int64_t group = op.getGroup(), channels = inputType.getDimSize(1);
    if (group <= 0 || channels % group != 0 || typeOf(op.getFilter()).getDimSize(0) != channels)
      return emitUnsupported(op) << "filter dim 0 must equal the input channels (" << channels
                                 << ") and be divisible by group " << group;
    if (llvm::any_of(op.getStrides(), [](int64_t s) { return s <= 0; }) ||
        llvm::any_of(op.getDilations(), [](int64_t d) { return d <= 0; }))
      return emitUnsupported(op) << "strides and dilations must be positive";
    Location loc = op.getLoc();
    TransposedPadding padding = computePadding(op);
    Value input = dilateAndPad(rewriter, loc, adaptor.getInput(), op.getStrides(), padding);
    Value filter = flipFilter(rewriter, loc, adaptor.getFilter(), group);
    SmallVector<int64_t> fullShape(resultType.getShape());
    for (size_t i = 0; i < padding.low.size(); ++i)
      if (!resultType.isDynamicDim(i + 2))
        fullShape[i + 2] += padding.cropLow[i] + padding.cropHigh[i];
    SmallVector<int64_t> unitStrides(padding.low.size(), 1);
    auto fullType = resultType.clone(fullShape);
    Value result;
    if (inputType.hasStaticShape()) {
      Value init =
          buildConvInit(rewriter, loc, fullType, adaptor.getBias(), 1,
                        convOutputSizes(rewriter, loc, fullType, input, typeOf(filter).getShape(),
                                        unitStrides, op.getDilations(), /*nhwc=*/false));
      result = buildConvolution(rewriter, loc, input, filter, init, unitStrides, op.getDilations(),
                                group, /*nhwc=*/false);
    } else {
      // Symbolic H/W: the conv runs in NHWC, the layout of Kiln's dynamic conv kernels (MLIR
      // 19's decomposition of NCHW convs crashes on dynamic image dims once tiled).
      if (inputType.getRank() != 4 || group != 1)
        return emitUnsupported(op) << "a 1-D, 3-D or grouped transposed convolution with "
                                      "dynamic dims (2-D with group 1 is supported)";
      Value nhwcInput = transposeTensor(rewriter, loc, input, {0, 2, 3, 1});
      Value hwcfFilter = transposeTensor(rewriter, loc, filter, {2, 3, 1, 0});
      auto nhwcType = RankedTensorType::get(
          {fullShape[0], fullShape[2], fullShape[3], fullShape[1]}, fullType.getElementType());
      Value init = buildConvInit(rewriter, loc, nhwcType, adaptor.getBias(), 3,
                                 convOutputSizes(rewriter, loc, nhwcType, nhwcInput,
                                                 typeOf(hwcfFilter).getShape(), unitStrides,
                                                 op.getDilations(), /*nhwc=*/true));
      result =
          transposeTensor(rewriter, loc,
                          buildConvolution(rewriter, loc, nhwcInput, hwcfFilter, init, unitStrides,
                                           op.getDilations(), group, /*nhwc=*/true),
                          {0, 3, 1, 2});
    }
    bool crop = llvm::any_of(padding.cropLow, [](int64_t c) { return c > 0; }) ||
                llvm::any_of(padding.cropHigh, [](int64_t c) { return c > 0; });
    if (crop) {
      SmallVector<OpFoldResult> offsets{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)}, sizes;
      for (int64_t c : padding.cropLow)
        offsets.push_back(rewriter.getIndexAttr(c));
      for (int64_t d = 0; d < resultType.getRank(); ++d) {
        if (!resultType.isDynamicDim(d)) {
          sizes.push_back(rewriter.getIndexAttr(resultType.getDimSize(d)));
          continue;
        }
        int64_t cut = d >= 2 ? padding.cropLow[d - 2] + padding.cropHigh[d - 2] : 0;
        Value full = rewriter.create<tensor::DimOp>(loc, result, d);
        sizes.push_back(
            rewriter
                .create<arith::SubIOp>(loc, full, rewriter.create<arith::ConstantIndexOp>(loc, cut))
                .getResult());
      }
      SmallVector<OpFoldResult> steps(resultType.getRank(), rewriter.getIndexAttr(1));
      result =
          rewriter.create<tensor::ExtractSliceOp>(loc, resultType, result, offsets, sizes, steps);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateConvTransposePatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvTransposeLowering>(converter, patterns.getContext());
}

} // namespace kiln::lowering
