//===- RecurrentCells.cpp - one time step of an RNN, GRU or LSTM as linalg ops -===//
//
// A step is H R^T (+ bias) as a contraction into a carried scratch tensor, then one
// all-parallel generic over [B, H] that reads the projected inputs of step t and the
// product's gate columns, applies the cell's functions, and writes the new state in place
// and step t's slice of Y. sequence_lens masks per batch entry: a step at or past its length
// keeps the state and writes zeros. GRU without linear_before_reset multiplies (r * H) by
// R_h^T, so its step is two products and two generics.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/RecurrentCells.h"

namespace kiln::lowering {

SmallVector<Value> RecurrentState::pack() const {
  SmallVector<Value> values;
  for (Value v : {h, c, scratch, gated, candidate, y})
    if (v)
      values.push_back(v);
  return values;
}

RecurrentState RecurrentState::unpack(const RecurrentState &like, ValueRange values) {
  RecurrentState s;
  size_t i = 0;
  SmallVector<Value> from{like.h, like.c, like.scratch, like.gated, like.candidate, like.y};
  SmallVector<Value *> to{&s.h, &s.c, &s.scratch, &s.gated, &s.candidate, &s.y};
  for (auto [f, t] : llvm::zip(from, to))
    if (f)
      *t = values[i++];
  return s;
}

namespace {
OpFoldResult index(OpBuilder &b, int64_t v) { return b.getIndexAttr(v); }

/// Columns [col, col + width) of a product [B, N / T, T] (column tiles of T), as [B, width].
Value columns(OpBuilder &b, Location loc, const RecurrentDirection &dir, Value v, int64_t col,
              int64_t width) {
  int64_t tile = tensorTypeOf(v).getDimSize(2);
  SmallVector<OpFoldResult> offsets{index(b, 0), index(b, col / tile), index(b, 0)};
  SmallVector<OpFoldResult> sizes{dir.batch, index(b, width / tile), index(b, tile)};
  Value slice = b.create<tensor::ExtractSliceOp>(loc, v, offsets, sizes,
                                                 SmallVector<OpFoldResult>(3, index(b, 1)));
  return b.create<tensor::CollapseShapeOp>(loc, slice,
                                           SmallVector<ReassociationIndices>{{0}, {1, 2}});
}

/// Elements [start, start + size) of a 1-D tensor.
Value part(OpBuilder &b, Location loc, Value v, int64_t start, int64_t size) {
  return b.create<tensor::ExtractSliceOp>(loc, v, ArrayRef<OpFoldResult>{index(b, start)},
                                          ArrayRef<OpFoldResult>{index(b, size)},
                                          ArrayRef<OpFoldResult>{index(b, 1)});
}

/// The projected input of gate `k` at step `t`: [B, H].
Value stepInput(OpBuilder &b, Location loc, const RecurrentDirection &dir, Value t, int64_t k) {
  auto type = RankedTensorType::get({tensorTypeOf(dir.projected).getDimSize(1), dir.hidden},
                                    dir.elementType);
  SmallVector<OpFoldResult> offsets{t, index(b, 0), index(b, dir.column + k * dir.hidden)};
  SmallVector<OpFoldResult> sizes{index(b, 1), dir.batch, index(b, dir.hidden)};
  return b.create<tensor::ExtractSliceOp>(loc, type, dir.projected, offsets, sizes,
                                          SmallVector<OpFoldResult>(3, index(b, 1)));
}

/// Y's [B, H] slice at step `t`, direction `d`.
SmallVector<OpFoldResult> ySliceOffsets(OpBuilder &b, Value t, int64_t d) {
  return {t, index(b, d), index(b, 0), index(b, 0)};
}
SmallVector<OpFoldResult> ySliceSizes(OpBuilder &b, const RecurrentDirection &dir) {
  return {index(b, 1), index(b, 1), dir.batch, index(b, dir.hidden)};
}
Value ySlice(OpBuilder &b, Location loc, const RecurrentDirection &dir, Value y, Value t,
             int64_t d) {
  auto type = RankedTensorType::get({tensorTypeOf(y).getDimSize(2), dir.hidden}, dir.elementType);
  return b.create<tensor::ExtractSliceOp>(loc, type, y, ySliceOffsets(b, t, d), ySliceSizes(b, dir),
                                          SmallVector<OpFoldResult>(4, index(b, 1)));
}
Value insertY(OpBuilder &b, Location loc, const RecurrentDirection &dir, Value step, Value y,
              Value t, int64_t d) {
  return b.create<tensor::InsertSliceOp>(loc, step, y, ySliceOffsets(b, t, d), ySliceSizes(b, dir),
                                         SmallVector<OpFoldResult>(4, index(b, 1)));
}

/// The schedule of a step's product (m, n, j, k): each register tile holds 2 column tiles
/// of T when the tiles pair up (independent accumulators hide the FMA latency; up to 16
/// 16-lane vectors) x as many rows as fit, k in steps of 4; the column tiles are split
/// between threads when the product is large enough to pay for waking the pool
/// (kiln.schedule, as the CPU codegen reads it).
DictionaryAttr productSchedule(OpBuilder &b, RankedTensorType lhs, RankedTensorType rhs) {
  int64_t rows = lhs.getDimSize(0), tiles = rhs.getDimSize(0), k = rhs.getDimSize(1);
  int64_t tile = rhs.getDimSize(2);
  int64_t vectors = (tile + 15) / 16;
  int64_t pair = tiles % 2 == 0 && 2 * vectors <= 8 ? 2 : 1;
  int64_t mr = ShapedType::isDynamic(rows)
                   ? 1
                   : std::clamp<int64_t>(16 / (pair * vectors), 1, std::clamp<int64_t>(rows, 1, 4));
  SmallVector<NamedAttribute> entries{
      b.getNamedAttr("inner", b.getDenseI64ArrayAttr({mr, pair, tile, std::min<int64_t>(k, 4)})),
      b.getNamedAttr("vectorize", b.getBoolAttr(true))};
  bool large = !ShapedType::isDynamic(rows) && rows * tiles * tile * k >= (1 << 14);
  if (large && tiles > pair)
    entries.push_back(b.getNamedAttr("parallel", b.getDenseI64ArrayAttr({0, pair, 0, 0})));
  return b.getDictionaryAttr(entries);
}

/// `dest` [B, w / T, T] = `bias` [w] (broadcast over rows, or zeros) + lhs [B, H] x R^T,
/// where `rhs` holds R^T in w / T column tiles [w / T, H, T]: a contraction over
/// (m, n, j, k). The tiled layout keeps the accumulators' reads and writes on the scratch
/// buffer itself (no view), so the codegen keeps them in registers.
Value recurrentProduct(OpBuilder &b, Location loc, const RecurrentDirection &dir, Value lhs,
                       Value rhs, Value bias, Value dest) {
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto destType = tensorTypeOf(dest);
  Value init;
  if (bias) {
    auto biasType = RankedTensorType::get(destType.getShape().drop_front(), dir.elementType);
    Value tiledBias = b.create<tensor::ExpandShapeOp>(loc, biasType, bias,
                                                      SmallVector<ReassociationIndices>{{0, 1}});
    SmallVector<AffineMap> maps{AffineMap::get(3, 0, {d(1), d(2)}, ctx),
                                b.getMultiDimIdentityMap(3)};
    SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
    init = b.create<linalg::GenericOp>(loc, destType, ValueRange{tiledBias}, ValueRange{dest}, maps,
                                       iterators,
                                       [](OpBuilder &nb, Location nl, ValueRange args) {
                                         nb.create<linalg::YieldOp>(nl, args[0]);
                                       })
               .getResult(0);
  } else {
    Value zero = createScalar(b, loc, dir.elementType, 0);
    init = b.create<linalg::FillOp>(loc, zero, dest).getResult(0);
  }
  SmallVector<AffineMap> maps{AffineMap::get(4, 0, {d(0), d(3)}, ctx),
                              AffineMap::get(4, 0, {d(1), d(3), d(2)}, ctx),
                              AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)};
  SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  auto product = b.create<linalg::GenericOp>(
      loc, TypeRange{destType}, ValueRange{lhs, rhs}, ValueRange{init}, maps, iterators,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        Value mul = nb.create<arith::MulFOp>(nl, args[0], args[1]);
        nb.create<linalg::YieldOp>(nl, ValueRange{nb.create<arith::AddFOp>(nl, args[2], mul)});
      });
  product->setAttr("kiln.schedule", productSchedule(b, tensorTypeOf(lhs), tensorTypeOf(rhs)));
  return product.getResult(0);
}

/// Inputs of a gate generic and how it reads them.
struct GateInputs {
  SmallVector<Value> values;
  SmallVector<AffineMap> maps;
  void add(Value v, AffineMap map) {
    values.push_back(v);
    maps.push_back(map);
  }
};

using GatePayload = function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;

/// An all-parallel generic over [B, H] writing `outputs` (identity maps) in place.
SmallVector<Value> gateGeneric(OpBuilder &b, Location loc, const GateInputs &in, ValueRange outputs,
                               GatePayload payload) {
  SmallVector<AffineMap> maps(in.maps);
  maps.append(outputs.size(), b.getMultiDimIdentityMap(2));
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto generic =
      b.create<linalg::GenericOp>(loc, outputs.getTypes(), in.values, outputs, maps, iterators,
                                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                                    nb.create<linalg::YieldOp>(nl, payload(nb, nl, args));
                                  });
  return SmallVector<Value>(generic.getResults());
}

/// Reads the sequence lengths per batch entry; `valid` says whether step `t` (i64) is
/// before the length of the entry whose length is `len`.
struct Masking {
  Value lens, t;
  void addInput(OpBuilder &b, GateInputs &in) const {
    if (lens)
      in.add(lens, AffineMap::get(2, 0, getAffineDimExpr(0, b.getContext())));
  }
  Value valid(OpBuilder &b, Location loc, Value len) const {
    auto width = cast<IntegerType>(len.getType()).getWidth();
    if (width < 64)
      len = b.create<arith::ExtSIOp>(loc, b.getI64Type(), len);
    else if (width > 64)
      len = b.create<arith::TruncIOp>(loc, b.getI64Type(), len);
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, t, len);
  }
};

struct Functions {
  const RecurrentDirection &dir;
  Value apply(OpBuilder &b, Location loc, unsigned i, Value x) const {
    return recurrentActivation(b, loc, dir.activations[i], dir.alphas[i], dir.betas[i], dir.clip,
                               x);
  }
};

/// Scalar float arithmetic inside a payload.
struct Arith {
  OpBuilder &b;
  Location loc;
  Value add(Value x, Value y) { return b.create<arith::AddFOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubFOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y); }
  Value select(Value c, Value x, Value y) { return b.create<arith::SelectOp>(loc, c, x, y); }
  Value constant(Type type, double v) { return createScalar(b, loc, type, v); }
};

AffineMap identity(OpBuilder &b) { return b.getMultiDimIdentityMap(2); }
AffineMap perUnit(OpBuilder &b) {
  return AffineMap::get(2, 0, getAffineDimExpr(1, b.getContext()));
}

/// What a gate generic yields: h' (and c'), then the step's output, each masked by
/// sequence_lens when given (the old state, zeros). `inputs` are the payload's input elements.
SmallVector<Value> maskedOutputs(Arith &a, const Masking &mask, ValueRange inputs, Value h,
                                 Value hOld, Value c = {}, Value cOld = {}) {
  SmallVector<Value> out{h};
  if (c)
    out.push_back(c);
  out.push_back(h);
  if (!mask.lens)
    return out;
  Value valid = mask.valid(a.b, a.loc, inputs.back()); // the length is the last input
  SmallVector<Value> masked{a.select(valid, h, hOld)};
  if (c)
    masked.push_back(a.select(valid, c, cOld));
  masked.push_back(a.select(valid, h, a.constant(h.getType(), 0)));
  return masked;
}

/// LSTM (gates i, o, f, c): i = f(xi + hi + pi c), f = f(xf + hf + pf c) (or 1 - i with
/// input_forget), c' = f c + i g(xc + hc), o = f(xo + ho + po c'), h' = o h(c').
RecurrentState lstmStep(OpBuilder &b, Location loc, const RecurrentDirection &dir, int64_t d,
                        Value t, const RecurrentState &s, const Masking &mask) {
  int64_t hs = dir.hidden;
  Value hr = recurrentProduct(b, loc, dir, s.h, dir.recurrence, dir.bias, s.scratch);
  GateInputs in;
  for (int64_t k = 0; k < 4; ++k)
    in.add(stepInput(b, loc, dir, t, k), identity(b));
  for (int64_t k = 0; k < 4; ++k)
    in.add(columns(b, loc, dir, hr, k * hs, hs), identity(b));
  bool peep = bool(dir.peepholes);
  for (int64_t k = 0; peep && k < 3; ++k)
    in.add(part(b, loc, dir.peepholes, k * hs, hs), perUnit(b));
  mask.addInput(b, in);
  Functions fn{dir};
  SmallVector<Value> out =
      gateGeneric(b, loc, in, {s.h, s.c, ySlice(b, loc, dir, s.y, t, d)},
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    Arith a{nb, nl};
                    Value hOld = args[args.size() - 3], cOld = args[args.size() - 2];
                    auto pre = [&](int k, int p, Value cell) {
                      Value v = a.add(args[k], args[4 + k]);
                      return peep && p >= 0 ? a.add(v, a.mul(args[8 + p], cell)) : v;
                    };
                    Value i = fn.apply(nb, nl, 0, pre(0, 0, cOld));
                    Value f = dir.inputForget ? a.sub(a.constant(i.getType(), 1), i)
                                              : fn.apply(nb, nl, 0, pre(2, 2, cOld));
                    Value c = a.add(a.mul(f, cOld), a.mul(i, fn.apply(nb, nl, 1, pre(3, -1, {}))));
                    Value o = fn.apply(nb, nl, 0, pre(1, 1, c));
                    Value h = a.mul(o, fn.apply(nb, nl, 2, c));
                    return maskedOutputs(a, mask, args.drop_back(3), h, hOld, c, cOld);
                  });
  RecurrentState next = s;
  next.h = out[0];
  next.c = out[1];
  next.scratch = hr;
  next.y = insertY(b, loc, dir, out[2], s.y, t, d);
  return next;
}

/// Column tiles [col / T, (col + width) / T) of the direction's R^T: [width / T, H, T].
Value recurrenceColumns(OpBuilder &b, Location loc, const RecurrentDirection &dir, int64_t col,
                        int64_t width) {
  int64_t tile = tensorTypeOf(dir.recurrence).getDimSize(2);
  return b.create<tensor::ExtractSliceOp>(
      loc, dir.recurrence, ArrayRef<OpFoldResult>{index(b, col / tile), index(b, 0), index(b, 0)},
      ArrayRef<OpFoldResult>{index(b, width / tile), index(b, dir.hidden), index(b, tile)},
      SmallVector<OpFoldResult>(3, index(b, 1)));
}

/// GRU without linear_before_reset: r = f(xr + hr) (`zr` holds H [R_z R_r]^T + Rb), r * H
/// into `next.gated`, then (r H) R_h^T + Rb_h into `next.candidate`; returns it as [B, H].
Value gruCandidate(OpBuilder &b, Location loc, const RecurrentDirection &dir, Value t, Value zr,
                   const RecurrentState &s, RecurrentState &next) {
  int64_t hs = dir.hidden;
  Functions fn{dir};
  GateInputs in;
  in.add(stepInput(b, loc, dir, t, 1), identity(b));
  in.add(columns(b, loc, dir, zr, hs, hs), identity(b));
  in.add(s.h, identity(b));
  next.gated = gateGeneric(b, loc, in, {s.gated}, [&](OpBuilder &nb, Location nl, ValueRange args) {
    Arith a{nb, nl};
    Value r = fn.apply(nb, nl, 0, a.add(args[0], args[1]));
    return SmallVector<Value>{a.mul(r, args[2])};
  })[0];
  Value bias = dir.bias ? part(b, loc, dir.bias, 2 * hs, hs) : Value();
  next.candidate = recurrentProduct(b, loc, dir, next.gated,
                                    recurrenceColumns(b, loc, dir, 2 * hs, hs), bias, s.candidate);
  return columns(b, loc, dir, next.candidate, 0, hs);
}

/// GRU (gates z, r, h): z = f(xz + hz), r = f(xr + hr), n = g(xh + r (H R_h^T + Rb_h)) with
/// linear_before_reset, else g(xh + (r H) R_h^T + Rb_h); h' = (1 - z) n + z H.
RecurrentState gruStep(OpBuilder &b, Location loc, const RecurrentDirection &dir, int64_t d,
                       Value t, const RecurrentState &s, const Masking &mask) {
  int64_t hs = dir.hidden;
  bool lbr = dir.linearBeforeReset;
  int64_t width = lbr ? 3 * hs : 2 * hs;
  Value rec = lbr ? dir.recurrence : recurrenceColumns(b, loc, dir, 0, width);
  Value bias = dir.bias && !lbr ? part(b, loc, dir.bias, 0, width) : dir.bias;
  Value hr = recurrentProduct(b, loc, dir, s.h, rec, bias, s.scratch);
  RecurrentState next = s;
  next.scratch = hr;
  Value candidate =
      lbr ? columns(b, loc, dir, hr, 2 * hs, hs) : gruCandidate(b, loc, dir, t, hr, s, next);
  GateInputs in;
  in.add(stepInput(b, loc, dir, t, 0), identity(b));
  in.add(columns(b, loc, dir, hr, 0, hs), identity(b));
  in.add(stepInput(b, loc, dir, t, 2), identity(b));
  in.add(candidate, identity(b));
  if (lbr) {
    in.add(stepInput(b, loc, dir, t, 1), identity(b));
    in.add(columns(b, loc, dir, hr, hs, hs), identity(b));
  }
  mask.addInput(b, in);
  Functions fn{dir};
  SmallVector<Value> out =
      gateGeneric(b, loc, in, {s.h, ySlice(b, loc, dir, s.y, t, d)},
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    Arith a{nb, nl};
                    Value hOld = args[args.size() - 2];
                    Value z = fn.apply(nb, nl, 0, a.add(args[0], args[1]));
                    Value gate = args[3];
                    if (lbr)
                      gate = a.mul(fn.apply(nb, nl, 0, a.add(args[4], args[5])), gate);
                    Value n = fn.apply(nb, nl, 1, a.add(args[2], gate));
                    Value h = a.add(n, a.mul(z, a.sub(hOld, n)));
                    return maskedOutputs(a, mask, args.drop_back(2), h, hOld);
                  });
  next.h = out[0];
  next.y = insertY(b, loc, dir, out[1], s.y, t, d);
  return next;
}

/// RNN: h' = f(x + H R^T).
RecurrentState rnnStep(OpBuilder &b, Location loc, const RecurrentDirection &dir, int64_t d,
                       Value t, const RecurrentState &s, const Masking &mask) {
  Value hr = recurrentProduct(b, loc, dir, s.h, dir.recurrence, dir.bias, s.scratch);
  GateInputs in;
  in.add(stepInput(b, loc, dir, t, 0), identity(b));
  in.add(columns(b, loc, dir, hr, 0, dir.hidden), identity(b));
  mask.addInput(b, in);
  Functions fn{dir};
  SmallVector<Value> out =
      gateGeneric(b, loc, in, {s.h, ySlice(b, loc, dir, s.y, t, d)},
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    Arith a{nb, nl};
                    Value h = fn.apply(nb, nl, 0, a.add(args[0], args[1]));
                    return maskedOutputs(a, mask, args.drop_back(2), h, args[args.size() - 2]);
                  });
  RecurrentState next = s;
  next.h = out[0];
  next.scratch = hr;
  next.y = insertY(b, loc, dir, out[1], s.y, t, d);
  return next;
}
} // namespace

RecurrentState buildRecurrentStep(OpBuilder &b, Location loc, const RecurrentDirection &dir,
                                  int64_t d, Value t, const RecurrentState &state) {
  Masking mask{dir.sequenceLens, Value()};
  if (mask.lens)
    mask.t = b.create<arith::IndexCastOp>(loc, b.getI64Type(), t);
  switch (dir.cell) {
  case graph::RecurrentCell::lstm:
    return lstmStep(b, loc, dir, d, t, state, mask);
  case graph::RecurrentCell::gru:
    return gruStep(b, loc, dir, d, t, state, mask);
  case graph::RecurrentCell::rnn:
    break;
  }
  return rnnStep(b, loc, dir, d, t, state, mask);
}
} // namespace kiln::lowering
