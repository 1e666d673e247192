//===- DecomposeConv3D.cpp - NDHWC 3-D convs and max pools → 2-D ones -----===//
//
// y[n, od] = sum over kd of conv2d(x[n, od * sd + kd * dd], W[kd]): for each depth tap kd the
// input's depth slices (pad first, stride sd) are taken as a batch of images (the depth folds
// into the batch: a view of the slice), convolved in 2-D with that tap's filter, and the tap
// results summed (the adds become the next conv's epilogue). The 2-D convs take every path
// a 2-D conv takes (NHWC direct, Winograd, im2col). MLIR 19 has no vector path for 3-D convs.
// 3-D max pools likewise: the depth window as a max of depth slices, then a 2-D pool. A
// temporal conv (a [KD, 1, 1] filter) is one 2-D conv over depth x (H * W) instead.
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace kiln {
#define GEN_PASS_DEF_DECOMPOSECONV3D
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The depth slices of `x` ([N, D, H, W, C], already padded in depth) that depth tap `kd`
/// reads, as a batch of images [N * OD, H, W, C].
Value tapImages(PatternRewriter &rewriter, Location loc, Value x, int64_t start, int64_t od,
                int64_t stride) {
  auto type = cast<RankedTensorType>(x.getType());
  ArrayRef<int64_t> s = type.getShape();
  Value slice = rewriter.createOrFold<kiln::SliceOp>(
      loc, x, rewriter.getDenseI64ArrayAttr({0, start, 0, 0, 0}),
      rewriter.getDenseI64ArrayAttr({s[0], start + (od - 1) * stride + 1, s[2], s[3], s[4]}),
      rewriter.getDenseI64ArrayAttr({1, stride, 1, 1, 1}));
  return rewriter.create<kiln::ReshapeOp>(
      loc, type.clone({s[0] * od, s[2], s[3], s[4]}), slice);
}

/// `x` ([N, D, H, W, C]) padded in depth with `front` and `back` rows of `value` (itself when
/// neither is needed).
Value padDepth(PatternRewriter &rewriter, Location loc, Value x, int64_t front, int64_t back,
               double value) {
  if (!front && !back)
    return x;
  return rewriter.create<kiln::PadOp>(
      loc, x, rewriter.getDenseI64ArrayAttr({0, front, 0, 0, 0, 0, back, 0, 0, 0}),
      kiln::PadModeAttr::get(rewriter.getContext(), kiln::PadMode::constant),
      rewriter.getF64FloatAttr(value));
}

/// A temporal conv (filter [KD, 1, 1, C/G, F]: a (2+1)-D ResNet's depth convs, S3D's) of
/// static shape, no H/W padding or stride: one 2-D conv over [N, D, H * W, C] with a [KD, 1]
/// filter (views of the input and the result), where the taps as 2-D convs of their own read
/// each depth slice by a copy and summed KD products of K = C.
struct TemporalConvAs2D : OpRewritePattern<kiln::ConvOp> {
  TemporalConvAs2D(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    auto in = cast<RankedTensorType>(conv.getInput().getType());
    auto out = cast<RankedTensorType>(conv.getType());
    auto filter = cast<RankedTensorType>(conv.getFilter().getType());
    ArrayRef<int64_t> pads = conv.getPads(), strides = conv.getStrides();
    if (conv.getLayout() != "NHWC" || in.getRank() != 5 || !in.hasStaticShape() ||
        !out.hasStaticShape() || !filter.hasStaticShape() || filter.getDimSize(1) != 1 ||
        filter.getDimSize(2) != 1 || strides[1] != 1 || strides[2] != 1 || pads[1] || pads[2] ||
        pads[4] || pads[5])
      return failure();
    Location loc = conv.getLoc();
    ArrayRef<int64_t> s = in.getShape(), fs = filter.getShape(), o = out.getShape();
    Value x = rewriter.create<kiln::ReshapeOp>(loc, in.clone({s[0], s[1], s[2] * s[3], s[4]}),
                                               conv.getInput());
    Value w = rewriter.createOrFold<kiln::ReshapeOp>(loc, filter.clone({fs[0], 1, fs[3], fs[4]}),
                                                     conv.getFilter());
    Value y = rewriter.create<kiln::ConvOp>(
        loc, out.clone({o[0], o[1], o[2] * o[3], o[4]}), x, w, conv.getBias(),
        rewriter.getDenseI64ArrayAttr({strides[0], 1}),
        rewriter.getDenseI64ArrayAttr({pads[0], 0, pads[3], 0}),
        rewriter.getDenseI64ArrayAttr({conv.getDilations()[0], 1}), conv.getGroupAttr(),
        conv.getLayoutAttr());
    rewriter.replaceOpWithNewOp<kiln::ReshapeOp>(conv, out, y);
    return success();
  }
};

struct Conv3DByDepthTaps : OpRewritePattern<kiln::ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    auto in = cast<RankedTensorType>(conv.getInput().getType());
    auto out = cast<RankedTensorType>(conv.getType());
    auto filter = cast<RankedTensorType>(conv.getFilter().getType());
    if (conv.getLayout() != "NHWC" || in.getRank() != 5 || !in.hasStaticShape() ||
        !out.hasStaticShape() || !filter.hasStaticShape())
      return failure();
    ArrayRef<int64_t> pads = conv.getPads(), strides = conv.getStrides(),
                      dil = conv.getDilations();
    Location loc = conv.getLoc();
    Value x = padDepth(rewriter, loc, conv.getInput(), pads[0], pads[3], 0.0);
    int64_t n = out.getDimSize(0), od = out.getDimSize(1), kd = filter.getDimSize(0);
    ArrayRef<int64_t> fs = filter.getShape();
    auto images = RankedTensorType::get({n * od, out.getDimSize(2), out.getDimSize(3),
                                         out.getDimSize(4)},
                                        out.getElementType());
    Value sum;
    for (int64_t k = 0; k < kd; ++k) {
      Value tapFilter = rewriter.createOrFold<kiln::SliceOp>(
          loc, conv.getFilter(), rewriter.getDenseI64ArrayAttr({k, 0, 0, 0, 0}),
          rewriter.getDenseI64ArrayAttr({k + 1, fs[1], fs[2], fs[3], fs[4]}),
          rewriter.getDenseI64ArrayAttr({1, 1, 1, 1, 1}));
      tapFilter = rewriter.createOrFold<kiln::ReshapeOp>(
          loc, filter.clone(fs.drop_front()), tapFilter);
      Value tap = rewriter.create<kiln::ConvOp>(
          loc, images, tapImages(rewriter, loc, x, k * dil[0], od, strides[0]), tapFilter,
          k == 0 ? conv.getBias() : Value(),
          rewriter.getDenseI64ArrayAttr(strides.drop_front()),
          rewriter.getDenseI64ArrayAttr({pads[1], pads[2], pads[4], pads[5]}),
          rewriter.getDenseI64ArrayAttr(dil.drop_front()), conv.getGroupAttr(),
          conv.getLayoutAttr());
      sum = sum ? rewriter.create<kiln::AddOp>(loc, tap, sum).getResult() : tap;
    }
    rewriter.replaceOpWithNewOp<kiln::ReshapeOp>(conv, out, sum);
    return success();
  }
};

/// An NDHWC 3-D max pool, static shapes: max is separable, so the depth window first (the
/// elementwise max of the depth taps' strided slices, the input padded in depth with -inf),
/// then a 2-D pool over H and W of the depth folded into the batch. No 3-D pool has a vector
/// path; the 2-D NHWC pool does.
struct MaxPool3DByDepthTaps : OpRewritePattern<kiln::MaxPoolOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::MaxPoolOp pool, PatternRewriter &rewriter) const override {
    auto in = pool.getInput().getType(), out = pool.getType();
    if (pool.getLayout() != "NHWC" || in.getRank() != 5 || !in.hasStaticShape() ||
        !out.hasStaticShape())
      return failure();
    ArrayRef<int64_t> k = pool.getKernelShape(), s = pool.getStrides(), d = pool.getDilations(),
                      pads = pool.getPads();
    Location loc = pool.getLoc();
    int64_t n = out.getDimSize(0), od = out.getDimSize(1), depth = in.getDimSize(1);
    // Every tap of every output depth inside the padded input (ceil mode may reach past the
    // end pad); the -inf rows never win, as each window holds an input row.
    int64_t back = std::max<int64_t>(0, (od - 1) * s[0] + (k[0] - 1) * d[0] + 1 - pads[0] - depth);
    Value x = padDepth(rewriter, loc, pool.getInput(), pads[0], back,
                       -std::numeric_limits<double>::infinity());
    Value rows;
    for (int64_t t = 0; t < k[0]; ++t) {
      Value tap = tapImages(rewriter, loc, x, t * d[0], od, s[0]);
      rows = rows ? rewriter.create<kiln::MaxOp>(loc, rows, tap).getResult() : tap;
    }
    auto images = RankedTensorType::get(
        {n * od, out.getDimSize(2), out.getDimSize(3), out.getDimSize(4)}, out.getElementType());
    Value pooled = rewriter.create<kiln::MaxPoolOp>(
        loc, images, rows, rewriter.getDenseI64ArrayAttr(k.drop_front()),
        rewriter.getDenseI64ArrayAttr(s.drop_front()),
        rewriter.getDenseI64ArrayAttr({pads[1], pads[2], pads[4], pads[5]}),
        rewriter.getDenseI64ArrayAttr(d.drop_front()), pool.getCeilModeAttr(),
        pool.getCountIncludePadAttr(), pool.getLayoutAttr());
    rewriter.replaceOpWithNewOp<kiln::ReshapeOp>(pool, out, pooled);
    return success();
  }
};

struct DecomposeConv3DPass : kiln::impl::DecomposeConv3DBase<DecomposeConv3DPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<TemporalConvAs2D, Conv3DByDepthTaps, MaxPool3DByDepthTaps>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
