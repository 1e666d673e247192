//===- DepthwiseToVectors.cpp - kiln.depthwise_conv2d → vector code -------===//
//
// Per output row (an scf.forall over N * OH when there is enough work): blocks of pixels whose
// taps all fall inside the input run without checks, each tap row read once as a sliding
// window of channel vectors shared by the block's pixels; the few pixels at the left and
// right edges run one by one, taps outside the input selected to zero. Filter rows outside
// the input are skipped (the kh loop's bounds follow the output row). Bias first, clamp (and hard
// swish) last, one store per output vector: the zero padding is never materialized. An 8-bit
// input is dequantized as it is loaded, an 8-bit result quantized before its store.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/DynamicPools.h"
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/VectorLoops.h"

namespace kiln::lowering {
namespace {
/// Output rows with fewer multiply-adds than this run on one thread.
constexpr int64_t kMinParallelMacs = 1 << 17;
/// Output pixels per block (accumulators in registers).
constexpr int64_t kBlockPixels = 8;

/// The static geometry of one depthwise convolution: its window and channels.
struct Geometry : ConvWindow {
  int64_t c;
};

Geometry geometryOf(graph::DepthwiseConv2DOp op) {
  auto in = tensorTypeOf(op.getInput()), filter = tensorTypeOf(op.getFilter());
  return {ConvWindow(in, filter.getDimSize(0), filter.getDimSize(1), tensorTypeOf(op.getResult()),
                     op.getStrides(), op.getPads()),
          in.getDimSize(3)};
}

struct DepthwiseLowering : OpConversionPattern<graph::DepthwiseConv2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::DepthwiseConv2DOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Geometry g = geometryOf(op);
    auto outType = cast<RankedTensorType>(toSignless(op.getType()));
    auto vecType = VectorType::get({channelVector(g.c)}, rewriter.getF32Type());
    Value input = adaptor.getInput(), filter = adaptor.getFilter(), bias = adaptor.getBias();
    double lo = op.getMin().convertToDouble(), hi = op.getMax().convertToDouble();
    bool hardSwish = op.getHardSwish(), silu = op.getSilu();
    PoolWindow2D w{{g.kh, g.kw},
                   {g.sh, g.sw},
                   {1, 1},
                   {g.top, g.left},
                   {op.getPads()[2], op.getPads()[3]},
                   /*ceilMode=*/false};
    Value init = createEmpty(rewriter, loc, outType,
                             dynamicWindowResultSizes(rewriter, loc, input, outType, w));
    g.bindSizes(rewriter, loc, input, init);
    auto [rows, parallel] = windowRows(rewriter, loc, g, init, g.c * g.kh * g.kw, kMinParallelMacs);
    Quantized in = quantizedOf(op.getInput(), op.getInputScaleAttr(), op.getInputZeroPointAttr());
    Quantized out =
        quantizedOf(op.getResult(), op.getOutputScaleAttr(), op.getOutputZeroPointAttr());

    auto sliceOf = [&](OpBuilder &b, Location l, Value row, SmallVectorImpl<OpFoldResult> &off,
                       SmallVectorImpl<OpFoldResult> &sizes) {
      windowRowSlice(b, l, g, g.c, row, off, sizes);
    };
    auto body = [&](OpBuilder &b, Location l, Value row, Value slice) -> Value {
      Row r{g, vecType, input, filter, bias, lo, hi, hardSwish, silu, in, out};
      WindowRow at = windowRow(b, l, g, row);
      r.n = at.n;
      RowTaps taps = rowTaps(b, l, g, at.oh);
      r.ihBase = taps.ihBase;
      r.khLo = taps.khLo;
      r.khHi = taps.khHi;
      return buildRowPixels(b, l, g, kBlockPixels, slice,
                            [&](OpBuilder &b, Location l, Value ow, int64_t count, bool checked,
                                Value acc) { return r.channels(b, l, ow, count, checked, acc); });
    };
    rewriter.replaceOp(op, buildRowLoop(rewriter, loc, init, rows, parallel, sliceOf, body));
    return success();
  }

  /// The 8-bit form of the input or the result (`type` null: f32).
  struct Quantized {
    IntegerType type;
    bool isUnsigned = false;
    double scale = 1, zeroPoint = 0;
  };

  static Quantized quantizedOf(Value v, FloatAttr scale, FloatAttr zeroPoint) {
    auto type = dyn_cast<IntegerType>(getElementTypeOrSelf(v.getType()));
    if (!type)
      return {};
    return {IntegerType::get(v.getContext(), 8), type.isUnsigned(), scale.getValueAsDouble(),
            zeroPoint.getValueAsDouble()};
  }

  /// The code of one output row.
  struct Row {
    const Geometry &g;
    VectorType vecType;
    Value input, filter, bias;
    double lo, hi;
    bool hardSwish, silu;
    Quantized in, out;
    Value n, ihBase, khLo, khHi;

    /// The 8-bit vector `x` as floats: (x - zero point) * scale, in the f32 ops of the
    /// dequantization it replaces.
    Value dequantize(OpBuilder &b, Location l, Value x) const {
      auto ints = VectorType::get(vecType.getShape(), b.getI32Type());
      Value wide = in.isUnsigned ? b.create<arith::ExtUIOp>(l, ints, x).getResult()
                                 : b.create<arith::ExtSIOp>(l, ints, x).getResult();
      Value v = b.create<arith::SIToFPOp>(l, vecType, wide);
      if (in.zeroPoint != 0)
        v = b.create<arith::SubFOp>(l, v, splat(b, l, vecType, in.zeroPoint));
      return b.create<arith::MulFOp>(l, v, splat(b, l, vecType, float(in.scale)));
    }

    /// The float vector `v` quantized to the result's 8-bit type: round half to even of
    /// v / scale, plus the zero point, saturated.
    Value quantize(OpBuilder &b, Location l, Value v) const {
      v = b.create<arith::DivFOp>(l, v, splat(b, l, vecType, float(out.scale)));
      v = b.create<math::RoundEvenOp>(l, v);
      if (out.zeroPoint != 0)
        v = b.create<arith::AddFOp>(l, v, splat(b, l, vecType, out.zeroPoint));
      v = clampVector(b, l, v, out.isUnsigned ? 0 : -128, out.isUnsigned ? 255 : 127);
      auto ints = VectorType::get(vecType.getShape(), b.getI32Type());
      Value i = b.create<arith::FPToSIOp>(l, ints, v);
      return b.create<arith::TruncIOp>(l, VectorType::get(vecType.getShape(), out.type), i);
    }

    /// Output pixels [ow, ow + count) of this row, every channel vector.
    Value channels(OpBuilder &b, Location l, Value ow, int64_t count, bool checked,
                   Value acc) const {
      int64_t lanes = vecType.getNumElements();
      return buildLoop(b, l, 0, g.c, lanes, acc, [&](OpBuilder &b, Location l, Value ch, Value acc) {
        SmallVector<Value> init(count, bias ? readVector(b, l, vecType, bias, {ch})
                                            : splat(b, l, vecType, 0.0));
        auto kLoop = b.create<scf::ForOp>(
            l, khLo, khHi, idx(b, l, 1), init,
            [&](OpBuilder &b, Location l, Value kh, ValueRange sums) {
              b.create<scf::YieldOp>(l, tapRow(b, l, ow, count, checked, ch, kh, sums));
            });
        for (int64_t p = 0; p < count; ++p) {
          Value v = activateVector(b, l, kLoop.getResult(p), lo, hi, hardSwish, silu);
          if (out.type)
            v = quantize(b, l, v);
          Value col = b.create<arith::AddIOp>(l, ow, idx(b, l, p));
          acc = writeVector(b, l, v, acc, {idx(b, l, 0), idx(b, l, 0), col, ch});
        }
        return acc;
      });
    }

    /// The sums plus one filter row's taps: input row ihBase + kh, read once per column the
    /// block touches (a sliding window shared by its pixels).
    SmallVector<Value> tapRow(OpBuilder &b, Location l, Value ow, int64_t count, bool checked,
                              Value ch, Value kh, ValueRange sums) const {
      Value ih = b.create<arith::AddIOp>(l, ihBase, kh);
      SmallVector<Value> w;
      for (int64_t j = 0; j < g.kw; ++j)
        w.push_back(readVector(b, l, vecType, filter, {kh, idx(b, l, j), ch}));
      Value first = b.create<arith::SubIOp>(l, b.create<arith::MulIOp>(l, ow, idx(b, l, g.sw)),
                                            idx(b, l, g.left));
      SmallVector<Value> out(sums.begin(), sums.end());
      SmallVector<Value> window((count - 1) * g.sw + g.kw);
      for (int64_t d = 0; d < int64_t(window.size()); ++d)
        window[d] = inputAt(b, l, ih, b.create<arith::AddIOp>(l, first, idx(b, l, d)), ch,
                            checked);
      for (int64_t p = 0; p < count; ++p)
        for (int64_t j = 0; j < g.kw; ++j)
          out[p] = b.create<vector::FMAOp>(l, window[p * g.sw + j], w[j], out[p]);
      return out;
    }

    /// input[n, ih, iw, ch..]; with `checked`, zero where iw is outside the input.
    Value inputAt(OpBuilder &b, Location l, Value ih, Value iw, Value ch, bool checked) const {
      auto read = [&](Value col) {
        if (!in.type)
          return readVector(b, l, vecType, input, {n, ih, col, ch});
        auto bytes = VectorType::get(vecType.getShape(), in.type);
        return dequantize(b, l, readVector(b, l, bytes, input, {n, ih, col, ch}));
      };
      if (!checked)
        return read(iw);
      Value inside = b.create<arith::AndIOp>(
          l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, iw, idx(b, l, 0)),
          b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, iw, g.wValue(b, l)));
      Value lastColumn = b.create<arith::SubIOp>(l, g.wValue(b, l), idx(b, l, 1));
      Value clamped =
          b.create<arith::MinSIOp>(l, b.create<arith::MaxSIOp>(l, iw, idx(b, l, 0)), lastColumn);
      Value x = read(clamped);
      return b.create<arith::SelectOp>(l, inside, x, splat(b, l, vecType, 0.0));
    }
  };
};
} // namespace

void populateDepthwisePatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<DepthwiseLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
