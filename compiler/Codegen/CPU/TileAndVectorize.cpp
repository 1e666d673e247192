//===- TileAndVectorize.cpp - apply each linalg op's schedule -------------===//
#include "compiler/Codegen/CPU/CodegenNotes.h"
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

/// Why the vectorizer must leave `op` scalar, or "" when it may try.
std::string scalarReason(linalg::LinalgOp op) {
  // i1 vectors load and store bit-packed, while buffers hold one byte per bool: keep bool
  // kernels scalar (they are rare and small).
  if (op->hasAttr(kiln::kNoVectorizeAttr))
    return "its schedule turns vectorization off";
  if (!op.hasPureTensorSemantics())
    return "it works on buffers";
  if (hasBoolOperand(op))
    return "bool (i1) operands stay scalar";
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t iterations = 1;
  for (auto [d, r] : llvm::enumerate(ranges)) {
    if (ShapedType::isDynamic(r))
      return "loop " + std::to_string(d) + " has a dynamic range";
    iterations *= r;
  }
  if (iterations > kMaxVectorizedIterations)
    return "it was not tiled (" + std::to_string(iterations) + " iterations in one op)";
  if (failed(linalg::vectorizeOpPrecondition(op, {}, {}, /*vectorizeNDExtract=*/true)))
    return "the vectorizer's precondition fails";
  return "";
}

/// Loop iterations per run of the kernel's linalg ops before scheduling (-1: dynamic).
int64_t kernelIterations(func::FuncOp func) {
  int64_t total = 0;
  func.walk([&](linalg::LinalgOp op) {
    int64_t n = kiln::iterationsPerRun(op);
    total = n < 0 || total < 0 ? -1 : total + n;
  });
  return total;
}

/// Tiles every dynamic loop of `op` by 1 (the peeled last partial register tiles of a dynamic
/// dim, ops whose schedule leaves a dynamic dim whole), so that the op inside is static and
/// vectorizes along its static dims. Returns `op` when its loops are static.
FailureOr<Operation *> tileDynamicLoopsByOne(RewriterBase &rewriter, linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<int64_t> tiles(ranges.size(), 0);
  for (auto [d, range] : llvm::enumerate(ranges))
    if (ShapedType::isDynamic(range))
      tiles[d] = 1;
  if (llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return op.getOperation();
  return kiln::tileOp(rewriter, op, tiles, /*peel=*/false);
}

/// Canonicalization (peeled tile sizes fold to constants) and the decomposition of size-1
/// windowed convolutions to 1-D ones.
void foldTileSizes(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  RewritePatternSet patterns(ctx);
  linalg::populateDecomposeConvolutionPatterns(patterns);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName name : ctx->getRegisteredOperations())
    if (isa<linalg::LinalgDialect, tensor::TensorDialect, affine::AffineDialect,
            arith::ArithDialect, scf::SCFDialect>(name.getDialect()))
      name.getCanonicalizationPatterns(patterns, ctx);
  (void)applyPatternsAndFoldGreedily(func, std::move(patterns));
}

/// Vectorizes `op`, the last partial register tile of a dynamic dim (kTileBoundsAttr), with
/// masks: vectors of the tile sizes along its dynamic loops, its static extents elsewhere.
/// Elementwise ops only (all loops parallel, operands read in loop order: MLIR 19 builds
/// masks of the wrong shape for transposed reads). Fails (IR untouched) where a dynamic loop
/// has no bound or the vectorizer declines.
LogicalResult vectorizeMasked(RewriterBase &rewriter, linalg::LinalgOp op) {
  auto bounds = op->getAttrOfType<DenseI64ArrayAttr>(kiln::kTileBoundsAttr);
  if (!bounds || op->hasAttr(kiln::kNoVectorizeAttr) || hasBoolOperand(op) ||
      !op.hasPureTensorSemantics() || !isa<linalg::GenericOp>(op) ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !llvm::all_of(op.getIndexingMapsArray(), kiln::readsInLoopOrder))
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges(), sizes;
  if (int64_t(ranges.size()) != bounds.size())
    return failure();
  int64_t elements = 1;
  for (auto [range, bound] : llvm::zip(ranges, bounds.asArrayRef())) {
    if (ShapedType::isDynamic(range) && bound <= 0)
      return failure();
    sizes.push_back(ShapedType::isDynamic(range) ? bound : range);
    elements *= sizes.back();
  }
  // Fixed-size vectors (MLIR 19 reads an empty list of scalable dims past its end).
  SmallVector<bool> scalable(sizes.size(), false);
  if (elements > kMaxVectorizedIterations ||
      failed(linalg::vectorizeOpPrecondition(op, sizes, scalable)))
    return failure();
  rewriter.setInsertionPoint(op);
  return linalg::vectorize(rewriter, op, sizes, scalable);
}

/// Vectorizes the last partial register tiles of dynamic dims with masks, and tiles the
/// dynamic loops of every other op that still has dynamic shapes by 1; returns whether there
/// was any (a failure is reported and leaves the op as it is: scalar, and noted).
bool tileRemainingDynamicOps(RewriterBase &rewriter, func::FuncOp func) {
  SmallVector<linalg::LinalgOp> dynamicOps;
  func.walk([&](linalg::LinalgOp op) {
    if (op.hasPureTensorSemantics() && op.hasDynamicShape())
      dynamicOps.push_back(op);
  });
  for (linalg::LinalgOp op : dynamicOps) {
    if (succeeded(vectorizeMasked(rewriter, op)))
      continue;
    bool noVectorize = op->hasAttr(kiln::kNoVectorizeAttr);
    FailureOr<Operation *> inner = tileDynamicLoopsByOne(rewriter, op);
    if (succeeded(inner) && noVectorize)
      (*inner)->setAttr(kiln::kNoVectorizeAttr, rewriter.getUnitAttr());
  }
  return !dynamicOps.empty();
}

void applyCleanupPatterns(func::FuncOp func) {
  RewritePatternSet patterns(func.getContext());
  // Masked transfers (vectorizeMasked) as transfers with a mask operand, not vector.mask
  // regions, which later folds and hoisting would have to respect.
  vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorReductionToContractPatterns(patterns);
  kiln::populateFoldTransferSlicePatterns(patterns);
  vector::TransferReadOp::getCanonicalizationPatterns(patterns, func.getContext());
  vector::TransferWriteOp::getCanonicalizationPatterns(patterns, func.getContext());
  (void)applyPatternsAndFoldGreedily(func, std::move(patterns));
}

/// Whether an op of `func` loops over a zero-size dim: the kernel works on an empty tensor.
bool hasEmptyLoop(func::FuncOp func) {
  bool empty = false;
  func.walk([&](linalg::LinalgOp op) {
    empty |= llvm::is_contained(op.getStaticLoopRanges(), int64_t(0));
  });
  return empty;
}

struct TileAndVectorizePass : kiln::impl::TileAndVectorizeBase<TileAndVectorizePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    int64_t iterations = kernelIterations(func);
    kiln::decomposePads(rewriter, func);
    std::string schedule = "vector code";
    // An empty tensor (a zero-size dim) leaves nothing to tile: its loops run zero times (a
    // reduction over it yields its identity), and tiling would size tiles by a zero extent
    // (a crash inside MLIR's tile-and-fuse).
    bool empty = hasEmptyLoop(func);
    FailureOr<bool> fused = empty ? FailureOr<bool>(false)
                                  : kiln::tileFusedKernel(rewriter, func, &schedule);
    if (failed(fused))
      return signalPassFailure();
    SmallVector<linalg::LinalgOp> ops;
    if (empty)
      schedule = "untiled (an empty tensor: a zero-size dim)";
    else if (!*fused)
      func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    int64_t largest = -1;
    for (linalg::LinalgOp op : ops) {
      // Dynamic extents are scheduled as kRepresentativeExtent: static register tiles, peeled.
      kiln::Schedule opSchedule = kiln::getSchedule(op);
      if (int64_t n = kiln::iterationsPerRun(op); n > largest || n < 0) {
        largest = n < 0 ? std::numeric_limits<int64_t>::max() : n;
        schedule = kiln::describeSchedule(opSchedule);
      }
      FailureOr<Operation *> tiled =
          kiln::tileOp(rewriter, op, opSchedule.parallelTiles, /*peel=*/false, /*forall=*/true);
      if (succeeded(tiled))
        tiled = kiln::tileOp(rewriter, *tiled, opSchedule.outerTiles, /*peel=*/false);
      if (succeeded(tiled))
        tiled = kiln::tileOp(rewriter, *tiled, opSchedule.innerTiles, /*peel=*/true,
                             /*forall=*/false, opSchedule.innerOrder);
      if (failed(tiled)) {
        op->emitError("kiln-cpu-tile-and-vectorize: tiling failed for this schedule");
        return signalPassFailure();
      }
      if (!opSchedule.vectorize)
        (*tiled)->setAttr(kiln::kNoVectorizeAttr, rewriter.getUnitAttr());
    }
    // Canonicalization folds the peeled tiles' sizes to constants (static shapes); what is
    // still dynamic after it (the last partial register tile of a dynamic dim) runs element
    // by element along that dim, then is canonicalized like the rest.
    foldTileSizes(func);
    if (!empty && tileRemainingDynamicOps(rewriter, func))
      foldTileSizes(func);

    SmallVector<linalg::LinalgOp> candidates;
    func.walk([&](linalg::LinalgOp op) {
      std::string reason = scalarReason(op);
      if (reason.empty())
        candidates.push_back(op);
      else
        op->setAttr(kiln::kScalarReasonAttr, rewriter.getStringAttr(reason));
    });
    for (linalg::LinalgOp op : candidates) {
      rewriter.setInsertionPoint(op);
      // An op the vectorizer rejects stays scalar; it still lowers to correct loops, and
      // the kernel's notes report it.
      // n-D tensor.extract (gathers: embeddings, resize taps) become vector.gather.
      if (failed(linalg::vectorize(rewriter, op, {}, {}, /*vectorizeNDExtract=*/true)))
        op->setAttr(kiln::kScalarReasonAttr, rewriter.getStringAttr("the vectorizer failed"));
    }
    func.walk([&](Operation *op) {
      op->removeAttr(kiln::kNoVectorizeAttr);
      op->removeAttr(kiln::kTileBoundsAttr);
    });
    applyCleanupPatterns(func);
    if (auto gemm = func->getAttrOfType<StringAttr>(kiln::kGemmKernelAttr)) {
      schedule = gemm.str() + (schedule == "vector code" ? "" : "; other ops " + schedule);
      func->removeAttr(kiln::kGemmKernelAttr);
    }
    if (func->hasAttr("kiln.kernel"))
      kiln::recordCodegenNotes(func, schedule, iterations);
  }
};
} // namespace
