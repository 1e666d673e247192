//===- ConvertConvLayout.cpp - NCHW convolutions → NHWC with transposes ---===//
#include "passes/Graph/GroupedConv.h"
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTCONVLAYOUT
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
/// Decides whether a convolution runs in NHWC (heuristics now, a cost model later).
using ConvLayoutControlFn = std::function<bool(ConvOp)>;

/// Default: 2-D dense, depthwise and kiln.grouped_conv2d's grouped convolutions, which have
/// NHWC vector paths.
bool defaultConvLayoutControl(ConvOp conv) {
  auto filter = conv.getFilter().getType();
  if (conv.getLayout() != "NCHW" || filter.getRank() != 4 || !filter.hasStaticShape())
    return false;
  int64_t group = conv.getGroup();
  bool depthwise = filter.getDimSize(1) == 1 && filter.getDimSize(0) == group;
  return group == 1 || depthwise || isGroupedConvCandidate(conv);
}
} // namespace kiln

namespace {
struct ConvToNHWC : OpRewritePattern<kiln::ConvOp> {
  ConvToNHWC(MLIRContext *ctx, kiln::ConvLayoutControlFn control)
      : OpRewritePattern(ctx), control(std::move(control)) {}

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    if (!control(conv))
      return failure();
    Location loc = conv.getLoc();
    Value input = rewriter.create<kiln::TransposeOp>(
        loc, conv.getInput(), rewriter.getDenseI64ArrayAttr({0, 2, 3, 1}));
    // FCHW → HWCF; folds when the filter is a constant.
    Value filter = rewriter.createOrFold<kiln::TransposeOp>(
        loc, conv.getFilter(), rewriter.getDenseI64ArrayAttr({2, 3, 1, 0}));
    auto nhwc = rewriter.create<kiln::ConvOp>(
        loc, input, filter, conv.getBias(), conv.getStridesAttr(), conv.getPadsAttr(),
        conv.getDilationsAttr(), conv.getGroupAttr(), rewriter.getStringAttr("NHWC"));
    rewriter.replaceOpWithNewOp<kiln::TransposeOp>(conv, nhwc.getResult(),
                                                   rewriter.getDenseI64ArrayAttr({0, 3, 1, 2}));
    return success();
  }

  kiln::ConvLayoutControlFn control;
};

/// 2-D pools follow the convolutions into NHWC, so no transpose separates them.
template <typename PoolOp>
struct PoolToNHWC : OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(PoolOp pool, PatternRewriter &rewriter) const override {
    if (pool.getLayout() != "NCHW" || pool.getInput().getType().getRank() != 4)
      return failure();
    Location loc = pool.getLoc();
    Value input = rewriter.create<kiln::TransposeOp>(
        loc, pool.getInput(), rewriter.getDenseI64ArrayAttr({0, 2, 3, 1}));
    auto nhwc = rewriter.create<PoolOp>(
        loc, input, pool.getKernelShapeAttr(), pool.getStridesAttr(), pool.getPadsAttr(),
        pool.getDilationsAttr(), pool.getCeilModeAttr(), pool.getCountIncludePadAttr(),
        rewriter.getStringAttr("NHWC"));
    rewriter.replaceOpWithNewOp<kiln::TransposeOp>(pool, nhwc.getResult(),
                                                   rewriter.getDenseI64ArrayAttr({0, 3, 1, 2}));
    return success();
  }
};

struct ConvertConvLayoutPass : kiln::impl::ConvertConvLayoutBase<ConvertConvLayoutPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToNHWC>(&getContext(), kiln::defaultConvLayoutControl);
    patterns.add<PoolToNHWC<kiln::MaxPoolOp>, PoolToNHWC<kiln::AvgPoolOp>>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
