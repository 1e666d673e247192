//===- LoopsToLinalg.cpp - kiln.top_k / kiln.det → scf loop nests on tensors -===//
//
// Ops whose elements depend on each other in order: an scf.for nest over the independent
// (outer) positions carries the result tensors and writes them with tensor.insert.
// top_k selects the k best elements of a row one after the other (each pick is the best
// element that comes after the previous pick in the order value, then index: O(k n) per row,
// no scratch). det runs Gaussian elimination with partial pivoting on a copy of each matrix.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
SmallVector<Value>
loopNest(OpBuilder &b, Location loc, ArrayRef<Value> extents, ValueRange inits,
         function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange, ValueRange)> body) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  SmallVector<Value> lbs(extents.size(), zero), steps(extents.size(), one);
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, extents, steps, inits,
      [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange carried) -> scf::ValueVector {
        return body(nb, l, ivs, carried);
      });
  return SmallVector<Value>(nest.results);
}

namespace {

/// `x` comes before `y` in the order of the picks: larger (or smaller) first.
Value precedes(OpBuilder &b, Location loc, Value x, Value y, bool largest) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::CmpFOp>(loc, largest ? arith::CmpFPredicate::OGT
                                                : arith::CmpFPredicate::OLT,
                                   x, y);
  return b.create<arith::CmpIOp>(loc, largest ? arith::CmpIPredicate::sgt
                                              : arith::CmpIPredicate::slt,
                                 x, y);
}

Value equal(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, x, y);
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, y);
}

struct TopKLowering : OpConversionPattern<graph::TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::TopKOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = tensorTypeOf(op.getInput());
    Type et = inType.getElementType();
    if (failed(requireArithType(op, et, /*allowInteger=*/true, "input")))
      return failure();
    int64_t axis = op.getAxis(), rank = inType.getRank();
    bool largest = op.getLargest();
    I64 i{rewriter, loc};
    Value n = rewriter.create<tensor::DimOp>(loc, input, axis);
    Value k = i.at(adaptor.getK(), 0);
    using P = arith::CmpIPredicate;
    Value valid = rewriter.create<arith::AndIOp>(loc, i.cmp(P::sge, k, i.c(0)),
                                                 i.cmp(P::sle, k, i.dim(input, axis)));
    Value kSize = i.index(i.select(valid, k, i.c(-1)));
    SmallVector<Value> outer, sizes;
    for (int64_t d = 0; d < rank; ++d) {
      Value dim = d == axis ? kSize : rewriter.create<tensor::DimOp>(loc, input, d).getResult();
      if (d != axis)
        outer.push_back(dim);
      if (tensorTypeOf(op.getValues()).isDynamicDim(d))
        sizes.push_back(dim);
    }
    Value values = createEmpty(rewriter, loc, tensorTypeOf(op.getValues()), sizes);
    Value indices = createEmpty(rewriter, loc, tensorTypeOf(op.getIndices()), sizes);
    // Before the first pick, every element comes after the "previous pick" (+-inf, index -1).
    Value start = largest ? createHighest(rewriter, loc, et) : createLowest(rewriter, loc, et);
    SmallVector<Value> results = loopNest(
        rewriter, loc, outer, ValueRange{values, indices},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange carried) {
          auto at = [&](Value pos) { // the input coordinates of element `pos` of this row
            SmallVector<Value> coords(ivs.begin(), ivs.end());
            coords.insert(coords.begin() + axis, pos);
            return coords;
          };
          Value minusOne = b.create<arith::ConstantIndexOp>(l, -1);
          SmallVector<Value> inits{carried[0], carried[1], start, minusOne};
          SmallVector<Value> picks = loopNest(
              b, l, {kSize}, inits, [&](OpBuilder &pb, Location pl, ValueRange j, ValueRange s) {
                Value prev = s[2], prevIndex = s[3];
                SmallVector<Value> bestInit{start, minusOne};
                SmallVector<Value> best = loopNest(
                    pb, pl, {n}, bestInit,
                    [&](OpBuilder &sb, Location sl, ValueRange t, ValueRange cur) {
                      Value x = sb.create<tensor::ExtractOp>(sl, input, at(t[0]));
                      Value later = sb.create<arith::CmpIOp>(sl, P::sgt, t[0], prevIndex);
                      Value after = sb.create<arith::OrIOp>(
                          sl, precedes(sb, sl, prev, x, largest),
                          sb.create<arith::AndIOp>(sl, equal(sb, sl, x, prev), later));
                      Value none = sb.create<arith::CmpIOp>(sl, P::slt, cur[1],
                                                            sb.create<arith::ConstantIndexOp>(sl, 0));
                      Value better = sb.create<arith::OrIOp>(
                          sl, none, precedes(sb, sl, x, cur[0], largest));
                      Value take = sb.create<arith::AndIOp>(sl, after, better);
                      return SmallVector<Value>{
                          sb.create<arith::SelectOp>(sl, take, x, cur[0]),
                          sb.create<arith::SelectOp>(sl, take, t[0], cur[1])};
                    });
                Value index = pb.create<arith::IndexCastOp>(pl, pb.getI64Type(), best[1]);
                Value v = pb.create<tensor::InsertOp>(pl, best[0], s[0], at(j[0]));
                Value ix = pb.create<tensor::InsertOp>(pl, index, s[1], at(j[0]));
                return SmallVector<Value>{v, ix, best[0], best[1]};
              });
          return SmallVector<Value>{picks[0], picks[1]};
        });
    rewriter.replaceOp(op, {results[0], results[1]});
    return success();
  }
};

/// Determinant by Gaussian elimination with partial pivoting: per matrix, a copy is reduced
/// to upper triangular form; the determinant is the product of the pivots, negated per row
/// swap (0 when a column has no non-zero pivot).
struct DetLowering : OpConversionPattern<graph::DetOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::DetOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op)))
      return failure();
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = tensorTypeOf(op.getInput());
    Type et = inType.getElementType();
    int64_t rank = inType.getRank(), n = inType.getDimSize(rank - 1);
    auto resultType = tensorTypeOf(op.getResult());
    SmallVector<Value> batch;
    for (int64_t d : resultType.getShape())
      batch.push_back(rewriter.create<arith::ConstantIndexOp>(loc, d));
    Value result = createEmpty(rewriter, loc, resultType.getShape(), et);
    Value work = createEmpty(rewriter, loc, {n, n}, et);
    Value nIndex = rewriter.create<arith::ConstantIndexOp>(loc, n);
    SmallVector<Value> out = loopNest(
        rewriter, loc, batch, ValueRange{result, work},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange carried) {
          // The matrix at `ivs`, copied into the work tensor.
          SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(2)};
          auto copy = b.create<linalg::GenericOp>(
              l, TypeRange{carried[1].getType()}, ValueRange{}, ValueRange{carried[1]}, maps,
              SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
              [&](OpBuilder &nb, Location nl, ValueRange) {
                SmallVector<Value> coords(ivs.begin(), ivs.end());
                coords.push_back(nb.create<linalg::IndexOp>(nl, 0));
                coords.push_back(nb.create<linalg::IndexOp>(nl, 1));
                nb.create<linalg::YieldOp>(nl,
                                           nb.create<tensor::ExtractOp>(nl, input, coords)
                                               .getResult());
              });
          Value one = createScalar(b, l, et, 1);
          SmallVector<Value> eliminated = loopNest(
              b, l, {nIndex}, ValueRange{copy.getResult(0), one},
              [&](OpBuilder &kb, Location kl, ValueRange kv, ValueRange s) {
                return eliminateColumn(kb, kl, kv[0], nIndex, s[0], s[1]);
              });
          Value det = eliminated[1];
          Value updated = b.create<tensor::InsertOp>(l, det, carried[0], ivs);
          return SmallVector<Value>{updated, eliminated[0]};
        });
    rewriter.replaceOp(op, out[0]);
    return success();
  }

  /// Column k: swaps the row with the largest |m[i][k]| (i >= k) into row k, multiplies the
  /// determinant by the pivot, and subtracts multiples of row k from the rows below.
  static SmallVector<Value> eliminateColumn(OpBuilder &b, Location l, Value k, Value n, Value m,
                                            Value det) {
    Type et = det.getType();
    Value one = b.create<arith::ConstantIndexOp>(l, 1);
    Value next = b.create<arith::AddIOp>(l, k, one);
    auto absAt = [&](OpBuilder &nb, Location nl, Value mat, Value i, Value j) {
      return nb.create<math::AbsFOp>(nl, nb.create<tensor::ExtractOp>(nl, mat, ValueRange{i, j}))
          .getResult();
    };
    // The pivot row.
    auto search = b.create<scf::ForOp>(
        l, next, n, one, ValueRange{absAt(b, l, m, k, k), k},
        [&](OpBuilder &nb, Location nl, Value i, ValueRange best) {
          Value a = absAt(nb, nl, m, i, k);
          Value larger = nb.create<arith::CmpFOp>(nl, arith::CmpFPredicate::OGT, a, best[0]);
          nb.create<scf::YieldOp>(
              nl, ValueRange{nb.create<arith::SelectOp>(nl, larger, a, best[0]),
                             nb.create<arith::SelectOp>(nl, larger, i, best[1])});
        });
    Value pivotRow = search.getResult(1);
    Value zero = b.create<arith::ConstantIndexOp>(l, 0);
    // Swap rows k and pivotRow (a no-op when equal).
    auto swap = b.create<scf::ForOp>(
        l, zero, n, one, ValueRange{m}, [&](OpBuilder &nb, Location nl, Value j, ValueRange s) {
          Value a = nb.create<tensor::ExtractOp>(nl, s[0], ValueRange{k, j});
          Value c = nb.create<tensor::ExtractOp>(nl, s[0], ValueRange{pivotRow, j});
          Value t = nb.create<tensor::InsertOp>(nl, c, s[0], ValueRange{k, j});
          t = nb.create<tensor::InsertOp>(nl, a, t, ValueRange{pivotRow, j});
          nb.create<scf::YieldOp>(nl, t);
        });
    m = swap.getResult(0);
    Value swapped = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, pivotRow, k);
    Value pivot = b.create<tensor::ExtractOp>(l, m, ValueRange{k, k});
    det = b.create<arith::MulFOp>(l, det, pivot);
    det = b.create<arith::SelectOp>(l, swapped, b.create<arith::NegFOp>(l, det), det);
    Value zeroF = createScalar(b, l, et, 0);
    Value singular = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, pivot, zeroF);
    // Rows below: m[i][j] -= (m[i][k] / pivot) * m[k][j] (nothing when the pivot is 0).
    auto rows = b.create<scf::ForOp>(
        l, next, n, one, ValueRange{m}, [&](OpBuilder &rb, Location rl, Value i, ValueRange s) {
          Value factor = rb.create<arith::DivFOp>(
              rl, rb.create<tensor::ExtractOp>(rl, s[0], ValueRange{i, k}), pivot);
          factor = rb.create<arith::SelectOp>(rl, singular, zeroF, factor);
          auto cols = rb.create<scf::ForOp>(
              rl, k, n, one, ValueRange{s[0]},
              [&](OpBuilder &cb, Location cl, Value j, ValueRange c) {
                Value top = cb.create<tensor::ExtractOp>(cl, c[0], ValueRange{k, j});
                Value x = cb.create<tensor::ExtractOp>(cl, c[0], ValueRange{i, j});
                x = cb.create<arith::SubFOp>(cl, x, cb.create<arith::MulFOp>(cl, factor, top));
                cb.create<scf::YieldOp>(
                    cl, cb.create<tensor::InsertOp>(cl, x, c[0], ValueRange{i, j}).getResult());
              });
          rb.create<scf::YieldOp>(rl, cols.getResults());
        });
    return {rows.getResult(0), det};
  }
};
} // namespace

void populateLoopPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TopKLowering, DetLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
