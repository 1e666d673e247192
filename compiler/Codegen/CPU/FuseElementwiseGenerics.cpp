//===- FuseElementwiseGenerics.cpp - elementwise chains in a kernel as one generic ===//
//
// A kernel whose ops are only elementwise (a fused region without a conv or matmul anchor:
// DenseNet's BN + ReLU after a concat, a residual add + ReLU) lowers to one linalg.generic per
// op. Tiled one by one, each op was its own parallel loop writing a whole temporary (malloc'd,
// page-faulted on every call). An all-parallel generic whose only user is another generic is
// merged into it, so the chain is one loop with no temporaries. Epilogues after an anchor merge
// the same way; the anchor (a named op) is left to TileFusedKernel.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_FUSEELEMENTWISEGENERICS
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct FuseElementwiseGenericsPass
    : kiln::impl::FuseElementwiseGenericsBase<FuseElementwiseGenericsPass> {
  void runOnOperation() override {
    // Kernels with loops of their own (a recurrent cell's time loop) write carried tensors in
    // place through their generics; merging those breaks the in-place chain. Left as they are.
    bool hasLoops = getOperation()
                        .walk([](Operation *op) {
                          return isa<scf::ForOp, scf::WhileOp, scf::IfOp>(op)
                                     ? WalkResult::interrupt()
                                     : WalkResult::advance();
                        })
                        .wasInterrupted();
    if (hasLoops)
      return;
    RewritePatternSet patterns(&getContext());
    // Only a producer used by this consumer alone: merging one with several users would
    // recompute it per user.
    // Only ops at the kernel's top level: inside a loop (a recurrent cell's time step) the
    // generics write the loop's carried tensors in place, which a merge would break.
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() &&
             isa<func::FuncOp>(producer->getParentOp()) &&
             isa<func::FuncOp>(fused->getOwner()->getParentOp());
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    // An elementwise producer seen through a tensor.expand_shape (a reduction lowered in two
    // stages reads its input as [rows, K / 64, 64]: the widening cast of an int8 GEMM's row
    // sums) is expanded itself, so that it merges into the reduction as above instead of
    // writing a whole widened temporary.
    linalg::ControlFusionFn expand = [&](OpOperand *fused) {
      auto reshape = dyn_cast<tensor::ExpandShapeOp>(fused->getOwner());
      auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
      return reshape && producer && producer.getNumLoops() == producer.getNumParallelLoops() &&
             control(fused) && llvm::all_of(reshape->getUsers(), [](Operation *user) {
               return isa<linalg::GenericOp>(user);
             });
    };
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, expand);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
