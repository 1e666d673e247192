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
