//===- RecurrentToLinalg.cpp - kiln.recurrent → an scf.for over time per direction -===//
//
// Each direction is one scf.for over the steps (its bound is the sequence length, read at
// run time when it is symbolic) that carries the state, the scratch tensors of the step and
// Y; the step itself is small linalg ops on [B, H] and [B, G*H] tiles (RecurrentCells.cpp),
// which the CPU codegen schedules and vectorizes like any other op. The state and scratch
// tensors are created once, before the loop, and written in place by every step.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/RecurrentCells.h"

namespace kiln::lowering {
namespace {

OpFoldResult dimOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  auto type = tensorTypeOf(v);
  if (!type.isDynamicDim(d))
    return b.getIndexAttr(type.getDimSize(d));
  return b.create<tensor::DimOp>(loc, v, d).getResult();
}

/// [B, dims...] of the element type, uninitialized.
Value emptyRows(OpBuilder &b, Location loc, const RecurrentDirection &dir, ArrayRef<int64_t> dims) {
  SmallVector<int64_t> shape{tensorTypeOf(dir.projected).getDimSize(1)};
  shape.append(dims.begin(), dims.end());
  auto type = RankedTensorType::get(shape, dir.elementType);
  SmallVector<Value> sizes;
  if (type.isDynamicDim(0))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, dir.batch));
  return createEmpty(b, loc, type, sizes);
}

/// Direction `d`'s [B, H] slice of a [D, B, H] state tensor.
SmallVector<OpFoldResult> stateOffsets(OpBuilder &b, int64_t d) {
  return {b.getIndexAttr(d), b.getIndexAttr(0), b.getIndexAttr(0)};
}
SmallVector<OpFoldResult> stateSizes(OpBuilder &b, const RecurrentDirection &dir) {
  return {b.getIndexAttr(1), dir.batch, b.getIndexAttr(dir.hidden)};
}

/// A fresh [B, H] state: a copy of direction `d` of `initial` [D, B, H], or zeros.
Value initialState(OpBuilder &b, Location loc, const RecurrentDirection &dir, Value initial,
                   int64_t d) {
  Value state = emptyRows(b, loc, dir, {dir.hidden});
  if (!initial)
    return b.create<linalg::FillOp>(loc, createScalar(b, loc, dir.elementType, 0), state)
        .getResult(0);
  auto type = cast<RankedTensorType>(state.getType());
  Value slice =
      b.create<tensor::ExtractSliceOp>(loc, type, initial, stateOffsets(b, d), stateSizes(b, dir),
                                       SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
  // A copy (not an identity generic, which folds away): the loop writes the state in place,
  // and the kernel's input must stay as it is.
  return b.create<linalg::CopyOp>(loc, slice, state).getResult(0);
}

/// `v`[d] of a [D, N] tensor as [N], or null.
Value directionRow(OpBuilder &b, Location loc, Value v, int64_t d) {
  if (!v)
    return v;
  auto type = tensorTypeOf(v);
  auto row = RankedTensorType::get({type.getDimSize(1)}, type.getElementType());
  return b.create<tensor::ExtractSliceOp>(
      loc, row, v, ArrayRef<OpFoldResult>{b.getIndexAttr(d), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(type.getDimSize(1))},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

RecurrentDirection directionOf(OpBuilder &b, Location loc, graph::RecurrentOp op,
                               graph::RecurrentOp::Adaptor adaptor, int64_t d) {
  RecurrentDirection dir;
  dir.cell = op.getCell();
  dir.hidden = op.getHiddenSize();
  dir.gates = op.getNumGates();
  dir.linearBeforeReset = op.getLinearBeforeReset();
  dir.inputForget = op.getInputForget();
  if (auto clip = op.getClip())
    dir.clip = clip->convertToDouble();
  int64_t perDir = op.getNumActivations();
  for (int64_t i = d * perDir; i < (d + 1) * perDir; ++i) {
    dir.activations.push_back(cast<StringAttr>(op.getActivations()[i]).getValue());
    dir.alphas.push_back(op.getActivationAlpha()[i]);
    dir.betas.push_back(op.getActivationBeta()[i]);
  }
  dir.projected = adaptor.getProjected();
  dir.column = d * dir.gates * dir.hidden;
  auto rec = tensorTypeOf(adaptor.getRecurrence());
  auto recType = RankedTensorType::get(rec.getShape().drop_front(), rec.getElementType());
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes{b.getIndexAttr(1)};
  offsets[0] = b.getIndexAttr(d);
  for (int64_t size : recType.getShape())
    sizes.push_back(b.getIndexAttr(size));
  dir.recurrence =
      b.create<tensor::ExtractSliceOp>(loc, recType, adaptor.getRecurrence(), offsets, sizes,
                                       SmallVector<OpFoldResult>(4, b.getIndexAttr(1)));
  dir.bias = directionRow(b, loc, adaptor.getRecurrentBias(), d);
  dir.peepholes = directionRow(b, loc, adaptor.getPeepholes(), d);
  dir.sequenceLens = adaptor.getSequenceLens();
  dir.batch = dimOf(b, loc, dir.projected, 1);
  dir.elementType = rec.getElementType();
  return dir;
}

/// The state before the first step of direction `d` (Y is set by the caller).
RecurrentState initialStates(OpBuilder &b, Location loc, const RecurrentDirection &dir,
                             graph::RecurrentOp::Adaptor adaptor, int64_t d) {
  RecurrentState s;
  s.h = initialState(b, loc, dir, adaptor.getInitialH(), d);
  if (dir.cell == graph::RecurrentCell::lstm)
    s.c = initialState(b, loc, dir, adaptor.getInitialC(), d);
  bool splitGru = dir.cell == graph::RecurrentCell::gru && !dir.linearBeforeReset;
  int64_t tile = tensorTypeOf(dir.recurrence).getDimSize(2);
  int64_t tiles = dir.hidden / tile;
  s.scratch = emptyRows(b, loc, dir, {(splitGru ? 2 : dir.gates) * tiles, tile});
  if (splitGru) {
    s.gated = emptyRows(b, loc, dir, {dir.hidden});
    s.candidate = emptyRows(b, loc, dir, {tiles, tile});
  }
  return s;
}

/// The scf.for over the `seq` steps of direction `d`, forwards or backwards.
RecurrentState runDirection(OpBuilder &b, Location loc, const RecurrentDirection &dir, int64_t d,
                            bool reversed, OpFoldResult seq, const RecurrentState &init) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value steps = getValueOrCreateConstantIndexOp(b, loc, seq);
  auto loop = b.create<scf::ForOp>(loc, zero, steps, one, init.pack(),
                                   [&](OpBuilder &nb, Location nl, Value s, ValueRange carried) {
                                     Value t = s;
                                     if (reversed) {
                                       Value last = nb.create<arith::SubIOp>(nl, steps, one);
                                       t = nb.create<arith::SubIOp>(nl, last, s);
                                     }
                                     RecurrentState state = RecurrentState::unpack(init, carried);
                                     nb.create<scf::YieldOp>(
                                         nl, buildRecurrentStep(nb, nl, dir, d, t, state).pack());
                                   });
  return RecurrentState::unpack(init, loop.getResults());
}

struct RecurrentLowering : OpConversionPattern<graph::RecurrentOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::RecurrentOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value projected = adaptor.getProjected();
    OpFoldResult seq = dimOf(rewriter, loc, projected, 0);
    OpFoldResult batch = dimOf(rewriter, loc, projected, 1);
    auto sizesOf = [&](Value result, ArrayRef<OpFoldResult> dims) {
      SmallVector<Value> sizes;
      for (auto [d, size] : llvm::enumerate(tensorTypeOf(result).getShape()))
        if (ShapedType::isDynamic(size))
          sizes.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, dims[d]));
      return createEmpty(rewriter, loc, tensorTypeOf(result), sizes);
    };
    OpFoldResult none = rewriter.getIndexAttr(1);
    Value y = sizesOf(op.getY(), {seq, none, batch, none});
    SmallVector<Value> states{sizesOf(op.getYH(), {none, batch, none})};
    if (op.getYC())
      states.push_back(sizesOf(op.getYC(), {none, batch, none}));
    for (int64_t d = 0; d < op.getNumDirections(); ++d) {
      RecurrentDirection dir = directionOf(rewriter, loc, op, adaptor, d);
      RecurrentState init = initialStates(rewriter, loc, dir, adaptor, d);
      init.y = y;
      RecurrentState last = runDirection(rewriter, loc, dir, d, op.isReversed(d), seq, init);
      y = last.y;
      SmallVector<Value> finals{last.h, last.c};
      for (size_t i = 0; i < states.size(); ++i)
        states[i] = rewriter.create<tensor::InsertSliceOp>(
            loc, finals[i], states[i], stateOffsets(rewriter, d), stateSizes(rewriter, dir),
            SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(1)));
    }
    SmallVector<Value> results{y};
    results.append(states);
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void populateRecurrentPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<RecurrentLowering>(converter, patterns.getContext());
}

} // namespace kiln::lowering
