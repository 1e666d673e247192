//===- PropagateTransposes.cpp - move transposes until they cancel --------===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"
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

/// The elementwise kiln op with one operand `op` (else null), for the unary patterns.
Operation *kilnUnary(Operation *op) {
  return isa<kiln::KilnDialect>(op->getDialect()) && op->getNumOperands() == 1 ? op : nullptr;
}

/// A clone of the unary `op` applied to `input` instead, its result of type `type`.
Value cloneOnto(PatternRewriter &rewriter, Operation *op, Value input, Type type) {
  Operation *moved = rewriter.clone(*op);
  moved->setOperand(0, input);
  moved->getResult(0).setType(type);
  return moved->getResult(0);
}

/// unary(transpose(x)) → transpose(unary(x)).
struct UnaryThroughTranspose : OpTraitRewritePattern<OpTrait::Elementwise> {
  using OpTraitRewritePattern::OpTraitRewritePattern;
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    auto t =
        kilnUnary(op) ? op->getOperand(0).getDefiningOp<kiln::TransposeOp>() : kiln::TransposeOp();
    if (!t)
      return failure();
    Value moved = cloneOnto(rewriter, op, t.getInput(), t.getInput().getType());
    rewriter.replaceOp(op, transpose(rewriter, op->getLoc(), moved, t.getPerm()));
    return success();
  }
};

/// cast(transpose(x)) → transpose(cast(x)): kiln.cast has no Elementwise trait, and the
/// QuantizeLinear → DequantizeLinear casts of a QDQ model sit between every pair of convs.
struct CastThroughTranspose : OpRewritePattern<kiln::CastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::CastOp op, PatternRewriter &rewriter) const override {
    auto t = op.getInput().getDefiningOp<kiln::TransposeOp>();
    if (!t)
      return failure();
    auto from = cast<RankedTensorType>(t.getInput().getType());
    Value moved = rewriter.create<kiln::CastOp>(
        op.getLoc(), from.clone(op.getType().getElementType()), t.getInput());
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), moved, t.getPerm()));
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

/// `v`'s shape with leading unit dims up to `rank` (numpy broadcasting).
SmallVector<int64_t> broadcastShape(Value v, size_t rank) {
  auto shape = cast<RankedTensorType>(v.getType()).getShape();
  SmallVector<int64_t> full(rank - shape.size(), 1);
  full.append(shape.begin(), shape.end());
  return full;
}

/// Whether untranspose brings `v` into the frame of `perm` (it creates nothing otherwise).
bool canUntranspose(Value v, ArrayRef<int64_t> perm) {
  if (auto t = v.getDefiningOp<kiln::TransposeOp>(); t && t.getPerm() == perm)
    return true;
  if (cast<RankedTensorType>(v.getType()).getRank() > (int64_t)perm.size())
    return false;
  if (v.getDefiningOp<kiln::ConstantOp>())
    return true;
  SmallVector<int64_t> full = broadcastShape(v, perm.size());
  return movesNoData(full, inverse(perm)) && llvm::count_if(full, ShapedType::isDynamic) <= 1;
}

/// Brings `v` (same rank as the result, or of lower rank: numpy broadcasting) into the
/// transposed frame: the input of a transpose alike, a transposed constant, or a reshape of a
/// tensor whose transpose moves no data (a per-channel scale [1, C, 1, 1] → [1, 1, 1, C]);
/// null (nothing created) where canUntranspose says no.
Value untranspose(PatternRewriter &rewriter, Location loc, Value v, ArrayRef<int64_t> perm) {
  if (!canUntranspose(v, perm))
    return {};
  if (auto t = v.getDefiningOp<kiln::TransposeOp>(); t && t.getPerm() == perm)
    return t.getInput();
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> full = broadcastShape(v, perm.size());
  SmallVector<int64_t> inv = inverse(perm);
  if (!v.getDefiningOp<kiln::ConstantOp>()) {
    // A view: the reshape to the transposed shape (no transpose op the patterns could move).
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

/// concat(transpose(a, p), b', ...) → transpose(concat(a, b, ..., axis = p[axis]), p) when
/// every other input b' is transposed alike, a constant (transposed in place: the zeros that
/// pad a residual's channels in BlazeFace-style blocks) or a view (see untranspose).
struct ConcatThroughTranspose : OpRewritePattern<kiln::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ConcatOp op, PatternRewriter &rewriter) const override {
    ArrayRef<int64_t> perm;
    for (Value v : op.getInputs())
      if (auto t = v.getDefiningOp<kiln::TransposeOp>()) {
        perm = t.getPerm();
        break;
      }
    if (perm.empty())
      return failure();
    // All checked before any is rewritten: a failed match must leave the IR as it was.
    if (!llvm::all_of(op.getInputs(), [&](Value v) { return canUntranspose(v, perm); }))
      return failure(); // an input that would need a transpose of its own
    SmallVector<Value> inputs;
    for (Value v : op.getInputs())
      inputs.push_back(untranspose(rewriter, op.getLoc(), v, perm));
    auto moved = rewriter.create<kiln::ConcatOp>(op.getLoc(), inputs, perm[op.getAxis()]);
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), moved, perm));
    return success();
  }
};

/// reduce(transpose(x, p), axes) → transpose(reduce(x, p[axes]), q): with keepdims q = p;
/// without, q orders the kept dims of x as the transpose did (none left: no transpose, e.g. a
/// DynamicQuantizeLinear's min and max of a conv output that was transposed back to NCHW only
/// for them).
struct ReduceThroughTranspose : OpRewritePattern<kiln::ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ReduceOp op, PatternRewriter &rewriter) const override {
    auto t = op.getInput().getDefiningOp<kiln::TransposeOp>();
    if (!t)
      return failure();
    ArrayRef<int64_t> perm = t.getPerm();
    SmallVector<int64_t> axes;
    for (int64_t a : op.getAxes())
      axes.push_back(perm[a]);
    llvm::sort(axes);
    auto moved = rewriter.create<kiln::ReduceOp>(op.getLoc(), t.getInput(), op.getKind(),
                                                 axes, op.getKeepdims());
    SmallVector<int64_t> after(perm);
    if (!op.getKeepdims()) {
      // Dim i of the result is x's kept dim p[i]; `moved` holds x's kept dims in x's order.
      after.clear();
      for (auto [i, p] : llvm::enumerate(perm))
        if (!llvm::is_contained(op.getAxes(), int64_t(i)))
          after.push_back(llvm::count_if(
              perm, [&, p = p](int64_t d) { return d < p && !llvm::is_contained(axes, d); }));
    }
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), moved, after));
    return success();
  }
};

/// resize(transpose(x, p), target) → transpose(resize(x, target'), p), target' the constant
/// scales or sizes in x's dim order. Resize interpolates each dim on its own, so it can run in
/// x's layout: a decoder's upsampling in NHWC, between convolutions that are (its transposes
/// then cancel through the concat of the skip connection).
struct ResizeThroughTranspose : OpRewritePattern<kiln::ResizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ResizeOp op, PatternRewriter &rewriter) const override {
    auto t = op.getInput().getDefiningOp<kiln::TransposeOp>();
    DenseElementsAttr target;
    if (!t || op.getRoi() || !matchPattern(op.getTarget(), m_Constant(&target)))
      return failure();
    ArrayRef<int64_t> perm = t.getPerm();
    // Entry i of the target and dim i of the result are the transposed dim i: x's perm[i].
    SmallVector<Attribute> values(target.getValues<Attribute>());
    SmallVector<Attribute> permuted(values.size());
    ArrayRef<int64_t> resultShape = op.getType().getShape();
    SmallVector<int64_t> shape(resultShape.size());
    for (auto [i, p] : llvm::enumerate(perm)) {
      permuted[p] = values[i];
      shape[p] = resultShape[i];
    }
    Value moved = rewriter.create<kiln::ConstantOp>(
        op.getLoc(), DenseElementsAttr::get(target.getType(), permuted));
    Operation *resize = rewriter.clone(*op);
    resize->setOperand(0, t.getInput());
    resize->setOperand(1, moved);
    resize->getResult(0).setType(op.getType().clone(shape));
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), resize->getResult(0), perm));
    return success();
  }
};

/// slice(transpose(x, p)) → transpose(slice(x), p) (bounds of transposed dim i on x's p[i]).
struct SliceThroughTranspose : OpRewritePattern<kiln::SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::SliceOp op, PatternRewriter &rewriter) const override {
    auto t = op.getInput().getDefiningOp<kiln::TransposeOp>();
    if (!t || movesNoData(t.getInput().getType().getShape(), t.getPerm()))
      return failure();
    ArrayRef<int64_t> perm = t.getPerm();
    SmallVector<int64_t> starts(perm.size()), ends(perm.size()), steps(perm.size());
    for (auto [i, p] : llvm::enumerate(perm)) {
      starts[p] = op.getStarts()[i];
      ends[p] = op.getEnds()[i];
      steps[p] = op.getSteps()[i];
    }
    Value moved = rewriter.create<kiln::SliceOp>(
        op.getLoc(), t.getInput(), rewriter.getDenseI64ArrayAttr(starts),
        rewriter.getDenseI64ArrayAttr(ends), rewriter.getDenseI64ArrayAttr(steps));
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), moved, perm));
    return success();
  }
};

/// pad(transpose(x, p)) → transpose(pad(x), p) (transposed dim i's pads on x's dim p[i]): an
/// Inception block's zero pad before its average pool sat between a transpose to NCHW and
/// one back, each a copy of the block's input.
struct PadThroughTranspose : OpRewritePattern<kiln::PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::PadOp op, PatternRewriter &rewriter) const override {
    auto t = op.getInput().getDefiningOp<kiln::TransposeOp>();
    if (!t)
      return failure();
    ArrayRef<int64_t> perm = t.getPerm(), pads = op.getPads();
    int64_t rank = perm.size();
    SmallVector<int64_t> moved(2 * rank);
    for (auto [i, p] : llvm::enumerate(perm)) {
      moved[p] = pads[i];
      moved[rank + p] = pads[rank + i];
    }
    Value padded = rewriter.create<kiln::PadOp>(op.getLoc(), t.getInput(),
                                                rewriter.getDenseI64ArrayAttr(moved),
                                                op.getModeAttr(), op.getValueAttr());
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), padded, perm));
    return success();
  }
};

/// Whether some chain of single-operand-moving users of `v` (elementwise ops, slices, concats,
/// pads, reshapes), at most `depth` deep, reaches a transpose that undoes `perm`: then a transpose
/// by `perm` placed at `v` cancels there.
bool cancelsDownstream(Value v, ArrayRef<int64_t> perm, int depth = 6) {
  if (depth == 0)
    return false;
  for (Operation *user : v.getUsers()) {
    if (auto t = dyn_cast<kiln::TransposeOp>(user)) {
      if (llvm::all_of(llvm::enumerate(t.getPerm()),
                       [&](auto e) { return perm[e.value()] == int64_t(e.index()); }))
        return true;
      continue;
    }
    bool passes =
        isa<kiln::SliceOp, kiln::ConcatOp, kiln::PadOp>(user) ||
        (user->hasTrait<OpTrait::Elementwise>() && isa<kiln::KilnDialect>(user->getDialect()));
    if (passes && user->getNumResults() == 1 &&
        cast<ShapedType>(user->getResult(0).getType()).getRank() == int64_t(perm.size()) &&
        cancelsDownstream(user->getResult(0), perm, depth - 1))
      return true;
  }
  return false;
}

/// reshape(transpose(x, p)) with static shapes where the reshape only splits dims or only
/// merges them → transpose(reshape(x)), so the transpose keeps moving toward its inverse.
/// A split: x's dim p[i] splits as transposed dim i does. A merge of transposed dims whose
/// source dims are x's consecutive dims in order: x merges them. Any other merge (a channel
/// shuffle: [N, C/g, g, H, W] → [N, C, H, W]) first moves the data with an inner transpose that
/// makes every group consecutive, then the transpose of whole groups moves on - only where it
/// cancels downstream, so no transpose is added.
struct ReshapeThroughTranspose : OpRewritePattern<kiln::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::ReshapeOp op, PatternRewriter &rewriter) const override {
    auto t = op.getInput().getDefiningOp<kiln::TransposeOp>();
    auto mid = op.getInput().getType(), result = op.getType();
    if (!t || !mid.hasStaticShape() || !result.hasStaticShape() ||
        movesNoData(t.getInput().getType().getShape(), t.getPerm()))
      return failure();
    std::optional<SmallVector<ReassociationIndices>> groups =
        getReassociationIndicesForReshape(mid, result);
    if (!groups || mid.getRank() == result.getRank())
      return failure();
    if (result.getRank() > mid.getRank())
      return split(op, t, *groups, rewriter);
    return merge(op, t, *groups, rewriter);
  }

private:
  static LogicalResult split(kiln::ReshapeOp op, kiln::TransposeOp t,
                             ArrayRef<ReassociationIndices> groups, PatternRewriter &rewriter) {
    ArrayRef<int64_t> perm = t.getPerm(), out = op.getType().getShape();
    SmallVector<int64_t> inv = inverse(perm), shape, first(perm.size());
    for (size_t s = 0; s < perm.size(); ++s) {
      first[s] = shape.size();
      for (int64_t d : groups[inv[s]])
        shape.push_back(out[d]);
    }
    SmallVector<int64_t> newPerm;
    for (int64_t p : perm)
      for (size_t k = 0; k < groups[inv[p]].size(); ++k)
        newPerm.push_back(first[p] + k);
    Value split = rewriter.create<kiln::ReshapeOp>(op.getLoc(), op.getType().clone(shape),
                                                   t.getInput());
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), split, newPerm));
    return success();
  }

  static LogicalResult merge(kiln::ReshapeOp op, kiln::TransposeOp t,
                             ArrayRef<ReassociationIndices> groups, PatternRewriter &rewriter) {
    ArrayRef<int64_t> perm = t.getPerm();
    ArrayRef<int64_t> in = t.getInput().getType().getShape();
    // Result dim j merges x's dims perm[groups[j]]; groups go in the order of their first dim.
    SmallVector<int64_t> order = llvm::to_vector(llvm::seq<int64_t>(0, groups.size()));
    auto lowest = [&](int64_t j) {
      int64_t m = INT64_MAX;
      for (int64_t i : groups[j])
        m = std::min(m, perm[i]);
      return m;
    };
    llvm::stable_sort(order, [&](int64_t a, int64_t b) { return lowest(a) < lowest(b); });
    SmallVector<int64_t> inner, merged, outer(groups.size());
    for (auto [k, j] : llvm::enumerate(order)) {
      int64_t size = 1;
      for (int64_t i : groups[j]) {
        inner.push_back(perm[i]);
        size *= in[perm[i]];
      }
      merged.push_back(size);
      outer[j] = k;
    }
    bool innerMoves = !llvm::equal(inner, llvm::seq<int64_t>(0, inner.size()));
    if (innerMoves &&
        (llvm::equal(outer, llvm::seq<int64_t>(0, outer.size())) ||
         !cancelsDownstream(op.getResult(), outer)))
      return failure();
    Value x = transpose(rewriter, op.getLoc(), t.getInput(), inner);
    Value collapsed =
        rewriter.create<kiln::ReshapeOp>(op.getLoc(), op.getType().clone(merged), x);
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), collapsed, outer));
    return success();
  }
};

/// unary(depth_to_space(z)) → depth_to_space(unary(z)): the op joins the epilogue of the
/// conv that made z (a transposed conv's phases, kiln-decompose-conv-transpose).
struct UnaryThroughDepthToSpace : OpTraitRewritePattern<OpTrait::Elementwise> {
  using OpTraitRewritePattern::OpTraitRewritePattern;
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    auto d2s = kilnUnary(op) ? op->getOperand(0).getDefiningOp<kiln::DepthToSpaceOp>()
                             : kiln::DepthToSpaceOp();
    if (!d2s || !d2s->hasOneUse())
      return failure();
    auto from = cast<RankedTensorType>(d2s.getInput().getType());
    Value moved =
        cloneOnto(rewriter, op, d2s.getInput(),
                  from.clone(cast<RankedTensorType>(op->getResult(0).getType()).getElementType()));
    rewriter.replaceOpWithNewOp<kiln::DepthToSpaceOp>(op, moved, d2s.getBlock(), d2s.getCrops());
    return success();
  }
};

/// binary(depth_to_space(z), c) → depth_to_space(binary(z, c')) for a constant c that is one
/// value per channel ([..., 1, C] or a scalar): c' repeats it for every block position of
/// z's channels. Per-channel biases and batch-norm scales after a transposed conv.
template <typename OpTy> struct BinaryThroughDepthToSpace : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      auto d2s = op->getOperand(side).template getDefiningOp<kiln::DepthToSpaceOp>();
      DenseElementsAttr c;
      if (!d2s || !d2s->hasOneUse() || !matchPattern(op->getOperand(1 - side), m_Constant(&c)))
        continue;
      auto type = cast<RankedTensorType>(c.getType());
      if (type.getRank() > 4 ||
          llvm::any_of(type.getShape().drop_back(), [](int64_t d) { return d != 1; }))
        continue;
      Value other = op->getOperand(1 - side);
      ArrayRef<int64_t> block = d2s.getBlock();
      if (type.getRank() > 0 && type.getShape().back() != 1) {
        int64_t repeats = block[0] * block[1], channels = type.getShape().back();
        SmallVector<Attribute> values(c.getValues<Attribute>());
        SmallVector<Attribute> tiled;
        for (int64_t r = 0; r < repeats; ++r)
          tiled.append(values.begin(), values.end());
        auto tiledType =
            RankedTensorType::get({1, 1, 1, repeats * channels}, type.getElementType());
        other = rewriter.create<kiln::ConstantOp>(op.getLoc(),
                                                  DenseElementsAttr::get(tiledType, tiled));
      }
      Value lhs = side == 0 ? d2s.getInput() : other, rhs = side == 0 ? other : d2s.getInput();
      Value moved = rewriter.create<OpTy>(op.getLoc(), lhs, rhs);
      rewriter.replaceOpWithNewOp<kiln::DepthToSpaceOp>(op, moved, d2s.getBlock(), d2s.getCrops());
      return success();
    }
    return failure();
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
    patterns.add<UnaryThroughTranspose, CastThroughTranspose>(ctx);
    patterns.add<BinaryThroughTranspose<kiln::AddOp>, BinaryThroughTranspose<kiln::SubOp>,
                 BinaryThroughTranspose<kiln::MulOp>, BinaryThroughTranspose<kiln::DivOp>,
                 BinaryThroughTranspose<kiln::MaxOp>, BinaryThroughTranspose<kiln::MinOp>>(ctx);
    patterns.add<ConcatThroughTranspose, ReduceThroughTranspose, ResizeThroughTranspose,
                 SliceThroughTranspose, PadThroughTranspose, ReshapeThroughTranspose,
                 UnitTransposeToReshape, UnaryThroughDepthToSpace>(ctx);
    patterns.add<BinaryThroughDepthToSpace<kiln::AddOp>, BinaryThroughDepthToSpace<kiln::SubOp>,
                 BinaryThroughDepthToSpace<kiln::MulOp>, BinaryThroughDepthToSpace<kiln::DivOp>,
                 BinaryThroughDepthToSpace<kiln::MaxOp>, BinaryThroughDepthToSpace<kiln::MinOp>>(
        ctx);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
