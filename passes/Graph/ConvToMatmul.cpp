//===- ConvToMatmul.cpp - NHWC convolutions as im2col + matmul ------------===//
#include "passes/Graph/Passes.h"
#include "passes/Graph/Im2colTaps.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_CONVTOMATMUL
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
bool isPointwise(kiln::ConvOp conv) {
  auto filter = conv.getFilter().getType();
  return filter.getDimSize(0) == 1 && filter.getDimSize(1) == 1 &&
         llvm::all_of(conv.getStrides(), [](int64_t s) { return s == 1; }) &&
         llvm::all_of(conv.getPads(), [](int64_t p) { return p == 0; });
}

/// Whether the filter taps tile the input without overlap or gaps (stride = kernel, no
/// padding or dilation): a ViT/Swin/ConvNeXt patch embedding. Its im2col moves no data twice.
bool isPatchify(kiln::ConvOp conv) {
  auto filter = conv.getFilter().getType();
  ArrayRef<int64_t> strides = conv.getStrides();
  return strides.size() == 2 && filter.getDimSize(0) == strides[0] &&
         filter.getDimSize(1) == strides[1] &&
         llvm::all_of(conv.getDilations(), [](int64_t d) { return d == 1; }) &&
         llvm::all_of(conv.getPads(), [](int64_t p) { return p == 0; });
}

/// Input channels from which a dense convolution runs as a GEMM at any pixel count: the direct
/// kernel's filter block per task no longer fits L2 and it falls to 95-140 GFLOP/s on one Zen 5
/// core (fcn_resnet50's dilated 512- and 2048-channel 3x3s, DeepLab's 960-channel ASPP), where
/// the GEMM runs at 180-205 (256 channels: 175 direct, even after the im2col copy).
constexpr int64_t kWideChannels = 512;
/// The largest im2col matrix materialized for a wide convolution; past it the direct kernel
/// runs (its memory is the output's). With fewer filters than channels the matmul splits per
/// tap (kiln-split-concat) and no im2col matrix exists.
constexpr int64_t kMaxIm2colBytes = int64_t(64) << 20;

/// Default choice: dense 2-D NHWC convolutions with few output pixels and at most 64 taps,
/// or wide ones (kWideChannels) with an affordable im2col, 1x1 ones (any stride), or patch
/// embeddings (few pixels, or at least 4x4 taps: one transpose + a GEMM where the direct
/// kernel loops over the taps).
bool defaultConvToMatmulControl(kiln::ConvOp conv, int64_t maxPixels) {
  auto input = conv.getInput().getType(), result = conv.getType();
  if (conv.getLayout() != "NHWC" || conv.getGroup() != 1 || input.getRank() != 4 ||
      !input.hasStaticShape() || !result.hasStaticShape())
    return false;
  int64_t pixels = result.getDimSize(0) * result.getDimSize(1) * result.getDimSize(2);
  auto filter = conv.getFilter().getType();
  int64_t taps = filter.getDimSize(0) * filter.getDimSize(1);
  // A 1x1 conv with a stride (ResNets' downsampling shortcuts): its im2col is one strided
  // slice (a quarter of the input at stride 2), then the GEMM. On an Intel Xeon host the
  // direct kernel ran ResNet-50's [56x56x256] -> [28x28x512] at 85 GFLOP/s, the GEMM of that
  // shape at 170.
  bool unpadded = llvm::all_of(conv.getPads(), [](int64_t p) { return p == 0; });
  if (isPointwise(conv) || (taps == 1 && unpadded))
    return true;
  if (isPatchify(conv))
    return pixels <= maxPixels || taps >= 16;
  // The im2col is one slice kernel per tap and a concat of them all: past 64 taps (a 1x256
  // STFT filter bank) that is more kernels than work, and slow to compile; the direct conv
  // loops over the taps.
  if (taps > 64)
    return false;
  if (pixels <= maxPixels)
    return true;
  int64_t channels = input.getDimSize(3), filters = filter.getDimSize(3);
  return channels >= kWideChannels && filters >= 64 &&
         (filters < channels || pixels * taps * channels * 4 <= kMaxIm2colBytes);
}

/// The im2col of a patch embedding: [N, OH*KH, OW*KW, C] (the rows and columns the taps
/// cover) → [N, OH, KH, OW, KW, C] → [N, OH, OW, KH, KW, C] → [N, OH, OW, KH*KW*C].
Value buildPatches(PatternRewriter &rewriter, kiln::ConvOp conv) {
  Location loc = conv.getLoc();
  Value input = conv.getInput();
  auto in = cast<RankedTensorType>(input.getType());
  auto filter = conv.getFilter().getType();
  int64_t n = in.getDimSize(0), c = in.getDimSize(3), kh = filter.getDimSize(0),
          kw = filter.getDimSize(1);
  int64_t oh = conv.getType().getDimSize(1), ow = conv.getType().getDimSize(2);
  if (in.getDimSize(1) != oh * kh || in.getDimSize(2) != ow * kw)
    input = rewriter.create<kiln::SliceOp>(loc, input, rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}),
                                           rewriter.getDenseI64ArrayAttr({n, oh * kh, ow * kw, c}),
                                           rewriter.getDenseI64ArrayAttr({1, 1, 1, 1}));
  Value split = rewriter.create<kiln::ReshapeOp>(loc, in.clone({n, oh, kh, ow, kw, c}), input);
  Value patches =
      rewriter.create<kiln::TransposeOp>(loc, split, rewriter.getDenseI64ArrayAttr({0, 1, 3, 2, 4, 5}));
  return rewriter.create<kiln::ReshapeOp>(loc, in.clone({n, oh, ow, kh * kw * c}), patches);
}

/// [N, OH, OW, KH*KW*C]: one strided slice of the padded input per filter tap.
Value buildIm2col(PatternRewriter &rewriter, kiln::ConvOp conv) {
  Location loc = conv.getLoc();
  SmallVector<Value> taps = kiln::im2colTaps(rewriter, conv, conv.getInput(), 0.0);
  if (taps.size() == 1)
    return taps.front();
  return rewriter.create<kiln::ConcatOp>(loc, taps, 3);
}

struct ConvAsMatmul : OpRewritePattern<kiln::ConvOp> {
  ConvAsMatmul(MLIRContext *ctx, int64_t maxPixels) : OpRewritePattern(ctx), maxPixels(maxPixels) {}

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    if (!defaultConvToMatmulControl(conv, maxPixels))
      return failure();
    Location loc = conv.getLoc();
    auto result = conv.getType();
    auto filter = conv.getFilter().getType();
    Value cols = isPointwise(conv) ? conv.getInput()
                 : isPatchify(conv) ? buildPatches(rewriter, conv)
                                    : buildIm2col(rewriter, conv);
    auto colsType = cast<RankedTensorType>(cols.getType());
    int64_t pixels = result.getDimSize(0) * result.getDimSize(1) * result.getDimSize(2);
    int64_t depth = colsType.getDimSize(3), f = filter.getDimSize(3);
    Value lhs = rewriter.create<kiln::ReshapeOp>(loc, colsType.clone({pixels, depth}), cols);
    // HWCF flattens to (kh, kw, c) x f, the im2col column order; folds for constant filters.
    Value rhs = rewriter.createOrFold<kiln::ReshapeOp>(loc, filter.clone({depth, f}),
                                                       conv.getFilter());
    Value out = rewriter.create<kiln::MatMulOp>(loc, lhs, rhs);
    if (conv.getBias())
      out = rewriter.create<kiln::AddOp>(loc, out, conv.getBias());
    rewriter.replaceOpWithNewOp<kiln::ReshapeOp>(conv, result, out);
    return success();
  }

  int64_t maxPixels;
};

/// A pointwise conv with symbolic batch or image dims (static channels and filter): the
/// matmul [N, H, W, C] x [C, K] (batch dims N, H), which collapses them into its rows at run
/// time; the static [N*H*W, C] reshape above cannot be written for symbolic dims.
struct DynamicPointwiseAsMatmul : OpRewritePattern<kiln::ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    auto input = conv.getInput().getType(), result = conv.getType();
    auto filter = conv.getFilter().getType();
    if (conv.getLayout() != "NHWC" || conv.getGroup() != 1 || input.getRank() != 4 ||
        input.hasStaticShape() || input.isDynamicDim(3) || result.isDynamicDim(3) ||
        !filter.hasStaticShape() || !isPointwise(conv))
      return failure();
    Location loc = conv.getLoc();
    Value rhs = rewriter.createOrFold<kiln::ReshapeOp>(
        loc, filter.clone({filter.getDimSize(2), filter.getDimSize(3)}), conv.getFilter());
    Value out = rewriter.create<kiln::MatMulOp>(loc, conv.getInput(), rhs);
    if (conv.getBias())
      out = rewriter.create<kiln::AddOp>(loc, out, conv.getBias());
    rewriter.replaceOp(conv, out);
    return success();
  }
};

struct ConvToMatmulPass : kiln::impl::ConvToMatmulBase<ConvToMatmulPass> {
  using ConvToMatmulBase::ConvToMatmulBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvAsMatmul>(&getContext(), maxPixels);
    patterns.add<DynamicPointwiseAsMatmul>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
