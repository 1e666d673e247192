//===- TileAndVectorize.cpp - apply each linalg op's schedule -------------===//
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Codegen/CPU/Schedule.h"

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
constexpr StringLiteral kNoVectorizeAttr = "kiln.no_vectorize";

/// Tiles `op` with `tiles` (0 = untiled) and returns the tiled op, or `op` when nothing to do.
/// With `peel`, loops whose step does not divide their range are split into a full-tile loop
/// and a last partial tile, so both keep static shapes (and can be vectorized).
FailureOr<Operation *> tile(RewriterBase &rewriter, Operation *op, ArrayRef<int64_t> tiles,
                            bool peel, bool forall = false) {
  if (tiles.empty() || llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return op;
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), tiles));
  if (forall)
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  rewriter.setInsertionPoint(op);
  auto result = scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  if (peel)
    for (LoopLikeOpInterface loop : llvm::reverse(result->loops)) // inner first: clones stay peeled
      if (auto forOp = dyn_cast<scf::ForOp>(loop.getOperation())) {
        scf::ForOp partial;
        (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial);
      }
  return result->tiledOps.back();
}

bool hasBoolOperand(linalg::LinalgOp op) {
  return llvm::any_of(op->getOperandTypes(),
                      [](Type t) { return getElementTypeOrSelf(t).isInteger(1); });
}

bool isVectorizable(linalg::LinalgOp op) {
  // i1 vectors load and store bit-packed, while buffers hold one byte per bool: keep bool
  // kernels scalar (they are rare and small).
  if (op->hasAttr(kNoVectorizeAttr) || !op.hasPureTensorSemantics() || hasBoolOperand(op))
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

void applyCleanupPatterns(func::FuncOp func) {
  RewritePatternSet patterns(func.getContext());
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorReductionToContractPatterns(patterns);
  tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
  vector::TransferReadOp::getCanonicalizationPatterns(patterns, func.getContext());
  vector::TransferWriteOp::getCanonicalizationPatterns(patterns, func.getContext());
  (void)applyPatternsAndFoldGreedily(func, std::move(patterns));
}

struct TileAndVectorizePass : kiln::impl::TileAndVectorizeBase<TileAndVectorizePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      kiln::Schedule schedule = kiln::getSchedule(op);
      FailureOr<Operation *> tiled =
          tile(rewriter, op, schedule.parallelTiles, /*peel=*/false, /*forall=*/true);
      if (succeeded(tiled))
        tiled = tile(rewriter, *tiled, schedule.outerTiles, /*peel=*/false);
      if (succeeded(tiled))
        tiled = tile(rewriter, *tiled, schedule.innerTiles, /*peel=*/true);
      if (failed(tiled)) {
        op->emitError("kiln-cpu-tile-and-vectorize: tiling failed for this schedule");
        return signalPassFailure();
      }
      if (!schedule.vectorize)
        (*tiled)->setAttr(kNoVectorizeAttr, rewriter.getUnitAttr());
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
    func.walk([&](Operation *op) { op->removeAttr(kNoVectorizeAttr); });
    applyCleanupPatterns(func);
  }
};
} // namespace
