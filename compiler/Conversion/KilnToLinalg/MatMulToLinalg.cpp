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

/// The sizes of the dynamic dims of a 2-D or vector contraction's result: its rows come from
/// the lhs (dim 0 of a matrix), its columns from the rhs (last dim of a matrix).
SmallVector<Value> contractionSizes(OpBuilder &b, Location loc, Value lhs, Value rhs,
                                    ArrayRef<int64_t> outShape) {
  auto a = tensorTypeOf(lhs), c = tensorTypeOf(rhs);
  SmallVector<std::pair<Value, int64_t>> sources;
  if (a.getRank() == 2)
    sources.push_back({lhs, 0});
  if (c.getRank() == 2)
    sources.push_back({rhs, 1});
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

/// `v` ([..., rows, cols]) broadcast to [batch..., rows, cols]; `v` when it has that shape.
Value broadcastBatch(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> batch) {
  auto type = tensorTypeOf(v);
  SmallVector<int64_t> shape(batch);
  shape.append(type.getShape().end() - 2, type.getShape().end());
  if (type.getShape() == ArrayRef<int64_t>(shape))
    return v;
  auto target = RankedTensorType::get(shape, type.getElementType());
  return buildElementwise(b, loc, target, v,
                          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

/// [batchA..., M, K] x [batchB..., K, N] → [broadcast batch..., M, N] (both ranks >= 2).
Value buildBatchedMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  ArrayRef<int64_t> a = tensorTypeOf(lhs).getShape(), c = tensorTypeOf(rhs).getShape();
  int64_t m = a[a.size() - 2], k = a.back(), n = c.back();
  ArrayRef<int64_t> batchA = a.drop_back(2), batchB = c.drop_back(2);
  SmallVector<int64_t> batch;
  (void)OpTrait::util::getBroadcastedShape(batchA, batchB, batch); // Checked by the verifier.
  SmallVector<int64_t> outShape(batch);
  outShape.append({m, n});
  if (allOnes(batchB)) {
    // The rhs is one matrix: fold the lhs batch into M and run a single 2-D matmul.
    Value lhs2d = reshapeTo(b, loc, lhs, {product(batchA) * m, k});
    Value rhs2d = reshapeTo(b, loc, rhs, {k, n});
    Value out = contract<linalg::MatmulOp>(b, loc, lhs2d, rhs2d, {product(batchA) * m, n});
    return reshapeTo(b, loc, out, outShape);
  }
  int64_t count = product(batch);
  Value lhs3d = reshapeTo(b, loc, broadcastBatch(b, loc, lhs, batch), {count, m, k});
  Value rhs3d = reshapeTo(b, loc, broadcastBatch(b, loc, rhs, batch), {count, k, n});
  Value out = contract<linalg::BatchMatmulOp>(b, loc, lhs3d, rhs3d, {count, m, n});
  return reshapeTo(b, loc, out, outShape);
}

/// [batch..., M, K] x [K, N] whose batch or M dims are dynamic (a sequence's projection):
/// the rows collapse into one dynamic dim, one linalg.matmul, the rows expand back.
Value buildRowFoldedMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto a = tensorTypeOf(lhs);
  int64_t rank = a.getRank(), n = tensorTypeOf(rhs).getDimSize(1);
  ReassociationIndices rows = llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
  SmallVector<ReassociationIndices> groups{rows, {rank - 1}};
  Value lhs2d = b.create<tensor::CollapseShapeOp>(loc, lhs, groups);
  Value out = contract<linalg::MatmulOp>(b, loc, lhs2d, rhs, {ShapedType::kDynamic, n});
  SmallVector<int64_t> shape(a.getShape().drop_back());
  shape.push_back(n);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, lhs);
  sizes.back() = b.getIndexAttr(n);
  auto resultType = RankedTensorType::get(shape, a.getElementType());
  if (llvm::count_if(shape, ShapedType::isDynamic) < 2)
    return b.create<tensor::ExpandShapeOp>(loc, resultType, out, groups, sizes);
  // Two dynamic dims in one expanded group: MLIR 19's tensor.dim folder for expand_shape
  // assumes one (it divides by the others' product), so reshape by a shape tensor instead.
  SmallVector<Value> dims = llvm::map_to_vector(
      sizes, [&](OpFoldResult s) { return getValueOrCreateConstantIndexOp(b, loc, s); });
  Value shapeValue = b.create<tensor::FromElementsOp>(loc, dims);
  return b.create<tensor::ReshapeOp>(loc, resultType, out, shapeValue);
}

/// Whether `lhs` [..., M, K] x `rhs` [K, N] is a batched product that only the lhs rows
/// (batch dims and M) make dynamic.
bool hasDynamicRowsOnly(RankedTensorType lhs, RankedTensorType rhs) {
  return lhs.getRank() > 2 && rhs.getRank() == 2 && rhs.hasStaticShape() &&
         !lhs.hasStaticShape() && !lhs.isDynamicDim(lhs.getRank() - 1);
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
    // Matrices and vectors may have dynamic dims (not the contracted one); batched
    // products need static shapes.
    bool batched = lhsType.getRank() > 2 || rhsType.getRank() > 2;
    bool dynamicRows = hasDynamicRowsOnly(lhsType, rhsType);
    if (!dynamicRows &&
        (batched || lhsType.isDynamicDim(lhsType.getRank() - 1) || rhsType.isDynamicDim(0)))
      if (failed(requireStaticShapes(op)))
        return failure();
    if (elementType != rhsType.getElementType())
      return emitUnsupported(op) << "operand element types differ (" << elementType << " vs "
                                 << rhsType.getElementType() << ")";
    if (elementType.isInteger(1))
      return emitUnsupported(op) << "matmul of i1 values";
    if (dynamicRows)
      rewriter.replaceOp(op, buildRowFoldedMatmul(rewriter, op.getLoc(), adaptor.getLhs(),
                                                  adaptor.getRhs()));
    else
      rewriter.replaceOp(op, lower(rewriter, op.getLoc(), adaptor.getLhs(), adaptor.getRhs(),
                                   resultType.getShape()));
    return success();
  }

private:
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
