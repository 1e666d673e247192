//===- Int8ConvIm2col.cpp - int8 convolutions as an im2col of their 8-bit activations ===//
//
// A dense NHWC convolution of 8-bit activations, conv(cast(x) - zx, W) in i32 (QLinearConv,
// ConvInteger) or conv((float(x) - zx) * sx, W) in float (a QDQ model), becomes a matmul of
// the patch matrix [N*OH*OW, KH*KW*C] gathered from x itself, the padding filled with zx
// (which centres to 0), widened the same way: matmul(cast(im2col(x)) - zx [* sx], W[K, F]).
// kiln-form-int8-matmul and kiln-form-int8-qdq then run that matmul as kiln.matmul_int8 on
// the VNNI kernel. The patch matrix holds bytes: a quarter of the float im2col's traffic.
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/GroupedConv.h"
#include "passes/Graph/Im2colTaps.h"
#include "passes/Quantization/Int8Input.h"
#include "passes/Quantization/Int8MatMul.h"
#include "passes/Quantization/Int8Weights.h"
#include "passes/Quantization/Passes.h"

#include "kiln/Dialect/Graph/Int8Layout.h"
#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_INT8CONVIM2COL
#include "passes/Quantization/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
Type elementTypeOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

/// The one-element constant `v` (of any rank: [1, 1, 1, 1] in a transposed frame) as a
/// rank-0 constant, which broadcasts against the patch matrix without raising its rank.
Value scalarOf(PatternRewriter &rewriter, Location loc, Value v) {
  DenseElementsAttr attr;
  matchPattern(v, m_Constant(&attr));
  auto type = RankedTensorType::get({}, attr.getElementType());
  return rewriter.create<kiln::ConstantOp>(loc, attr.reshape(type));
}

/// The taps concatenated along the channels, slices and concat in one kiln.fused kernel: each
/// tap copies from the padded input straight into its columns of the patch matrix.
Value gatherTaps(PatternRewriter &rewriter, Location loc, ArrayRef<Value> taps) {
  auto concat = rewriter.create<kiln::ConcatOp>(loc, taps, 3);
  auto fused = rewriter.create<kiln::FusedOp>(loc, concat->getResultTypes(),
                                              rewriter.getStringAttr("im2col"));
  Block *body = rewriter.createBlock(&fused.getBody());
  rewriter.setInsertionPointToEnd(body);
  auto yield = rewriter.create<kiln::YieldOp>(loc, concat->getResults());
  for (Value tap : taps)
    if (Operation *slice = tap.getDefiningOp<kiln::SliceOp>())
      rewriter.moveOpBefore(slice, yield);
  rewriter.moveOpBefore(concat, yield);
  rewriter.setInsertionPointAfter(fused);
  return fused.getResult(0);
}

/// The one-element `v` (a run-time zero point, [1, 1, 1, 1] in a transposed frame) as rank
/// 0: it broadcasts against the patch matrix without raising its rank.
Value rankZero(PatternRewriter &rewriter, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 0)
    return v;
  return rewriter.create<kiln::ReshapeOp>(loc, RankedTensorType::get({}, type.getElementType()),
                                          v);
}

/// Whether the patch matrix of `conv` is its input itself (1x1, stride 1, no padding).
bool isPointwise(kiln::ConvOp conv) {
  auto filter = conv.getFilter().getType();
  auto isOne = [](int64_t v) { return v == 1; };
  return filter.getDimSize(0) == 1 && filter.getDimSize(1) == 1 &&
         llvm::all_of(conv.getStrides(), isOne) &&
         llvm::all_of(conv.getPads(), [](int64_t p) { return p == 0; });
}

/// Why the patch matrix of `conv` cannot be built without kiln.im2col (`vectorOp` false),
/// or "": the slices need static sizes and a constant padding value.
std::string slicesUnsupported(kiln::ConvOp conv, bool symbolic, bool runtimePad, bool vectorOp) {
  if (vectorOp || isPointwise(conv))
    return "";
  if (runtimePad)
    return "the activation zero point is known at run time only";
  return symbolic ? "symbolic image dims need the kiln.im2col patch matrix" : "";
}

/// [N*OH*OW, KH*KW*C] of NHWC `x` (the HWCF filter's row order): a kiln.im2col reading the
/// padding in place (`vectorOp`), else the input padded with `padValue`, one strided slice
/// per filter tap, concatenated along the channels (slicesUnsupported() is empty).
Value buildIm2col(PatternRewriter &rewriter, kiln::ConvOp conv, Value x, int64_t padValue,
                  Value runtimePad, bool vectorOp) {
  Location loc = conv.getLoc();
  auto in = cast<RankedTensorType>(x.getType());
  bool symbolic = !in.hasStaticShape();
  if (symbolic && isPointwise(conv))
    return x; // the patch matrix is x itself; kiln.matmul_int8 folds its leading dims
  Value cols;
  if (vectorOp && !isPointwise(conv)) {
    auto filter = conv.getFilter().getType();
    int64_t kh = filter.getDimSize(0), kw = filter.getDimSize(1);
    // Symbolic where the input's dims are (the result's follow from them).
    auto dim = [&](int64_t d) {
      return in.isDynamicDim(d) ? ShapedType::kDynamic : conv.getType().getDimSize(d);
    };
    auto type = in.clone({in.getDimSize(0), dim(1), dim(2), kh * kw * in.getDimSize(3)});
    if (runtimePad && cast<RankedTensorType>(runtimePad.getType()).getRank() != 0)
      runtimePad = rewriter.create<kiln::ReshapeOp>(
          loc, RankedTensorType::get({}, in.getElementType()), runtimePad);
    cols = rewriter.create<kiln::Im2colOp>(
        loc, type, x, runtimePad, rewriter.getDenseI64ArrayAttr({kh, kw}), conv.getStridesAttr(),
        conv.getDilationsAttr(), conv.getPadsAttr(), rewriter.getF64FloatAttr(double(padValue)));
  } else {
    SmallVector<Value> taps = kiln::im2colTaps(rewriter, conv, x, double(padValue));
    cols = taps.size() == 1 ? taps.front() : gatherTaps(rewriter, loc, taps);
  }
  auto type = cast<RankedTensorType>(cols.getType()); // [N, OH, OW, KH*KW*C]
  if (symbolic)
    return cols; // kiln.matmul_int8 folds its leading dims into the rows itself
  return rewriter.create<kiln::ReshapeOp>(
      loc, type.clone({type.getDimSize(0) * type.getDimSize(1) * type.getDimSize(2),
                       type.getDimSize(3)}),
      cols);
}

struct Int8ConvAsMatmul : OpRewritePattern<kiln::ConvOp> {
  Int8ConvAsMatmul(MLIRContext *ctx, bool vectorIm2col)
      : OpRewritePattern(ctx), vectorIm2col(vectorIm2col) {}
  bool vectorIm2col;

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    auto result = conv.getType();
    Type elementType = result.getElementType();
    bool isFloat = elementType.isF32();
    if (conv.getLayout() != "NHWC" || conv.getInput().getType().getRank() != 4 ||
        !(isFloat || elementType.isSignlessInteger(32)))
      return failure();
    std::string why;
    FailureOr<kiln::Int8Input> in = kiln::matchInt8Input(conv.getInput(), isFloat, why);
    if (failed(in))
      return failure(); // not a conv of 8-bit activations
    // The padding is the zero point, stored in x's own type.
    bool isUnsigned = elementTypeOf(in->x8).isUnsignedInteger();
    if (in->zeroPoint < (isUnsigned ? 0 : -128) || in->zeroPoint > (isUnsigned ? 255 : 127))
      return warn(conv, rewriter, "the activation zero point is outside the activations' type");
    if (in->runtimeZeroPoint && elementTypeOf(in->runtimeZeroPoint) != elementTypeOf(in->x8))
      return warn(conv, rewriter, "the activation zero point's type is not the activations'");
    auto filter = conv.getFilter().getType();
    // A depthwise conv of dequantized values keeps its float sums, reading and writing the
    // 8-bit values itself (kiln-int8-depthwise, after kiln-depthwise-conv; symbolic batch and
    // image dims included).
    int64_t group = conv.getGroup();
    if (isFloat && group > 1 && conv.getInput().getType().getDimSize(3) == group &&
        result.getDimSize(3) == group)
      return failure();
    if (group != 1) {
      if (isFloat && vectorIm2col)
        return groupedAsMatmul(conv, *in, rewriter);
      return warn(conv, rewriter,
                  isFloat ? "grouped convolutions have no int8 kernel on this target: it runs in "
                            "float on the dequantized values, as in the fp32 model"
                          : "grouped integer convolutions whose sums are not exact in float32 "
                            "have no int8 kernel");
    }
    // The batch and image dims may be symbolic (one artifact for every image size); the
    // channels and the filter not.
    auto inType = conv.getInput().getType();
    if (!filter.hasStaticShape() || inType.isDynamicDim(3) || result.isDynamicDim(3))
      return warn(conv, rewriter, "the channels or the filter are not static");
    // Float weights that are no int8 grid (a layer left in float) keep the float conv: its
    // im2col matmul would not reach the int8 kernel either.
    if (isFloat && matchPattern(conv.getFilter(), m_Constant()) &&
        !kiln::isInt8Grid(conv.getFilter()))
      return warn(conv, rewriter, "the weights are not int8 values times a per-channel scale");
    // Checked before any op is built: a pattern that fails must leave the IR as it was (the
    // greedy driver otherwise erases the dead ops, tries again and never converges).
    std::string slices =
        slicesUnsupported(conv, !inType.hasStaticShape(), bool(in->runtimeZeroPoint), vectorIm2col);
    if (!slices.empty())
      return warn(conv, rewriter, slices);
    Location loc = conv.getLoc();
    // HWCF flattens to (kh, kw, c) x f, the patch matrix's column order.
    FailureOr<Value> rhs = kiln::weightMatrix(rewriter, loc, conv.getFilter(), why);
    if (failed(rhs))
      return warn(conv, rewriter, why);
    Value x8 = in->x8;
    if (in->perm)
      x8 = rewriter.create<kiln::TransposeOp>(loc, x8, rewriter.getDenseI64ArrayAttr(*in->perm));
    Value cols = buildIm2col(rewriter, conv, x8, in->zeroPoint, in->runtimeZeroPoint, vectorIm2col);
    // The same widening as the conv's input, on the patch matrix.
    auto colsType = cast<RankedTensorType>(cols.getType());
    Value lhs = rewriter.create<kiln::CastOp>(loc, colsType.clone(elementTypeOf(in->cast)), cols);
    if (in->sub)
      lhs = rewriter.create<kiln::SubOp>(loc, lhs,
                                         in->runtimeZeroPoint
                                             ? rankZero(rewriter, loc, in->sub.getRhs())
                                             : scalarOf(rewriter, loc, in->sub.getRhs()));
    if (in->mul)
      lhs = rewriter.create<kiln::MulOp>(loc, lhs, scalarOf(rewriter, loc, in->mul.getRhs()));
    Value out = rewriter.create<kiln::MatMulOp>(loc, lhs, *rhs);
    return replaceConv(conv, out, rewriter);
  }

private:
  /// A grouped conv of dequantized 8-bit activations, (float(x) - zx) * sx: the patch matrix
  /// of a dense conv (columns (tap, group, channel)) times the grouped kiln.matmul_int8, each
  /// output column summing its own group's channels, then the scales and bias in float. Every
  /// check reads only: a failure leaves the IR as it was.
  LogicalResult groupedAsMatmul(kiln::ConvOp conv, const kiln::Int8Input &in,
                                PatternRewriter &rewriter) const {
    auto inType = conv.getInput().getType();
    auto filter = conv.getFilter().getType();
    auto result = conv.getType();
    int64_t group = conv.getGroup();
    if (!filter.hasStaticShape() || inType.isDynamicDim(3) || result.isDynamicDim(3))
      return warn(conv, rewriter, "the channels or the filter are not static");
    auto staysFloat = [&](const std::string &why) {
      return warn(conv, rewriter, why + ": it runs in float on the dequantized values");
    };
    int64_t f = result.getDimSize(3), cg = inType.getDimSize(3) / group, fg = f / group;
    if (cg % 4 != 0)
      return staysFloat("a grouped convolution's channels per group (" + std::to_string(cg) +
                        ") are not a multiple of 4");
    // The kernel fills a vector of 16 output channels per group, or one with 16 / fg whole
    // groups (groupsShareVectors: ResNeXt's 4 and 8, RegNetY's 8). Other narrow groups leave
    // lanes idle, and the float kernel (kiln-grouped-conv, static shapes) is faster.
    if (fg < 16 && !kiln::groupsShareVectors(f, group, cg) && kiln::isGroupedConvCandidate(conv))
      return staysFloat("a grouped convolution of " + std::to_string(fg) +
                        " outputs per group runs faster in float (its groups do not fill whole "
                        "vectors of 16 lanes on the int8 kernel)");
    std::string why;
    FailureOr<kiln::Int8Columns> columns = kiln::int8Columns(conv.getFilter(), why);
    if (failed(columns))
      return staysFloat(why);
    FailureOr<kiln::Int8Weights> weights = kiln::splitInt8Weights(columns->q, f);
    if (failed(weights) || weights->shifted)
      return staysFloat("grouped weights minus their zero point are not int8 values");
    Location loc = conv.getLoc();
    Value x8 = in.x8;
    if (in.perm)
      x8 = rewriter.create<kiln::TransposeOp>(loc, x8, rewriter.getDenseI64ArrayAttr(*in.perm));
    Value cols = buildIm2col(rewriter, conv, x8, in.zeroPoint, Value(), /*vectorOp=*/true);
    auto colsType = cast<RankedTensorType>(cols.getType());
    SmallVector<int64_t> shape(colsType.getShape());
    shape.back() = f;
    kiln::Int8Activation act;
    act.source = cols;
    act.zeroPoint = in.zeroPoint;
    Value acc =
        kiln::buildInt8MatMul(rewriter, loc, act, *weights,
                              RankedTensorType::get(shape, rewriter.getI32Type()), {group, cg});
    kiln::MulOp mul = in.mul;
    float sx = float(*kiln::scalarConstant(mul.getRhs()));
    return replaceConv(conv, kiln::scaleInt8Product(rewriter, loc, acc, sx, columns->scales),
                       rewriter);
  }

  /// Replaces `conv` by its product `out` ([rows, F] or the result's shape) plus its bias.
  static LogicalResult replaceConv(kiln::ConvOp conv, Value out, PatternRewriter &rewriter) {
    if (conv.getBias())
      out = rewriter.create<kiln::AddOp>(conv.getLoc(), out, conv.getBias());
    if (out.getType() == conv.getType())
      rewriter.replaceOp(conv, out);
    else
      rewriter.replaceOpWithNewOp<kiln::ReshapeOp>(conv, conv.getType(), out);
    return success();
  }

  static LogicalResult warn(kiln::ConvOp conv, PatternRewriter &rewriter, StringRef why) {
    kiln::warnOnce(rewriter, conv,
                   "convolution of 8-bit activations runs without the int8 kernel (" + why + ")");
    return failure();
  }
};

struct Int8ConvIm2colPass : kiln::impl::Int8ConvIm2colBase<Int8ConvIm2colPass> {
  using Int8ConvIm2colBase::Int8ConvIm2colBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<Int8ConvAsMatmul>(&getContext(), vectorIm2col);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    kiln::clearInt8Warnings(getOperation());
  }
};
} // namespace
