//===- TileAndVectorize.cpp - apply each linalg op's schedule -------------===//
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Codegen/CPU/Schedule.h"
#include "compiler/Codegen/CPU/Tiling.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_TILEANDVECTORIZE
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Ops with more iterations than this are not vectorized whole (they were not tiled).
constexpr int64_t kMaxVectorizedIterations = 1 << 16;

bool hasBoolOperand(linalg::LinalgOp op) {
  return llvm::any_of(op->getOperandTypes(),
                      [](Type t) { return getElementTypeOrSelf(t).isInteger(1); });
}

bool isVectorizable(linalg::LinalgOp op) {
  // i1 vectors load and store bit-packed, while buffers hold one byte per bool: keep bool
  // kernels scalar (they are rare and small).
  if (op->hasAttr(kiln::kNoVectorizeAttr) || !op.hasPureTensorSemantics() || hasBoolOperand(op))
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t iterations = 1;
  for (int64_t r : ranges) {
    if (ShapedType::isDynamic(r))
      return false;
    iterations *= r;
  }
  return iterations <= kMaxVectorizedIterations &&
         succeeded(linalg::vectorizeOpPrecondition(op));
}

/// Tiles the dynamic parallel loops of `op` by 1 (a plain loop over, e.g., the batch), so
/// the op inside has static shapes and gets the schedule of a static op. Returns `op` when
/// its loops are static, or when a dynamic loop is a reduction (then it stays scalar).
FailureOr<Operation *> tileDynamicLoops(RewriterBase &rewriter, linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> tiles(ranges.size(), 0);
  for (auto [d, range] : llvm::enumerate(ranges)) {
    if (!ShapedType::isDynamic(range))
      continue;
    if (iterators[d] != utils::IteratorType::parallel)
      return op.getOperation();
    tiles[d] = 1;
  }
  if (llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return op.getOperation();
  return kiln::tileOp(rewriter, op, tiles, /*peel=*/false, /*forall=*/true);
}

void applyCleanupPatterns(func::FuncOp func) {
  RewritePatternSet patterns(func.getContext());
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorReductionToContractPatterns(patterns);
  kiln::populateFoldTransferSlicePatterns(patterns);
  vector::TransferReadOp::getCanonicalizationPatterns(patterns, func.getContext());
  vector::TransferWriteOp::getCanonicalizationPatterns(patterns, func.getContext());
  (void)applyPatternsAndFoldGreedily(func, std::move(patterns));
}

struct TileAndVectorizePass : kiln::impl::TileAndVectorizeBase<TileAndVectorizePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    kiln::decomposePads(rewriter, func);
    FailureOr<bool> fused = kiln::tileFusedKernel(rewriter, func);
    if (failed(fused))
      return signalPassFailure();
    SmallVector<linalg::LinalgOp> ops;
    if (!*fused)
      func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp dynamicOp : ops) {
      FailureOr<Operation *> inner = tileDynamicLoops(rewriter, dynamicOp);
      if (failed(inner)) {
        dynamicOp->emitError("kiln-cpu-tile-and-vectorize: tiling the dynamic loops failed");
        return signalPassFailure();
      }
      auto op = cast<linalg::LinalgOp>(*inner);
      kiln::Schedule schedule = kiln::getSchedule(op);
      FailureOr<Operation *> tiled =
          kiln::tileOp(rewriter, op, schedule.parallelTiles, /*peel=*/false, /*forall=*/true);
      if (succeeded(tiled))
        tiled = kiln::tileOp(rewriter, *tiled, schedule.outerTiles, /*peel=*/false);
      if (succeeded(tiled))
        tiled = kiln::tileOp(rewriter, *tiled, schedule.innerTiles, /*peel=*/true);
      if (failed(tiled)) {
        op->emitError("kiln-cpu-tile-and-vectorize: tiling failed for this schedule");
        return signalPassFailure();
      }
      if (!schedule.vectorize)
        (*tiled)->setAttr(kiln::kNoVectorizeAttr, rewriter.getUnitAttr());
    }

    // Canonicalization folds the peeled tiles' sizes to constants (static shapes).
    RewritePatternSet decompose(&getContext());
    linalg::populateDecomposeConvolutionPatterns(decompose);
    for (Dialect *dialect : getContext().getLoadedDialects())
      dialect->getCanonicalizationPatterns(decompose);
    for (RegisteredOperationName name : getContext().getRegisteredOperations())
      if (isa<linalg::LinalgDialect, tensor::TensorDialect, affine::AffineDialect,
              arith::ArithDialect, scf::SCFDialect>(name.getDialect()))
        name.getCanonicalizationPatterns(decompose, &getContext());
    (void)applyPatternsAndFoldGreedily(func, std::move(decompose));

    SmallVector<linalg::LinalgOp> candidates;
    func.walk([&](linalg::LinalgOp op) {
      if (isVectorizable(op))
        candidates.push_back(op);
    });
    for (linalg::LinalgOp op : candidates) {
      rewriter.setInsertionPoint(op);
      // An op the vectorizer rejects stays scalar; it still lowers to correct loops.
      (void)linalg::vectorize(rewriter, op);
    }
    func.walk([&](Operation *op) { op->removeAttr(kiln::kNoVectorizeAttr); });
    applyCleanupPatterns(func);
  }
};
} // namespace
