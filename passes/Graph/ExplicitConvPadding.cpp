//===- ExplicitConvPadding.cpp - conv padding as a kiln.pad of its own ----===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_EXPLICITCONVPADDING
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct PadConvInput : OpRewritePattern<kiln::ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    auto pads = conv.getPads();
    if (conv.getLayout() != "NHWC" || conv.getInput().getType().getRank() != 4 ||
        llvm::all_of(pads, [](int64_t p) { return p == 0; }) ||
        llvm::any_of(pads, [](int64_t p) { return p < 0; }))
      return failure();
    Location loc = conv.getLoc();
    Value padded = rewriter.create<kiln::PadOp>(
        loc, conv.getInput(),
        rewriter.getDenseI64ArrayAttr({0, pads[0], pads[1], 0, 0, pads[2], pads[3], 0}),
        kiln::PadModeAttr::get(rewriter.getContext(), kiln::PadMode::constant),
        rewriter.getF64FloatAttr(0.0));
    rewriter.replaceOpWithNewOp<kiln::ConvOp>(
        conv, padded, conv.getFilter(), conv.getBias(), conv.getStridesAttr(),
        rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}), conv.getDilationsAttr(), conv.getGroupAttr(),
        conv.getLayoutAttr());
    return success();
  }
};

struct ExplicitConvPaddingPass
    : kiln::impl::ExplicitConvPaddingBase<ExplicitConvPaddingPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PadConvInput>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
