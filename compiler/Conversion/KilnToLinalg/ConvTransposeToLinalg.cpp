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

/// The input with stride - 1 zeros between elements along every spatial dim, padded.
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
  for (auto [i, s] : llvm::enumerate(strides)) {
    shape.push_back(s * (type.getDimSize(i + 2) - 1) + 1 + p.low[i] + p.high[i]);
    steps.push_back(s);
  }
  Value buffer = createFilled(b, loc, shape, zero);
  SmallVector<int64_t> offsets(low);
  return b.create<tensor::InsertSliceOp>(loc, input, buffer, ValueRange{}, ValueRange{},
                                         ValueRange{}, offsets, type.getShape(), steps);
}

struct ConvTransposeLowering : OpConversionPattern<graph::ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ConvTransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (failed(checkConvOperands(op, op.getInput(), op.getFilter(), op.getBias())))
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
      fullShape[i + 2] += padding.cropLow[i] + padding.cropHigh[i];
    Value init = buildConvInit(rewriter, loc, resultType.clone(fullShape), adaptor.getBias(), 1);
    SmallVector<int64_t> unitStrides(padding.low.size(), 1);
    Value result = buildConvolution(rewriter, loc, input, filter, init, unitStrides,
                                    op.getDilations(), group, /*nhwc=*/false);
    if (fullShape != resultType.getShape()) {
      SmallVector<int64_t> offsets{0, 0}, steps(fullShape.size(), 1);
      offsets.append(padding.cropLow);
      result = rewriter.create<tensor::ExtractSliceOp>(loc, resultType, result, ValueRange{},
                                                       ValueRange{}, ValueRange{}, offsets,
                                                       resultType.getShape(), steps);
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
