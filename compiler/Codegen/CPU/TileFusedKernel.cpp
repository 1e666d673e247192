//===- TileFusedKernel.cpp - tile-and-fuse of an anchor and its epilogue --===//
#include "compiler/Codegen/CPU/CodegenNotes.h"
#include "compiler/Codegen/CPU/Schedule.h"
#include "compiler/Codegen/CPU/Tiling.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace {
/// Most elements of the kernel's result computed per cache tile: the anchor's output tile and
/// the epilogue's operands stay in L1/L2 between the anchor and the epilogue.
constexpr int64_t kMaxEpilogueTile = 16384;
constexpr StringLiteral kAnchorMark = "kiln.fusion_anchor";

bool isAnchor(linalg::LinalgOp op) {
  return isa<linalg::ContractionOpInterface, linalg::ConvolutionOpInterface>(op.getOperation()) ||
         op.getNumReductionLoops() > 0;
}

/// The op computing the kernel's only result: an all-parallel generic writing it in order,
/// writing the interior of a padded result (a tensor.insert_slice into the border fills), or
/// writing it with its leading dims collapsed (a tensor.reshape or expand_shape back after it:
/// kiln-sink-row-reshapes).
linalg::GenericOp findRoot(func::FuncOp func) {
  Operation *ret = func.getBody().front().getTerminator();
  if (ret->getNumOperands() != 1)
    return {};
  Value result = ret->getOperand(0);
  if (auto insert = result.getDefiningOp<tensor::InsertSliceOp>())
    result = insert.getSource();
  else if (auto reshape = result.getDefiningOp<tensor::ReshapeOp>())
    result = reshape.getSource();
  else if (auto expand = result.getDefiningOp<tensor::ExpandShapeOp>())
    result = expand.getSrc();
  auto root = result.getDefiningOp<linalg::GenericOp>();
  if (!root || root.getNumDpsInits() != 1 || root.getNumReductionLoops() != 0 ||
      !root.getIndexingMapMatchingResult(root->getResult(0)).isIdentity() ||
      !root.hasPureTensorSemantics())
    return {};
  return root;
}

/// Merges chains of elementwise generics (bias add, activation, residual add) into one.
void fuseElementwiseGenerics(func::FuncOp func) {
  RewritePatternSet patterns(func.getContext());
  linalg::populateElementwiseOpsFusionPatterns(patterns, [](OpOperand *operand) {
    Operation *producer = operand->get().getDefiningOp();
    return producer && producer->hasOneUse();
  });
  (void)applyPatternsAndFoldGreedily(func, std::move(patterns));
}

/// Makes `root` update its input `value` in place: `value` becomes its destination (when the
/// destination was a mere tensor.empty, unread). Tile-and-fuse then computes the anchor into
/// the kernel's output tile and the epilogue rewrites that tile, instead of the anchor writing
/// a whole-tensor temporary that bufferization would allocate on every call.
linalg::GenericOp makeEpilogueInPlace(RewriterBase &rewriter, linalg::GenericOp root, Value value) {
  OpOperand *init = root.getDpsInitOperand(0);
  if (!init->get().getDefiningOp<tensor::EmptyOp>() || root.payloadUsesValueFromOperand(init) ||
      value.getType() != init->get().getType() || !value.hasOneUse())
    return root;
  OpOperand *input = nullptr;
  for (OpOperand *operand : root.getDpsInputOperands())
    if (operand->get() == value && root.getMatchingIndexingMap(operand).isIdentity())
      input = operand;
  if (!input)
    return root;
  unsigned index = input->getOperandNumber();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *operand : root.getDpsInputOperands())
    if (operand != input) {
      inputs.push_back(operand->get());
      maps.push_back(root.getMatchingIndexingMap(operand));
    }
  maps.push_back(root.getMatchingIndexingMap(init));
  rewriter.setInsertionPoint(root);
  auto inPlace = rewriter.create<linalg::GenericOp>(root.getLoc(), root->getResultTypes(), inputs,
                                                    ValueRange{value}, maps,
                                                    root.getIteratorTypesArray());
  rewriter.inlineRegionBefore(root.getRegion(), inPlace.getRegion(), inPlace.getRegion().begin());
  Block &body = inPlace.getRegion().front();
  body.getArgument(index).replaceAllUsesWith(body.getArguments().back());
  body.eraseArgument(index);
  rewriter.replaceOp(root, inPlace->getResults());
  return inPlace;
}

/// Whether tile-and-fuse from `root` takes the whole computation along: each linalg op it
/// reaches (the root's producers through linalg ops only) is used only by linalg ops (a value
/// that escapes through a reshape would be computed twice). Ops it does not reach (the border
/// fills of a padded result) must not feed any it does; they keep their own schedules.
bool fusesWhole(func::FuncOp func, linalg::GenericOp root) {
  llvm::DenseSet<Operation *> reached{root};
  SmallVector<Operation *> work{root};
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    for (Value v : op->getOperands())
      if (auto producer = v.getDefiningOp<linalg::LinalgOp>())
        if (reached.insert(producer).second)
          work.push_back(producer);
  }
  bool whole = true;
  func.walk([&](linalg::LinalgOp op) {
    if (!op.hasPureTensorSemantics())
      whole = false;
    else if (!reached.contains(op))
      return;
    else if (op != root)
      for (Operation *user : op->getUsers())
        whole &= isa<linalg::LinalgOp>(user) && reached.contains(user);
  });
  return whole;
}

/// Rewrites the sizes that tiling read from the values it tiled (tensor.dim of a linalg result,
/// with dynamic shapes) into sizes of the kernel's arguments: otherwise those dims keep the
/// untiled producers alive and they run once more, whole, next to their fused tiles. The
/// greedy driver erases the producers that die.
void resolveResultDims(Operation *scope) {
  RewritePatternSet patterns(scope->getContext());
  memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
  tensor::DimOp::getCanonicalizationPatterns(patterns, scope->getContext());
  (void)applyPatternsAndFoldGreedily(scope, std::move(patterns));
}

/// The loop of `op` that walks the last dim of its (first) result: its vector lanes. -1 if
/// none.
int64_t vectorLoopOf(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumDpsInits() == 0)
    return -1;
  AffineMap map = linalgOp.getMatchingIndexingMap(linalgOp.getDpsInitOperand(0));
  if (map.getNumResults() == 0)
    return -1;
  auto dim = dyn_cast<AffineDimExpr>(map.getResults().back());
  return dim ? int64_t(dim.getPosition()) : -1;
}

/// The iterations of `loop` past its last full step, (ub - lb) % step, if its bounds are
/// constants.
std::optional<int64_t> remainderOf(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  return (*ub - *lb) % *step;
}

FailureOr<TilingInterface> tileAndFuse(RewriterBase &rewriter, TilingInterface consumer,
                                       ArrayRef<int64_t> tiles, bool forall, bool peel = false);

/// Splits the vector lanes of the peeled last tile in `partial`, `lanes` wide (no power of
/// two), into tiles of powers of two, widest first: 56 lanes as 32 + 16 + 8, 24 as 16 + 8.
/// The op split is the first one in `partial` with `loops` loops whose lanes are `loop`, or
/// with `fuse` the last one (a fused tile's consumer), its producers fused into each piece.
/// LLVM lowered register tiles of odd widths element by element (inserts and spills): 16
/// layers of 49 x 440 x 440 in tasks of 88 columns with 64-column register tiles (24 lanes
/// left) took 25.5 ms at 1 thread, 3.3 with them split; 49 x 368 x 368 in tasks of 184 (56
/// left) 6.1 and 1.9. (The default schedules avoid such remainders; tuned ones need not.)
void splitOddLanes(RewriterBase &rewriter, scf::ForOp partial, int64_t loop, int64_t lanes,
                   size_t loops, bool fuse) {
  while (lanes > 8 && !llvm::isPowerOf2_64(lanes)) {
    Operation *inner = nullptr;
    partial.walk([&](linalg::LinalgOp op) {
      if ((fuse || !inner) && op.getNumLoops() == loops && vectorLoopOf(op) == loop &&
          !op->hasAttr(kAnchorMark))
        inner = op;
    });
    if (!inner)
      return;
    int64_t piece = int64_t(llvm::bit_floor(uint64_t(lanes)));
    SmallVector<int64_t> tiles(loops, 0);
    tiles[loop] = piece;
    FailureOr<Operation *> tiled;
    if (fuse) {
      FailureOr<TilingInterface> t =
          tileAndFuse(rewriter, cast<TilingInterface>(inner), tiles, /*forall=*/false);
      if (succeeded(t))
        tiled = t->getOperation();
      else
        tiled = failure();
    } else {
      tiled = kiln::tileOp(rewriter, inner, tiles, /*peel=*/false);
    }
    if (failed(tiled))
      return;
    auto forOp = (*tiled)->getParentOfType<scf::ForOp>();
    scf::ForOp rest;
    if (!forOp || !partial->isProperAncestor(forOp) ||
        failed(scf::peelForLoopAndSimplifyBounds(rewriter, forOp, rest)) || !rest)
      return;
    partial = rest;
    lanes -= piece;
  }
}

/// The op's loop each tile loop walks, outermost first: those of `order` (empty: their own
/// order) with a tile.
SmallVector<int64_t> tiledLoops(ArrayRef<int64_t> tiles, ArrayRef<int64_t> order = {}) {
  SmallVector<int64_t> walks;
  for (size_t i = 0; i < tiles.size(); ++i) {
    int64_t d = order.empty() ? int64_t(i) : order[i];
    if (tiles[d] != 0)
      walks.push_back(d);
  }
  return walks;
}

/// Peels the loops tiling an op of `numLoops` loops (`walks`: the op's loop each walks),
/// inner first so that the clones of the body stay peeled: each loop whose step does not
/// divide its range becomes a full-tile loop and a last partial tile, which `onPartial` sees;
/// the partial tile of `lanesLoop` is then split into powers of two (splitOddLanes).
void peelLoops(RewriterBase &rewriter, ArrayRef<LoopLikeOpInterface> loops, ArrayRef<int64_t> walks,
               int64_t lanesLoop, size_t numLoops, bool fuse,
               function_ref<void(scf::ForOp)> onPartial = {}) {
  for (size_t i = loops.size(); i-- > 0;)
    if (auto forOp = dyn_cast<scf::ForOp>(LoopLikeOpInterface(loops[i]).getOperation())) {
      std::optional<int64_t> rest = remainderOf(forOp);
      scf::ForOp partial;
      if (failed(scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial)) || !partial)
        continue;
      if (onPartial)
        onPartial(partial);
      if (rest && i < walks.size() && walks[i] == lanesLoop)
        splitOddLanes(rewriter, partial, lanesLoop, *rest, numLoops, fuse);
    }
}

/// Tiles `consumer` by `tiles` and computes each linalg producer inside the loops, per tile.
/// Returns the tiled consumer.
FailureOr<TilingInterface> tileAndFuse(RewriterBase &rewriter, TilingInterface consumer,
                                       ArrayRef<int64_t> tiles, bool forall, bool peel) {
  if (llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return consumer;
  int64_t lanesLoop = vectorLoopOf(consumer);
  scf::SCFTileAndFuseOptions options;
  options.tilingOptions.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), tiles));
  if (forall)
    options.tilingOptions.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  options.setFusionControlFn([](tensor::ExtractSliceOp, OpResult producer, bool) {
    return std::make_tuple(isa<linalg::LinalgOp>(producer.getOwner()), false);
  });
  rewriter.setInsertionPoint(consumer);
  auto func = consumer->getParentOfType<func::FuncOp>();
  auto result = scf::tileConsumerAndFuseProducersUsingSCF(rewriter, consumer, options);
  if (failed(result))
    return failure();
  for (OpResult r : consumer->getResults())
    rewriter.replaceAllUsesWith(r, result->replacements.lookup(r));
  rewriter.eraseOp(consumer);
  // The untiled producers are dead now; erase them (consumers first).
  for (Operation *producer : llvm::reverse(result->fusedProducers))
    if (producer->use_empty())
      rewriter.eraseOp(producer);
  // With dynamic shapes, those still read by a tensor.dim die once their dims are resolved.
  if (func.walk([](tensor::DimOp) { return WalkResult::interrupt(); }).wasInterrupted())
    resolveResultDims(func);
  auto tiled = cast<TilingInterface>(result->tiledAndFusedOps.front());
  if (peel)
    peelLoops(rewriter, result->loops, tiledLoops(tiles), lanesLoop, tiles.size(), /*fuse=*/true);
  return tiled;
}

/// Shrinks the outermost whole dims of a cache tile over `ranges` until it holds at most
/// kMaxEpilogueTile elements (0 = whole dim), each to a divisor of its extent no smaller than
/// its register tile (`registers`, 0 = none). A dim without such a divisor keeps its extent and
/// the next dim shrinks instead: ViT's 197 rows (a prime) against 6-row register tiles became
/// 1-row cache tiles, and its [197, 768] x [768, 3072] with a bias ran as 1 x 64 register
/// tiles, 13.9 against 6.8 ms unfused (1 thread).
void capTile(SmallVectorImpl<int64_t> &tiles, ArrayRef<int64_t> ranges,
             ArrayRef<int64_t> registers) {
  int64_t elements = 1;
  for (auto [t, r] : llvm::zip(tiles, ranges))
    elements *= t ? std::min(t, r) : r;
  for (size_t d = 0; d < tiles.size() && elements > kMaxEpilogueTile; ++d) {
    int64_t extent = tiles[d] ? std::min(tiles[d], ranges[d]) : ranges[d];
    int64_t rest = elements / extent;
    int64_t tile = kiln::largestDivisorAtMost(extent, std::max<int64_t>(1, kMaxEpilogueTile / rest));
    int64_t least = d < registers.size() ? registers[d] : 0;
    if (tile < extent && tile >= least) {
      tiles[d] = tile;
      elements = rest * tile;
    }
  }
}
} // namespace

FailureOr<Operation *> kiln::tileOp(RewriterBase &rewriter, Operation *op, ArrayRef<int64_t> tiles,
                                    bool peel, bool forall, ArrayRef<int64_t> order) {
  if (tiles.empty() || llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return op;
  int64_t lanesLoop = vectorLoopOf(op);
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), tiles));
  if (!order.empty())
    options.setInterchange(order);
  if (forall)
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  rewriter.setInsertionPoint(op);
  auto result = scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  if (peel)
    peelLoops(rewriter, result->loops, tiledLoops(tiles, order), lanesLoop, tiles.size(),
              /*fuse=*/false, [&](scf::ForOp partial) {
                partial.walk([&](linalg::LinalgOp inner) {
                  if (inner.getNumLoops() == tiles.size())
                    inner->setAttr(kTileBoundsAttr, rewriter.getDenseI64ArrayAttr(tiles));
                });
              });
  return result->tiledOps.back();
}

FailureOr<bool> kiln::tileFusedKernel(RewriterBase &rewriter, func::FuncOp func,
                                      std::string *description) {
  linalg::LinalgOp anchor;
  func.walk([&](linalg::LinalgOp op) {
    if (!anchor && isAnchor(op))
      anchor = op;
  });
  linalg::GenericOp root = findRoot(func);
  if (!anchor || !root || anchor == root)
    return false;
  fuseElementwiseGenerics(func);
  root = findRoot(func);
  if (!root || !fusesWhole(func, root))
    return false;
  AffineMap anchorOut = anchor.getIndexingMapMatchingResult(anchor->getResult(0));
  SmallVector<int64_t> rootRanges = root.getStaticLoopRanges();
  if (!anchorOut.isProjectedPermutation() ||
      cast<ShapedType>(anchor->getResult(0).getType()).getShape() != ArrayRef(rootRanges))
    return false;

  root = makeEpilogueInPlace(rewriter, root, anchor->getResult(0));
  Schedule schedule = getSchedule(anchor);
  // The root's loops are the anchor's result dims: map anchor tiles onto them.
  auto toRoot = [&](ArrayRef<int64_t> tiles) {
    SmallVector<int64_t> out(rootRanges.size(), 0);
    for (unsigned i = 0; i < anchorOut.getNumResults(); ++i)
      if (unsigned d = anchorOut.getDimPosition(i); d < tiles.size())
        out[i] = tiles[d];
    return out;
  };
  // The anchor itself is erased by tile-and-fuse: keep what is needed of it.
  SmallVector<int64_t> anchorRanges = anchor.getStaticLoopRanges();
  SmallVector<utils::IteratorType> anchorIterators = anchor.getIteratorTypesArray();
  anchor->setAttr(kAnchorMark, rewriter.getUnitAttr());
  FailureOr<TilingInterface> consumer =
      tileAndFuse(rewriter, cast<TilingInterface>(root.getOperation()), toRoot(schedule.parallelTiles), /*forall=*/true);
  SmallVector<int64_t> cache = toRoot(schedule.outerTiles);
  if (succeeded(consumer)) {
    capTile(cache, cast<linalg::LinalgOp>(consumer->getOperation()).getStaticLoopRanges(),
            toRoot(schedule.innerTiles));
    consumer = tileAndFuse(rewriter, *consumer, cache, /*forall=*/false);
  }
  // The schedule as applied: the capped cache tiles back on the anchor's dims.
  for (unsigned i = 0; i < anchorOut.getNumResults(); ++i)
    if (unsigned d = anchorOut.getDimPosition(i); d < schedule.outerTiles.size())
      schedule.outerTiles[d] = cache[i];
  if (description)
    *description = describeSchedule(schedule) + " (fused)";
  if (failed(consumer))
    return func.emitError("kiln-cpu-tile-and-vectorize: tile-and-fuse failed for this schedule");

  // Register level: when the anchor's reduction is whole inside a cache tile, each register
  // tile of the result computes its accumulator and applies the epilogue right away (the zero
  // fill, the accumulator and the epilogue then meet in registers: forwarded after
  // bufferization). A reduction split in cache blocks completes only after the last block, so
  // the epilogue then runs per cache tile.
  bool reductionWhole = true;
  for (size_t d = 0; d < schedule.outerTiles.size() && d < anchorIterators.size(); ++d)
    if (anchorIterators[d] == utils::IteratorType::reduction && schedule.outerTiles[d] > 0 &&
        schedule.outerTiles[d] < anchorRanges[d])
      reductionWhole = false;
  bool registerLevel = reductionWhole && schedule.vectorize;
  if (registerLevel) {
    consumer = tileAndFuse(rewriter, *consumer, toRoot(schedule.innerTiles), /*forall=*/false,
                           /*peel=*/true);
    if (failed(consumer))
      return func.emitError("kiln-cpu-tile-and-vectorize: register tile-and-fuse failed");
  }

  // The anchor's clones in the innermost tiles: the rest of their tiles (reductions; and at
  // the cache level, the register tiles).
  SmallVector<linalg::LinalgOp> tiledAnchors, others;
  func.walk([&](linalg::LinalgOp op) {
    (op->hasAttr(kAnchorMark) ? tiledAnchors : others).push_back(op);
  });
  auto reductionsOnly = [](linalg::LinalgOp op, ArrayRef<int64_t> tiles) {
    SmallVector<int64_t> out(tiles);
    auto iterators = op.getIteratorTypesArray();
    for (size_t d = 0; d < out.size() && d < iterators.size(); ++d)
      if (iterators[d] == utils::IteratorType::parallel)
        out[d] = 0;
    return out;
  };
  for (linalg::LinalgOp op : tiledAnchors) {
    op->removeAttr(kAnchorMark);
    FailureOr<Operation *> tiled;
    if (registerLevel) {
      tiled = tileOp(rewriter, op, reductionsOnly(op, schedule.innerTiles), /*peel=*/true);
    } else {
      tiled = tileOp(rewriter, op, reductionsOnly(op, schedule.outerTiles), /*peel=*/false);
      if (succeeded(tiled))
        tiled = tileOp(rewriter, *tiled, schedule.innerTiles, /*peel=*/true, /*forall=*/false,
                       schedule.innerOrder);
    }
    if (failed(tiled))
      return op->emitError("kiln-cpu-tile-and-vectorize: tiling the fused anchor failed");
    if (!schedule.vectorize)
      (*tiled)->setAttr(kNoVectorizeAttr, rewriter.getUnitAttr());
  }
  // The other ops (zero fill, epilogue) are register tiles already, or get vector tiles.
  for (linalg::LinalgOp op : others) {
    // Register tiles (their sizes fold to constants later) are vectorized whole.
    if (registerLevel && op->getParentOfType<scf::ForOp>())
      continue;
    Schedule own = chooseDefaultSchedule(op);
    FailureOr<Operation *> tiled = tileOp(rewriter, op, own.innerTiles, /*peel=*/true);
    if (failed(tiled))
      return op->emitError("kiln-cpu-tile-and-vectorize: tiling a fused op failed");
    if (!own.vectorize)
      (*tiled)->setAttr(kNoVectorizeAttr, rewriter.getUnitAttr());
  }
  return true;
}
