//===- RecognizeLayerNorm.cpp - the decomposed LayerNorm → kiln.layer_norm -===//
#include "passes/Fusion/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_RECOGNIZELAYERNORM
#include "passes/Fusion/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The value of a float splat constant.
std::optional<double> splatValue(Value v) {
  DenseFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// A keepdims mean over the trailing dims [axis, rank) of its input; returns axis.
std::optional<int64_t> trailingMeanAxis(Value v) {
  auto mean = v.getDefiningOp<kiln::ReduceOp>();
  if (!mean || mean.getKind() != kiln::ReduceKind::mean || !mean.getKeepdims())
    return std::nullopt;
  ArrayRef<int64_t> axes = mean.getAxes();
  int64_t rank = cast<ShapedType>(mean.getInput().getType()).getRank();
  if (axes.empty() || axes.back() != rank - 1)
    return std::nullopt;
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      return std::nullopt;
  return axes.front();
}

/// Whether `param` only varies along the normalized dims [axis, rank) of `shape`.
bool isPerFeature(Value param, ArrayRef<int64_t> shape, int64_t axis) {
  auto type = cast<ShapedType>(param.getType());
  int64_t lead = static_cast<int64_t>(shape.size()) - type.getRank();
  if (lead < 0)
    return false;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t dim = lead + d, size = type.getDimSize(d);
    if (dim < axis ? size != 1 : size != shape[dim])
      return false;
  }
  return true;
}

/// div(d, sqrt(mean(pow(d, 2)) + eps)) with d = x - mean(x), optionally followed by
/// mul(·, gamma) and add(·, beta) → kiln.layer_norm(x, gamma, beta). Matched at the div.
struct LayerNormPattern : OpRewritePattern<kiln::DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::DivOp div, PatternRewriter &rewriter) const override {
    auto sub = div.getLhs().getDefiningOp<kiln::SubOp>();
    auto sqrt = div.getRhs().getDefiningOp<kiln::SqrtOp>();
    if (!sub || !sqrt)
      return failure();
    Value x = sub.getLhs();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || !type.hasStaticShape() || !isa<FloatType>(type.getElementType()) ||
        sub.getType() != type || div.getType() != type)
      return failure();
    std::optional<int64_t> axis = trailingMeanAxis(sub.getRhs());
    if (!axis || sub.getRhs().getDefiningOp<kiln::ReduceOp>().getInput() != x)
      return failure();
    auto addEps = sqrt.getInput().getDefiningOp<kiln::AddOp>();
    if (!addEps)
      return failure();
    std::optional<double> eps = splatValue(addEps.getRhs());
    std::optional<int64_t> varAxis = trailingMeanAxis(addEps.getLhs());
    if (!eps || varAxis != axis)
      return failure();
    auto pow = addEps.getLhs().getDefiningOp<kiln::ReduceOp>().getInput().getDefiningOp<kiln::PowOp>();
    std::optional<double> exponent = pow ? splatValue(pow.getRhs()) : std::nullopt;
    if (!pow || pow.getLhs() != sub.getResult() || exponent != 2.0)
      return failure();
    // d feeds only the square and the division (both replaced).
    if (llvm::any_of(sub->getUsers(), [&](Operation *u) { return u != pow && u != div; }))
      return failure();

    Operation *last = div;
    Value gamma, beta;
    if (div->hasOneUse())
      if (auto mul = dyn_cast<kiln::MulOp>(*div->getUsers().begin()))
        if (mul.getLhs() == div.getResult() && mul.getType() == type &&
            isPerFeature(mul.getRhs(), type.getShape(), *axis)) {
          gamma = mul.getRhs();
          last = mul;
        }
    if (last->hasOneUse())
      if (auto add = dyn_cast<kiln::AddOp>(*last->getUsers().begin()))
        if (add.getLhs() == last->getResult(0) && add.getType() == type &&
            isPerFeature(add.getRhs(), type.getShape(), *axis)) {
          beta = add.getRhs();
          last = add;
        }
    if (!gamma) {
      auto ones = RankedTensorType::get(type.getShape().drop_front(*axis), type.getElementType());
      gamma = rewriter.create<kiln::ConstantOp>(
          div.getLoc(), DenseElementsAttr::get(ones, rewriter.getFloatAttr(type.getElementType(), 1.0)));
    }
    rewriter.setInsertionPoint(last);
    auto norm = rewriter.create<kiln::LayerNormOp>(last->getLoc(), x, gamma, beta,
                                                   rewriter.getI64IntegerAttr(*axis),
                                                   rewriter.getF64FloatAttr(*eps));
    rewriter.replaceOp(last, norm.getResult());
    return success();
  }
};

struct RecognizeLayerNormPass : kiln::impl::RecognizeLayerNormBase<RecognizeLayerNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LayerNormPattern>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
