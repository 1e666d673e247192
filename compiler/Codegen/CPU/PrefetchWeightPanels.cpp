//===- PrefetchWeightPanels.cpp - the next block of packed weights while one runs ---===//
//
// A matmul with few rows (a CNN's 7x7 stage, a transformer or decoder at batch 1) reads each
// block of k rows of its packed weights once from memory and reuses it from L1/L2 for every
// register tile of rows. The first row tile of each block waits for it (16-64 KB at ~12 GB/s
// on one core), the others compute with the memory idle: a chain of 49 x 1024 x 1024 layers
// (64 MB of weights) ran at the sum of its memory time and its compute time. Here each
// register tile's read of a packed weight inside a k loop also prefetches into L2 a few lines
// of the next block of k rows of its panels, spread over every (row tile, k step) of the
// block, so that the next block streams in while this one computes.
//
// Weights: the arguments in `kiln.packed_args` ([.., panels, K, W], blocks read at [p, k, 0])
// and the int8 GEMM's [panels, K / 4, 256] bytes (rows read as four vectors; the one at
// column 0 counts). The read's k index is `k0 + iv` of the innermost enclosing scf.for (step
// s, T rows per block); the enclosing loops inside the one that moves along k and do not
// index the weight are the row tiles (R, constant trip counts, a select of two constants
// taken at its larger): R * T / s slots share the block's T * W * bytes / 64 lines, at most
// 4 per slot. Only where R >= 2 and the kernel's row tiles in all (R times the trip counts
// of outer loops over rows, parallel chunks included) are at most 16: past that the block's
// load is amortized and the prefetches only cost. Batched weights are left alone.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/CodegenNotes.h"
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Codegen/CPU/WeightPanels.h"
#include "kiln/Dialect/Graph/Int8Layout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_PREFETCHWEIGHTPANELS
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Most prefetches per read and k step; the most register tiles of rows that use each block
/// of the weight in the whole kernel, beyond which its load is amortized (chains of 49, 98
/// and 196 x 1024 x 1024 layers, 1 thread: 20%, 12% and 2% faster with the prefetches;
/// vit_b_16's 197-row GEMMs, 33 row tiles: 9-14% slower with them).
constexpr int64_t kMaxLinesPerSlot = 4, kMaxReuse = 16;
/// x86's prefetcht1: into L2 (the block is reused from there by every row tile).
constexpr uint32_t kLocalityL2 = 2;

/// Whether `v` depends on the induction variable `iv` (through index arithmetic).
bool dependsOn(Value v, Value iv, int depth = 0) {
  if (v == iv)
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || depth > 16)
    return false;
  return llvm::any_of(def->getOperands(),
                      [&](Value operand) { return dependsOn(operand, iv, depth + 1); });
}

/// The constant trip count of `loop`: constant bounds, an upper bound lb + c (a block of k
/// steps that starts where an outer loop is), or the larger of a select of two constants.
std::optional<int64_t> blockTrips(scf::ForOp loop) {
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  std::optional<int64_t> span;
  if (auto lb = getConstantIntValue(loop.getLowerBound()))
    if (auto ub = getConstantIntValue(loop.getUpperBound()))
      span = *ub - *lb;
  // The rows of a task, fewer in the last: select(last, a, b) (VnniGemm.cpp). The larger.
  if (loop.getUpperBound().getDefiningOp<arith::SelectOp>()) {
    auto lb = getConstantIntValue(loop.getLowerBound());
    auto ub = kiln::constantRange(loop.getUpperBound());
    if (lb && ub)
      span = ub->second - *lb;
  }
  if (auto add = loop.getUpperBound().getDefiningOp<arith::AddIOp>()) {
    if (add.getLhs() == loop.getLowerBound())
      span = getConstantIntValue(add.getRhs());
    else if (add.getRhs() == loop.getLowerBound())
      span = getConstantIntValue(add.getLhs());
  }
  if (!step || !span || *step <= 0 || *span <= 0)
    return std::nullopt;
  return (*span + *step - 1) / *step;
}

/// The loop's iteration number, (iv - lb) / step.
Value iterationOf(OpBuilder &b, Location loc, scf::ForOp loop) {
  Value offset = b.create<arith::SubIOp>(loc, loop.getInductionVar(), loop.getLowerBound());
  return b.create<arith::DivUIOp>(loc, offset, loop.getStep());
}

/// Adds the prefetches of `read` (a [r, W] block of the packed `weight` at [.., p, k, 0]) for
/// the register tile's `panels` panels p, ..., p + panels - 1.
void prefetchNextBlock(vector::TransferReadOp read, Value weight, int64_t panels) {
  auto kLoop = read->getParentOfType<scf::ForOp>();
  // Batched weights (Winograd's transformed filters, one small matrix per tile position):
  // googlenet's products ran 10-60% slower with the prefetches.
  if (!kLoop || cast<MemRefType>(weight.getType()).getRank() != 3)
    return;
  SmallVector<Value> indices(read.getIndices());
  Value k = indices[indices.size() - 2];
  // k = k0 + iv with k0 invariant in the k loop (or k = iv).
  Value iv = kLoop.getInductionVar();
  auto add = k.getDefiningOp<arith::AddIOp>();
  bool kIsIvPlusInvariant =
      k == iv || (add && ((add.getRhs() == iv && !dependsOn(add.getLhs(), iv)) ||
                          (add.getLhs() == iv && !dependsOn(add.getRhs(), iv))));
  std::optional<int64_t> kSteps = blockTrips(kLoop);
  std::optional<int64_t> kStep = getConstantIntValue(kLoop.getStep());
  if (!kIsIvPlusInvariant || !kSteps || !kStep)
    return;
  auto indexesWeight = [&](Value loopIv) {
    return llvm::any_of(indices, [&](Value index) { return dependsOn(index, loopIv); });
  };
  // The row tiles: enclosing loops up to the one that moves along k (through the index or the
  // k loop's bounds), those not indexing the weight. Beyond it, loops over rows (a kernel's
  // parallel chunks or cache tiles of rows) run the whole weight again: they count towards
  // its reuse, not towards the slots of a block.
  SmallVector<std::pair<scf::ForOp, int64_t>> rowLoops;
  int64_t rowTiles = 1, reuse = 1;
  bool inBlock = true;
  for (Operation *op = kLoop->getParentOp(); op && !isa<func::FuncOp>(op); op = op->getParentOp()) {
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      Value loopIv = loop.getInductionVar();
      if (dependsOn(k, loopIv) || dependsOn(kLoop.getLowerBound(), loopIv))
        inBlock = false;
      if (indexesWeight(loopIv) || dependsOn(kLoop.getLowerBound(), loopIv))
        continue;
      std::optional<int64_t> trips = blockTrips(loop);
      if (!trips)
        return;
      reuse *= *trips;
      if (inBlock) {
        rowLoops.push_back({loop, *trips});
        rowTiles *= *trips;
      }
    } else if (auto forall = dyn_cast<scf::ForallOp>(op)) {
      inBlock = false;
      for (auto [i, loopIv] : llvm::enumerate(forall.getInductionVars())) {
        if (indexesWeight(loopIv))
          continue;
        int64_t trips = kiln::tripCount(forall.getMixedLowerBound()[i],
                                        forall.getMixedUpperBound()[i], forall.getMixedStep()[i]);
        if (trips < 0)
          return;
        reuse *= trips;
      }
    } else if (isa<LoopLikeOpInterface>(op)) {
      return; // another kind of loop: its reuse is unknown
    }
  }
  if (rowTiles < 2 || reuse > kMaxReuse)
    return;
  auto type = cast<MemRefType>(weight.getType());
  int64_t rank = type.getRank(), kRows = type.getDimSize(rank - 2);
  int64_t lineElements = kiln::kCacheLineBytes * 8 / type.getElementTypeBitWidth();
  int64_t linesPerRow = type.getDimSize(rank - 1) / lineElements;
  int64_t blockRows = *kSteps * *kStep, lines = blockRows * linesPerRow * panels;
  int64_t slots = rowTiles * *kSteps, perSlot = (lines + slots - 1) / slots;
  if (linesPerRow == 0 || perSlot > kMaxLinesPerSlot)
    return;

  // At the end of the k step, after its contraction. Placed right after the read (before it,
  // the index arithmetic took registers too), the register tile's A broadcasts were all loaded
  // ahead of the prefetch and spilled. Chains of 16 layers of 49 rows, this Intel host, 1 / 2
  // threads, at the end against after the read: 49 x 384 x 384 12% / 11% faster, 49 x 448 x
  // 448 3% / 6%, 49 x 1024 x 1024 (64 MB of weights, from memory) 5% slower / 7% faster.
  OpBuilder b(read);
  if (read->getBlock() == kLoop.getBody())
    b.setInsertionPoint(kLoop.getBody()->getTerminator());
  else
    b.setInsertionPointAfter(read);
  Location loc = read.getLoc();
  auto cst = [&](int64_t v) -> Value { return b.create<arith::ConstantIndexOp>(loc, v); };
  // slot = ((row loops' iterations, outermost first) * kSteps) + k iteration.
  Value slot = cst(0);
  for (auto [loop, trips] : llvm::reverse(rowLoops))
    slot = b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, slot, cst(trips)),
                                   iterationOf(b, loc, loop));
  slot = b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, slot, cst(*kSteps)),
                                 iterationOf(b, loc, kLoop));
  // The next block: the next blockRows rows of the panel, from this block's first row
  // k - (iv - lb); where one block is the whole panel, the next panel's rows.
  bool wholePanel = blockRows >= kRows;
  int64_t allPanels = type.getDimSize(rank - 3);
  Value nextBlock = wholePanel
                        ? cst(0)
                        : b.create<arith::AddIOp>(
                              loc,
                              b.create<arith::SubIOp>(
                                  loc, k, b.create<arith::SubIOp>(loc, iv, kLoop.getLowerBound())),
                              cst(blockRows));
  // The lines of the tile's panels one after the other; where one block is the whole panel,
  // those of the next tile's panels (the last panel at the end).
  Value panel = indices[indices.size() - 3];
  if (wholePanel)
    panel = b.create<arith::AddIOp>(loc, panel, cst(panels));
  auto clamp = [&](Value p) -> Value {
    return wholePanel ? b.create<arith::MinUIOp>(loc, p, cst(allPanels - 1)).getResult() : p;
  };
  SmallVector<Value> at(indices);
  if (panels == 1)
    at[at.size() - 3] = clamp(panel);
  // Lines past the block (slots * perSlot > lines) or past the buffer (the last panel's last
  // block) are not clamped: a prefetch is a hint that never faults, and each clamp cost a
  // register in the k loop (its A broadcasts spilled).
  Value first = b.create<arith::MulIOp>(loc, slot, cst(perSlot));
  for (int64_t j = 0; j < perSlot; ++j) {
    Value line = b.create<arith::AddIOp>(loc, first, cst(j));
    // Row by row across the tile's panels: row line / (panels * linesPerRow), panel
    // line / linesPerRow % panels, column line % linesPerRow (shifts where they are powers of
    // two, as a 64-column tile's are).
    if (panels > 1)
      at[at.size() - 3] = clamp(b.create<arith::AddIOp>(
          loc, panel,
          b.create<arith::RemUIOp>(loc, b.create<arith::DivUIOp>(loc, line, cst(linesPerRow)),
                                   cst(panels))));
    at[at.size() - 2] = b.create<arith::AddIOp>(
        loc, nextBlock, b.create<arith::DivUIOp>(loc, line, cst(panels * linesPerRow)));
    at.back() = b.create<arith::MulIOp>(loc, b.create<arith::RemUIOp>(loc, line, cst(linesPerRow)),
                                        cst(lineElements));
    b.create<memref::PrefetchOp>(loc, weight, at, /*isWrite=*/false, kLocalityL2,
                                 /*isDataCache=*/true);
  }
}

/// The panel index p of a read [.., p, k, 0] of packed weights.
Value panelIndex(vector::TransferReadOp read) {
  ValueRange indices = read.getIndices();
  return indices[indices.size() - 3];
}

/// A register tile [r, m * W] reads m panels side by side (PackWeightPanels): m reads in one
/// block at panels p and p + 1, ..., p + m - 1 (constants where p is). Their prefetches go
/// with the read of panel p and cover all m panels, so that a tile has one prefetch site per
/// k step whatever its panel width. Returns m for that read, 0 for the others. Each of the m
/// reads prefetching its own panel put m sites in the k loop: 49 x 416 x 416 in tasks of 208
/// columns (3 x 64 + 16, panels of 16), this Intel host, 1 thread: 2.99 ms against 1.92 with
/// no prefetches at all (the A broadcasts spilled), 1.89 with one site per tile.
int64_t panelsOfTile(vector::TransferReadOp read, ArrayRef<vector::TransferReadOp> reads) {
  // The offset of panel index `q` from `p`, if it is p + constant.
  auto offsetFrom = [](Value p, Value q) -> std::optional<int64_t> {
    std::optional<int64_t> cp = getConstantIntValue(p), cq = getConstantIntValue(q);
    if (cp && cq)
      return *cq - *cp;
    if (auto add = q.getDefiningOp<arith::AddIOp>(); add && add.getLhs() == p)
      return getConstantIntValue(add.getRhs());
    return std::nullopt;
  };
  Value p = panelIndex(read);
  int64_t panels = 1;
  for (vector::TransferReadOp other : reads) {
    if (other == read || other->getBlock() != read->getBlock())
      continue;
    std::optional<int64_t> ahead = offsetFrom(p, panelIndex(other));
    std::optional<int64_t> behind = offsetFrom(panelIndex(other), p);
    if (behind && *behind > 0)
      return 0; // a later panel of another read's tile
    if (ahead && *ahead > 0)
      panels = std::max(panels, *ahead + 1);
  }
  return panels;
}

/// Whether `arg` is a kiln.matmul_int8's packed weight [panels, ceil(K / 4), 256] i8 (the
/// VNNI kernel reads each 256-byte row of 64 columns x 4 k as four 64-byte vectors).
bool isInt8Panels(BlockArgument arg) {
  auto type = dyn_cast<MemRefType>(arg.getType());
  return type && type.hasStaticShape() && type.getRank() == 3 &&
         type.getElementType().isInteger(8) && type.getDimSize(2) == kiln::kInt8PanelRowBytes;
}

struct PrefetchWeightPanelsPass : kiln::impl::PrefetchWeightPanelsBase<PrefetchWeightPanelsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SetVector<BlockArgument> weights;
    if (auto packed = func->getAttrOfType<DenseI64ArrayAttr>(kiln::kPackedArgsAttr))
      for (size_t i = 0; i + kiln::kPackedArgFields <= packed.size(); i += kiln::kPackedArgFields)
        weights.insert(func.getArgument(packed[i]));
    for (BlockArgument arg : func.getArguments())
      if (isInt8Panels(arg))
        weights.insert(arg);
    for (BlockArgument weight : weights) {
      // One read per row of a panel: the one at column 0 (the VNNI kernel reads a row in four).
      SmallVector<vector::TransferReadOp> reads;
      for (Operation *user : weight.getUsers())
        if (auto read = dyn_cast<vector::TransferReadOp>(user);
            read && read.getSource() == weight && isConstantIntValue(read.getIndices().back(), 0))
          reads.push_back(read);
      for (vector::TransferReadOp read : reads)
        if (int64_t panels = panelsOfTile(read, reads))
          prefetchNextBlock(read, weight, panels);
    }
  }
};
} // namespace
