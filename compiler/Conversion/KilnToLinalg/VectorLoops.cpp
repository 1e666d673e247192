//===- VectorLoops.cpp - loops of vector ops on tensors -------------------===//
#include "compiler/Conversion/KilnToLinalg/VectorLoops.h"

#include <cmath>

namespace kiln::lowering {
Value splat(OpBuilder &b, Location loc, VectorType type, double value) {
  return b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), value)));
}

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

Value readVector(OpBuilder &b, Location loc, VectorType type, Value tensor, ValueRange indices) {
  Value pad = createScalar(b, loc, type.getElementType(), 0.0);
  return b.create<vector::TransferReadOp>(loc, type, tensor, indices, pad, ArrayRef<bool>{true});
}

Value writeVector(OpBuilder &b, Location loc, Value vector, Value tensor, ValueRange indices) {
  return b.create<vector::TransferWriteOp>(loc, vector, tensor, indices, ArrayRef<bool>{true})
      .getResult();
}

Value clampVector(OpBuilder &b, Location loc, Value v, double lo, double hi) {
  auto type = cast<VectorType>(v.getType());
  if (!std::isinf(lo))
    v = b.create<arith::MaximumFOp>(loc, v, splat(b, loc, type, lo));
  if (!std::isinf(hi))
    v = b.create<arith::MinimumFOp>(loc, v, splat(b, loc, type, hi));
  return v;
}

Value buildRowLoop(OpBuilder &b, Location loc, Value init, int64_t rows, bool parallel,
                   RowSliceFn sliceOf, RowBodyFn body) {
  OpBuilder::InsertionGuard guard(b);
  auto strides = [&](size_t rank) { return SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)); };
  if (!parallel) {
    auto loop = b.create<scf::ForOp>(
        loc, idx(b, loc, 0), idx(b, loc, rows), idx(b, loc, 1), ValueRange{init},
        [&](OpBuilder &nb, Location nl, Value row, ValueRange args) {
          SmallVector<OpFoldResult> offsets, sizes;
          sliceOf(nb, nl, row, offsets, sizes);
          Value slice = nb.create<tensor::ExtractSliceOp>(nl, args[0], offsets, sizes,
                                                          strides(offsets.size()));
          Value done = body(nb, nl, row, slice);
          nb.create<scf::YieldOp>(nl, nb.create<tensor::InsertSliceOp>(
                                          nl, done, args[0], offsets, sizes,
                                          strides(offsets.size()))
                                          .getResult());
        });
    return loop.getResult(0);
  }
  auto forall = b.create<scf::ForallOp>(
      loc, ArrayRef<OpFoldResult>{b.getIndexAttr(rows)}, ValueRange{init}, std::nullopt);
  b.setInsertionPointToStart(forall.getBody());
  Value row = forall.getInductionVar(0), shared = forall.getRegionIterArgs()[0];
  SmallVector<OpFoldResult> offsets, sizes;
  sliceOf(b, loc, row, offsets, sizes);
  Value slice = b.create<tensor::ExtractSliceOp>(loc, shared, offsets, sizes,
                                                 strides(offsets.size()));
  Value done = body(b, loc, row, slice);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  b.create<tensor::ParallelInsertSliceOp>(loc, done, shared, offsets, sizes,
                                          strides(offsets.size()));
  return forall.getResult(0);
}

Value buildLoop(OpBuilder &b, Location loc, int64_t lb, int64_t ub, int64_t step, Value acc,
                LoopBodyFn body) {
  if (lb >= ub)
    return acc;
  auto loop = b.create<scf::ForOp>(
      loc, idx(b, loc, lb), idx(b, loc, ub), idx(b, loc, step), ValueRange{acc},
      [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
        nb.create<scf::YieldOp>(nl, body(nb, nl, iv, args[0]));
      });
  return loop.getResult(0);
}
} // namespace kiln::lowering
