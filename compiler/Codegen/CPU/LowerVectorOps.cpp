//===- LowerVectorOps.cpp - vector contractions to FMAs, math to polynomials ===//
#include "compiler/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
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

struct LowerVectorOpsPass : kiln::impl::LowerVectorOpsBase<LowerVectorOpsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
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
