//===- ExplicitConvPadding.cpp - conv / max-pool padding as a kiln.pad ----===//
// (and a zero pad before an average pool as the pool's own padding)
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "kiln/Dialect/Graph/VectorPools.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace kiln {
#define GEN_PASS_DEF_EXPLICITCONVPADDING
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// NHWC begin/end pads of a 2-D window op ([h0, w0, h1, w1]) as kiln.pad's per-dim pads.
Value padNhwc(PatternRewriter &rewriter, Location loc, Value input, ArrayRef<int64_t> pads,
              double value) {
  return rewriter.create<kiln::PadOp>(
      loc, input, rewriter.getDenseI64ArrayAttr({0, pads[0], pads[1], 0, 0, pads[2], pads[3], 0}),
      kiln::PadModeAttr::get(rewriter.getContext(), kiln::PadMode::constant),
      rewriter.getF64FloatAttr(value));
}

bool hasPadding(ArrayRef<int64_t> pads) {
  return llvm::any_of(pads, [](int64_t p) { return p != 0; }) &&
         llvm::none_of(pads, [](int64_t p) { return p < 0; });
}

struct PadConvInput : OpRewritePattern<kiln::ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    auto pads = conv.getPads();
    if (conv.getLayout() != "NHWC" || conv.getInput().getType().getRank() != 4 ||
        !hasPadding(pads))
      return failure();
    Value padded = padNhwc(rewriter, conv.getLoc(), conv.getInput(), pads, 0.0);
    rewriter.replaceOpWithNewOp<kiln::ConvOp>(
        conv, padded, conv.getFilter(), conv.getBias(), conv.getStridesAttr(),
        rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}), conv.getDilationsAttr(), conv.getGroupAttr(),
        conv.getLayoutAttr());
    return success();
  }
};

/// A float NHWC max pool pads with -inf, which never wins the max: the pooling kernel then
/// reads a planned buffer that its producer fills in place (a pad inside the pool's kernel
/// is a copy of the whole input on every call).
/// With `vectorPools`, pools that lower to vector code keep their padding (read in place).
struct PadMaxPoolInput : OpRewritePattern<kiln::MaxPoolOp> {
  PadMaxPoolInput(MLIRContext *ctx, bool vectorPools)
      : OpRewritePattern(ctx), vectorPools(vectorPools) {}
  LogicalResult matchAndRewrite(kiln::MaxPoolOp pool, PatternRewriter &rewriter) const override {
    auto pads = pool.getPads();
    auto input = cast<RankedTensorType>(pool.getInput().getType());
    if ((vectorPools && kiln::isVectorCodedPool(pool)) || pool.getLayout() != "NHWC" ||
        input.getRank() != 4 || pool.getCeilMode() || !isa<FloatType>(input.getElementType()) ||
        pads.size() != 4 || !hasPadding(pads))
      return failure();
    Value padded = padNhwc(rewriter, pool.getLoc(), pool.getInput(), pads,
                           -std::numeric_limits<double>::infinity());
    rewriter.replaceOpWithNewOp<kiln::MaxPoolOp>(
        pool, pool.getType(), padded, pool.getKernelShapeAttr(), pool.getStridesAttr(),
        rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}), pool.getDilationsAttr(),
        pool.getCeilModeAttr(), pool.getCountIncludePadAttr(), pool.getLayoutAttr());
    return success();
  }
  bool vectorPools;
};

/// The reverse for average pools: a zero pad of only the spatial dims before an unpadded NHWC
/// average pool (how torch exports count_include_pad=True padding: Inception's pools) becomes
/// the pool's own padding, counted in its divisor; the vector-coded pool reads it in place,
/// where the pad was a copy of its input (4x slower on 2 threads than on 1).
struct PadIntoAvgPool : OpRewritePattern<kiln::AvgPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::AvgPoolOp pool, PatternRewriter &rewriter) const override {
    auto pad = pool.getInput().getDefiningOp<kiln::PadOp>();
    if (!pad || pad.getMode() != kiln::PadMode::constant || pad.getValue().convertToDouble() != 0 ||
        pool.getLayout() != "NHWC" || pool.getCeilMode() || hasPadding(pool.getPads()) ||
        pad.getPads().size() != 8)
      return failure();
    ArrayRef<int64_t> p = pad.getPads(), k = pool.getKernelShape();
    // [n, h, w, c] begin pads, then end pads: only h and w, each under the window.
    if (p[0] || p[3] || p[4] || p[7] || llvm::any_of(p, [](int64_t v) { return v < 0; }) ||
        std::max(p[1], p[5]) >= k[0] || std::max(p[2], p[6]) >= k[1])
      return failure();
    // The same windows over the same values (the output size is unchanged); the pool with
    // padding takes the vector code as the one over the padded copy does.
    if (!kiln::isVectorCodedPool(pool) || !pad.getInput().getType().hasStaticShape())
      return failure();
    rewriter.replaceOpWithNewOp<kiln::AvgPoolOp>(
        pool, pool.getType(), pad.getInput(), pool.getKernelShapeAttr(), pool.getStridesAttr(),
        rewriter.getDenseI64ArrayAttr({p[1], p[2], p[5], p[6]}), pool.getDilationsAttr(),
        pool.getCeilModeAttr(), rewriter.getBoolAttr(true), pool.getLayoutAttr());
    return success();
  }
};

struct ExplicitConvPaddingPass
    : kiln::impl::ExplicitConvPaddingBase<ExplicitConvPaddingPass> {
  using ExplicitConvPaddingBase::ExplicitConvPaddingBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PadConvInput>(&getContext());
    patterns.add<PadMaxPoolInput>(&getContext(), vectorPools);
    if (vectorPools)
      patterns.add<PadIntoAvgPool>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
