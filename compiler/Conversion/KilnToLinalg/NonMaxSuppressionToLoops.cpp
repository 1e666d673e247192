//===- NonMaxSuppressionToLoops.cpp - kiln.non_max_suppression → scf loops -===//
//
// Greedy NMS per batch and class, as onnxruntime does it, without sorting. The boxes'
// extents (corners and area) are computed once per batch. Per class, a list of the
// candidates (score above the threshold, in index order) and the best of them; then, while
// fewer than max_per_class are selected and candidates are left, the best is selected and one
// pass over the list keeps (compacted in place) the candidates it does not suppress (IoU
// above the threshold) and finds the best of those (of equal scores the lower index). That is
// the sorted greedy order (a candidate is selected iff no higher-scoring selected box
// suppresses it); each pass reads only the candidates left.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

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

/// Whether a box of extent `x` suppresses one of extent `y`: IoU above `threshold`, both
/// boxes and their overlap of positive area (onnxruntime's rule).
Value suppresses(OpBuilder &b, Location loc, ArrayRef<Value> x, ArrayRef<Value> y,
                 Value threshold) {
  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));
  auto extent = [&](int64_t lo, int64_t hi) {
    Value top = b.create<arith::MinimumFOp>(loc, x[hi], y[hi]);
    Value bottom = b.create<arith::MaximumFOp>(loc, x[lo], y[lo]);
    return b.create<arith::MaximumFOp>(loc, b.create<arith::SubFOp>(loc, top, bottom), zero);
  };
  Value overlap = b.create<arith::MulFOp>(loc, extent(0, 2), extent(1, 3));
  Value all = b.create<arith::AddFOp>(loc, x[4], y[4]);
  Value unionArea = b.create<arith::SubFOp>(loc, all, overlap);
  Value iou = b.create<arith::DivFOp>(loc, overlap, unionArea);
  Value result = b.create<arith::CmpFOp>(loc, P::OGT, iou, threshold);
  // (The division stays: overlap > threshold * union rounds differently from onnxruntime.)
  for (Value positive : {overlap, x[4], y[4], unionArea})
    result =
        b.create<arith::AndIOp>(loc, result, b.create<arith::CmpFOp>(loc, P::OGT, positive, zero));
  return result;
}

/// The running best of a pass: (score, box) replaced by (s, n) when `keep` and it is the
/// first or scores higher (the list is in index order: ties keep the lower index).
SmallVector<Value> betterOf(OpBuilder &b, Location l, Value keep, Value s, Value n, Value bestScore,
                            Value best) {
  Value first = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, best,
                                        b.create<arith::ConstantIndexOp>(l, 0));
  Value higher = b.create<arith::CmpFOp>(l, P::OGT, s, bestScore);
  Value take = b.create<arith::AndIOp>(l, keep, b.create<arith::OrIOp>(l, first, higher));
  return {b.create<arith::SelectOp>(l, take, s, bestScore),
          b.create<arith::SelectOp>(l, take, n, best)};
}

/// The per-class state carried through the loops: the selection, how many rows it has, the
/// candidates list and how many are left, how many this class selected, the best candidate.
enum State { kSelected, kTotal, kList, kLeft, kTaken, kBest, kStateSize };

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
    Value list = createEmpty(rewriter, loc, listType, {count});
    SmallVector<Value> results =
        loopNest(rewriter, loc, {batches, classes}, ValueRange{selected, i.c(0), list},
                 [&](OpBuilder &b, Location l, ValueRange bc, ValueRange carried) {
                   Class cls{bc[0], bc[1], scores, extents, count, threshold};
                   SmallVector<Value> state = cls.candidates(b, l, carried, scoreThreshold);
                   SmallVector<Type> types = llvm::to_vector(ValueRange(state).getTypes());
                   auto loop = b.create<scf::WhileOp>(l, types, state);
                   cls.goesOn(b, l, loop, perClass);
                   cls.selectBest(b, l, loop);
                   return SmallVector<Value>{loop.getResult(kSelected), loop.getResult(kTotal),
                                             loop.getResult(kList)};
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
    Value batch, cls, scores, extents, count, threshold;

    Value score(OpBuilder &b, Location l, Value n) const {
      return b.create<tensor::ExtractOp>(l, scores, ValueRange{batch, cls, n});
    }

    SmallVector<Value> extentOf(OpBuilder &b, Location l, Value n) const {
      SmallVector<Value> e;
      for (int64_t k = 0; k < kExtent; ++k)
        e.push_back(b.create<tensor::ExtractOp>(
            l, extents, ValueRange{batch, n, b.create<arith::ConstantIndexOp>(l, k)}));
      return e;
    }

    /// The initial state: the candidates listed in index order, and the best of them.
    SmallVector<Value> candidates(OpBuilder &b, Location l, ValueRange carried,
                                  Value scoreThreshold) const {
      Value zero = b.create<arith::ConstantIndexOp>(l, 0);
      Value none = b.create<arith::ConstantIndexOp>(l, -1);
      Value lowest = createLowest(b, l, b.getF32Type());
      SmallVector<Value> listed =
          loopNest(b, l, {count}, ValueRange{carried[2], zero, lowest, none},
                   [&](OpBuilder &nb, Location nl, ValueRange n, ValueRange s) {
                     Value sc = score(nb, nl, n[0]);
                     Value keep = nb.create<arith::CmpFOp>(nl, P::OGT, sc, scoreThreshold);
                     return append(nb, nl, keep, n[0], sc, s);
                   });
      I64 i{b, l};
      return {carried[0], carried[1], listed[0], listed[1], i.c(0), listed[3]};
    }

    /// Writes `n` at slot `s[1]` of list `s[0]`, which advances when `keep` (else the next
    /// kept one overwrites it: the slot never passes the entry read, so the list compacts in
    /// place), and tracks the best (score `s[2]`, box `s[3]`).
    static SmallVector<Value> append(OpBuilder &b, Location l, Value keep, Value n, Value sc,
                                     ValueRange s) {
      Value list = b.create<tensor::InsertOp>(l, n, s[0], s[1]);
      Value one = b.create<arith::ConstantIndexOp>(l, 1);
      Value next = b.create<arith::SelectOp>(l, keep, b.create<arith::AddIOp>(l, s[1], one), s[1]);
      SmallVector<Value> best = betterOf(b, l, keep, sc, n, s[2], s[3]);
      return {list, next, best[0], best[1]};
    }

    /// The "before" region: goes on while a candidate is left and fewer than `perClass` of
    /// this class are selected.
    void goesOn(OpBuilder &b, Location l, scf::WhileOp loop, Value perClass) const {
      OpBuilder::InsertionGuard guard(b);
      SmallVector<Type> types = llvm::to_vector(loop.getInits().getTypes());
      Block *before =
          b.createBlock(&loop.getBefore(), {}, types, SmallVector<Location>(types.size(), l));
      I64 i{b, l};
      Value left = i.cmp(arith::CmpIPredicate::sgt, before->getArgument(kLeft), i.ci(0));
      Value room = i.cmp(arith::CmpIPredicate::slt, before->getArgument(kTaken), perClass);
      b.create<scf::ConditionOp>(l, b.create<arith::AndIOp>(l, left, room), before->getArguments());
    }

    /// The "after" region: writes (batch, class, best) at row `total`, then one pass over the
    /// list keeps the candidates the best does not suppress and finds the next best.
    void selectBest(OpBuilder &b, Location l, scf::WhileOp loop) const {
      OpBuilder::InsertionGuard guard(b);
      SmallVector<Type> types = llvm::to_vector(loop.getResultTypes());
      Block *after =
          b.createBlock(&loop.getAfter(), {}, types, SmallVector<Location>(types.size(), l));
      I64 i{b, l};
      auto arg = [&](State s) { return after->getArgument(s); };
      Value best = arg(kBest), row = i.index(arg(kTotal)), selected = arg(kSelected);
      Value entries[3] = {batch, cls, best};
      for (int64_t col = 0; col < 3; ++col) {
        Value v = b.create<arith::IndexCastOp>(l, b.getI64Type(), entries[col]);
        selected = b.create<tensor::InsertOp>(l, v, selected, ValueRange{row, i.ci(col)});
      }
      SmallVector<Value> kept = extentOf(b, l, best);
      Value lowest = createLowest(b, l, b.getF32Type());
      SmallVector<Value> pass =
          loopNest(b, l, {arg(kLeft)}, ValueRange{arg(kList), i.ci(0), lowest, i.ci(-1)},
                   [&](OpBuilder &nb, Location nl, ValueRange p, ValueRange s) {
                     Value n = nb.create<tensor::ExtractOp>(nl, s[0], p[0]);
                     Value same = nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::eq, n, best);
                     Value gone = nb.create<arith::OrIOp>(
                         nl, same, suppresses(nb, nl, kept, extentOf(nb, nl, n), threshold));
                     Value keep = nb.create<arith::XOrIOp>(
                         nl, gone, nb.create<arith::ConstantIntOp>(nl, 1, 1));
                     return append(nb, nl, keep, n, score(nb, nl, n), s);
                   });
      b.create<scf::YieldOp>(l, ValueRange{selected, i.add(arg(kTotal), i.c(1)), pass[0], pass[1],
                                           i.add(arg(kTaken), i.c(1)), pass[3]});
    }
  };
};
} // namespace

void populateNonMaxSuppressionPatterns(const TypeConverter &converter,
                                       RewritePatternSet &patterns) {
  patterns.add<NonMaxSuppressionLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
