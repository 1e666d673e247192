//===- HoistVectorTransfers.cpp - keep accumulators in registers ----------===//
#include "compiler/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_HOISTVECTORTRANSFERS
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct HoistVectorTransfersPass
    : kiln::impl::HoistVectorTransfersBase<HoistVectorTransfersPass> {
  void runOnOperation() override {
    // Upstream hoisting needs transfers on the base memref with CSE'd indices.
    OpPassManager prep("func.func");
    prep.addPass(memref::createFoldMemRefAliasOpsPass());
    prep.addPass(createCSEPass());
    prep.addPass(createCanonicalizerPass());
    if (failed(runPipeline(prep, getOperation())))
      return signalPassFailure();
    linalg::hoistRedundantVectorTransfers(getOperation());
    // A register tile's zero fill, accumulator and epilogue: forward each write to the read
    // of the same vector and drop writes that are overwritten before being read.
    IRRewriter rewriter(&getContext());
    vector::transferOpflowOpt(rewriter, getOperation());
  }
};
} // namespace
