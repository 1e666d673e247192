//===- StableSort.cpp - a stable merge sort of index lists in scf loops ---===//
#include "compiler/Conversion/KilnToLinalg/StableSort.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::lowering {
namespace {
/// Merges the sorted runs of `width` of src[0, m) pairwise into dst.
Value mergePass(OpBuilder &b, Location l, Value src, Value dst, Value width, Value m,
                EntryBefore before) {
  Value zero = b.create<arith::ConstantIndexOp>(l, 0);
  Value one = b.create<arith::ConstantIndexOp>(l, 1);
  Value pair = b.create<arith::AddIOp>(l, width, width);
  auto blocks = b.create<scf::ForOp>(
      l, zero, m, pair, ValueRange{dst}, [&](OpBuilder &fb, Location fl, Value lo, ValueRange d) {
        Value mid = fb.create<arith::MinUIOp>(fl, fb.create<arith::AddIOp>(fl, lo, width), m);
        Value hi = fb.create<arith::MinUIOp>(fl, fb.create<arith::AddIOp>(fl, lo, pair), m);
        Value lastLeft = fb.create<arith::SubIOp>(fl, mid, one);
        Value lastRight = fb.create<arith::SubIOp>(fl, hi, one);
        auto merge = fb.create<scf::ForOp>(
            fl, lo, hi, one, ValueRange{d[0], lo, mid},
            [&](OpBuilder &mb, Location ml, Value k, ValueRange s) {
              using IP = arith::CmpIPredicate;
              Value i = s[1], j = s[2];
              // Reads clamped into the runs; an exhausted run is never taken from.
              Value a = mb.create<tensor::ExtractOp>(
                  ml, src, mb.create<arith::MinUIOp>(ml, i, lastLeft).getResult());
              Value c = mb.create<tensor::ExtractOp>(
                  ml, src, mb.create<arith::MinUIOp>(ml, j, lastRight).getResult());
              Value leftLeft = mb.create<arith::CmpIOp>(ml, IP::ult, i, mid);
              Value rightLeft = mb.create<arith::CmpIOp>(ml, IP::ult, j, hi);
              // The right entry only when it goes strictly before (stability) or the left
              // run is exhausted.
              Value leftDone =
                  mb.create<arith::XOrIOp>(ml, leftLeft, mb.create<arith::ConstantIntOp>(ml, 1, 1));
              Value takeRight = mb.create<arith::AndIOp>(
                  ml, rightLeft, mb.create<arith::OrIOp>(ml, before(mb, ml, c, a), leftDone));
              Value v = mb.create<arith::SelectOp>(ml, takeRight, c, a);
              Value out = mb.create<tensor::InsertOp>(ml, v, s[0], k);
              Value ni = mb.create<arith::SelectOp>(ml, takeRight, i,
                                                    mb.create<arith::AddIOp>(ml, i, one));
              Value nj = mb.create<arith::SelectOp>(ml, takeRight,
                                                    mb.create<arith::AddIOp>(ml, j, one), j);
              mb.create<scf::YieldOp>(ml, ValueRange{out, ni, nj});
            });
        fb.create<scf::YieldOp>(fl, merge.getResult(0));
      });
  return blocks.getResult(0);
}
} // namespace

std::pair<Value, Value> stableSort(OpBuilder &b, Location l, Value list, Value spare, Value m,
                                   EntryBefore before) {
  Value one = b.create<arith::ConstantIndexOp>(l, 1);
  auto passes = b.create<scf::WhileOp>(
      l, TypeRange{list.getType(), spare.getType(), one.getType()}, ValueRange{list, spare, one},
      [&](OpBuilder &cb, Location cl, ValueRange w) {
        Value more = cb.create<arith::CmpIOp>(cl, arith::CmpIPredicate::ult, w[2], m);
        cb.create<scf::ConditionOp>(cl, more, w);
      },
      [&](OpBuilder &db, Location dl, ValueRange w) {
        Value twice = db.create<arith::AddIOp>(dl, w[2], w[2]);
        Value there = mergePass(db, dl, w[0], w[1], w[2], m, before);
        Value back = mergePass(db, dl, there, w[0], twice, m, before);
        db.create<scf::YieldOp>(
            dl, ValueRange{back, there, db.create<arith::AddIOp>(dl, twice, twice)});
      });
  return {passes.getResult(0), passes.getResult(1)};
}
} // namespace kiln::lowering
