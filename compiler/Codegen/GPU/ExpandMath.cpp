//===- ExpandMath.cpp - math ops without a GPU instruction → arithmetic ---===//
#include "compiler/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_EXPANDMATH
#include "compiler/Codegen/GPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct ExpandMathPass : kiln::impl::ExpandMathBase<ExpandMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populatePolynomialApproximateErfPattern(patterns);
    populateExpandFPowIPattern(patterns);
    populateExpandRoundEvenPattern(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
