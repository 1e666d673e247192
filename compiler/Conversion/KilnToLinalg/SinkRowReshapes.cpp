//===- SinkRowReshapes.cpp - elementwise epilogues on a matmul's collapsed rows ===//
//
// A matmul of [N, ?, ?, K] by [K, C] (a 1x1 convolution with symbolic image dims) runs on the
// lhs collapsed to [?, K] and reshapes its [?, C] result back with a shape tensor
// (tensor.reshape: MLIR 19 bufferizes no expand_shape with two dynamic dims in one group);
// [1, ?, K] by [K, C] (a projection over a symbolic sequence) with a tensor.expand_shape.
// The bias, clamp or residual add after it then ran on [N, ?, ?, C], cut off from the matmul
// by the reshape: CPU codegen could not fuse them and tiled them one pixel at a time. Each
// all-parallel generic that reads such a reshape with an identity map runs on the collapsed
// rows instead (its other operands collapsed alike, or broadcast over the merged dims only),
// and the reshape moves after it, so the chain reaches the matmul's shape and the reshape
// ends up after the last op.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "compiler/Conversion/KilnToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_SINKROWRESHAPES
#include "compiler/Conversion/KilnToLinalg/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// How many leading dims of `v` (a tensor.reshape or tensor.expand_shape) merge into dim 0 of
/// its source, or 0.
int64_t mergedLeadingDims(Value v) {
  Operation *op = v.getDefiningOp();
  if (!isa_and_nonnull<tensor::ReshapeOp, tensor::ExpandShapeOp>(op))
    return 0;
  return kiln::lowering::mergedLeadingDims(cast<ShapedType>(op->getOperand(0).getType()),
                                           cast<ShapedType>(v.getType()));
}

/// `v` (of `type`) split back like `like` splits its source: a tensor.reshape by the same
/// shape, or a tensor.expand_shape with the same groups and sizes. A shape tensor built by
/// tensor.from_elements is built again here: one-shot bufferization counts the reshape's
/// read of its shape as a read of the reshaped buffer, so a shape defined before the writes
/// that produce `v` (the matmul's tiles) made it copy the whole result.
Value splitLike(OpBuilder &b, Location loc, Operation *like, Value v, RankedTensorType type) {
  if (auto reshape = dyn_cast<tensor::ReshapeOp>(like)) {
    Value shape = reshape.getShape();
    if (Operation *def = shape.getDefiningOp<tensor::FromElementsOp>())
      shape = b.clone(*def)->getResult(0);
    return b.create<tensor::ReshapeOp>(loc, type, v, shape);
  }
  auto expand = cast<tensor::ExpandShapeOp>(like);
  SmallVector<OpFoldResult> sizes =
      getMixedValues(expand.getStaticOutputShape(), expand.getOutputShape(), b);
  return b.create<tensor::ExpandShapeOp>(loc, type, v, expand.getReassociationIndices(), sizes);
}

struct SinkReshapeIntoGeneric : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op, PatternRewriter &rewriter) const override {
    if (op.getNumDpsInits() != 1 || op.getNumParallelLoops() != op.getNumLoops() ||
        op.hasIndexSemantics() || !op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "not a one-result elementwise generic on tensors");
    OpOperand *init = op.getDpsInitOperand(0);
    auto outType = cast<RankedTensorType>(init->get().getType());
    if (!op.getMatchingIndexingMap(init).isIdentity())
      return rewriter.notifyMatchFailure(op, "the result's map is not the identity");
    // The reshape to sink: an input read with the identity map.
    Operation *reshape = nullptr;
    int64_t lead = 0;
    for (OpOperand *in : op.getDpsInputOperands())
      if (op.getMatchingIndexingMap(in).isIdentity() && (lead = mergedLeadingDims(in->get()))) {
        reshape = in->get().getDefiningOp();
        break;
      }
    if (!reshape)
      return rewriter.notifyMatchFailure(op, "no input is a reshape of collapsed leading dims");

    Location loc = op.getLoc();
    int64_t rank = outType.getRank(), newRank = rank - lead + 1;
    SmallVector<ReassociationIndices> groups = kiln::lowering::leadingGroups(rank, lead);
    // Loop d of the old generic is loop max(0, d - lead + 1) of the new one.
    SmallVector<AffineExpr> newDims;
    for (int64_t d = 0; d < rank; ++d)
      newDims.push_back(rewriter.getAffineDimExpr(std::max<int64_t>(0, d - lead + 1)));
    auto collapse = [&](Value v) -> Value {
      if (mergedLeadingDims(v) == lead)
        return v.getDefiningOp()->getOperand(0);
      return rewriter.create<tensor::CollapseShapeOp>(loc, v, groups);
    };

    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *in : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(in);
      auto type = dyn_cast<RankedTensorType>(in->get().getType());
      if (map.isIdentity() && type && type.getShape() == outType.getShape()) {
        inputs.push_back(collapse(in->get()));
        maps.push_back(rewriter.getMultiDimIdentityMap(newRank));
        continue;
      }
      // Broadcast over the merged dims: the map reads none of them (a merged dim read along
      // an extent of 1, as broadcastMap keeps equal unit dims of [1, 1, 1, 1] against
      // [1, ?, ?, C], reads index 0).
      if (type) {
        SmallVector<AffineExpr> results(map.getResults());
        for (auto [i, e] : llvm::enumerate(results))
          if (auto dim = dyn_cast<AffineDimExpr>(e);
              dim && dim.getPosition() < lead && type.getDimSize(i) == 1)
            e = rewriter.getAffineConstantExpr(0);
        map = AffineMap::get(map.getNumDims(), map.getNumSymbols(), results, op.getContext());
      }
      for (int64_t d = 0; d < lead; ++d)
        if (map.isFunctionOfDim(d))
          return rewriter.notifyMatchFailure(op, "an input reads some merged dims only");
      Value input = in->get();
      auto isZero = [](AffineExpr e) {
        auto c = dyn_cast<AffineConstantExpr>(e);
        return c && c.getValue() == 0;
      };
      if (type && type.getRank() == rank && map.getNumResults() == rank &&
          llvm::all_of(llvm::seq<int64_t>(0, lead), [&](int64_t d) {
            return type.getDimSize(d) == 1 && isZero(map.getResult(d));
          })) {
        // [1, ..., 1, rest] read at 0 along the merged dims: [1, rest] at 0 (the vectorizer
        // takes no map with more results than loops).
        input = rewriter.create<tensor::CollapseShapeOp>(loc, input, groups);
        SmallVector<AffineExpr> results{rewriter.getAffineConstantExpr(0)};
        llvm::append_range(results, map.getResults().drop_front(lead));
        map = AffineMap::get(map.getNumDims(), 0, results, op.getContext());
      }
      inputs.push_back(input);
      maps.push_back(map.replaceDimsAndSymbols(newDims, {}, newRank, 0));
    }
    Value newInit = collapse(init->get());
    maps.push_back(rewriter.getMultiDimIdentityMap(newRank));
    auto newOp = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{newInit.getType()}, inputs, ValueRange{newInit}, maps,
        SmallVector<utils::IteratorType>(newRank, utils::IteratorType::parallel));
    rewriter.inlineRegionBefore(op.getRegion(), newOp.getRegion(), newOp.getRegion().begin());
    rewriter.replaceOp(op, splitLike(rewriter, loc, reshape, newOp.getResult(0), outType));
    return success();
  }
};

struct SinkRowReshapesPass : kiln::impl::SinkRowReshapesBase<SinkRowReshapesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SinkReshapeIntoGeneric>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
