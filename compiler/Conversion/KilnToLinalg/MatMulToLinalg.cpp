//===- MatMulToLinalg.cpp - kiln.matmul → linalg contractions -------------===//
//
// numpy matmul semantics: 1-D operands are promoted (and the promoted dim dropped from the
// result), batch dims broadcast. [B..., M, K] x [K, N] (BERT's projections) folds the batch
// into M and runs one linalg.matmul; other batched cases run linalg.batch_matmul on the
// batch dims collapsed into one, with broadcast batch dims materialized first.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

#include "mlir/Dialect/Traits.h"

namespace kiln::lowering {
namespace {

int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

bool allOnes(ArrayRef<int64_t> dims) {
  return llvm::all_of(dims, [](int64_t d) { return d == 1; });
}

/// The sizes of the dynamic dims of a contraction's result: the batch and the rows come from
/// the lhs (all but its last dim), the columns from the rhs (its last dim; none for vectors).
SmallVector<Value> contractionSizes(OpBuilder &b, Location loc, Value lhs, Value rhs,
                                    ArrayRef<int64_t> outShape) {
  auto a = tensorTypeOf(lhs), c = tensorTypeOf(rhs);
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d + 1 < a.getRank(); ++d)
    sources.push_back({lhs, d});
  if (c.getRank() >= 2)
    sources.push_back({rhs, c.getRank() - 1});
  SmallVector<Value> sizes;
  for (auto [d, size] : llvm::enumerate(outShape))
    if (ShapedType::isDynamic(size))
      sizes.push_back(b.create<tensor::DimOp>(loc, sources[d].first, sources[d].second));
  return sizes;
}

/// Runs the named contraction `OpTy` of `lhs` and `rhs` into a zero-filled `outShape`.
template <typename OpTy>
Value contract(OpBuilder &b, Location loc, Value lhs, Value rhs, ArrayRef<int64_t> outShape) {
  Type elementType = tensorTypeOf(lhs).getElementType();
  Value init = createFilled(b, loc, RankedTensorType::get(outShape, elementType),
                            contractionSizes(b, loc, lhs, rhs, outShape),
                            createScalar(b, loc, elementType, 0));
  return b.create<OpTy>(loc, ValueRange{lhs, rhs}, ValueRange{init}).getResult(0);
}

/// `v` ([..., rows, cols]) broadcast to [batch..., rows, cols] (`batch` sizes of the result);
/// `v` when it has that shape.
Value broadcastBatch(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> batch,
                     ArrayRef<OpFoldResult> batchSizes) {
  auto type = tensorTypeOf(v);
  SmallVector<int64_t> shape(batch);
  shape.append(type.getShape().end() - 2, type.getShape().end());
  if (type.getShape() == ArrayRef<int64_t>(shape))
    return v;
  auto target = RankedTensorType::get(shape, type.getElementType());
  SmallVector<Value> dynamic;
  for (auto [d, size] : llvm::enumerate(shape))
    if (ShapedType::isDynamic(size))
      dynamic.push_back(d < batch.size() ? cast<Value>(batchSizes[d])
                                         : b.create<tensor::DimOp>(loc, v, d - batch.size() +
                                                                              (type.getRank() - 2))
                                               .getResult());
  SmallVector<AffineMap> maps{
      broadcastMap(b.getContext(), type.getShape(), ArrayRef<int64_t>(shape))};
  return buildParallelGeneric(
      b, loc, target, v, maps, [](OpBuilder &, Location, ValueRange args) { return args[0]; },
      ValueRange(dynamic));
}

/// [batchA..., M, K] x [batchB..., K, N] → [broadcast batch..., M, N] (both ranks >= 2). Dynamic
/// dims are read from the operands (a dynamic batch dim must not need broadcasting).
Value buildBatchedMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  ArrayRef<int64_t> a = tensorTypeOf(lhs).getShape(), c = tensorTypeOf(rhs).getShape();
  int64_t m = a[a.size() - 2], k = a.back(), n = c.back();
  ArrayRef<int64_t> batchA = a.drop_back(2), batchB = c.drop_back(2);
  SmallVector<int64_t> batch;
  (void)OpTrait::util::getBroadcastedShape(batchA, batchB, batch); // Checked by the verifier.
  // Sizes of the broadcast batch dims, right aligned against each operand.
  SmallVector<OpFoldResult> batchSizes;
  for (size_t i = 0; i < batch.size(); ++i) {
    int64_t fromA = i + batchA.size() - batch.size(), fromB = i + batchB.size() - batch.size();
    bool useA = fromA >= 0 && fromA < (int64_t)batchA.size() && batchA[fromA] != 1;
    batchSizes.push_back(useA ? sizeOf(b, loc, lhs, fromA)
                         : fromB >= 0 && fromB < (int64_t)batchB.size()
                             ? sizeOf(b, loc, rhs, fromB)
                             : b.getIndexAttr(1));
  }
  OpFoldResult mSize = sizeOf(b, loc, lhs, a.size() - 2), kSize = sizeOf(b, loc, lhs, a.size() - 1),
               nSize = sizeOf(b, loc, rhs, c.size() - 1);
  SmallVector<OpFoldResult> outSizes(batchSizes);
  outSizes.append({mSize, nSize});
  if (allOnes(batchB)) {
    // The rhs is one matrix: fold the lhs batch into M and run a single 2-D matmul.
    Value lhs2d = collapseLeading(b, loc, lhs, a.size() - 1);
    Value rhs2d = reshapeTo(b, loc, rhs, {k, n});
    Value out = contract<linalg::MatmulOp>(b, loc, lhs2d, rhs2d,
                                           {tensorTypeOf(lhs2d).getDimSize(0), n});
    return expandLeading(b, loc, out, outSizes);
  }
  auto withBatch = [&](Value v) {
    // Missing leading batch dims (broadcasting) are added as unit dims first.
    auto type = tensorTypeOf(v);
    if (type.getRank() == int64_t(batch.size()) + 2)
      return v;
    SmallVector<int64_t> shape(batch.size() + 2 - type.getRank(), 1);
    shape.append(type.getShape().begin(), type.getShape().end());
    return reshapeTo(b, loc, v, shape);
  };
  Value lhs3d = collapseLeading(
      b, loc, broadcastBatch(b, loc, withBatch(lhs), batch, batchSizes), batch.size());
  Value rhs3d = collapseLeading(
      b, loc, broadcastBatch(b, loc, withBatch(rhs), batch, batchSizes), batch.size());
  Value out = contract<linalg::BatchMatmulOp>(b, loc, lhs3d, rhs3d,
                                              {tensorTypeOf(lhs3d).getDimSize(0), m, n});
  return expandLeading(b, loc, out, outSizes);
}

struct MatMulLowering : OpConversionPattern<graph::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto lhsType = tensorTypeOf(op.getLhs()), rhsType = tensorTypeOf(op.getRhs());
    auto resultType = tensorTypeOf(op.getResult());
    Type elementType = lhsType.getElementType();
    if (failed(requireArithType(op, elementType, true, "lhs")))
      return failure();
    // Dynamic dims: any (a batch dim of 1 against a dynamic one is broadcast by a copy), but
    // at most one dynamic batch dim where the batch cannot fold into the rows.
    if (failed(checkDynamicBatch(op, lhsType, rhsType)))
      return failure();
    if (elementType != rhsType.getElementType())
      return emitUnsupported(op) << "operand element types differ (" << elementType << " vs "
                                 << rhsType.getElementType() << ")";
    if (elementType.isInteger(1))
      return emitUnsupported(op) << "matmul of i1 values";
    rewriter.replaceOp(op, lower(rewriter, op.getLoc(), adaptor.getLhs(), adaptor.getRhs(),
                                 resultType.getShape()));
    return success();
  }

private:
  static LogicalResult checkDynamicBatch(graph::MatMulOp op, RankedTensorType lhs,
                                         RankedTensorType rhs) {
    ArrayRef<int64_t> a = lhs.getShape(), c = rhs.getShape();
    if (a.size() < 3 && c.size() < 3)
      return success();
    ArrayRef<int64_t> batchA = a.size() > 2 ? a.drop_back(2) : ArrayRef<int64_t>{},
                      batchB = c.size() > 2 ? c.drop_back(2) : ArrayRef<int64_t>{};
    SmallVector<int64_t> batch;
    (void)OpTrait::util::getBroadcastedShape(batchA, batchB, batch);
    bool rowsFold = allOnes(batchB) && a.size() > 1;
    if (!rowsFold && llvm::count_if(batch, ShapedType::isDynamic) > 1)
      return emitUnsupported(op) << "more than one dynamic batch dim (" << lhs << " x " << rhs
                                 << ")";
    return success();
  }

  static Value lower(OpBuilder &b, Location loc, Value lhs, Value rhs,
                     ArrayRef<int64_t> resultShape) {
    ArrayRef<int64_t> a = tensorTypeOf(lhs).getShape(), c = tensorTypeOf(rhs).getShape();
    if (a.size() == 1 && c.size() == 1)
      return contract<linalg::DotOp>(b, loc, lhs, rhs, {});
    if (a.size() == 2 && c.size() == 1)
      return contract<linalg::MatvecOp>(b, loc, lhs, rhs, resultShape);
    if (a.size() == 1 && c.size() == 2)
      return contract<linalg::VecmatOp>(b, loc, lhs, rhs, resultShape);
    if (a.size() == 2 && c.size() == 2)
      return contract<linalg::MatmulOp>(b, loc, lhs, rhs, resultShape);
    // Batched: promote 1-D operands to matrices, then drop the promoted dim again.
    if (a.size() == 1)
      lhs = reshapeTo(b, loc, lhs, {1, a[0]});
    if (c.size() == 1)
      rhs = reshapeTo(b, loc, rhs, {c[0], 1});
    return reshapeTo(b, loc, buildBatchedMatmul(b, loc, lhs, rhs), resultShape);
  }
};

} // namespace

void populateMatMulPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MatMulLowering>(converter, patterns.getContext());
}

} // namespace kiln::lowering
