//===- DynamicPools.cpp - NHWC pooling geometry with run-time image dims --===//
#include "compiler/Conversion/KilnToLinalg/DynamicPools.h"

namespace kiln::lowering {
namespace {
Value cst(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

int64_t span(const PoolWindow2D &w, int64_t i) {
  return w.dilations[i] * (w.kernel[i] - 1) + 1;
}
} // namespace

Value poolTapsInside(OpBuilder &b, Location loc, Value p, Value begin, Value end, int64_t k,
                     int64_t d) {
  Value dil = cst(b, loc, d), zero = cst(b, loc, 0);
  Value lo = b.create<arith::MaxSIOp>(
      loc, zero, b.create<arith::CeilDivSIOp>(loc, b.create<arith::SubIOp>(loc, begin, p), dil));
  Value lastPos = b.create<arith::SubIOp>(loc, b.create<arith::SubIOp>(loc, end, p),
                                          cst(b, loc, 1));
  Value hi = b.create<arith::MinSIOp>(loc, cst(b, loc, k - 1),
                                      b.create<arith::FloorDivSIOp>(loc, lastPos, dil));
  Value count = b.create<arith::AddIOp>(loc, b.create<arith::SubIOp>(loc, hi, lo),
                                        cst(b, loc, 1));
  return b.create<arith::MaxSIOp>(loc, count, zero);
}

Value dynamicPoolOutputSize(OpBuilder &b, Location loc, Value input, int64_t i,
                            const PoolWindow2D &w) {
  Value in = b.create<tensor::DimOp>(loc, input, i + 1);
  Value num = b.create<arith::SubIOp>(
      loc, b.create<arith::AddIOp>(loc, in, cst(b, loc, w.padBegin[i] + w.padEnd[i])),
      cst(b, loc, span(w, i)));
  Value stride = cst(b, loc, w.strides[i]);
  Value steps = w.ceilMode ? b.create<arith::CeilDivSIOp>(loc, num, stride).getResult()
                           : b.create<arith::FloorDivSIOp>(loc, num, stride).getResult();
  Value out = b.create<arith::AddIOp>(loc, steps, cst(b, loc, 1));
  if (!w.ceilMode)
    return out;
  // (out - 1) * stride >= in + padBegin: the last window starts in the end padding.
  Value lastStart = b.create<arith::MulIOp>(loc, steps, stride);
  Value limit = b.create<arith::AddIOp>(loc, in, cst(b, loc, w.padBegin[i]));
  Value tooFar = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, lastStart, limit);
  return b.create<arith::SelectOp>(loc, tooFar, steps, out);
}

SmallVector<Value> dynamicWindowResultSizes(OpBuilder &b, Location loc, Value input,
                                            RankedTensorType outType, const PoolWindow2D &w) {
  SmallVector<Value> sizes;
  if (outType.isDynamicDim(0))
    sizes.push_back(b.create<tensor::DimOp>(loc, input, 0));
  for (int64_t d = 0; d < 2; ++d)
    if (outType.isDynamicDim(1 + d))
      sizes.push_back(dynamicPoolOutputSize(b, loc, input, d, w));
  return sizes;
}

Value padPoolInput(OpBuilder &b, Location loc, Value input, ArrayRef<Value> outSizes,
                   const PoolWindow2D &w, Value padValue) {
  SmallVector<OpFoldResult> low{b.getIndexAttr(0)}, high{b.getIndexAttr(0)};
  for (int64_t i = 0; i < 2; ++i) {
    low.push_back(b.getIndexAttr(w.padBegin[i]));
    if (!w.ceilMode) {
      high.push_back(b.getIndexAttr(w.padEnd[i]));
      continue;
    }
    // end pad + max(0, (out - 1) * stride + span - (in + pads)).
    Value in = b.create<tensor::DimOp>(loc, input, i + 1);
    Value needed = b.create<arith::AddIOp>(
        loc,
        b.create<arith::MulIOp>(loc, b.create<arith::SubIOp>(loc, outSizes[i], cst(b, loc, 1)),
                                cst(b, loc, w.strides[i])),
        cst(b, loc, span(w, i)));
    Value have = b.create<arith::AddIOp>(loc, in, cst(b, loc, w.padBegin[i] + w.padEnd[i]));
    Value extra = b.create<arith::MaxSIOp>(loc, b.create<arith::SubIOp>(loc, needed, have),
                                           cst(b, loc, 0));
    high.push_back(b.create<arith::AddIOp>(loc, extra, cst(b, loc, w.padEnd[i])).getResult());
  }
  low.push_back(b.getIndexAttr(0));
  high.push_back(b.getIndexAttr(0));
  auto type = tensorTypeOf(input);
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t d = 1; d <= 2; ++d)
    if (!ShapedType::isDynamic(shape[d]))
      shape[d] = w.ceilMode ? ShapedType::kDynamic
                            : shape[d] + w.padBegin[d - 1] + w.padEnd[d - 1];
  return b.create<tensor::PadOp>(loc, type.clone(shape), input, low, high, padValue);
}

Value divideByDynamicTapCount(OpBuilder &b, Location loc, Value sum, Value input,
                              const PoolWindow2D &w, bool countIncludePad) {
  auto type = tensorTypeOf(sum);
  // Per spatial dim: the counted range of padded positions [begin, end).
  SmallVector<Value> begins, ends;
  for (int64_t i = 0; i < 2; ++i) {
    Value in = b.create<tensor::DimOp>(loc, input, i + 1);
    begins.push_back(cst(b, loc, countIncludePad ? 0 : w.padBegin[i]));
    ends.push_back(b.create<arith::AddIOp>(
        loc, in, cst(b, loc, w.padBegin[i] + (countIncludePad ? w.padEnd[i] : 0))));
  }
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(type.getRank())};
  return buildParallelGeneric(
      b, loc, type, sum, maps, [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value count;
        for (int64_t i = 0; i < 2; ++i) {
          Value o = nb.create<linalg::IndexOp>(l, i + 1);
          Value p = nb.create<arith::MulIOp>(l, o, cst(nb, l, w.strides[i]));
          Value taps = poolTapsInside(nb, l, p, begins[i], ends[i], w.kernel[i], w.dilations[i]);
          count = count ? nb.create<arith::MulIOp>(l, count, taps).getResult() : taps;
        }
        Value asInt = nb.create<arith::IndexCastOp>(l, nb.getI64Type(), count);
        Value asFloat = nb.create<arith::SIToFPOp>(l, args[0].getType(), asInt);
        return nb.create<arith::DivFOp>(l, args[0], asFloat);
      });
}
} // namespace kiln::lowering
