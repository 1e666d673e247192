//===- PropagateTransposes.cpp - move transposes until they cancel --------===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_PROPAGATETRANSPOSES
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
SmallVector<int64_t> inverse(ArrayRef<int64_t> perm) {
  SmallVector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inv[perm[i]] = i;
  return inv;
}

Value transpose(PatternRewriter &rewriter, Location loc, Value v, ArrayRef<int64_t> perm) {
  return rewriter.createOrFold<kiln::TransposeOp>(loc, v, rewriter.getDenseI64ArrayAttr(perm));
}

/// unary(transpose(x)) → transpose(unary(x)).
struct UnaryThroughTranspose : OpTraitRewritePattern<OpTrait::Elementwise> {
  using OpTraitRewritePattern::OpTraitRewritePattern;
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isa<kiln::KilnDialect>(op->getDialect()) || op->getNumOperands() != 1)
      return failure();
    auto t = op->getOperand(0).getDefiningOp<kiln::TransposeOp>();
    if (!t)
      return failure();
    Operation *moved = rewriter.clone(*op);
    moved->setOperand(0, t.getInput());
    moved->getResult(0).setType(t.getInput().getType());
    rewriter.replaceOp(op, transpose(rewriter, op->getLoc(), moved->getResult(0), t.getPerm()));
    return success();
  }
};

/// Whether transposing a tensor of `shape` by `perm` keeps the order of its non-unit dims
/// (then it moves no data: a reshape).
bool movesNoData(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  int64_t last = -1;
  for (int64_t p : perm) {
    if (shape[p] == 1)
      continue;
    if (p < last)
      return false;
    last = p;
  }
  return true;
}

/// Brings `v` (same rank as the result, or of lower rank: numpy broadcasting) into the
/// transposed frame: the input of a transpose alike, a transposed constant, or a reshape of a
/// tensor whose transpose moves no data (a per-channel scale [1, C, 1, 1] → [1, 1, 1, C]).
Value untranspose(PatternRewriter &rewriter, Location loc, Value v, ArrayRef<int64_t> perm) {
  if (auto t = v.getDefiningOp<kiln::TransposeOp>())
    if (t.getPerm() == perm)
      return t.getInput();
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() > (int64_t)perm.size())
    return {};
  SmallVector<int64_t> full(perm.size() - type.getRank(), 1);
  full.append(type.getShape().begin(), type.getShape().end());
  SmallVector<int64_t> inv = inverse(perm);
  if (!v.getDefiningOp<kiln::ConstantOp>()) {
    // A view: the reshape to the transposed shape (no transpose op the patterns could move).
    if (!movesNoData(full, inv) || llvm::count_if(full, ShapedType::isDynamic) > 1)
      return {};
    SmallVector<int64_t> shape;
    for (int64_t p : inv)
      shape.push_back(full[p]);
    return rewriter.createOrFold<kiln::ReshapeOp>(loc, type.clone(shape), v);
  }
  if (type.getRank() < (int64_t)perm.size())
    v = rewriter.createOrFold<kiln::ReshapeOp>(loc, type.clone(full), v);
  return transpose(rewriter, loc, v, inv);
}

/// binary(transpose(a), b') → transpose(binary(a, b)) when b' is transposed alike or constant.
template <typename OpTy>
struct BinaryThroughTranspose : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      auto t = op->getOperand(side).template getDefiningOp<kiln::TransposeOp>();
      // A transpose that moves no data becomes a reshape instead (UnitTransposeToReshape).
      if (!t || cast<ShapedType>(op.getType()).getRank() != (int64_t)t.getPerm().size() ||
          movesNoData(t.getInput().getType().getShape(), t.getPerm()))
        continue;
      Value other = untranspose(rewriter, op.getLoc(), op->getOperand(1 - side), t.getPerm());
      if (!other)
        continue;
      Value lhs = side == 0 ? t.getInput() : other, rhs = side == 0 ? other : t.getInput();
      Value moved = rewriter.create<OpTy>(op.getLoc(), lhs, rhs);
      rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), moved, t.getPerm()));
      return success();
    }
    return failure();
  }
};

/// concat(transpose(a, p), transpose(b, p)) → transpose(concat(a, b, axis = p[axis]), p).
struct ConcatThroughTranspose : OpRewritePattern<kiln::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ConcatOp op, PatternRewriter &rewriter) const override {
    SmallVector<Value> inputs;
    ArrayRef<int64_t> perm;
    for (Value v : op.getInputs()) {
      auto t = v.getDefiningOp<kiln::TransposeOp>();
      if (!t || (!perm.empty() && t.getPerm() != perm))
        return failure();
      perm = t.getPerm();
      inputs.push_back(t.getInput());
    }
    auto moved = rewriter.create<kiln::ConcatOp>(op.getLoc(), inputs, perm[op.getAxis()]);
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), moved, perm));
    return success();
  }
};

/// reduce(transpose(x, p), axes, keepdims) → transpose(reduce(x, p[axes], keepdims), p).
struct ReduceThroughTranspose : OpRewritePattern<kiln::ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ReduceOp op, PatternRewriter &rewriter) const override {
    auto t = op.getInput().getDefiningOp<kiln::TransposeOp>();
    if (!t || !op.getKeepdims())
      return failure();
    SmallVector<int64_t> axes;
    for (int64_t a : op.getAxes())
      axes.push_back(t.getPerm()[a]);
    llvm::sort(axes);
    auto moved = rewriter.create<kiln::ReduceOp>(op.getLoc(), t.getInput(), op.getKind(),
                                                 axes, op.getKeepdims());
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), moved, t.getPerm()));
    return success();
  }
};

/// A transpose that keeps the order of the non-unit dims moves no data: a reshape.
struct UnitTransposeToReshape : OpRewritePattern<kiln::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::TransposeOp op, PatternRewriter &rewriter) const override {
    auto in = op.getInput().getType();
    if (!movesNoData(in.getShape(), op.getPerm()) || llvm::count_if(in.getShape(), ShapedType::isDynamic) > 1)
      return failure();
    rewriter.replaceOpWithNewOp<kiln::ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};

struct PropagateTransposesPass
    : kiln::impl::PropagateTransposesBase<PropagateTransposesPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<UnaryThroughTranspose>(ctx);
    patterns.add<BinaryThroughTranspose<kiln::AddOp>, BinaryThroughTranspose<kiln::SubOp>,
                 BinaryThroughTranspose<kiln::MulOp>, BinaryThroughTranspose<kiln::DivOp>,
                 BinaryThroughTranspose<kiln::MaxOp>, BinaryThroughTranspose<kiln::MinOp>>(ctx);
    patterns.add<ConcatThroughTranspose, ReduceThroughTranspose, UnitTransposeToReshape>(ctx);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
