//===- LowerVectorOps.cpp - vector contractions to FMAs, math to polynomials ===//
#include "compiler/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_LOWERVECTOROPS
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// A multi_reduction over only the innermost dim (a softmax or layer-norm row sum or max):
/// one vector.reduction per row, which LLVM lowers as a tree over whole registers. The
/// InnerParallel lowering used for the other reductions transposes the rows into the lanes
/// (a [16, 192] block: 192 registers) or, for one row, reduces one element at a time.
struct InnermostReductionToReductions : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    auto source = op.getSourceVectorType();
    int64_t rank = source.getRank();
    SmallVector<bool> reduced = op.getReductionMask();
    if (source.isScalable() || rank < 2 || !reduced.back() ||
        llvm::count(reduced, true) != 1)
      return failure();
    int64_t width = source.getShape().back(), rows = source.getNumElements() / width;
    if (rows > 64)
      return failure();
    Location loc = op.getLoc();
    Type element = source.getElementType();
    Value flat = rewriter.create<vector::ShapeCastOp>(
        loc, VectorType::get({rows, width}, element), op.getSource());
    Value acc = rewriter.create<vector::ShapeCastOp>(loc, VectorType::get({rows}, element),
                                                     op.getAcc());
    Value result = acc;
    for (int64_t r = 0; r < rows; ++r) {
      Value row = rewriter.create<vector::ExtractOp>(loc, flat, r);
      Value init = rewriter.create<vector::ExtractOp>(loc, acc, r);
      Value sum = rewriter.create<vector::ReductionOp>(loc, op.getKind(), row, init);
      result = rewriter.create<vector::InsertOp>(loc, sum, result, r);
    }
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(op, op.getDestType(), result);
    return success();
  }
};

/// A rank-reducing view of `memref` without its last dim (static 1): offsets 0, full sizes.
Value dropLastUnitDim(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), strides(rank, b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes = memref::getMixedSizes(b, loc, memref);
  auto reduced = cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
      type.getShape().drop_back(), type, offsets, sizes, strides));
  return b.create<memref::SubViewOp>(loc, reduced, memref, offsets, sizes, strides);
}

/// A transfer of vector<.. x 1> along the last dims of a memref [.., 1], at index 0 there and
/// unmasked, without the unit dim: the vector type, the in_bounds flags and the indices of
/// the same transfer on the view without that dim (dropLastUnitDim).
struct UnitDimDropped {
  VectorType vector;
  SmallVector<bool> inBounds;
  SmallVector<Value> indices;
};

template <typename TransferOp> std::optional<UnitDimDropped> withoutTrailingUnitDim(TransferOp op) {
  auto memref = dyn_cast<MemRefType>(op.getSource().getType());
  VectorType vector = op.getVectorType();
  if (!memref || memref.getRank() < 2 || memref.getShape().back() != 1 || vector.getRank() < 2 ||
      vector.getShape().back() != 1 || op.getMask() || !op.getPermutationMap().isMinorIdentity() ||
      !isConstantIntValue(op.getIndices().back(), 0))
    return std::nullopt;
  // (Not llvm::to_vector(op.getInBoundsValues()): that kept 2 of 4 flags here.)
  UnitDimDropped d{VectorType::get(vector.getShape().drop_back(), vector.getElementType()),
                   SmallVector<bool>(op.getInBoundsValues()),
                   SmallVector<Value>(op.getIndices().drop_back())};
  d.inBounds.pop_back();
  return d;
}

/// transfer_read of vector<.. x 1> from a memref [.., 1] → a read of vector<..> from the view
/// without the unit dim, shape-cast back (the cast cancels against the arithmetic's).
struct ReadWithoutTrailingUnitDim : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferReadOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<UnitDimDropped> d = withoutTrailingUnitDim(op);
    if (!d)
      return failure();
    Value read = rewriter.create<vector::TransferReadOp>(
        op.getLoc(), d->vector, dropLastUnitDim(rewriter, op.getLoc(), op.getSource()), d->indices,
        op.getPadding(), d->inBounds);
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(op, op.getVectorType(), read);
    return success();
  }
};

struct WriteWithoutTrailingUnitDim : OpRewritePattern<vector::TransferWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferWriteOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<UnitDimDropped> d = withoutTrailingUnitDim(op);
    if (!d || op->getNumResults())
      return failure();
    Value value = rewriter.create<vector::ShapeCastOp>(op.getLoc(), d->vector, op.getVector());
    rewriter.replaceOpWithNewOp<vector::TransferWriteOp>(
        op, value, dropLastUnitDim(rewriter, op.getLoc(), op.getSource()), d->indices, d->inBounds);
    return success();
  }
};

/// Whether `fn` has n-D vectors whose last dim is 1 and another is not (a generic over an
/// NHWC map of one channel, vectorized along its columns).
bool hasTrailingUnitVectors(func::FuncOp fn) {
  auto trailingUnit = [](Type t) {
    auto v = dyn_cast<VectorType>(t);
    return v && v.getRank() > 1 && v.getShape().back() == 1 && v.getNumElements() > 1;
  };
  return fn
      .walk([&](Operation *op) {
        return llvm::any_of(op->getResultTypes(), trailingUnit) ? WalkResult::interrupt()
                                                                : WalkResult::advance();
      })
      .wasInterrupted();
}

struct LowerVectorOpsPass : kiln::impl::LowerVectorOpsBase<LowerVectorOpsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (hasTrailingUnitVectors(getOperation())) {
      // Such vectors unrolled along their unit dim: one scalar op per element. Their unit
      // dims go (rank-reducing views for the transfers, shape casts that cancel around the
      // arithmetic) so that they lower as 1-D vectors. Only in these kernels.
      RewritePatternSet patterns(ctx);
      patterns.add<ReadWithoutTrailingUnitDim, WriteWithoutTrailingUnitDim>(ctx);
      vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
      vector::populateDropUnitDimWithShapeCastPatterns(patterns);
      vector::populateShapeCastFoldingPatterns(patterns);
      vector::ShapeCastOp::getCanonicalizationPatterns(patterns, ctx);
      vector::BroadcastOp::getCanonicalizationPatterns(patterns, ctx);
      if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    {
      // Contractions become outer products (broadcast + FMA per k), the fast form on x86.
      RewritePatternSet patterns(ctx);
      vector::VectorTransformsOptions options;
      options.setVectorTransformsOptions(vector::VectorContractLowering::OuterProduct);
      vector::populateVectorContractLoweringPatterns(patterns, options);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      patterns.add<InnermostReductionToReductions>(ctx, /*benefit=*/2);
      vector::populateVectorMultiReductionLoweringPatterns(
          patterns, vector::VectorMultiReductionLowering::InnerParallel);
      // 16x16 / 8x8 register transposes as shuffles (the element-wise default is scalar).
      vector::VectorTransformsOptions transposes;
      transposes.setVectorTransposeLowering(vector::VectorTransposeLowering::Shuffle16x16);
      vector::populateVectorTransposeLoweringPatterns(patterns, transposes);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorOuterProductLoweringPatterns(patterns);
      if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    {
      // exp/tanh/erf/... as vectorizable polynomials instead of scalar libm calls.
      RewritePatternSet patterns(ctx);
      populateMathPolynomialApproximationPatterns(patterns);
      if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
  }
};
} // namespace
