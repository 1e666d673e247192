//===- PackWeightPanels.cpp - matmul weights read as contiguous panels ----===//
//
// A matmul's register tiles read B [k, n] in blocks of r rows x W columns (W = 64: four
// vectors), rows N * 4 bytes apart: a weight matrix streamed from memory (a CNN's last
// stages, Winograd's products, a decoder step) is read 256 bytes per 2-8 KB, which the
// hardware prefetchers do not follow (ResNet-50's 49x4608x512 conv ran at 3.4 GB/s from
// memory). Where every read of a weight argument is such a block at a column that is a
// multiple of W, the argument becomes [N / W, K, W] (oneDNN's and MLAS's packed B): each
// register tile's block is contiguous and a whole panel is one sequential stream. The
// function records `kiln.packed_args` = [argument, W, ...]; the compiler permutes the
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

/// The panel width of argument `arg`: the greatest common divisor of the widths of its reads
/// (all of its uses), where every read starts at a column that is a multiple of it and it
/// divides N; 0 if there is none. Register tiles of mixed widths (N = 96 as 64 + 32, 400 as
/// 6 x 64 + 16) read several panels per block.
int64_t panelWidth(BlockArgument arg) {
  auto memref = dyn_cast<MemRefType>(arg.getType());
  if (!memref || !memref.hasStaticShape() || !memref.getLayout().isIdentity() ||
      memref.getElementTypeBitWidth() % 8 != 0 || arg.use_empty())
    return 0;
  int64_t width = 0;
  for (Operation *user : arg.getUsers()) {
    auto read = dyn_cast<vector::TransferReadOp>(user);
    int64_t w = read && read.getSource() == arg ? panelWidthOf(read) : 0;
    if (w == 0)
      return 0;
    width = std::gcd(width, w);
  }
  int64_t n = memref.getDimSize(memref.getRank() - 1);
  if (n % width != 0)
    return 0;
  for (Operation *user : arg.getUsers())
    if (!isMultipleOf(cast<vector::TransferReadOp>(user).getIndices().back(), width))
      return 0;
  // A panel row narrower than a cache line gains nothing.
  return width * memref.getElementTypeBitWidth() / 8 >= kiln::kCacheLineBytes ? width : 0;
}

/// Reads of `arg` now [.., N / W, K, W]: each [r, m * W] block at [.., k, n] is read as the
/// [r, W] blocks at [.., n / W + j, k, 0], j < m, side by side.
void rewriteReads(BlockArgument arg, int64_t width) {
  for (Operation *user : llvm::make_early_inc_range(arg.getUsers())) {
    auto read = cast<vector::TransferReadOp>(user);
    OpBuilder b(read);
    Location loc = read.getLoc();
    SmallVector<Value> indices(read.getIndices());
    Value n = indices.back(), k = indices[indices.size() - 2];
    Value first =
        b.createOrFold<arith::DivUIOp>(loc, n, b.create<arith::ConstantIndexOp>(loc, width));
    indices.pop_back();
    indices.push_back(k);
    indices.push_back(b.create<arith::ConstantIndexOp>(loc, 0));
    VectorType type = read.getVectorType();
    int64_t rank = type.getRank(), rows = type.getDimSize(rank - 2);
    int64_t panels = type.getDimSize(rank - 1) / width;
    auto blockType = VectorType::get({rows, width * panels}, type.getElementType());
    auto panelType = VectorType::get({rows, width}, type.getElementType());
    Value block;
    for (int64_t j = 0; j < panels; ++j) {
      indices[indices.size() - 3] =
          j == 0
              ? first
              : b.createOrFold<arith::AddIOp>(loc, first, b.create<arith::ConstantIndexOp>(loc, j));
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
      int64_t width = panelWidth(arg);
      if (width == 0)
        continue;
      auto type = cast<MemRefType>(arg.getType());
      arg.setType(MemRefType::get(kiln::panelShape(type.getShape(), width), type.getElementType()));
      rewriteReads(arg, width);
      packed.append({int64_t(arg.getArgNumber()), width});
    }
    if (packed.empty())
      return;
    SmallVector<Type> inputs(func.getBody().getArgumentTypes());
    func.setType(FunctionType::get(func.getContext(), inputs, func.getResultTypes()));
    func->setAttr(kiln::kPackedArgsAttr, DenseI64ArrayAttr::get(func.getContext(), packed));
  }
};
} // namespace
