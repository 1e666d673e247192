//===- LoopsToLinalg.cpp - kiln.top_k / kiln.det → scf loop nests on tensors -===//
//
// Ops whose elements depend on each other in order: an scf.for nest over the independent
// (outer) positions carries the result tensors and writes them with tensor.insert.
// top_k scans a row once, keeping its k best elements so far sorted in the results (an
// element that belongs shifts the worse ones down: O(n + insertions * k) per row, about
// n + k^2 log(n / k) for rows in random order, O(n k) at worst) while k^2 <= 32 n; for a
// larger k it sorts the row's positions (a stable merge sort, O(n log n)) and takes the first k.
// det runs Gaussian elimination with partial pivoting on a copy of each matrix.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/StableSort.h"

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

/// Adds element `x` (at `index`) to a row's best-so-far list: `s` = (values, indices, how
/// many are listed, at most k), sorted by value (larger or smaller first), then index. When
/// it belongs (the list is not full, or x comes before its last), the entries after its place
/// shift down one (the last drops out of a full list). Rows are scanned in index order, so x
/// goes after the entries of equal value.
SmallVector<Value> insertSorted(OpBuilder &b, Location l, Value x, Value index, ValueRange s,
                                Value k, bool largest, function_ref<SmallVector<Value>(Value)> at) {
  Value zero = b.create<arith::ConstantIndexOp>(l, 0);
  Value one = b.create<arith::ConstantIndexOp>(l, 1);
  using IP = arith::CmpIPredicate;
  Value listed = s[2];
  Value notFull = b.create<arith::CmpIOp>(l, IP::ult, listed, k);
  // The last listed value (element 0 when none is: then notFull decides).
  Value lastPos = b.create<arith::SelectOp>(l, b.create<arith::CmpIOp>(l, IP::ugt, listed, zero),
                                            b.create<arith::SubIOp>(l, listed, one), zero);
  Value last = b.create<tensor::ExtractOp>(l, s[0], at(lastPos));
  Value belongs = b.create<arith::OrIOp>(l, notFull, precedes(b, l, x, last, largest));
  auto branch = b.create<scf::IfOp>(
      l, belongs,
      [&](OpBuilder &tb, Location tl) {
        // The slot x may take first: the next free one, or the last of a full list.
        Value slot = tb.create<arith::SelectOp>(tl, notFull, listed, lastPos);
        auto shift = tb.create<scf::WhileOp>(
            tl, TypeRange{s[0].getType(), s[1].getType(), slot.getType()},
            ValueRange{s[0], s[1], slot},
            [&](OpBuilder &cb, Location cl, ValueRange w) {
              Value inside = cb.create<arith::CmpIOp>(cl, IP::ugt, w[2], zero);
              Value previous = cb.create<arith::SelectOp>(
                  cl, inside, cb.create<arith::SubIOp>(cl, w[2], one), zero);
              Value before = cb.create<tensor::ExtractOp>(cl, w[0], at(previous));
              Value moves =
                  cb.create<arith::AndIOp>(cl, inside, precedes(cb, cl, x, before, largest));
              cb.create<scf::ConditionOp>(cl, moves, w);
            },
            [&](OpBuilder &db, Location dl, ValueRange w) {
              Value previous = db.create<arith::SubIOp>(dl, w[2], one);
              Value v = db.create<tensor::ExtractOp>(dl, w[0], at(previous));
              Value i = db.create<tensor::ExtractOp>(dl, w[1], at(previous));
              Value vs = db.create<tensor::InsertOp>(dl, v, w[0], at(w[2]));
              Value is = db.create<tensor::InsertOp>(dl, i, w[1], at(w[2]));
              db.create<scf::YieldOp>(dl, ValueRange{vs, is, previous});
            });
        Value place = shift.getResult(2);
        Value i64 = tb.create<arith::IndexCastOp>(tl, tb.getI64Type(), index);
        Value vs = tb.create<tensor::InsertOp>(tl, x, shift.getResult(0), at(place));
        Value is = tb.create<tensor::InsertOp>(tl, i64, shift.getResult(1), at(place));
        Value grown = tb.create<arith::SelectOp>(tl, notFull,
                                                 tb.create<arith::AddIOp>(tl, listed, one), listed);
        tb.create<scf::YieldOp>(tl, ValueRange{vs, is, grown});
      },
      [&](OpBuilder &eb, Location el) { eb.create<scf::YieldOp>(el, s); });
  return SmallVector<Value>(branch.getResults());
}

/// A row's k best by insertion (insertSorted for every element): the values and indices.
SmallVector<Value> insertionTopK(OpBuilder &b, Location l, Value input, Value n, Value k,
                                 bool largest, ValueRange results,
                                 function_ref<SmallVector<Value>(Value)> at) {
  Value zero = b.create<arith::ConstantIndexOp>(l, 0);
  SmallVector<Value> inits{results[0], results[1], zero};
  // k = 0: nothing to list (and no entry to compare with).
  Value any = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sgt, k, zero);
  Value scanned = b.create<arith::SelectOp>(l, any, n, zero);
  return SmallVector<Value>(llvm::drop_end(
      loopNest(b, l, {scanned}, inits, [&](OpBuilder &tb, Location tl, ValueRange t, ValueRange s) {
        Value x = tb.create<tensor::ExtractOp>(tl, input, at(t[0]));
        return insertSorted(tb, tl, x, t[0], s, k, largest, at);
      })));
}

/// A row's k best by a stable sort of its positions: `s` = (values, indices, list, spare);
/// returns them updated.
SmallVector<Value> sortedTopK(OpBuilder &b, Location l, Value input, Value n, Value k, bool largest,
                              ValueRange s, function_ref<SmallVector<Value>(Value)> at) {
  SmallVector<Value> listed = loopNest(
      b, l, {n}, ValueRange{s[2]}, [&](OpBuilder &nb, Location nl, ValueRange p, ValueRange t) {
        return SmallVector<Value>{nb.create<tensor::InsertOp>(nl, p[0], t[0], p[0])};
      });
  auto [sorted, spare] =
      stableSort(b, l, listed[0], s[3], n, [&](OpBuilder &cb, Location cl, Value x, Value y) {
        Value vx = cb.create<tensor::ExtractOp>(cl, input, at(x));
        Value vy = cb.create<tensor::ExtractOp>(cl, input, at(y));
        return precedes(cb, cl, vx, vy, largest);
      });
  SmallVector<Value> written =
      loopNest(b, l, {k}, ValueRange{s[0], s[1]},
               [&](OpBuilder &wb, Location wl, ValueRange j, ValueRange t) {
                 Value pos = wb.create<tensor::ExtractOp>(wl, sorted, j[0]);
                 Value v = wb.create<tensor::ExtractOp>(wl, input, at(pos));
                 Value i = wb.create<arith::IndexCastOp>(wl, wb.getI64Type(), pos);
                 return SmallVector<Value>{wb.create<tensor::InsertOp>(wl, v, t[0], at(j[0])),
                                           wb.create<tensor::InsertOp>(wl, i, t[1], at(j[0]))};
               });
  return {written[0], written[1], sorted, spare};
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
    // A row's order, for a large k (scratch of the sort).
    auto listType = RankedTensorType::get({ShapedType::kDynamic}, rewriter.getIndexType());
    Value list = createEmpty(rewriter, loc, listType, n);
    Value spare = createEmpty(rewriter, loc, listType, n);
    // Insertion costs about n + k^2 log(n / k) / 2 shifts (n k / 2 at worst), the sort
    // n log n steps of a few times a shift's work: insertion while k^2 <= 32 n (ssdlite's k =
    // 300 of 3234: 0.1 ms a row by insertion, 0.35 ms sorted).
    Value small = rewriter.create<arith::CmpIOp>(
        loc, P::ule, rewriter.create<arith::MulIOp>(loc, kSize, kSize),
        rewriter.create<arith::MulIOp>(loc, n, rewriter.create<arith::ConstantIndexOp>(loc, 32)));
    SmallVector<Value> results = loopNest(
        rewriter, loc, outer, ValueRange{values, indices, list, spare},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange carried) {
          auto at = [&](Value pos) { // the coordinates of element `pos` of this row
            SmallVector<Value> coords(ivs.begin(), ivs.end());
            coords.insert(coords.begin() + axis, pos);
            return coords;
          };
          auto row = b.create<scf::IfOp>(
              l, small,
              [&](OpBuilder &ib, Location il) {
                SmallVector<Value> out =
                    insertionTopK(ib, il, input, n, kSize, largest, carried.take_front(2), at);
                out.append({carried[2], carried[3]});
                ib.create<scf::YieldOp>(il, out);
              },
              [&](OpBuilder &sb, Location sl) {
                sb.create<scf::YieldOp>(sl,
                                        sortedTopK(sb, sl, input, n, kSize, largest, carried, at));
              });
          return SmallVector<Value>(row.getResults());
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
