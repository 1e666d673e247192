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

namespace {
/// Whether `v` is (float(x8) [- zp]) * s, a dequantized 8-bit tensor.
bool isDequantized8Bit(Value v) {
  auto mul = v.getDefiningOp<MulOp>();
  if (!mul)
    return false;
  v = mul.getLhs();
  if (auto sub = v.getDefiningOp<SubOp>())
    v = sub.getLhs();
  auto cast = v.getDefiningOp<CastOp>();
  return cast && getElementTypeOrSelf(cast.getInput().getType()).isInteger(8);
}

/// A 2-D grouped conv of dequantized 8-bit activations with groups of a multiple of 4
/// channels: kiln-int8-conv-im2col runs it in NHWC on the int8 kernel, symbolic batch and
/// image dims included.
bool isInt8GroupedConv(ConvOp conv) {
  auto input = conv.getInput().getType();
  int64_t group = conv.getGroup();
  return group > 1 && input.getRank() == 4 && !input.isDynamicDim(1) &&
         input.getDimSize(1) % (4 * group) == 0 && isDequantized8Bit(conv.getInput());
}
} // namespace

/// Default: 1-D to 3-D dense and depthwise convolutions, kiln.grouped_conv2d's grouped ones
/// and int8 grouped ones, which have NHWC vector paths (a 1-D conv runs as 2-D with a unit
/// height; kiln-decompose-conv3d makes 3-D ones 2-D convs).
bool defaultConvLayoutControl(ConvOp conv) {
  auto filter = conv.getFilter().getType();
  if (conv.getLayout() != "NCHW" || filter.getRank() < 3 || filter.getRank() > 5 ||
      !filter.hasStaticShape() ||
      (filter.getRank() == 5 && !cast<RankedTensorType>(conv.getInput().getType()).hasStaticShape()))
    return false;
  int64_t group = conv.getGroup();
  bool depthwise = filter.getDimSize(1) == 1 && filter.getDimSize(0) == group;
  return group == 1 || depthwise || isGroupedConvCandidate(conv) || isInt8GroupedConv(conv);
}
} // namespace kiln

namespace {
/// Permutations between channels-first and channels-last for tensors of `rank`:
/// N C S... → N S... C, and back.
SmallVector<int64_t> toChannelsLast(int64_t rank) {
  SmallVector<int64_t> perm{0};
  for (int64_t d = 2; d < rank; ++d)
    perm.push_back(d);
  perm.push_back(1);
  return perm;
}

SmallVector<int64_t> toChannelsFirst(int64_t rank) {
  SmallVector<int64_t> perm{0, rank - 1};
  for (int64_t d = 1; d + 1 < rank; ++d)
    perm.push_back(d);
  return perm;
}

/// Filter F C K... → K... C F.
SmallVector<int64_t> filterToChannelsLast(int64_t rank) {
  SmallVector<int64_t> perm;
  for (int64_t d = 2; d < rank; ++d)
    perm.push_back(d);
  perm.append({1, 0});
  return perm;
}

struct ConvToNHWC : OpRewritePattern<kiln::ConvOp> {
  ConvToNHWC(MLIRContext *ctx, kiln::ConvLayoutControlFn control)
      : OpRewritePattern(ctx), control(std::move(control)) {}

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    if (!control(conv))
      return failure();
    Location loc = conv.getLoc();
    int64_t rank = conv.getInput().getType().getRank();
    Value input = rewriter.create<kiln::TransposeOp>(
        loc, conv.getInput(), rewriter.getDenseI64ArrayAttr(toChannelsLast(rank)));
    // FCHW → HWCF; folds when the filter is a constant.
    Value filter = rewriter.createOrFold<kiln::TransposeOp>(
        loc, conv.getFilter(), rewriter.getDenseI64ArrayAttr(filterToChannelsLast(rank)));
    Value nhwc = rank == 3 && staticBeyondBatch(conv)
                     ? conv1DAs2D(rewriter, conv, input, filter)
                     : rewriter.create<kiln::ConvOp>(
                           loc, input, filter, conv.getBias(), conv.getStridesAttr(),
                           conv.getPadsAttr(), conv.getDilationsAttr(), conv.getGroupAttr(),
                           rewriter.getStringAttr("NHWC"));
    rewriter.replaceOpWithNewOp<kiln::TransposeOp>(
        conv, nhwc, rewriter.getDenseI64ArrayAttr(toChannelsFirst(rank)));
    return success();
  }

private:
  static bool staticBeyondBatch(kiln::ConvOp conv) {
    for (auto type : {conv.getInput().getType(), conv.getType()})
      if (llvm::any_of(type.getShape().drop_front(), ShapedType::isDynamic))
        return false;
    return true;
  }

  /// A 1-D NWC conv as a 2-D NHWC conv of unit height between reshapes (views in the plan), so
  /// the kernel is the 2-D one with its epilogue fused; inside a kernel the unit dim would
  /// be an expand/collapse that tile-and-fuse does not cross.
  static Value conv1DAs2D(PatternRewriter &rewriter, kiln::ConvOp conv, Value input,
                          Value filter) {
    Location loc = conv.getLoc();
    auto unitHeight = [&](Value v, int64_t pos) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape.insert(shape.begin() + pos, 1);
      return rewriter.createOrFold<kiln::ReshapeOp>(loc, type.clone(shape), v);
    };
    ArrayRef<int64_t> pads = conv.getPads();
    auto conv2d = rewriter.create<kiln::ConvOp>(
        loc, unitHeight(input, 1), unitHeight(filter, 0), conv.getBias(),
        rewriter.getDenseI64ArrayAttr({1, conv.getStrides()[0]}),
        rewriter.getDenseI64ArrayAttr({0, pads[0], 0, pads[1]}),
        rewriter.getDenseI64ArrayAttr({1, conv.getDilations()[0]}), conv.getGroupAttr(),
        rewriter.getStringAttr("NHWC"));
    auto result = conv2d.getType();
    SmallVector<int64_t> shape(result.getShape());
    shape.erase(shape.begin() + 1);
    return rewriter.create<kiln::ReshapeOp>(loc, result.clone(shape), conv2d);
  }

public:

  kiln::ConvLayoutControlFn control;
};

/// 2-D pools follow the convolutions into NHWC, so no transpose separates them; so do 3-D max
/// pools of static shape, which kiln-decompose-conv3d then runs as 2-D ones.
template <typename PoolOp>
struct PoolToNHWC : OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(PoolOp pool, PatternRewriter &rewriter) const override {
    auto type = pool.getInput().getType();
    bool pool3d = std::is_same_v<PoolOp, kiln::MaxPoolOp> && type.getRank() == 5 &&
                  type.hasStaticShape() && pool.getType().hasStaticShape();
    if (pool.getLayout() != "NCHW" || (type.getRank() != 4 && !pool3d))
      return failure();
    Location loc = pool.getLoc();
    Value input = rewriter.create<kiln::TransposeOp>(
        loc, pool.getInput(), rewriter.getDenseI64ArrayAttr(toChannelsLast(type.getRank())));
    auto nhwc = rewriter.create<PoolOp>(
        loc, input, pool.getKernelShapeAttr(), pool.getStridesAttr(), pool.getPadsAttr(),
        pool.getDilationsAttr(), pool.getCeilModeAttr(), pool.getCountIncludePadAttr(),
        rewriter.getStringAttr("NHWC"));
    rewriter.replaceOpWithNewOp<kiln::TransposeOp>(
        pool, nhwc.getResult(), rewriter.getDenseI64ArrayAttr(toChannelsFirst(type.getRank())));
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
