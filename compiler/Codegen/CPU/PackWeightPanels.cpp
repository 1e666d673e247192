//===- PackWeightPanels.cpp - matmul weights read as contiguous panels ----===//
//
// A matmul's register tiles read B [k, n] in blocks of r rows x W columns (W = 64: four
// vectors), rows N * 4 bytes apart: a weight matrix streamed from memory (a CNN's last
// stages, Winograd's products, a decoder step) is read 256 bytes per 2-8 KB, which the
// hardware prefetchers do not follow (ResNet-50's 49x4608x512 conv ran at 3.4 GB/s from
// memory). Where every read of a weight argument is such a block at a column that is a
// multiple of W, the argument becomes [N / W, K, W] (oneDNN's and MLAS's packed B): each
// register tile's block is contiguous and a whole panel is one sequential stream. Tasks of
// columns that are no multiple of W read panels in groups of their columns (panelLayout). The
// function records `kiln.packed_args` = [argument, W, G, ...]; the compiler permutes the
// weights in the artifact to match (compiler/Pipeline/PackPlanWeights.h).
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Codegen/CPU/WeightPanels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <numeric>

namespace kiln {
#define GEN_PASS_DEF_PACKWEIGHTPANELS
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Whether `v` is a multiple of `w` for every value it takes: constants, loop induction
/// variables whose lower bound and step are, and sums and products of those.
bool isMultipleOf(Value v, int64_t w, int depth = 0) {
  if (depth > 16)
    return false;
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return *c % w == 0;
  auto multiple = [&](OpFoldResult r) {
    if (std::optional<int64_t> c = getConstantIntValue(r))
      return *c % w == 0;
    return isMultipleOf(cast<Value>(r), w, depth + 1);
  };
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<scf::ForOp>(owner))
      return arg == loop.getInductionVar() && multiple(loop.getLowerBound()) &&
             multiple(loop.getStep());
    if (auto loop = dyn_cast<scf::ForallOp>(owner)) {
      unsigned i = arg.getArgNumber();
      if (i >= loop.getRank())
        return false;
      return multiple(loop.getMixedLowerBound()[i]) && multiple(loop.getMixedStep()[i]);
    }
    return false;
  }
  if (auto add = v.getDefiningOp<arith::AddIOp>())
    return isMultipleOf(add.getLhs(), w, depth + 1) && isMultipleOf(add.getRhs(), w, depth + 1);
  if (auto mul = v.getDefiningOp<arith::MulIOp>())
    return isMultipleOf(mul.getLhs(), w, depth + 1) || isMultipleOf(mul.getRhs(), w, depth + 1);
  return false;
}

/// The width W of `read` when it reads a block of a contraction's B operand: a [r, W] block
/// (leading vector dims 1, W < N) of the last two dims [K, N] of its source, in memory order,
/// used only as the rhs of a vector.contract that reduces over its rows. 0 otherwise.
int64_t panelWidthOf(vector::TransferReadOp read) {
  auto memref = cast<MemRefType>(read.getSource().getType());
  VectorType vector = read.getVectorType();
  int64_t rank = vector.getRank();
  if (rank < 2 || memref.getRank() < 2 || !read.getPermutationMap().isMinorIdentity() ||
      read.getMask() || !read->hasOneUse())
    return 0;
  for (int64_t d = 0; d + 2 < rank; ++d)
    if (vector.getDimSize(d) != 1)
      return 0;
  for (int64_t d = 0; d < rank; ++d)
    if (!read.isDimInBounds(d))
      return 0;
  auto contract = dyn_cast<vector::ContractionOp>(*read->getUsers().begin());
  if (!contract || contract.getRhs() != read.getResult())
    return 0;
  AffineMap rhs = contract.getIndexingMapsArray()[1];
  auto iterators = contract.getIteratorTypesArray();
  if (!rhs.isProjectedPermutation() ||
      iterators[rhs.getDimPosition(rank - 2)] != vector::IteratorType::reduction ||
      iterators[rhs.getDimPosition(rank - 1)] != vector::IteratorType::parallel)
    return 0;
  int64_t width = vector.getDimSize(rank - 1);
  if (width == memref.getDimSize(memref.getRank() - 1))
    return 0; // whole rows: already contiguous
  return width;
}

/// The largest value `v` takes, where it never goes below 0: non-negative constants,
/// induction variables of loops with constant bounds from 0 or more and step, and their sums;
/// none otherwise.
std::optional<int64_t> largestValue(Value v, int depth = 0) {
  if (depth > 16)
    return std::nullopt;
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return *c >= 0 ? c : std::nullopt;
  if (auto arg = dyn_cast<BlockArgument>(v))
    if (auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
        loop && arg == loop.getInductionVar()) {
      std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
      std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
      std::optional<int64_t> step = getConstantIntValue(loop.getStep());
      if (!lb || !ub || !step || *lb < 0 || *step <= 0 || *ub <= *lb)
        return std::nullopt;
      return *lb + (*ub - *lb - 1) / *step * *step;
    }
  if (auto add = v.getDefiningOp<arith::AddIOp>()) {
    std::optional<int64_t> l = largestValue(add.getLhs(), depth + 1);
    std::optional<int64_t> r = largestValue(add.getRhs(), depth + 1);
    if (l && r)
      return *l + *r;
  }
  return std::nullopt;
}

/// A column index split as g + l: g the induction variable of an scf.forall dim from 0 in
/// steps of `group` (a task's columns), l the offset inside the task (null: 0).
struct ColumnSplit {
  int64_t group = 0;
  Value task, offset;
};
std::optional<ColumnSplit> splitColumn(Value n) {
  auto taskOf = [](Value v) -> std::optional<int64_t> {
    auto arg = dyn_cast<BlockArgument>(v);
    auto loop = arg ? dyn_cast<scf::ForallOp>(arg.getOwner()->getParentOp()) : nullptr;
    if (!loop || arg.getArgNumber() >= loop.getRank() ||
        !isConstantIntValue(loop.getMixedLowerBound()[arg.getArgNumber()], 0))
      return std::nullopt;
    return getConstantIntValue(loop.getMixedStep()[arg.getArgNumber()]);
  };
  if (std::optional<int64_t> g = taskOf(n))
    return ColumnSplit{*g, n, Value()};
  if (auto add = n.getDefiningOp<arith::AddIOp>()) {
    if (std::optional<int64_t> g = taskOf(add.getLhs()))
      return ColumnSplit{*g, add.getLhs(), add.getRhs()};
    if (std::optional<int64_t> g = taskOf(add.getRhs()))
      return ColumnSplit{*g, add.getRhs(), add.getLhs()};
  }
  return std::nullopt;
}

/// How argument `arg` is read as panels: W columns wide, in groups of G columns (G = N: one
/// group). W = 0 where it is not.
struct PanelLayout {
  int64_t width = 0, group = 0;
};

/// The panel layout of argument `arg`. Without groups: W = the greatest common divisor of
/// the widths of its reads (all of its uses), where every read starts at a column that is a
/// multiple of it and it divides N. Register tiles of mixed widths (N = 96 as 64 + 32) read
/// several panels per block. Where a task's columns are no multiple of that (400 columns in
/// tasks of 200 = 3 x 64 + 8), panels of one cache line in groups of the task's columns
/// (13 panels of 16, the last one half zeros): every read at a column l of a task, l a
/// multiple of W, wide a multiple of W or narrower than W, within the task. Without them, such
/// a weight was read in rows N * 4 bytes apart, unprefetched: 16 layers of 49 x 400 x 400,
/// this Intel host, 0.92 / 0.69 of onnxruntime's speed at 1 / 2 threads.
PanelLayout panelLayout(BlockArgument arg) {
  auto memref = dyn_cast<MemRefType>(arg.getType());
  if (!memref || !memref.hasStaticShape() || !memref.getLayout().isIdentity() ||
      memref.getElementTypeBitWidth() % 8 != 0 || arg.use_empty())
    return {};
  SmallVector<std::pair<vector::TransferReadOp, int64_t>> reads;
  int64_t width = 0;
  for (Operation *user : arg.getUsers()) {
    auto read = dyn_cast<vector::TransferReadOp>(user);
    int64_t w = read && read.getSource() == arg ? panelWidthOf(read) : 0;
    if (w == 0)
      return {};
    reads.push_back({read, w});
    width = std::gcd(width, w);
  }
  int64_t n = memref.getDimSize(memref.getRank() - 1);
  int64_t bytes = memref.getElementTypeBitWidth() / 8;
  // A panel row narrower than a cache line gains nothing.
  if (n % width == 0 && width * bytes >= kiln::kCacheLineBytes &&
      llvm::all_of(reads, [&](auto r) { return isMultipleOf(r.first.getIndices().back(), width); }))
    return {width, n};
  int64_t line = kiln::kCacheLineBytes / bytes, group = 0;
  if (line * bytes != kiln::kCacheLineBytes)
    return {};
  for (auto [read, w] : reads) {
    std::optional<ColumnSplit> split = splitColumn(read.getIndices().back());
    if (!split || split->group <= 0 || n % split->group != 0 || (group && split->group != group))
      return {};
    group = split->group;
    std::optional<int64_t> last = split->offset ? largestValue(split->offset) : 0;
    if ((w % line != 0 && w > line) || !last || *last + w > group ||
        (split->offset && !isMultipleOf(split->offset, line)))
      return {};
  }
  return {line, group};
}

/// Reads of `arg` now in `layout`: each [r, m * W] block at [.., k, n] is read as the [r, W]
/// blocks at [.., p + j, k, 0], j < m, side by side, p = n / W; in groups of G columns, with
/// n = g + l (a task at column g), p = g / G * ceil(G / W) + l / W. A block narrower than W
/// reads the first columns of panel p.
void rewriteReads(BlockArgument arg, PanelLayout layout, int64_t n) {
  int64_t width = layout.width;
  for (Operation *user : llvm::make_early_inc_range(arg.getUsers())) {
    auto read = cast<vector::TransferReadOp>(user);
    OpBuilder b(read);
    Location loc = read.getLoc();
    SmallVector<Value> indices(read.getIndices());
    Value column = indices.back(), k = indices[indices.size() - 2];
    auto cst = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); };
    Value first;
    if (layout.group == n) {
      first = b.createOrFold<arith::DivUIOp>(loc, column, cst(width));
    } else {
      std::optional<ColumnSplit> split = splitColumn(column); // checked by panelLayout
      first = b.createOrFold<arith::MulIOp>(
          loc, b.createOrFold<arith::DivUIOp>(loc, split->task, cst(layout.group)),
          cst(kiln::panelsPerGroup(width, layout.group)));
      if (split->offset)
        first = b.createOrFold<arith::AddIOp>(
            loc, first, b.createOrFold<arith::DivUIOp>(loc, split->offset, cst(width)));
    }
    indices.pop_back();
    indices.push_back(k);
    indices.push_back(cst(0));
    VectorType type = read.getVectorType();
    int64_t rank = type.getRank(), rows = type.getDimSize(rank - 2);
    int64_t columns = type.getDimSize(rank - 1);
    int64_t panels = std::max<int64_t>(1, columns / width);
    auto blockType = VectorType::get({rows, columns}, type.getElementType());
    auto panelType = VectorType::get({rows, std::min(width, columns)}, type.getElementType());
    Value block;
    for (int64_t j = 0; j < panels; ++j) {
      indices[indices.size() - 3] =
          j == 0 ? first : b.createOrFold<arith::AddIOp>(loc, first, cst(j));
      Value panel = b.create<vector::TransferReadOp>(loc, panelType, arg, indices,
                                                     read.getPadding(), ArrayRef<bool>{true, true});
      if (panels == 1) {
        block = panel;
        break;
      }
      if (!block)
        block = b.create<arith::ConstantOp>(loc, blockType, b.getZeroAttr(blockType));
      block = b.create<vector::InsertStridedSliceOp>(
          loc, panel, block, ArrayRef<int64_t>{0, j * width}, ArrayRef<int64_t>{1, 1});
    }
    if (rank > 2)
      block = b.create<vector::ShapeCastOp>(loc, type, block);
    read.replaceAllUsesWith(block);
    read.erase();
  }
}

struct PackWeightPanelsPass : kiln::impl::PackWeightPanelsBase<PackWeightPanelsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<int64_t> packed;
    for (BlockArgument arg : func.getArguments()) {
      if (!func.removeArgAttr(arg.getArgNumber(), kiln::kWeightArgAttr))
        continue;
      PanelLayout layout = panelLayout(arg);
      if (layout.width == 0)
        continue;
      auto type = cast<MemRefType>(arg.getType());
      arg.setType(MemRefType::get(kiln::panelShape(type.getShape(), layout.width, layout.group),
                                  type.getElementType()));
      rewriteReads(arg, layout, type.getShape().back());
      packed.append({int64_t(arg.getArgNumber()), layout.width, layout.group});
    }
    if (packed.empty())
      return;
    SmallVector<Type> inputs(func.getBody().getArgumentTypes());
    func.setType(FunctionType::get(func.getContext(), inputs, func.getResultTypes()));
    func->setAttr(kiln::kPackedArgsAttr, DenseI64ArrayAttr::get(func.getContext(), packed));
  }
};
} // namespace
