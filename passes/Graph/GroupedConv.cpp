//===- GroupedConv.cpp - grouped NHWC convolutions as kiln.grouped_conv2d -===//
//
// A grouped conv other than depthwise lowered to a scalar linalg loop nest. As
// kiln.grouped_conv2d it lowers straight to vector code, reads its zero padding in place and
// applies the bias and a following relu or clip as it stores.
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/GroupedConv.h"
#include "passes/Graph/ConvEpilogue.h"
#include "passes/Graph/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_GROUPEDCONV
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
bool isGroupedConvCandidate(ConvOp conv) {
  auto input = conv.getInput().getType(), filter = conv.getFilter().getType();
  auto result = conv.getType();
  if (input.getRank() != 4 || filter.getRank() != 4 || !input.hasStaticShape() ||
      !filter.hasStaticShape() || !result.hasStaticShape() ||
      !input.getElementType().isF32() || !filter.getElementType().isF32())
    return false;
  bool nhwc = conv.getLayout() == "NHWC";
  if (!nhwc && conv.getLayout() != "NCHW")
    return false;
  int64_t group = conv.getGroup();
  int64_t c = input.getDimSize(nhwc ? 3 : 1), f = result.getDimSize(nhwc ? 3 : 1);
  if (group <= 1 || (c == group && f == group))
    return false;
  return llvm::all_of(conv.getDilations(), [](int64_t d) { return d == 1; }) &&
         llvm::all_of(conv.getPads(), [](int64_t p) { return p >= 0; }) &&
         GroupedConv2DOp::hasVectorLowering(c, f, group);
}
} // namespace kiln

namespace {
/// The HWCF filter [KH, KW, cg, F] as [ceil(F / B), KH, KW, cg, B], zeros past F: each block
/// of B output channels contiguous. Folds at compile time when the filter is a constant.
Value blockFilter(PatternRewriter &rewriter, Location loc, Value filter, int64_t block) {
  auto type = cast<RankedTensorType>(filter.getType());
  int64_t kh = type.getDimSize(0), kw = type.getDimSize(1), cg = type.getDimSize(2);
  int64_t f = type.getDimSize(3), blocks = (f + block - 1) / block;
  if (blocks * block > f) {
    auto zeros = type.clone({kh, kw, cg, blocks * block - f});
    Value pad = rewriter.create<kiln::ConstantOp>(
        loc, DenseElementsAttr::get(zeros, rewriter.getFloatAttr(type.getElementType(), 0.0)));
    filter = rewriter.createOrFold<kiln::ConcatOp>(loc, ValueRange{filter, pad}, 3);
  }
  Value split =
      rewriter.createOrFold<kiln::ReshapeOp>(loc, type.clone({kh, kw, cg, blocks, block}), filter);
  return rewriter.createOrFold<kiln::TransposeOp>(loc, split,
                                                  rewriter.getDenseI64ArrayAttr({3, 0, 1, 2, 4}));
}

struct ConvAsGrouped : OpRewritePattern<kiln::ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    if (conv.getLayout() != "NHWC" || !kiln::isGroupedConvCandidate(conv))
      return rewriter.notifyMatchFailure(conv, "not a grouped NHWC f32 convolution");
    kiln::ConvEpilogue epilogue = kiln::matchConvEpilogue(conv, /*allowResidual=*/false,
                                                          /*allowSwish=*/true);
    rewriter.setInsertionPoint(epilogue.last(conv));
    int64_t group = conv.getGroup();
    int64_t cg = conv.getInput().getType().getDimSize(3) / group;
    int64_t fg = conv.getType().getDimSize(3) / group;
    // The NHWC filter [KH, KW, C/G, F] (the layout pass transposed the constant) in blocks.
    Value filter = blockFilter(rewriter, conv.getLoc(), conv.getFilter(),
                               kiln::GroupedConv2DOp::filterBlock(cg, fg));
    Value out = rewriter.create<kiln::GroupedConv2DOp>(
        conv.getLoc(), conv.getType(), conv.getInput(), filter, conv.getBias(),
        conv.getStridesAttr(), conv.getPadsAttr(), conv.getGroupAttr(),
        rewriter.getF64FloatAttr(epilogue.min), rewriter.getF64FloatAttr(epilogue.max),
        rewriter.getBoolAttr(epilogue.hardSwish), rewriter.getBoolAttr(epilogue.silu));
    epilogue.replace(rewriter, conv, out);
    return success();
  }
};

struct GroupedConvPass : kiln::impl::GroupedConvBase<GroupedConvPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvAsGrouped>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
