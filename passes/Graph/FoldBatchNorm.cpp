//===- FoldBatchNorm.cpp - inference batch norm folded into the conv before it ===//
//
// y = (conv(x, W) + b - mean) * s + beta with s = scale / sqrt(var + eps) is
// conv(x, W * s[f]) + ((b - mean) * s + beta): the normalization costs nothing at run time.
// Only when the conv's weights, bias and every batch-norm parameter are f32 constants and the
// batch norm is the conv's only user. Any other batch norm with constant parameters becomes
// x * s + t with per-channel constants (DenseNet's pre-activation BN after a concat): plain
// elementwise ops, which transposes move through and fusion absorbs.
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The values of an f32 constant with `size` elements (a splat expands), or nothing.
std::optional<std::vector<float>> constantValues(Value v, int64_t size) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.getElementType().isF32() ||
      attr.getNumElements() != (attr.isSplat() ? attr.getNumElements() : size))
    return std::nullopt;
  if (attr.isSplat())
    return std::vector<float>(size, attr.getSplatValue<float>());
  auto values = attr.getValues<float>();
  return std::vector<float>(values.begin(), values.end());
}

struct FoldIntoConv : OpRewritePattern<kiln::BatchNormOp> {
  FoldIntoConv(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(kiln::BatchNormOp bn, PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<kiln::ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a conv used only here");
    auto filterType = cast<RankedTensorType>(conv.getFilter().getType());
    if (conv.getLayout() != "NCHW" || !filterType.hasStaticShape() ||
        !filterType.getElementType().isF32())
      return rewriter.notifyMatchFailure(bn, "not a static f32 NCHW conv");
    int64_t features = filterType.getDimSize(0);
    int64_t perFeature = filterType.getNumElements() / features;
    auto filter = constantValues(conv.getFilter(), filterType.getNumElements());
    auto scale = constantValues(bn.getScale(), features);
    auto shift = constantValues(bn.getBias(), features);
    auto mean = constantValues(bn.getMean(), features);
    auto var = constantValues(bn.getVariance(), features);
    std::optional<std::vector<float>> bias = std::vector<float>(features, 0.0f);
    if (conv.getBias())
      bias = constantValues(conv.getBias(), features);
    if (!filter || !scale || !shift || !mean || !var || !bias)
      return rewriter.notifyMatchFailure(bn, "weights or parameters are not f32 constants");

    double eps = bn.getEpsilon().convertToDouble();
    for (int64_t f = 0; f < features; ++f) {
      float s = (*scale)[f] / std::sqrt((*var)[f] + (float)eps);
      for (int64_t i = 0; i < perFeature; ++i)
        (*filter)[f * perFeature + i] *= s;
      (*bias)[f] = ((*bias)[f] - (*mean)[f]) * s + (*shift)[f];
    }
    Location loc = bn.getLoc();
    Value newFilter = rewriter.create<kiln::ConstantOp>(
        loc, DenseElementsAttr::get(filterType, llvm::ArrayRef<float>(*filter)));
    auto biasType = RankedTensorType::get({features}, rewriter.getF32Type());
    Value newBias = rewriter.create<kiln::ConstantOp>(
        loc, DenseElementsAttr::get(biasType, llvm::ArrayRef<float>(*bias)));
    rewriter.replaceOpWithNewOp<kiln::ConvOp>(
        bn, bn.getType(), conv.getInput(), newFilter, newBias, conv.getStridesAttr(),
        conv.getPadsAttr(), conv.getDilationsAttr(), conv.getGroupAttr(), conv.getLayoutAttr());
    rewriter.eraseOp(conv);
    return success();
  }
};

/// batch_norm(x) with constant f32 parameters → x * s + t, s and t of shape [C, 1, ...]
/// (numpy broadcasting along dim 1 of x).
struct ToScaleShift : OpRewritePattern<kiln::BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::BatchNormOp bn, PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(bn.getInput().getType());
    if (type.getRank() < 2 || type.isDynamicDim(1) || !type.getElementType().isF32())
      return rewriter.notifyMatchFailure(bn, "not f32 with a static channel dim");
    int64_t channels = type.getDimSize(1);
    auto scale = constantValues(bn.getScale(), channels);
    auto shift = constantValues(bn.getBias(), channels);
    auto mean = constantValues(bn.getMean(), channels);
    auto var = constantValues(bn.getVariance(), channels);
    if (!scale || !shift || !mean || !var)
      return rewriter.notifyMatchFailure(bn, "parameters are not f32 constants");
    double eps = bn.getEpsilon().convertToDouble();
    std::vector<float> mul(channels), add(channels);
    for (int64_t c = 0; c < channels; ++c) {
      mul[c] = (*scale)[c] / std::sqrt((*var)[c] + (float)eps);
      add[c] = (*shift)[c] - (*mean)[c] * mul[c];
    }
    SmallVector<int64_t> shape(type.getRank() - 1, 1);
    shape[0] = channels;
    auto paramType = RankedTensorType::get(shape, rewriter.getF32Type());
    Location loc = bn.getLoc();
    Value s = rewriter.create<kiln::ConstantOp>(
        loc, DenseElementsAttr::get(paramType, llvm::ArrayRef<float>(mul)));
    Value t = rewriter.create<kiln::ConstantOp>(
        loc, DenseElementsAttr::get(paramType, llvm::ArrayRef<float>(add)));
    Value scaled = rewriter.create<kiln::MulOp>(loc, bn.getInput(), s);
    rewriter.replaceOpWithNewOp<kiln::AddOp>(bn, scaled, t);
    return success();
  }
};

struct FoldBatchNormPass : kiln::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoConv, ToScaleShift>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
