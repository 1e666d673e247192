//===- PoolToVectors.cpp - NHWC f32 max / average and 8-bit max pools → vector code ===//
//
// The linalg lowering (PoolToLinalg.cpp) pads the input with the pooling identity in a kernel
// of its own, fills the output with it and then reduces into it: three passes over memory,
// each slower than the pool's own reads. Here, as for depthwise convolutions: per output
// row (an scf.forall over N * OH when there is enough work), window rows outside the input
// skipped by the kh loop's bounds, blocks of pixels whose taps all fall inside the input run
// without checks, each tap row read once as a sliding window of channel vectors shared by
// the block's pixels; the pixels at the edges run one by one, taps outside the input
// selected to the identity. An average divides by the taps ONNX counts (those inside the
// input, or with count_include_pad inside the explicitly padded input, never the ceil-mode
// overhang), computed from the pixel's position. One store per output vector. 8-bit max pools
// (a QDQ model's, kiln-int8-max-pool) are the same code on 64-, 32-, 16- or 8-lane vectors of i8,
// the identity the type's lowest value, the max unsigned or signed.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/DynamicPools.h"
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/VectorLoops.h"

#include "kiln/Dialect/Graph/VectorPools.h"

#include <limits>

namespace kiln::lowering {
namespace {
/// Output rows with fewer window reads than this run on one thread.
constexpr int64_t kMinParallelReads = 1 << 17;
/// Output pixels per block (accumulators in registers).
constexpr int64_t kBlockPixels = 8;

/// Taps t < k with begin <= p + t < end (p: the window's first position), as an index.
Value tapsInside(OpBuilder &b, Location l, Value p, int64_t begin, Value end, int64_t k) {
  Value lo =
      b.create<arith::MaxSIOp>(l, b.create<arith::SubIOp>(l, idx(b, l, begin), p), idx(b, l, 0));
  Value hi = b.create<arith::MinSIOp>(l, b.create<arith::SubIOp>(l, end, p), idx(b, l, k));
  return b.create<arith::MaxSIOp>(l, b.create<arith::SubIOp>(l, hi, lo), idx(b, l, 0));
}

template <typename OpTy, bool IsMax> struct VectorPoolLowering : OpConversionPattern<OpTy> {
  VectorPoolLowering(const TypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern<OpTy>(converter, ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isVectorCodedPool(op))
      return rewriter.notifyMatchFailure(op, "not a vector-coded NHWC 2-D pool (linalg lowering)");
    auto in = tensorTypeOf(op.getInput()), outType = tensorTypeOf(op.getResult());
    Location loc = op.getLoc();
    auto kernel = op.getKernelShape();
    Pool p{ConvWindow(in, kernel[0], kernel[1], outType, op.getStrides(), op.getPads()),
           in.getDimSize(3), op.getPads()[2], op.getPads()[3], op.getCountIncludePad()};
    Type element = toSignless(in.getElementType());
    p.isUnsigned = isUnsigned(op.getInput());
    p.vecType =
        VectorType::get({element.isF32() ? channelVector(p.c) : Pool::byteVector(p.c)}, element);
    p.input = adaptor.getInput();
    auto pads = op.getPads();
    PoolWindow2D w{{kernel[0], kernel[1]},
                   {op.getStrides()[0], op.getStrides()[1]},
                   {1, 1},
                   {pads[0], pads[1]},
                   {pads[2], pads[3]},
                   op.getCeilMode()};
    Value init = createEmpty(rewriter, loc, outType,
                             dynamicWindowResultSizes(rewriter, loc, p.input, outType, w));
    p.g.bindSizes(rewriter, loc, p.input, init);
    auto [rows, parallel] =
        windowRows(rewriter, loc, p.g, init, p.c * p.g.kh * p.g.kw, kMinParallelReads);

    auto sliceOf = [&](OpBuilder &b, Location l, Value row, SmallVectorImpl<OpFoldResult> &off,
                       SmallVectorImpl<OpFoldResult> &sizes) {
      windowRowSlice(b, l, p.g, p.c, row, off, sizes);
    };
    auto body = [&](OpBuilder &b, Location l, Value row, Value slice) -> Value {
      Pool r = p;
      WindowRow at = windowRow(b, l, p.g, row);
      r.n = at.n;
      RowTaps taps = rowTaps(b, l, p.g, at.oh);
      r.ihBase = taps.ihBase;
      r.khLo = taps.khLo;
      r.khHi = taps.khHi;
      if (!IsMax) // the rows ONNX counts; the columns per pixel below
        r.rowCount = r.countIncludePad
                         ? tapsInside(b, l, r.ihBase, -p.g.top,
                                      r.plus(b, l, p.g.hValue(b, l), p.bottom), p.g.kh)
                         : b.create<arith::SubIOp>(l, r.khHi, r.khLo).getResult();
      return buildRowPixels(b, l, p.g, kBlockPixels, slice,
                            [&](OpBuilder &b, Location l, Value ow, int64_t count, bool checked,
                                Value acc) { return r.channels(b, l, ow, count, checked, acc); });
    };
    rewriter.replaceOp(op, buildRowLoop(rewriter, loc, init, rows, parallel, sliceOf, body));
    return success();
  }

  /// One pool's geometry and, inside a row's code, that row's values.
  struct Pool {
    ConvWindow g;
    int64_t c, bottom, right;
    bool countIncludePad;
    bool isUnsigned = false; // of 8-bit values: the max compares unsigned
    VectorType vecType;
    Value input, n, ihBase, khLo, khHi, rowCount;

    /// Lanes of an 8-bit pool's channel vectors: up to a 512-bit register.
    static int64_t byteVector(int64_t channels) {
      for (int64_t lanes : {64, 32, 16})
        if (channels % lanes == 0)
          return lanes;
      return 8;
    }

    double identity() const {
      if (!IsMax)
        return 0.0;
      if (vecType.getElementType().isF32())
        return -std::numeric_limits<double>::infinity();
      return isUnsigned ? 0.0 : -128.0;
    }

    static Value plus(OpBuilder &b, Location l, Value v, int64_t c) {
      return b.create<arith::AddIOp>(l, v, idx(b, l, c));
    }

    /// acc + x, or acc > x ? acc : x: one vmaxps (arith.maximumf's NaN handling would add a
    /// compare and two blends per tap). A NaN tap gives NaN unless a later tap of the window
    /// replaces it, as onnxruntime's max pool (MLAS, maxps) does.
    Value combine(OpBuilder &b, Location l, Value acc, Value x) const {
      if (!IsMax)
        return b.create<arith::AddFOp>(l, acc, x);
      if (!vecType.getElementType().isF32())
        return isUnsigned ? b.create<arith::MaxUIOp>(l, acc, x).getResult()
                          : b.create<arith::MaxSIOp>(l, acc, x).getResult();
      Value greater = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, acc, x);
      return b.create<arith::SelectOp>(l, greater, acc, x);
    }

    /// The average's divisor of output column `ow`: row count times the columns counted.
    Value divisor(OpBuilder &b, Location l, Value ow, bool checked) const {
      Value cols = idx(b, l, g.kw); // an unchecked pixel's taps are all inside the input
      if (checked) {
        Value first = b.create<arith::SubIOp>(l, b.create<arith::MulIOp>(l, ow, idx(b, l, g.sw)),
                                              idx(b, l, g.left));
        cols = countIncludePad
                   ? tapsInside(b, l, first, -g.left, plus(b, l, g.wValue(b, l), right), g.kw)
                   : tapsInside(b, l, first, 0, g.wValue(b, l), g.kw);
      }
      Value count = b.create<arith::MulIOp>(l, rowCount, cols);
      Value asInt = b.create<arith::IndexCastOp>(l, b.getI64Type(), count);
      Value asFloat = b.create<arith::SIToFPOp>(l, b.getF32Type(), asInt);
      return b.create<vector::BroadcastOp>(l, vecType, asFloat);
    }

    /// Output pixels [ow, ow + count) of this row, every channel vector.
    Value channels(OpBuilder &b, Location l, Value ow, int64_t count, bool checked,
                   Value acc) const {
      int64_t lanes = vecType.getNumElements();
      return buildLoop(b, l, 0, c, lanes, acc, [&](OpBuilder &b, Location l, Value ch, Value acc) {
        SmallVector<Value> init(count, splat(b, l, vecType, identity()));
        auto kLoop = b.create<scf::ForOp>(l, khLo, khHi, idx(b, l, 1), init,
                                          [&](OpBuilder &b, Location l, Value kh, ValueRange sums) {
                                            b.create<scf::YieldOp>(
                                                l, tapRow(b, l, ow, count, checked, ch, kh, sums));
                                          });
        for (int64_t q = 0; q < count; ++q) {
          Value col = b.create<arith::AddIOp>(l, ow, idx(b, l, q));
          Value v = kLoop.getResult(q);
          if (!IsMax)
            v = b.create<arith::DivFOp>(l, v, divisor(b, l, col, checked));
          acc = writeVector(b, l, v, acc, {idx(b, l, 0), idx(b, l, 0), col, ch});
        }
        return acc;
      });
    }

    /// The accumulators combined with one window row: input row ihBase + kh, read once per
    /// column the block touches (a sliding window shared by its pixels).
    SmallVector<Value> tapRow(OpBuilder &b, Location l, Value ow, int64_t count, bool checked,
                              Value ch, Value kh, ValueRange sums) const {
      Value ih = b.create<arith::AddIOp>(l, ihBase, kh);
      Value first = b.create<arith::SubIOp>(l, b.create<arith::MulIOp>(l, ow, idx(b, l, g.sw)),
                                            idx(b, l, g.left));
      SmallVector<Value> out(sums.begin(), sums.end());
      SmallVector<Value> window((count - 1) * g.sw + g.kw);
      for (int64_t d = 0; d < int64_t(window.size()); ++d)
        window[d] = inputAt(b, l, ih, b.create<arith::AddIOp>(l, first, idx(b, l, d)), ch, checked);
      for (int64_t q = 0; q < count; ++q)
        for (int64_t j = 0; j < g.kw; ++j)
          out[q] = combine(b, l, out[q], window[q * g.sw + j]);
      return out;
    }

    /// input[n, ih, iw, ch..]; with `checked`, the identity where iw is outside the input.
    Value inputAt(OpBuilder &b, Location l, Value ih, Value iw, Value ch, bool checked) const {
      if (!checked)
        return readVector(b, l, vecType, input, {n, ih, iw, ch});
      Value inside = b.create<arith::AndIOp>(
          l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, iw, idx(b, l, 0)),
          b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, iw, g.wValue(b, l)));
      Value clamped = b.create<arith::MinSIOp>(l, b.create<arith::MaxSIOp>(l, iw, idx(b, l, 0)),
                                               plus(b, l, g.wValue(b, l), -1));
      Value x = readVector(b, l, vecType, input, {n, ih, clamped, ch});
      return b.create<arith::SelectOp>(l, inside, x, splat(b, l, vecType, identity()));
    }
  };
};
} // namespace

void populateVectorPoolPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns
      .add<VectorPoolLowering<graph::MaxPoolOp, true>, VectorPoolLowering<graph::AvgPoolOp, false>>(
          converter, patterns.getContext());
}
} // namespace kiln::lowering
