//===- PrunePaddingTaps.cpp - filter taps that only ever read padding, dropped ===//
//
// A dilated convolution on a small feature map (DeepLab's ASPP: 3x3 with dilation 36 on a
// 33x33 map) has taps that read the zero padding for every output position: they add nothing
// and cost as much as the taps that do. Along each spatial dim the taps that reach the input
// for some output position form one range [first, last]; the convolution keeps only those,
// its pads shrink by the dilation times the taps cut on each side. Exact for any layout,
// group and stride; an ASPP branch whose window reaches the input only at its centre becomes
// a 1x1 convolution (then a matmul).
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/ConvSpatialDims.h"
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_PRUNEPADDINGTAPS
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Whether tap `t` of a window reads input row 0 <= o * stride + t * dilation - padBegin <
/// input for some output position o < output: the first o whose row is not above the input,
/// in closed form (pads and outputs may be huge).
bool tapReachesInput(int64_t t, int64_t input, int64_t output, int64_t stride, int64_t dilation,
                     int64_t padBegin) {
  int64_t offset = t * dilation - padBegin; // the row of output position 0
  int64_t first = std::max<int64_t>(0, llvm::divideCeilSigned(-offset, stride));
  return first < output && first * stride + offset < input;
}

struct DropPaddingOnlyTaps : OpRewritePattern<kiln::ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    std::optional<kiln::ConvSpatialDims> dims = kiln::staticConvSpatialDims(conv);
    if (!dims)
      return failure();
    auto filter = dims->filter;
    int64_t spatial = dims->spatial, filterFirst = dims->filterFirst;
    ArrayRef<int64_t> strides = conv.getStrides(), dilations = conv.getDilations(),
                      pads = conv.getPads();
    SmallVector<int64_t> newPads(pads), newDilations(dilations), starts(filter.getRank(), 0),
        ends(filter.getShape()), steps(filter.getRank(), 1);
    bool pruned = false;
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t taps = dims->taps(i), in = dims->in(i), out = dims->out(i);
      auto reaches = [&](int64_t t) {
        return tapReachesInput(t, in, out, strides[i], dilations[i], pads[i]);
      };
      int64_t first = 0, last = taps - 1;
      while (first <= last && !reaches(first))
        ++first;
      while (last >= first && !reaches(last))
        --last;
      if (first > last) // every tap reads padding: a constant output, left to the lowering
        return failure();
      int64_t begin = pads[i] - first * dilations[i];
      int64_t end = pads[spatial + i] - (taps - 1 - last) * dilations[i];
      if (begin < 0 || end < 0)
        return failure();
      if (first == 0 && last == taps - 1)
        continue;
      pruned = true;
      newPads[i] = begin;
      newPads[spatial + i] = end;
      if (first == last) // one tap left: its dilation means nothing
        newDilations[i] = 1;
      starts[filterFirst + i] = first;
      ends[filterFirst + i] = last + 1;
    }
    if (!pruned)
      return failure();
    Value cut = rewriter.createOrFold<kiln::SliceOp>(
        conv.getLoc(), conv.getFilter(), rewriter.getDenseI64ArrayAttr(starts),
        rewriter.getDenseI64ArrayAttr(ends), rewriter.getDenseI64ArrayAttr(steps));
    rewriter.replaceOpWithNewOp<kiln::ConvOp>(
        conv, conv.getInput(), cut, conv.getBias(), conv.getStridesAttr(),
        rewriter.getDenseI64ArrayAttr(newPads), rewriter.getDenseI64ArrayAttr(newDilations),
        conv.getGroupAttr(), conv.getLayoutAttr());
    return success();
  }
};

struct PrunePaddingTapsPass : kiln::impl::PrunePaddingTapsBase<PrunePaddingTapsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DropPaddingOnlyTaps>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
