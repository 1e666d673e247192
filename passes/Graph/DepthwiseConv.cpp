//===- DepthwiseConv.cpp - depthwise convolutions with padding and epilogue in one pass ===//
//
// A padded depthwise conv ran as a kiln.pad (a copy of the whole input into a bigger buffer)
// plus the conv and its relu/clip/hard swish. kiln.depthwise_conv2d reads the zero padding in
// place and applies bias, clamp and hard swish as it stores: one pass over the data.
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/ConvEpilogue.h"
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_DEPTHWISECONV
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// NHWC f32 with static channels (batch and image dims may be dynamic), one channel per
/// group, filter [KH, KW, 1, C], no dilation, channels in whole 8-lane vectors.
bool isDepthwiseCandidate(kiln::ConvOp conv) {
  auto input = conv.getInput().getType(), result = conv.getType();
  auto filter = conv.getFilter().getType();
  return conv.getLayout() == "NHWC" && input.getRank() == 4 && !input.isDynamicDim(3) &&
         result.getRank() == 4 && !result.isDynamicDim(3) &&
         input.isDynamicDim(1) == result.isDynamicDim(1) &&
         input.isDynamicDim(2) == result.isDynamicDim(2) && filter.hasStaticShape() &&
         input.getElementType().isF32() && conv.getGroup() == input.getDimSize(3) &&
         result.getDimSize(3) == input.getDimSize(3) && filter.getDimSize(2) == 1 &&
         input.getDimSize(3) % 8 == 0 &&
         llvm::all_of(conv.getDilations(), [](int64_t d) { return d == 1; }) &&
         llvm::all_of(conv.getPads(), [](int64_t p) { return p >= 0; });
}

struct ConvAsDepthwise : OpRewritePattern<kiln::ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    if (!isDepthwiseCandidate(conv))
      return rewriter.notifyMatchFailure(conv, "not a depthwise NHWC f32 convolution");
    kiln::ConvEpilogue epilogue = kiln::matchConvEpilogue(conv, /*allowResidual=*/false,
                                                          /*allowSwish=*/true);
    rewriter.setInsertionPoint(epilogue.last(conv));
    Location loc = conv.getLoc();
    auto filterType = conv.getFilter().getType();
    // [KH, KW, 1, C] → [KH, KW, C]: a view (folds into the constant).
    Value filter = rewriter.createOrFold<kiln::ReshapeOp>(
        loc,
        filterType.clone({filterType.getDimSize(0), filterType.getDimSize(1),
                          filterType.getDimSize(3)}),
        conv.getFilter());
    Value out = rewriter.create<kiln::DepthwiseConv2DOp>(
        loc, conv.getType(), conv.getInput(), filter, conv.getBias(), conv.getStridesAttr(),
        conv.getPadsAttr(), rewriter.getF64FloatAttr(epilogue.min),
        rewriter.getF64FloatAttr(epilogue.max), rewriter.getBoolAttr(epilogue.hardSwish),
        /*input_scale=*/nullptr, /*input_zero_point=*/nullptr, /*output_scale=*/nullptr,
        /*output_zero_point=*/nullptr, rewriter.getBoolAttr(epilogue.silu));
    epilogue.replace(rewriter, conv, out);
    return success();
  }
};

struct DepthwiseConvPass : kiln::impl::DepthwiseConvBase<DepthwiseConvPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvAsDepthwise>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
