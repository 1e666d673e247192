//===- WinogradConv.cpp - 3x3 convolutions as Winograd F(m x m, 3 x 3) ----===//
//
// conv → [add residual] → [relu | clip] becomes winograd_input → batched matmul with the
// filter transformed at compile time → winograd_output, which also adds bias and residual and
// clamps. Which convolutions, and with which tile, is the control function's choice.
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/Passes.h"
#include "passes/Graph/ConvEpilogue.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "kiln/Dialect/Graph/Winograd.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <algorithm>
#include <memory>

namespace kiln {
#define GEN_PASS_DEF_WINOGRADCONV
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Chooses the output tile m for a convolution (0: leave it a direct convolution).
using WinogradControlFn = std::function<int64_t(kiln::ConvOp)>;

/// True for the convolutions the Winograd ops implement: NHWC f32, group 1, 3x3, stride 1,
/// pads of at most 2 dilations, every dilation phase with an output row and column, a
/// constant filter, static channels in whole vectors. N, H and W may be symbolic (then
/// without dilation: the lowering's tile count is computed at run time).
bool isWinogradCandidate(kiln::ConvOp conv) {
  auto input = conv.getInput().getType(), result = conv.getType();
  auto filter = conv.getFilter().getType();
  auto ones = [](ArrayRef<int64_t> v) { return llvm::all_of(v, [](int64_t x) { return x == 1; }); };
  if (!(conv.getLayout() == "NHWC" && conv.getGroup() == 1 && input.getRank() == 4 &&
        !input.isDynamicDim(3) && !result.isDynamicDim(3) && filter.hasStaticShape() &&
        input.getElementType().isF32() && filter.getDimSize(0) == 3 && filter.getDimSize(1) == 3 &&
        ones(conv.getStrides()) && input.getDimSize(3) % 8 == 0 && result.getDimSize(3) % 8 == 0 &&
        matchPattern(conv.getFilter(), m_Constant())))
    return false;
  ArrayRef<int64_t> dilations = conv.getDilations(), pads = conv.getPads();
  for (int64_t i = 0; i < 4; ++i) // pads: top, left, bottom, right
    if (pads[i] < 0 || pads[i] > 2 * dilations[i % 2])
      return false;
  if (!result.hasStaticShape())
    return ones(dilations);
  return result.getDimSize(1) >= dilations[0] && result.getDimSize(2) >= dilations[1];
}

/// The feature-map sizes a choice for symbolic H and W must hold at: a 3x3 conv may run
/// anywhere from a 224x224 image's last stage (7x7) to a large image's first (112x112).
constexpr int64_t kSymbolicSizes[] = {7, 14, 28, 56, 112};

/// The machine the default choice estimates times on: one core's f32 FMA peak and memory
/// bandwidth (those of the kiln-compile --report roofline).
constexpr double kPeakFlops = 192e9, kBytesPerSecond = 50e9;

/// Estimated seconds of the convolution: direct (m = 0: 9 taps, the filter read once) or
/// Winograd F(m x m, 3 x 3): the batched matmul over all tiles (those cut at the edges count
/// whole) at the FMA peak, or, when longer, its memory traffic at the bandwidth (the
/// transformed filter read once, the transformed tiles and products written and read back).
/// Against one Zen 5 core (ms, direct / F(2) / F(4), the estimate in brackets): 64ch 56x56
/// 1.19 [1.20] / 0.85 [0.54] / 0.52 [0.30]; 256ch 14x14 1.21 [1.20] / 0.60 [0.54] / 0.51
/// [0.39]; 512ch 7x7 1.24 [1.20] / 0.86 [0.70] / 1.14 [0.78]; 160->320ch 7x7 0.25 [0.24] /
/// 0.17 [0.14] / 0.13 [0.16]; 2048->512ch 40x40 157 [157] / 81 [70] / 44 [39]; DeepLab's
/// 960->256ch 33x33 dilation 12 40 [25] / 38 [24] / 28 [13]. The transforms' arithmetic is
/// left out: Winograd's estimates are low by up to 1/3, hence the default's margin.
/// Symbolic dims count as a batch of 1 and `size` x `size` feature maps.
double estimateSeconds(kiln::ConvOp conv, int64_t m, int64_t size = 0) {
  auto result = conv.getType();
  ArrayRef<int64_t> dilations = conv.getDilations();
  double c = conv.getInput().getType().getDimSize(3), k = result.getDimSize(3);
  auto dim = [&](int64_t d) {
    return result.isDynamicDim(d) ? (d == 0 ? 1 : size) : result.getDimSize(d);
  };
  int64_t n = dim(0), oh = dim(1), ow = dim(2);
  if (m == 0)
    return std::max(2 * 9 * double(n * oh * ow) * c * k / kPeakFlops,
                    4 * 9 * c * k / kBytesPerSecond);
  double points = double((m + 2) * (m + 2));
  double tiles = double(n * kiln::winogradTiles(oh, m, dilations[0]) *
                        kiln::winogradTiles(ow, m, dilations[1]));
  return std::max(2 * points * tiles * c * k / kPeakFlops,
                  (4 * points * c * k + 2 * 4 * points * tiles * (c + k)) / kBytesPerSecond);
}

/// Seconds that one byte of transformed filter beyond the direct filter's costs in the
/// choice: 0.05 ms per MB. Kiln's peak memory should stay below onnxruntime's, and Winograd's
/// filters are (m+2)^2 / 9 times the direct one: r3d_18's nine 2x7x7x512 convs in F(4x4)
/// instead of F(2x2) would save 5 ms of 200 for 190 MB; fcn_resnet50's classifier conv saves
/// 115 ms for its 113 MB.
constexpr double kSecondsPerExtraByte = 0.05e-3 / (1 << 20);

/// The feature-map size a 3x3 conv over `channels` symbolic-sized channels is chosen for:
/// where such a layer sits in a CNN over a 224x224 image (64 channels at 56x56, 128 at
/// 28x28, 256 at 14x14, 512 at 7x7). Larger images only favour the larger tile more.
int64_t typicalSize(int64_t channels) {
  return std::clamp<int64_t>(56 * 64 / std::max<int64_t>(channels, 1), 7, 56);
}

/// Default: the tile of least estimated time plus memory cost, if its time is at most 3/4 of
/// the direct convolution's and the sum below the direct one's time, with a transformed
/// filter of at most `maxWeightBytes`. With symbolic H or W the times are those at the
/// typical size for the channel count, and a tile must also stay within 0.8 of the direct
/// time at every size of kSymbolicSizes. The worst case alone chose F(2x2) for every channel
/// count (F(4x4) loses only at 7x7): a symbolic ResNet-18's 64-channel convs at 56x56 took
/// 1.12 ms each against 0.57 in F(4x4) compiled for the size.
int64_t defaultWinogradControl(kiln::ConvOp conv, int64_t maxWeightBytes) {
  if (!isWinogradCandidate(conv))
    return 0;
  int64_t c = conv.getInput().getType().getDimSize(3), k = conv.getType().getDimSize(3);
  auto memoryCost = [&](int64_t m) {
    return kSecondsPerExtraByte * double(((m + 2) * (m + 2) - 9) * c * k * 4);
  };
  auto result = conv.getType();
  bool symbolic = result.isDynamicDim(1) || result.isDynamicDim(2);
  int64_t size = symbolic ? typicalSize(c) : 0;
  int64_t best = 0;
  double direct = estimateSeconds(conv, 0, size), bestScore = direct;
  for (int64_t m : {4, 2}) {
    int64_t alpha = m + 2;
    if (alpha * alpha * c * k * 4 > maxWeightBytes)
      continue;
    double time = estimateSeconds(conv, m, size), score = time + memoryCost(m);
    bool fastEnough = time <= 0.75 * direct;
    if (symbolic)
      for (int64_t other : kSymbolicSizes)
        fastEnough &= estimateSeconds(conv, m, other) <= 0.8 * estimateSeconds(conv, 0, other);
    if (fastEnough && score < bestScore) {
      bestScore = score;
      best = m;
    }
  }
  return best;
}

/// U[xi, nu, c, k] = sum_ij G[xi, i] g[i, j, c, k] G[nu, j] for an HWCF filter g [3, 3, C, K],
/// as a [(m+2)^2, C, K] constant.
Value transformFilter(PatternRewriter &rewriter, Location loc, DenseElementsAttr filter,
                      const kiln::WinogradMatrices &w) {
  auto type = cast<RankedTensorType>(filter.getType());
  int64_t ck = type.getDimSize(2) * type.getDimSize(3), alpha = w.alpha;
  // The filter's floats in place (a copy only of a splat); the result uninitialized until
  // written. A 2048 -> 512 filter is 38 MB in and 151 MB out: zero-filled and copied buffers
  // of that size were seconds of kiln-compile (page faults, memset).
  std::vector<float> splat;
  ArrayRef<float> g;
  if (filter.isSplat()) {
    splat.assign(9 * ck, filter.getSplatValue<float>());
    g = splat;
  } else {
    g = ArrayRef<float>(reinterpret_cast<const float *>(filter.getRawData().data()), 9 * ck);
  }
  std::unique_ptr<float[]> u(new float[alpha * alpha * ck]);
  // Per block of channel pairs: rows first, t[xi, j] = sum_i G[xi, i] g[i, j]; then
  // U[xi, nu] = sum_j t[xi, j] G[nu, j] (the same sums in the same order for every element).
  constexpr int64_t kBlock = 4096;
  std::vector<double> t(alpha * 3 * kBlock);
  for (int64_t e0 = 0; e0 < ck; e0 += kBlock) {
    int64_t len = std::min(kBlock, ck - e0);
    std::fill(t.begin(), t.end(), 0.0);
    for (int64_t xi = 0; xi < alpha; ++xi)
      for (int64_t i = 0; i < 3; ++i)
        if (double gi = w.g[xi * 3 + i])
          for (int64_t j = 0; j < 3; ++j)
            for (int64_t e = 0; e < len; ++e)
              t[(xi * 3 + j) * kBlock + e] += gi * g[(i * 3 + j) * ck + e0 + e];
    for (int64_t xi = 0; xi < alpha; ++xi)
      for (int64_t nu = 0; nu < alpha; ++nu)
        for (int64_t e = 0; e < len; ++e) {
          double sum = 0;
          for (int64_t j = 0; j < 3; ++j)
            sum += t[(xi * 3 + j) * kBlock + e] * w.g[nu * 3 + j];
          u[(xi * alpha + nu) * ck + e0 + e] = float(sum);
        }
  }
  auto uType = RankedTensorType::get({alpha * alpha, type.getDimSize(2), type.getDimSize(3)},
                                     type.getElementType());
  return rewriter.create<kiln::ConstantOp>(
      loc, DenseElementsAttr::get(uType, ArrayRef<float>(u.get(), alpha * alpha * ck)));
}

struct ConvAsWinograd : OpRewritePattern<kiln::ConvOp> {
  ConvAsWinograd(MLIRContext *ctx, WinogradControlFn control)
      : OpRewritePattern(ctx), control(std::move(control)) {}

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    int64_t m = control(conv);
    const kiln::WinogradMatrices *w = kiln::getWinogradMatrices(m);
    DenseElementsAttr filter;
    if (!w || !isWinogradCandidate(conv) || !matchPattern(conv.getFilter(), m_Constant(&filter)))
      return rewriter.notifyMatchFailure(conv, "not chosen for Winograd");
    kiln::ConvEpilogue epilogue = kiln::matchConvEpilogue(conv, /*allowResidual=*/true);
    Operation *last = epilogue.last(conv);
    rewriter.setInsertionPoint(last);
    Location loc = conv.getLoc();
    auto input = conv.getInput().getType(), result = conv.getType();
    int64_t c = input.getDimSize(3), k = result.getDimSize(3), alpha = w->alpha;
    ArrayRef<int64_t> dilations = conv.getDilations();
    bool dynamic = !result.hasStaticShape();
    int64_t tiles = dynamic ? ShapedType::kDynamic
                            : result.getDimSize(0) *
                                  kiln::winogradTiles(result.getDimSize(1), m, dilations[0]) *
                                  kiln::winogradTiles(result.getDimSize(2), m, dilations[1]);
    auto pads = conv.getPads(); // begin h, begin w, end h, end w
    Value v = rewriter.create<kiln::WinogradInputOp>(
        loc, RankedTensorType::get({alpha * alpha, tiles, c}, input.getElementType()),
        conv.getInput(), rewriter.getI64IntegerAttr(m), rewriter.getDenseI64ArrayAttr(pads),
        conv.getDilationsAttr());
    Value u = transformFilter(rewriter, loc, filter, *w);
    Value products = rewriter.create<kiln::MatMulOp>(loc, v, u);
    // With symbolic dims the output transform takes its size from the conv's input.
    Value out = rewriter.create<kiln::WinogradOutputOp>(
        loc, result, products, conv.getBias(), epilogue.residual,
        dynamic ? conv.getInput() : Value(), rewriter.getI64IntegerAttr(m),
        rewriter.getF64FloatAttr(epilogue.min), rewriter.getF64FloatAttr(epilogue.max),
        conv.getDilationsAttr(),
        dynamic ? rewriter.getDenseI64ArrayAttr(pads) : rewriter.getDenseI64ArrayAttr({}));
    epilogue.replace(rewriter, conv, out);
    return success();
  }

  WinogradControlFn control;
};

struct WinogradConvPass : kiln::impl::WinogradConvBase<WinogradConvPass> {
  using WinogradConvBase::WinogradConvBase;
  void runOnOperation() override {
    WinogradControlFn control = [this](kiln::ConvOp conv) -> int64_t {
      if (tile == 0)
        return defaultWinogradControl(conv, maxWeightBytes);
      return isWinogradCandidate(conv) ? int64_t(tile) : 0;
    };
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvAsWinograd>(&getContext(), control);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
