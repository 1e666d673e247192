//===- SinkReshapes.cpp - elementwise ops move above reshapes -------------===//
#include "passes/Fusion/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_SINKRESHAPES
#include "passes/Fusion/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
ArrayRef<int64_t> shapeOf(Value v) { return cast<ShapedType>(v.getType()).getShape(); }

/// `shape` without its leading unit dims.
ArrayRef<int64_t> dropLeadingOnes(ArrayRef<int64_t> shape) {
  while (!shape.empty() && shape.front() == 1)
    shape = shape.drop_front();
  return shape;
}

/// Whether `operand` broadcasts the same way against `from` as against `to` (two shapes of the
/// same elements): it only varies along trailing dims that both shapes share.
bool broadcastsAlike(ArrayRef<int64_t> operand, ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  ArrayRef<int64_t> trailing = dropLeadingOnes(operand);
  size_t r = trailing.size();
  if (r > from.size() || r > to.size() || from.take_back(r) != to.take_back(r))
    return false;
  return llvm::all_of(llvm::zip(trailing, from.take_back(r)), [](auto pair) {
    auto [o, d] = pair;
    return o == 1 || o == d;
  });
}

/// elementwise(reshape(x), ...) → reshape(elementwise(x, ...)) for one-result elementwise ops
/// whose every tensor operand is either a reshape from x's shape or broadcasts alike.
struct SinkReshapeBelowElementwise : RewritePattern {
  SinkReshapeBelowElementwise(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!kiln::isElementwise(op) || op->getNumResults() != 1)
      return failure();
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType.hasStaticShape())
      return failure();
    // The source shape: that of the first reshaped operand with the result's shape.
    std::optional<SmallVector<int64_t>> source;
    for (Value v : op->getOperands())
      if (auto reshape = v.getDefiningOp<kiln::ReshapeOp>())
        if (shapeOf(v) == resultType.getShape() && reshape.getInput().getType().hasStaticShape()) {
          source = llvm::to_vector(shapeOf(reshape.getInput()));
          break;
        }
    if (!source)
      return failure();
    SmallVector<Value> operands;
    for (Value v : op->getOperands()) {
      auto reshape = v.getDefiningOp<kiln::ReshapeOp>();
      if (reshape && shapeOf(reshape.getInput()) == ArrayRef<int64_t>(*source) &&
          shapeOf(v) == resultType.getShape()) {
        operands.push_back(reshape.getInput());
        continue;
      }
      ArrayRef<int64_t> shape = shapeOf(v);
      if (!broadcastsAlike(shape, resultType.getShape(), *source))
        return failure();
      if (shape.size() > source->size()) { // drop the leading unit dims it cannot keep
        auto type = RankedTensorType::get(dropLeadingOnes(shape),
                                          cast<RankedTensorType>(v.getType()).getElementType());
        v = rewriter.create<kiln::ReshapeOp>(op->getLoc(), type, v);
      }
      operands.push_back(v);
    }
    Operation *moved = rewriter.clone(*op);
    moved->setOperands(operands);
    moved->getResult(0).setType(RankedTensorType::get(*source, resultType.getElementType()));
    rewriter.replaceOpWithNewOp<kiln::ReshapeOp>(op, resultType, moved->getResult(0));
    return success();
  }
};

/// reduce(reshape(x), axes) → reshape(reduce(x, axes')) where the reduction reads the same
/// elements per result either way: over every axis, or over trailing axes that the reshape
/// keeps (an int8 GEMM's row sums of an im2col matrix, whose widening cast SinkReshapeBelow-
/// Elementwise moved above the reshape: the reduction then reads the cast directly and can fuse
/// with it).
struct SinkReshapeBelowReduce : OpRewritePattern<kiln::ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ReduceOp op, PatternRewriter &rewriter) const override {
    auto reshape = op.getInput().getDefiningOp<kiln::ReshapeOp>();
    if (!reshape)
      return failure();
    auto sourceType = dyn_cast<RankedTensorType>(reshape.getInput().getType());
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    if (!sourceType || !sourceType.hasStaticShape() || !inputType.hasStaticShape() ||
        sourceType.getRank() == 0 || op.getAxes().empty())
      return failure();
    int64_t rank = inputType.getRank(), sourceRank = sourceType.getRank();
    int64_t n = op.getAxes().size(); // sorted and unique: trailing iff the first is rank - n
    int64_t from;
    if (n == rank)
      from = 0;
    else if (op.getAxes().front() == rank - n && n <= sourceRank &&
             inputType.getShape().take_back(n) == sourceType.getShape().take_back(n))
      from = sourceRank - n;
    else
      return failure();
    auto moved = rewriter.create<kiln::ReduceOp>(
        op.getLoc(), reshape.getInput(), op.getKind(),
        llvm::to_vector(llvm::seq<int64_t>(from, sourceRank)), op.getKeepdims());
    if (moved.getType() == resultType)
      rewriter.replaceOp(op, moved);
    else
      rewriter.replaceOpWithNewOp<kiln::ReshapeOp>(op, resultType, moved);
    return success();
  }
};

struct SinkReshapesPass : kiln::impl::SinkReshapesBase<SinkReshapesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SinkReshapeBelowElementwise, SinkReshapeBelowReduce>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
