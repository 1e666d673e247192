//===- DecomposePad.cpp - tensor.pad → border fills + an interior copy ----===//
#include "compiler/Codegen/CPU/Tiling.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace {
/// Writes `value` into the border of `dest` (a tensor of `padded` shape whose interior is the
/// box [low, low + inner)): per padded dim d, the slab below and the slab above the interior,
/// spanning the interior in dims before d and everything in dims after it. The slabs cover the
/// border exactly once.
Value fillBorder(RewriterBase &rewriter, Location loc, Value dest, Value value,
                 ArrayRef<int64_t> padded, ArrayRef<int64_t> low, ArrayRef<int64_t> inner) {
  int64_t rank = padded.size();
  Type elementType = cast<ShapedType>(dest.getType()).getElementType();
  for (int64_t d = 0; d < rank; ++d) {
    int64_t high = padded[d] - low[d] - inner[d];
    for (auto [begin, size] : {std::pair(int64_t{0}, low[d]), std::pair(low[d] + inner[d], high)}) {
      if (size == 0)
        continue;
      SmallVector<int64_t> offsets, sizes;
      for (int64_t j = 0; j < rank; ++j) {
        offsets.push_back(j < d ? low[j] : j == d ? begin : 0);
        sizes.push_back(j < d ? inner[j] : j == d ? size : padded[j]);
      }
      Value slab = rewriter.create<tensor::EmptyOp>(loc, sizes, elementType);
      auto fill = rewriter.create<linalg::FillOp>(loc, value, slab);
      // Tiled like any fill. (It was once vectorized whole: MLIR 19's slice/transfer folder
      // dropped the full tiles of a peeled fill chained into insert_slices; Kiln's own
      // folder, FoldTransferSlices.cpp, keeps them. Whole, a 10 x 1040 slab unrolled to
      // 250K lines of LLVM IR.)
      Value filled = fill.getResult(0);
      SmallVector<int64_t> strides(rank, 1);
      dest = rewriter.create<tensor::InsertSliceOp>(loc, filled, dest, ValueRange{}, ValueRange{},
                                                    ValueRange{}, offsets, sizes, strides);
    }
  }
  return dest;
}
} // namespace

void kiln::decomposePads(RewriterBase &rewriter, func::FuncOp func) {
  SmallVector<tensor::PadOp> pads;
  func.walk([&](tensor::PadOp pad) { pads.push_back(pad); });
  for (tensor::PadOp pad : pads) {
    Value value = pad.getConstantPaddingValue();
    RankedTensorType type = pad.getResultType();
    auto sourceType = cast<RankedTensorType>(pad.getSource().getType());
    if (!value || !type.hasStaticShape() || !sourceType.hasStaticShape() ||
        ShapedType::isDynamicShape(pad.getStaticLow()))
      continue;
    Location loc = pad.getLoc();
    // The padded result and its border come first in the kernel, so that they dominate the op
    // producing the interior (empty-tensor elimination needs that to hand it the interior).
    Operation *def = value.getDefiningOp();
    bool hoist = !def || def->hasTrait<OpTrait::ConstantLike>();
    if (hoist)
      rewriter.setInsertionPointToStart(&func.getBody().front());
    else
      rewriter.setInsertionPoint(pad);
    if (def && (hoist || pad->isProperAncestor(def)))
      value = rewriter.clone(*def)->getResult(0);
    Value dest = rewriter.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
    dest = fillBorder(rewriter, loc, dest, value, type.getShape(), pad.getStaticLow(),
                      sourceType.getShape());
    rewriter.setInsertionPoint(pad);
    // The interior: computed in place when the source is an op of this kernel (empty-tensor
    // elimination hands it the interior of the result), else copied in.
    Value interior = pad.getSource();
    if (!interior.getDefiningOp<DestinationStyleOpInterface>()) {
      Value empty = rewriter.create<tensor::EmptyOp>(loc, sourceType.getShape(),
                                                     sourceType.getElementType());
      interior = rewriter.create<linalg::CopyOp>(loc, interior, empty).getResult(0);
    }
    SmallVector<int64_t> strides(type.getRank(), 1);
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(
        pad, interior, dest, ValueRange{}, ValueRange{}, ValueRange{}, pad.getStaticLow(),
        sourceType.getShape(), strides);
  }
}
