//===- FoldTransferSlices.cpp - vector transfers through tensor slices -----===//
//
// After vectorization each register tile reads its operands from extract_slices and writes
// its result through transfer_write + insert_slice. These patterns index the whole tensor
// instead, so that later passes see one buffer and can forward and hoist the accumulators:
//   transfer_read(extract_slice(t, offs), idx)           -> transfer_read(t, offs + idx)
//   insert_slice(transfer_write(v, s, idx), dest, offs)  -> transfer_write(v, dest, offs + idx)
// The second is only correct when the rest of `s` already equals `dest` there: `s` is the
// extract_slice of `dest` at the same place, or the write covers all of `s`. MLIR 19's
// upstream folder (tensor::populateFoldTensorSubsetIntoVectorTransferPatterns) also folded a
// write into a tile that an earlier write of the same chain had updated, dropping that
// earlier write: a peeled register tile's matmul rows were lost (tuner output check).
// Only unit strides and slices of the same rank are folded; the rest stays as it is.
// A read of a one-element tensor broadcast to every lane becomes a scalar extract + broadcast.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/Tiling.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace {
bool unitStridesSameRank(OffsetSizeAndStrideOpInterface slice, ShapedType small,
                         ShapedType big) {
  return small.getRank() == big.getRank() &&
         llvm::all_of(slice.getMixedStrides(), [](OpFoldResult s) {
           std::optional<int64_t> v = getConstantIntValue(s);
           return v && *v == 1;
         });
}

/// `offsets + indices`, folded where constant.
SmallVector<Value> addOffsets(PatternRewriter &rewriter, Location loc,
                              ArrayRef<OpFoldResult> offsets, ValueRange indices) {
  SmallVector<Value> out;
  for (auto [offset, index] : llvm::zip(offsets, indices)) {
    Value o = getValueOrCreateConstantIndexOp(rewriter, loc, offset);
    std::optional<int64_t> c = getConstantIntValue(offset);
    out.push_back(c && *c == 0 ? index : rewriter.createOrFold<arith::AddIOp>(loc, o, index));
  }
  return out;
}

/// The transfer's in_bounds, with each dim that provably stays inside the slice it touches set to
/// true (the slice lies inside the destination, so it stays inside that too). Folding may run
/// before the canonicalizer has proven them on the small tile, and afterwards a dynamic
/// offset hides it.
ArrayAttr inBoundsWithinSlice(VectorTransferOpInterface xfer, RankedTensorType slice) {
  SmallVector<bool> inBounds = xfer.getInBoundsValues();
  Builder b(xfer->getContext());
  if (!xfer.getPermutationMap().isMinorIdentity())
    return b.getBoolArrayAttr(inBounds);
  ArrayRef<int64_t> vec = xfer.getVectorType().getShape();
  int64_t lead = slice.getRank() - (int64_t)vec.size();
  for (size_t i = 0; i < vec.size(); ++i) {
    std::optional<int64_t> index = getConstantIntValue(xfer.getIndices()[lead + i]);
    int64_t size = slice.getDimSize(lead + i);
    if (index && !ShapedType::isDynamic(size) && *index + vec[i] <= size)
      inBounds[i] = true;
  }
  return b.getBoolArrayAttr(inBounds);
}

bool sameSlice(tensor::ExtractSliceOp extract, tensor::InsertSliceOp insert) {
  return extract.getSource() == insert.getDest() &&
         extract.getType() == insert.getSourceType() &&
         llvm::equal(extract.getMixedOffsets(), insert.getMixedOffsets()) &&
         llvm::equal(extract.getMixedSizes(), insert.getMixedSizes()) &&
         llvm::equal(extract.getMixedStrides(), insert.getMixedStrides());
}

struct ReadOfExtractSlice : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto extract = read.getSource().getDefiningOp<tensor::ExtractSliceOp>();
    if (!extract || read.getMask() ||
        !unitStridesSameRank(extract, extract.getType(), extract.getSourceType()))
      return failure();
    SmallVector<Value> indices =
        addOffsets(rewriter, read.getLoc(), extract.getMixedOffsets(), read.getIndices());
    ArrayAttr inBounds = inBoundsWithinSlice(read, extract.getType());
    auto folded = rewriter.replaceOpWithNewOp<vector::TransferReadOp>(
        read, read.getVectorType(), extract.getSource(), indices, read.getPermutationMapAttr(),
        read.getPadding(), Value(), inBounds);
    folded.setInBoundsAttr(inBounds);
    return success();
  }
};

struct InsertOfTransferWrite : OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::InsertSliceOp insert,
                                PatternRewriter &rewriter) const override {
    auto write = insert.getSource().getDefiningOp<vector::TransferWriteOp>();
    if (!write || write.getMask() || !write->hasOneUse() ||
        !unitStridesSameRank(insert, insert.getSourceType(), insert.getDestType()))
      return failure();
    auto sliceType = cast<RankedTensorType>(write.getSource().getType());
    auto extract = write.getSource().getDefiningOp<tensor::ExtractSliceOp>();
    bool covers = sliceType.hasStaticShape() && write.getPermutationMap().isMinorIdentity() &&
                  write.getVectorType().getShape() == sliceType.getShape() &&
                  llvm::all_of(write.getIndices(), [](Value i) {
                    std::optional<int64_t> c = getConstantIntValue(i);
                    return c && *c == 0;
                  });
    if (!covers && !(extract && sameSlice(extract, insert)))
      return rewriter.notifyMatchFailure(insert, "the write's tile holds other updates");
    SmallVector<Value> indices =
        addOffsets(rewriter, insert.getLoc(), insert.getMixedOffsets(), write.getIndices());
    ArrayAttr inBounds = inBoundsWithinSlice(write, sliceType);
    auto folded = rewriter.replaceOpWithNewOp<vector::TransferWriteOp>(
        insert, write.getVector(), insert.getDest(), indices, write.getPermutationMapAttr(),
        inBounds);
    folded.setInBoundsAttr(inBounds);
    return success();
  }
};
} // namespace

namespace {
/// transfer_read of a one-element tensor at index 0, broadcast to every lane (a run-time scale
/// or zero point shaped [1, 1, 1, 1] against a 4-D tensor) -> vector.broadcast of
/// tensor.extract: the transfer lowering loaded the element once per lane (a quantize kernel
/// of ISNet's 1x512x512x128 concat: 343 ms instead of 11).
struct BroadcastOneElementRead : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto source = dyn_cast<RankedTensorType>(read.getSource().getType());
    if (!source || !source.hasStaticShape() || source.getNumElements() != 1 || read.getMask() ||
        !llvm::all_of(read.getIndices(), [](Value i) { return isConstantIntValue(i, 0); }))
      return failure();
    ArrayRef<int64_t> lanes = read.getVectorType().getShape();
    for (auto [d, expr] : llvm::enumerate(read.getPermutationMap().getResults())) {
      auto constant = dyn_cast<AffineConstantExpr>(expr);
      if (!(constant && constant.getValue() == 0) && lanes[d] != 1)
        return failure();
    }
    Value scalar =
        rewriter.create<tensor::ExtractOp>(read.getLoc(), read.getSource(), read.getIndices());
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(read, read.getVectorType(), scalar);
    return success();
  }
};
} // namespace

void kiln::populateFoldTransferSlicePatterns(RewritePatternSet &patterns) {
  patterns.add<ReadOfExtractSlice, InsertOfTransferWrite, BroadcastOneElementRead>(
      patterns.getContext());
}
