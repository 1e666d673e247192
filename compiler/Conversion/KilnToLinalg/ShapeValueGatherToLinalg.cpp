//===- ShapeValueGatherToLinalg.cpp - slice/tile/pad by run-time values → linalg -===//
//
// kiln.slice_by, kiln.tile_by and kiln.pad_by: ONNX Slice, Tile and Pad whose parameters are
// known only at run time. The parameters are read with `tensor.extract` at constant indices
// (shape values: kiln-shape-functions passes them to the shape function), the result sizes
// computed from them with ONNX's rules, and the result is a generic that reads its input at
// computed coordinates (tensor.extract in the payload). A size that ONNX forbids (a zero
// step) becomes -1, which the runtime reports naming the node.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
Value gatherGeneric(OpBuilder &b, Location loc, RankedTensorType type, ValueRange sizes,
                    Value input,
                    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> coords,
                    function_ref<Value(OpBuilder &, Location, ValueRange, Value)> finish) {
  return buildParallelGeneric(
      b, loc, type, ValueRange{}, {},
      [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < type.getRank(); ++d)
          indices.push_back(nb.create<linalg::IndexOp>(l, d));
        Value element = nb.create<tensor::ExtractOp>(l, input, coords(nb, l, indices));
        return finish ? finish(nb, l, indices, element) : element;
      },
      sizes);
}

namespace {
/// ONNX Slice: per dim, the entry whose axis names it (else the whole dim), negative starts and
/// ends counted from the end, clamped, size ceil((end - start) / step) or 0.
struct SliceByLowering : OpConversionPattern<graph::SliceByOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::SliceByOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    I64 i{rewriter, loc};
    auto type = tensorTypeOf(op.getResult());
    int64_t rank = type.getRank(), count = tensorTypeOf(op.getStarts()).getDimSize(0);
    using P = arith::CmpIPredicate;
    SmallVector<Value> sizes, starts, steps;
    for (int64_t d = 0; d < rank; ++d) {
      Value n = i.dim(adaptor.getInput(), d);
      Value start = i.c(0), end = n, step = i.c(1);
      for (int64_t j = 0; j < count; ++j) {
        Value axis = i.at(adaptor.getAxes(), j);
        Value match = rewriter.create<arith::OrIOp>(loc, i.cmp(P::eq, axis, i.c(d)),
                                                    i.cmp(P::eq, axis, i.c(d - rank)));
        start = i.select(match, i.at(adaptor.getStarts(), j), start);
        end = i.select(match, i.at(adaptor.getEnds(), j), end);
        step = i.select(match, i.at(adaptor.getSteps(), j), step);
      }
      Value zero = i.c(0), one = i.c(1);
      start = i.select(i.cmp(P::slt, start, zero), i.add(start, n), start);
      end = i.select(i.cmp(P::slt, end, zero), i.add(end, n), end);
      Value positive = i.cmp(P::sgt, step, zero);
      Value last = i.sub(n, one);
      start = i.select(positive, i.clamp(start, zero, n), i.clamp(start, zero, last));
      end = i.select(positive, i.clamp(end, zero, n), i.clamp(end, i.c(-1), last));
      Value isZero = i.cmp(P::eq, step, zero);
      Value absStep = i.select(positive, step, i.select(isZero, one, i.sub(zero, step)));
      Value diff = i.select(positive, i.sub(end, start), i.sub(start, end));
      Value size = rewriter.create<arith::DivSIOp>(
          loc, i.max(i.add(diff, i.sub(absStep, one)), zero), absStep);
      if (type.isDynamicDim(d)) // a static dim (not sliced) keeps the input's size
        sizes.push_back(i.index(i.select(isZero, i.c(-1), size)));
      starts.push_back(i.index(start));
      steps.push_back(i.index(step));
    }
    Value input = adaptor.getInput();
    rewriter.replaceOp(op, gatherGeneric(rewriter, loc, type, sizes, input,
                                         [&](OpBuilder &nb, Location l, ValueRange idx) {
                                           SmallVector<Value> coords;
                                           for (int64_t d = 0; d < rank; ++d)
                                             coords.push_back(nb.create<arith::AddIOp>(
                                                 l, starts[d],
                                                 nb.create<arith::MulIOp>(l, idx[d], steps[d])));
                                           return coords;
                                         }));
    return success();
  }
};

/// ONNX Tile: result dim = input dim x repeat; element i reads input i mod dim.
struct TileByLowering : OpConversionPattern<graph::TileByOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::TileByOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    I64 i{rewriter, loc};
    auto type = tensorTypeOf(op.getResult());
    SmallVector<Value> sizes, dims;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      Value n = i.dim(adaptor.getInput(), d);
      sizes.push_back(i.index(i.mul(n, i.at(adaptor.getRepeats(), d))));
      dims.push_back(i.index(i.max(n, i.c(1)))); // no remainder by 0 (the result is empty)
    }
    rewriter.replaceOp(op, gatherGeneric(rewriter, loc, type, sizes, adaptor.getInput(),
                                         [&](OpBuilder &nb, Location l, ValueRange idx) {
                                           SmallVector<Value> coords;
                                           for (auto [x, n] : llvm::zip(idx, dims))
                                             coords.push_back(
                                                 nb.create<arith::RemUIOp>(l, x, n));
                                           return coords;
                                         }));
    return success();
  }
};

/// ONNX Pad: result dim = begin + input dim + end (pads may be negative: cropping); a result
/// index reads input index - begin, mapped back into the input by the mode (constant: the
/// value outside it).
struct PadByLowering : OpConversionPattern<graph::PadByOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::PadByOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    I64 i{rewriter, loc};
    auto type = tensorTypeOf(op.getResult());
    auto inType = tensorTypeOf(op.getInput());
    int64_t rank = type.getRank();
    if (llvm::is_contained(inType.getShape(), 0))
      return emitUnsupported(op) << "padding an empty input by run-time pads";
    SmallVector<Value> sizes, begins, dims;
    for (int64_t d = 0; d < rank; ++d) {
      Value n = i.dim(adaptor.getInput(), d);
      Value begin = i.at(adaptor.getPads(), d), end = i.at(adaptor.getPads(), d + rank);
      sizes.push_back(i.index(i.add(i.add(begin, n), end)));
      begins.push_back(i.index(begin));
      dims.push_back(i.index(n));
    }
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    SmallVector<Value> valueIndices(tensorTypeOf(op.getValue()).getRank(), zero);
    Value value = rewriter.create<tensor::ExtractOp>(loc, adaptor.getValue(), valueIndices);
    kiln::PadMode mode = op.getMode();
    Value inside; // constant mode: whether every coordinate is inside the input
    auto coords = [&](OpBuilder &nb, Location l, ValueRange idx) {
      SmallVector<Value> out;
      Value c0 = nb.create<arith::ConstantIndexOp>(l, 0), c1 = nb.create<arith::ConstantIndexOp>(l, 1);
      inside = nb.create<arith::ConstantIntOp>(l, 1, 1);
      using P = arith::CmpIPredicate;
      for (int64_t d = 0; d < rank; ++d) {
        Value last = nb.create<arith::SubIOp>(l, dims[d], c1);
        Value src = nb.create<arith::SubIOp>(l, idx[d], begins[d]);
        Value below = nb.create<arith::CmpIOp>(l, P::slt, src, c0);
        Value above = nb.create<arith::CmpIOp>(l, P::sgt, src, last);
        if (mode == kiln::PadMode::reflect) {
          Value neg = nb.create<arith::SubIOp>(l, c0, src);
          Value back = nb.create<arith::SubIOp>(
              l, nb.create<arith::AddIOp>(l, last, last), src);
          src = nb.create<arith::SelectOp>(l, below, neg, src);
          src = nb.create<arith::SelectOp>(l, above, back, src);
        }
        Value clamped = nb.create<arith::MinSIOp>(l, nb.create<arith::MaxSIOp>(l, src, c0), last);
        Value outside = nb.create<arith::OrIOp>(l, below, above);
        inside = nb.create<arith::AndIOp>(
            l, inside, nb.create<arith::XOrIOp>(l, outside, nb.create<arith::ConstantIntOp>(l, 1, 1)));
        out.push_back(clamped);
      }
      return out;
    };
    auto finish = [&](OpBuilder &nb, Location l, ValueRange, Value element) -> Value {
      if (mode != kiln::PadMode::constant)
        return element;
      return nb.create<arith::SelectOp>(l, inside, element, value);
    };
    rewriter.replaceOp(op, gatherGeneric(rewriter, loc, type, sizes, adaptor.getInput(), coords,
                                         finish));
    return success();
  }
};
} // namespace

void populateShapeValueGatherPatterns(const TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<SliceByLowering, TileByLowering, PadByLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
