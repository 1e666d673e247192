//===- ParallelDimsFirst.cpp - generic loops: parallel dims outermost -----===//
#include "compiler/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
#define GEN_PASS_DEF_PARALLELDIMSFIRST
#include "compiler/Codegen/GPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct ParallelDimsFirstPass : kiln::impl::ParallelDimsFirstBase<ParallelDimsFirstPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      // interchangeGenericOp: new loop i iterates old loop permutation[i].
      SmallVector<unsigned> permutation;
      for (unsigned i = 0; i < iterators.size(); ++i)
        if (iterators[i] == utils::IteratorType::parallel)
          permutation.push_back(i);
      for (unsigned i = 0; i < iterators.size(); ++i)
        if (iterators[i] != utils::IteratorType::parallel)
          permutation.push_back(i);
      bool identity = true;
      for (unsigned i = 0; i < permutation.size(); ++i)
        identity &= permutation[i] == i;
      if (identity)
        continue;
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, permutation))) {
        op.emitError("kiln: could not move the parallel loops of this op outermost");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
