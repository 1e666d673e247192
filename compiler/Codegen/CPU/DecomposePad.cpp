//===- DecomposePad.cpp - tensor.pad → border fills + an interior copy ----===//
#include "compiler/Codegen/CPU/Tiling.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {
/// Writes `value` into the border of `dest` (a tensor of `padded` sizes whose interior is the
/// box [low, low + inner)): per padded dim d, the slab below and the slab above the interior,
/// spanning the interior in dims before d and everything in dims after it. The slabs cover the
/// border exactly once. Sizes may be dynamic (Values).
Value fillBorder(RewriterBase &rewriter, Location loc, Value dest, Value value,
                 ArrayRef<OpFoldResult> padded, ArrayRef<OpFoldResult> low,
                 ArrayRef<OpFoldResult> inner) {
  int64_t rank = padded.size();
  Type elementType = cast<ShapedType>(dest.getType()).getElementType();
  auto sub = [&](OpFoldResult a, OpFoldResult b) {
    AffineExpr x, y;
    bindSymbols(rewriter.getContext(), x, y);
    return affine::makeComposedFoldedAffineApply(rewriter, loc, x - y, {a, b});
  };
  auto add = [&](OpFoldResult a, OpFoldResult b) {
    AffineExpr x, y;
    bindSymbols(rewriter.getContext(), x, y);
    return affine::makeComposedFoldedAffineApply(rewriter, loc, x + y, {a, b});
  };
  OpFoldResult zero = rewriter.getIndexAttr(0);
  for (int64_t d = 0; d < rank; ++d) {
    OpFoldResult end = add(low[d], inner[d]);
    OpFoldResult high = sub(padded[d], end);
    for (auto [begin, size] : {std::pair(zero, low[d]), std::pair(end, high)}) {
      if (isConstantIntValue(size, 0))
        continue;
      SmallVector<OpFoldResult> offsets, sizes;
      for (int64_t j = 0; j < rank; ++j) {
        offsets.push_back(j < d ? low[j] : j == d ? begin : zero);
        sizes.push_back(j < d ? inner[j] : j == d ? size : padded[j]);
      }
      Value slab = rewriter.create<tensor::EmptyOp>(loc, sizes, elementType);
      auto fill = rewriter.create<linalg::FillOp>(loc, value, slab);
      // Tiled like any fill. (It was once vectorized whole: MLIR 19's slice/transfer folder
      // dropped the full tiles of a peeled fill chained into insert_slices; Kiln's own
      // folder, FoldTransferSlices.cpp, keeps them. Whole, a 10 x 1040 slab unrolled to
      // 250K lines of LLVM IR.)
      SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
      dest = rewriter.create<tensor::InsertSliceOp>(loc, fill.getResult(0), dest, offsets, sizes,
                                                    strides);
    }
  }
  return dest;
}
/// `v` rebuilt at the rewriter's point (the kernel's entry) when it is computed from the
/// kernel's arguments by pure ops alone (dims of arguments and index arithmetic: a
/// convolution's output size); null otherwise.
Value rebuildAtEntry(RewriterBase &rewriter, Value v, IRMapping &map, int depth = 0) {
  if (Value done = map.lookupOrNull(v))
    return done;
  if (auto arg = dyn_cast<BlockArgument>(v))
    return isa<func::FuncOp>(arg.getOwner()->getParentOp()) ? v : Value();
  Operation *def = v.getDefiningOp();
  if (depth > 16 || def->getNumRegions() || !isMemoryEffectFree(def))
    return {};
  for (Value operand : def->getOperands())
    if (!rebuildAtEntry(rewriter, operand, map, depth + 1))
      return {};
  Operation *copy = rewriter.clone(*def, map);
  return copy->getResult(cast<OpResult>(v).getResultNumber());
}

/// Dim `d` of `v` as a size known at the kernel's entry, built at the rewriter's point (the
/// entry): a constant, or computed from the kernel's arguments, found by following results to
/// the inits they are computed into (linalg ops, loops) and tensor.empty to its sizes. Null
/// when the size depends on something computed inside the kernel.
OpFoldResult sizeAtEntry(RewriterBase &rewriter, Location loc, Value v, int64_t d, IRMapping &map) {
  while (true) {
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.isDynamicDim(d))
      return rewriter.getIndexAttr(type.getDimSize(d));
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (!isa<func::FuncOp>(arg.getOwner()->getParentOp()))
        return {};
      return rewriter.create<tensor::DimOp>(loc, v, d).getResult();
    }
    Operation *def = v.getDefiningOp();
    if (auto empty = dyn_cast<tensor::EmptyOp>(def))
      return rebuildAtEntry(rewriter, cast<Value>(empty.getMixedSizes()[d]), map);
    auto dps = dyn_cast_if_present<DestinationStyleOpInterface>(def);
    if (!dps)
      return {};
    v = dps.getTiedOpOperand(cast<OpResult>(v))->get();
  }
}
} // namespace

void kiln::decomposePads(RewriterBase &rewriter, func::FuncOp func) {
  SmallVector<tensor::PadOp> pads;
  func.walk([&](tensor::PadOp pad) { pads.push_back(pad); });
  for (tensor::PadOp pad : pads) {
    Value value = pad.getConstantPaddingValue();
    RankedTensorType type = pad.getResultType();
    auto sourceType = cast<RankedTensorType>(pad.getSource().getType());
    if (!value || ShapedType::isDynamicShape(pad.getStaticLow()) ||
        ShapedType::isDynamicShape(pad.getStaticHigh()))
      continue;
    Location loc = pad.getLoc();
    // The padded result and its border come first in the kernel, so that they dominate the op
    // producing the interior (empty-tensor elimination needs that to hand it the interior):
    // when the padding value is a constant and every dynamic size of the source is a dim of an
    // argument. Otherwise they are built at the pad and the interior is copied in.
    Operation *def = value.getDefiningOp();
    bool hoist = !def || def->hasTrait<OpTrait::ConstantLike>();
    SmallVector<OpFoldResult> inner, padded, low = pad.getMixedLowPad();
    if (hoist) {
      rewriter.setInsertionPointToStart(&func.getBody().front());
      IRMapping map;
      for (int64_t d = 0; d < type.getRank() && hoist; ++d) {
        inner.push_back(sizeAtEntry(rewriter, loc, pad.getSource(), d, map));
        hoist = bool(inner.back());
      }
    }
    if (!hoist) {
      inner.clear();
      rewriter.setInsertionPoint(pad);
      for (int64_t d = 0; d < type.getRank(); ++d)
        inner.push_back(
            sourceType.isDynamicDim(d)
                ? OpFoldResult(rewriter.create<tensor::DimOp>(loc, pad.getSource(), d).getResult())
                : rewriter.getIndexAttr(sourceType.getDimSize(d)));
    }
    if (def && (hoist || pad->isProperAncestor(def)))
      value = rewriter.clone(*def)->getResult(0);
    for (int64_t d = 0; d < type.getRank(); ++d) {
      padded.push_back(type.isDynamicDim(d)
                           ? OpFoldResult(rewriter.create<arith::AddIOp>(
                                 loc, getValueOrCreateConstantIndexOp(rewriter, loc, inner[d]),
                                 rewriter.create<arith::ConstantIndexOp>(
                                     loc, pad.getStaticLow()[d] + pad.getStaticHigh()[d])))
                           : rewriter.getIndexAttr(type.getDimSize(d)));
    }
    Value dest = rewriter.create<tensor::EmptyOp>(loc, padded, type.getElementType());
    dest = fillBorder(rewriter, loc, dest, value, padded, low, inner);
    rewriter.setInsertionPoint(pad);
    // The interior: computed in place when the source is an op of this kernel (empty-tensor
    // elimination hands it the interior of the result), else copied in.
    Value interior = pad.getSource();
    if (!interior.getDefiningOp<DestinationStyleOpInterface>()) {
      Value empty = rewriter.create<tensor::EmptyOp>(loc, inner, sourceType.getElementType());
      interior = rewriter.create<linalg::CopyOp>(loc, interior, empty).getResult(0);
    }
    SmallVector<OpFoldResult> strides(type.getRank(), rewriter.getIndexAttr(1));
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(pad, interior, dest, low, inner, strides);
  }
}
