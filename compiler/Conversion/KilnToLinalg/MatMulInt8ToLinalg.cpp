//===- MatMulInt8ToLinalg.cpp - kiln.matmul_int8 → a linalg contraction ------===//
//
// The leading dims of the lhs (static or symbolic) fold into M; the product is a linalg.generic
// over (m, n, k) reading the packed weights through floordiv/mod maps, ui8 zero-extended and i8
// sign-extended to i32 (grouped: over (m, n, tap, channel), the lhs viewed as [M, taps,
// groups, channels]). The generic carries `kiln.int8_gemm`: the CPU codegen replaces it
// with the `vpdpbusd` kernel where the target has AVX-512 VNNI (compiler/Codegen/CPU/
// VnniGemm.cpp), and otherwise runs it as it stands.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "kiln/Dialect/Graph/Int8Layout.h"

namespace kiln::lowering {
namespace {
struct MatMulInt8Lowering : OpConversionPattern<graph::MatMulInt8Op> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::MatMulInt8Op op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto lhsType = tensorTypeOf(adaptor.getLhs());
    auto resultType = tensorTypeOf(op.getResult());
    int64_t rank = lhsType.getRank(), n = resultType.getShape().back();
    if (rank < 2 || lhsType.isDynamicDim(rank - 1))
      return emitUnsupported(op) << "an int8 matmul needs a static K (lhs " << lhsType << ")";
    // [d0, ..., K] as [M, K]; the result's leading dims are the lhs's (symbolic ones read
    // from it) and expand back from M.
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d + 1 < rank; ++d)
      sizes.push_back(sizeOf(rewriter, loc, adaptor.getLhs(), d));
    sizes.push_back(rewriter.getIndexAttr(n));
    Value lhs = collapseLeading(rewriter, loc, adaptor.getLhs(), rank - 1);
    int64_t m = tensorTypeOf(lhs).getDimSize(0);
    Type i32 = rewriter.getI32Type();
    SmallVector<Value> dynamicM;
    if (ShapedType::isDynamic(m))
      dynamicM.push_back(rewriter.create<tensor::DimOp>(loc, lhs, 0));
    Value init = createFilled(rewriter, loc, RankedTensorType::get({m, n}, i32), dynamicM,
                              createScalar(rewriter, loc, i32, 0));
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr dm = getAffineDimExpr(0, ctx), dn = getAffineDimExpr(1, ctx),
               dk = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps{
        AffineMap::get(3, 0, {dm, dk}, ctx),
        AffineMap::get(3, 0, {dn.floorDiv(64), dk.floorDiv(4), (dn % 64) * 4 + dk % 4}, ctx),
        AffineMap::get(3, 0, {dm, dn}, ctx)};
    SmallVector<utils::IteratorType> iterators{utils::IteratorType::parallel,
                                               utils::IteratorType::parallel,
                                               utils::IteratorType::reduction};
    if (std::optional<ArrayRef<int64_t>> groups = op.getGroups()) {
      // Grouped: the lhs [M, K] as [M, T, G, Cg] (K's (tap, group, channel) order), loops
      // (m, n, t, c): column n reads its group g = n / Fg of each tap, and w[t * Cg + c][n]
      // of its group's panels.
      int64_t g = (*groups)[0], cg = (*groups)[1], k = lhsType.getShape().back();
      int64_t fg = n / g, ppg = (fg + 63) / 64;
      auto lhs4 = RankedTensorType::get({m, k / (g * cg), g, cg}, lhsType.getElementType());
      lhs = rewriter.create<tensor::ExpandShapeOp>(loc, lhs4, lhs,
                                                   ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
      AffineExpr dt = getAffineDimExpr(2, ctx), dc = getAffineDimExpr(3, ctx);
      AffineExpr kg = dt * cg + dc, col = dn % fg;
      // Groups sharing vectors: the weights packed as the dense [Kg, N] (Int8Layout.h).
      AffineMap weights =
          groupsShareVectors(n, g, cg)
              ? AffineMap::get(4, 0, {dn.floorDiv(64), kg.floorDiv(4), (dn % 64) * 4 + kg % 4}, ctx)
              : AffineMap::get(4, 0,
                               {dn.floorDiv(fg) * ppg + col.floorDiv(64), kg.floorDiv(4),
                                (col % 64) * 4 + kg % 4},
                               ctx);
      maps = {AffineMap::get(4, 0, {dm, dt, dn.floorDiv(fg), dc}, ctx), weights,
              AffineMap::get(4, 0, {dm, dn}, ctx)};
      iterators.push_back(utils::IteratorType::reduction);
    }
    auto gemm = rewriter.create<linalg::GenericOp>(
        loc, init.getType(), ValueRange{lhs, adaptor.getRhs()}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value a = b.create<arith::ExtUIOp>(l, i32, args[0]);
          Value w = b.create<arith::ExtSIOp>(l, i32, args[1]);
          Value prod = b.create<arith::MulIOp>(l, a, w);
          b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddIOp>(l, args[2], prod)});
        });
    gemm->setAttr(kInt8GemmAttr, rewriter.getUnitAttr());
    rewriter.replaceOp(op, expandLeading(rewriter, loc, gemm.getResult(0), sizes));
    return success();
  }
};
} // namespace

void populateMatMulInt8Patterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MatMulInt8Lowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
