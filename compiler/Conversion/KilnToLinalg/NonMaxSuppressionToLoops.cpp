//===- NonMaxSuppressionToLoops.cpp - kiln.non_max_suppression → scf loops -===//
//
// Greedy NMS per batch and class, as onnxruntime does it. The boxes' extents (corners and
// area) are computed once per batch. Per class: the candidates (score above the threshold)
// are listed and sorted by score (a bottom-up merge sort, stable: of equal scores the lower
// index first); in that order each candidate is checked against the boxes kept so far (their
// extents stored per component, [kExtent, N]: kLanes of them at a time in vector code,
// stopping at the first group with one that suppresses it: IoU above the threshold), and kept
// if none does, until max_per_class are kept.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/StableSort.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace kiln::lowering {
namespace {
using P = arith::CmpFPredicate;

/// The extent of a box: ymin, xmin, ymax, xmax, area (the last dim of the extents tensor).
constexpr int64_t kExtent = 5;

/// The extent of box `n` of batch `b` from `boxes` ([B, N, 4]): two opposite corners
/// [y1, x1, y2, x2], or with `centered` [x_center, y_center, width, height].
SmallVector<Value> boxExtent(OpBuilder &b, Location loc, Value boxes, Value batch, Value n,
                             bool centered) {
  Value c[4];
  for (int64_t i = 0; i < 4; ++i) {
    Value at = b.create<arith::ConstantIndexOp>(loc, i);
    c[i] = b.create<tensor::ExtractOp>(loc, boxes, ValueRange{batch, n, at});
  }
  auto min = [&](Value x, Value y) { return b.create<arith::MinimumFOp>(loc, x, y); };
  auto max = [&](Value x, Value y) { return b.create<arith::MaximumFOp>(loc, x, y); };
  SmallVector<Value> e;
  if (centered) {
    Value half = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.5f));
    Value w = b.create<arith::MulFOp>(loc, c[2], half),
          h = b.create<arith::MulFOp>(loc, c[3], half);
    e = {b.create<arith::SubFOp>(loc, c[1], h), b.create<arith::SubFOp>(loc, c[0], w),
         b.create<arith::AddFOp>(loc, c[1], h), b.create<arith::AddFOp>(loc, c[0], w)};
  } else {
    e = {min(c[0], c[2]), min(c[1], c[3]), max(c[0], c[2]), max(c[1], c[3])};
  }
  e.push_back(b.create<arith::MulFOp>(loc, b.create<arith::SubFOp>(loc, e[2], e[0]),
                                      b.create<arith::SubFOp>(loc, e[3], e[1])));
  return e;
}

/// Kept boxes checked at a time.
constexpr int64_t kLanes = 16;

/// Whether any of the kLanes kept boxes from `q` (extents `kept`, [kExtent, N]; lanes past
/// `taken` are ignored) suppresses the box of extent `y`: IoU above `threshold`, both boxes and
/// their overlap of positive area (onnxruntime's rule; the division kept, as a product with
/// the threshold would round differently).
Value anySuppresses(OpBuilder &b, Location l, Value kept, Value q, Value taken, ArrayRef<Value> y,
                    Value threshold) {
  auto f32s = VectorType::get({kLanes}, b.getF32Type());
  Value zero = b.create<arith::ConstantOp>(l, b.getF32FloatAttr(0));
  Value zeros = b.create<vector::SplatOp>(l, f32s, zero);
  SmallVector<Value> x, ys;
  for (int64_t k = 0; k < kExtent; ++k) {
    Value row = b.create<arith::ConstantIndexOp>(l, k);
    x.push_back(b.create<vector::TransferReadOp>(l, f32s, kept, ValueRange{row, q}, zero,
                                                 ArrayRef<bool>{false}));
    ys.push_back(b.create<vector::SplatOp>(l, f32s, y[k]));
  }
  auto extent = [&](int64_t lo, int64_t hi) {
    Value top = b.create<arith::MinimumFOp>(l, x[hi], ys[hi]);
    Value bottom = b.create<arith::MaximumFOp>(l, x[lo], ys[lo]);
    return b.create<arith::MaximumFOp>(l, b.create<arith::SubFOp>(l, top, bottom), zeros);
  };
  Value overlap = b.create<arith::MulFOp>(l, extent(0, 2), extent(1, 3));
  Value unionArea = b.create<arith::SubFOp>(l, b.create<arith::AddFOp>(l, x[4], ys[4]), overlap);
  Value iou = b.create<arith::DivFOp>(l, overlap, unionArea);
  Value result =
      b.create<arith::CmpFOp>(l, P::OGT, iou, b.create<vector::SplatOp>(l, f32s, threshold));
  for (Value positive : {overlap, x[4], ys[4], unionArea})
    result =
        b.create<arith::AndIOp>(l, result, b.create<arith::CmpFOp>(l, P::OGT, positive, zeros));
  Value lanes = b.create<vector::CreateMaskOp>(l, VectorType::get({kLanes}, b.getI1Type()),
                                               ValueRange{b.create<arith::SubIOp>(l, taken, q)});
  result = b.create<arith::AndIOp>(l, result, lanes);
  return b.create<vector::ReductionOp>(l, vector::CombiningKind::OR, result);
}

/// Scratch of one class, carried through the loops: the candidates, their sorted copy, the
/// kept boxes' extents.
struct Scratch {
  Value list, spare, kept;
};

struct NonMaxSuppressionLowering : OpConversionPattern<graph::NonMaxSuppressionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::NonMaxSuppressionOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    I64 i{rewriter, loc};
    Value boxes = adaptor.getBoxes(), scores = adaptor.getScores();
    Value batches = rewriter.create<tensor::DimOp>(loc, scores, 0);
    Value classes = rewriter.create<tensor::DimOp>(loc, scores, 1);
    Value count = rewriter.create<tensor::DimOp>(loc, scores, 2);
    Value perClass = i.clamp(i.at(adaptor.getMaxPerClass(), 0), i.c(0), i.dim(scores, 2));
    Value bound = i.mul(i.mul(i.dim(scores, 0), i.dim(scores, 1)), perClass);
    auto selectedType = tensorTypeOf(op.getSelected());
    SmallVector<Value> sizes;
    if (selectedType.isDynamicDim(0))
      sizes.push_back(i.index(bound));
    Value selected = createEmpty(rewriter, loc, selectedType, sizes);
    Value threshold = i.at(adaptor.getIouThreshold(), 0);
    Value scoreThreshold = i.at(adaptor.getScoreThreshold(), 0);
    Value extents = boxExtents(rewriter, loc, boxes, batches, count, op.getCenterPointBox());
    auto listType = RankedTensorType::get({ShapedType::kDynamic}, rewriter.getIndexType());
    auto keptType = RankedTensorType::get({kExtent, ShapedType::kDynamic}, rewriter.getF32Type());
    SmallVector<Value> inits{selected, i.c(0), createEmpty(rewriter, loc, listType, {count}),
                             createEmpty(rewriter, loc, listType, {count}),
                             createEmpty(rewriter, loc, keptType, {count})};
    SmallVector<Value> results = loopNest(
        rewriter, loc, {batches, classes}, inits,
        [&](OpBuilder &b, Location l, ValueRange bc, ValueRange carried) {
          Class cls{bc[0], bc[1], scores, extents, threshold};
          Scratch scratch{carried[2], carried[3], carried[4]};
          auto [listed, candidates] = cls.candidates(b, l, scratch.list, count, scoreThreshold);
          auto [sorted, spare] = cls.sortByScore(b, l, listed, scratch.spare, candidates);
          auto [out, total, kept] =
              cls.keep(b, l, carried[0], carried[1], sorted, scratch.kept, candidates, perClass);
          return SmallVector<Value>{out, total, sorted, spare, kept};
        });
    Value total =
        rewriter.create<tensor::FromElementsOp>(loc, tensorTypeOf(op.getCount()), results[1]);
    rewriter.replaceOp(op, {results[0], total});
    return success();
  }

  /// [B, N, kExtent] f32: every box's extent.
  static Value boxExtents(OpBuilder &b, Location loc, Value boxes, Value batches, Value count,
                          bool centered) {
    auto type = RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic, kExtent},
                                      b.getF32Type());
    Value init = createEmpty(b, loc, type, {batches, count});
    return loopNest(b, loc, {batches, count}, ValueRange{init},
                    [&](OpBuilder &nb, Location l, ValueRange bn, ValueRange t) {
                      Value out = t[0];
                      for (auto [k, v] :
                           llvm::enumerate(boxExtent(nb, l, boxes, bn[0], bn[1], centered))) {
                        Value at = nb.create<arith::ConstantIndexOp>(l, k);
                        out = nb.create<tensor::InsertOp>(l, v, out, ValueRange{bn[0], bn[1], at});
                      }
                      return SmallVector<Value>{out};
                    })[0];
  }

  /// One batch and class.
  struct Class {
    Value batch, cls, scores, extents, threshold;

    Value score(OpBuilder &b, Location l, Value n) const {
      return b.create<tensor::ExtractOp>(l, scores, ValueRange{batch, cls, n});
    }

    /// The extent of box `n` of this batch.
    SmallVector<Value> extentOf(OpBuilder &b, Location l, Value n) const {
      SmallVector<Value> e;
      for (int64_t k = 0; k < kExtent; ++k) {
        Value at = b.create<arith::ConstantIndexOp>(l, k);
        e.push_back(b.create<tensor::ExtractOp>(l, extents, ValueRange{batch, n, at}));
      }
      return e;
    }

    /// The candidates (score above the threshold) listed in index order, and how many.
    std::pair<Value, Value> candidates(OpBuilder &b, Location l, Value list, Value count,
                                       Value scoreThreshold) const {
      Value zero = b.create<arith::ConstantIndexOp>(l, 0);
      Value one = b.create<arith::ConstantIndexOp>(l, 1);
      SmallVector<Value> listed = loopNest(
          b, l, {count}, ValueRange{list, zero},
          [&](OpBuilder &nb, Location nl, ValueRange n, ValueRange s) {
            Value keep = nb.create<arith::CmpFOp>(nl, P::OGT, score(nb, nl, n[0]), scoreThreshold);
            // Written at the slot either way; the slot advances only for a candidate.
            Value written = nb.create<tensor::InsertOp>(nl, n[0], s[0], s[1]);
            Value next =
                nb.create<arith::SelectOp>(nl, keep, nb.create<arith::AddIOp>(nl, s[1], one), s[1]);
            return SmallVector<Value>{written, next};
          });
      return {listed[0], listed[1]};
    }

    /// The first `m` entries of `list` sorted by score, larger first, stably: the sorted
    /// list and the spare buffer.
    std::pair<Value, Value> sortByScore(OpBuilder &b, Location l, Value list, Value spare,
                                        Value m) const {
      return stableSort(b, l, list, spare, m, [&](OpBuilder &sb, Location sl, Value x, Value y) {
        return sb.create<arith::CmpFOp>(sl, P::OGT, score(sb, sl, x), score(sb, sl, y)).getResult();
      });
    }

    /// In sorted order, keeps each candidate that no kept box suppresses (checked until the
    /// first that does), writing (batch, class, box) rows from `total`, until `perClass` are
    /// kept. Returns the selection, its new row count and the kept-extents buffer.
    std::tuple<Value, Value, Value> keep(OpBuilder &b, Location l, Value selected, Value total,
                                         Value sorted, Value kept, Value m, Value perClass) const {
      using IP = arith::CmpIPredicate;
      Value zero = b.create<arith::ConstantIndexOp>(l, 0);
      Value one = b.create<arith::ConstantIndexOp>(l, 1);
      Value limit = b.create<arith::IndexCastOp>(l, b.getIndexType(), perClass);
      // State: selection, rows, kept extents, next candidate, how many kept.
      SmallVector<Value> inits{selected, total, kept, zero, zero};
      auto loop = b.create<scf::WhileOp>(
          l, ValueRange(inits).getTypes(), inits,
          [&](OpBuilder &cb, Location cl, ValueRange w) {
            Value left = cb.create<arith::CmpIOp>(cl, IP::ult, w[3], m);
            Value room = cb.create<arith::CmpIOp>(cl, IP::ult, w[4], limit);
            cb.create<scf::ConditionOp>(cl, cb.create<arith::AndIOp>(cl, left, room), w);
          },
          [&](OpBuilder &db, Location dl, ValueRange w) {
            Value n = db.create<tensor::ExtractOp>(dl, sorted, w[3]);
            SmallVector<Value> box = extentOf(db, dl, n);
            Value no = db.create<arith::ConstantIntOp>(dl, 0, 1);
            auto check = db.create<scf::WhileOp>(
                dl, TypeRange{zero.getType(), no.getType()}, ValueRange{zero, no},
                [&](OpBuilder &qb, Location ql, ValueRange q) {
                  Value more = qb.create<arith::CmpIOp>(ql, IP::ult, q[0], w[4]);
                  Value open =
                      qb.create<arith::XOrIOp>(ql, q[1], qb.create<arith::ConstantIntOp>(ql, 1, 1));
                  qb.create<scf::ConditionOp>(ql, qb.create<arith::AndIOp>(ql, more, open), q);
                },
                [&](OpBuilder &qb, Location ql, ValueRange q) {
                  Value hit = anySuppresses(qb, ql, w[2], q[0], w[4], box, threshold);
                  Value lanes = qb.create<arith::ConstantIndexOp>(ql, kLanes);
                  qb.create<scf::YieldOp>(
                      ql, ValueRange{qb.create<arith::AddIOp>(ql, q[0], lanes), hit});
                });
            Value next = db.create<arith::AddIOp>(dl, w[3], one);
            auto branch = db.create<scf::IfOp>(
                dl, check.getResult(1),
                [&](OpBuilder &tb, Location tl) {
                  tb.create<scf::YieldOp>(tl, ValueRange{w[0], w[1], w[2], next, w[4]});
                },
                [&](OpBuilder &eb, Location el) {
                  I64 i{eb, el};
                  Value row = i.index(w[1]), out = w[0], ext = w[2];
                  Value entries[3] = {batch, cls, n};
                  for (int64_t col = 0; col < 3; ++col) {
                    Value v = eb.create<arith::IndexCastOp>(el, eb.getI64Type(), entries[col]);
                    out = eb.create<tensor::InsertOp>(el, v, out, ValueRange{row, i.ci(col)});
                  }
                  for (auto [k, v] : llvm::enumerate(box))
                    ext = eb.create<tensor::InsertOp>(el, v, ext, ValueRange{i.ci(k), w[4]});
                  eb.create<scf::YieldOp>(el, ValueRange{out, i.add(w[1], i.c(1)), ext, next,
                                                         eb.create<arith::AddIOp>(el, w[4], one)});
                });
            db.create<scf::YieldOp>(dl, branch.getResults());
          });
      return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
    }
  };
};
} // namespace

void populateNonMaxSuppressionPatterns(const TypeConverter &converter,
                                       RewritePatternSet &patterns) {
  patterns.add<NonMaxSuppressionLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
