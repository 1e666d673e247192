//===- ResizeToLinalg.cpp - kiln.resize → one gather generic per resized dim -===//
//
// ONNX's Resize is separable (its reference interpolates one dim at a time): each resized dim
// is one linalg.generic over the partly resized tensor that maps its output coordinate back to
// a source coordinate (the coordinate transformation mode, in f64), picks the taps (nearest:
// one, linear: two, cubic: four, clamped to the edge) and their weights, and reads the
// previous tensor at them (tensor.extract in the payload). Result sizes come from the scales
// (floor(scale x dim)) or the sizes, read with tensor.extract at constant indices: run-time
// targets are shape values. A dim whose constant scale is 1 is skipped (but for
// tf_crop_and_resize, which crops).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

#include "mlir/IR/Matchers.h"

namespace kiln::lowering {
namespace {
/// Scalar float helpers at a fixed location, in f64 unless `type` says otherwise.
struct FloatOps {
  OpBuilder &b;
  Location loc;
  FloatType type = nullptr;
  FloatType t() const { return type ? type : b.getF64Type(); }
  Value c(double v) { return b.create<arith::ConstantOp>(loc, b.getFloatAttr(t(), v)); }
  Value add(Value x, Value y) { return b.create<arith::AddFOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubFOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y); }
  Value div(Value x, Value y) { return b.create<arith::DivFOp>(loc, x, y); }
  Value floor(Value x) { return b.create<math::FloorOp>(loc, x); }
  Value ceil(Value x) { return b.create<math::CeilOp>(loc, x); }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return b.create<arith::CmpFOp>(loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) { return b.create<arith::SelectOp>(loc, c, x, y); }
  Value min(Value x, Value y) { return b.create<arith::MinimumFOp>(loc, x, y); }
  Value max(Value x, Value y) { return b.create<arith::MaximumFOp>(loc, x, y); }
  Value abs(Value x) { return b.create<math::AbsFOp>(loc, x); }
  /// An index (or integer, or float) as this type.
  Value from(Value v) {
    if (v.getType().isIndex())
      v = b.create<arith::IndexCastOp>(loc, b.getI64Type(), v);
    if (isa<FloatType>(v.getType()))
      return convertFloat(b, loc, v, t());
    return b.create<arith::SIToFPOp>(loc, t(), v);
  }
  /// An integral f64 as an index.
  Value toIndex(Value x) {
    Value i = b.create<arith::FPToSIOp>(loc, b.getI64Type(), x);
    return b.create<arith::IndexCastOp>(loc, b.getIndexType(), i);
  }
};

/// Element `i` of the 1-D tensor `t`.
Value elementAt(OpBuilder &b, Location loc, Value t, int64_t i) {
  Value index = b.create<arith::ConstantIndexOp>(loc, i);
  return b.create<tensor::ExtractOp>(loc, t, ValueRange{index});
}

/// The ONNX cubic convolution weights of the taps floor(x) - 1 .. floor(x) + 2 for
/// r = x - floor(x) (Keys' kernel with parameter a).
SmallVector<Value> cubicWeights(FloatOps &f, Value r, double a) {
  auto near = [&](Value t) { // |t| <= 1: ((a + 2) t - (a + 3)) t^2 + 1
    return f.add(f.mul(f.sub(f.mul(f.c(a + 2), t), f.c(a + 3)), f.mul(t, t)), f.c(1));
  };
  auto far = [&](Value t) { // 1 < |t| < 2: ((a t - 5a) t + 8a) t - 4a
    return f.sub(f.mul(f.add(f.mul(f.sub(f.mul(f.c(a), t), f.c(5 * a)), t), f.c(8 * a)), t),
                 f.c(4 * a));
  };
  Value s = f.sub(f.c(1), r);
  return {far(f.add(r, f.c(1))), near(r), near(s), far(f.add(s, f.c(1)))};
}

struct ResizeLowering : OpConversionPattern<graph::ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ResizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = tensorTypeOf(op.getInput()), resultType = tensorTypeOf(op.getResult());
    Type et = inType.getElementType();
    StringRef mode = op.getMode(), ctm = op.getCoordinateTransformationMode();
    if (mode != "nearest" && !isa<FloatType>(et))
      return emitUnsupported(op) << mode << " interpolation of " << et << " (floats only)";
    int64_t rank = inType.getRank();
    bool bySizes = tensorTypeOf(op.getTarget()).getElementType().isInteger(64);
    bool crop = ctm == "tf_crop_and_resize";
    DenseElementsAttr constantTarget;
    matchPattern(op.getTarget(), m_Constant(&constantTarget));
    FloatOps f{rewriter, loc};

    SmallVector<Value> outSizes, inDims, scales, starts, ends; // every dim
    SmallVector<int64_t> resized;                              // the dims that are not the identity
    for (int64_t d = 0; d < rank; ++d) {
      Value inDim = rewriter.create<tensor::DimOp>(loc, adaptor.getInput(), d);
      Value inF = f.from(inDim);
      Value target = elementAt(rewriter, loc, adaptor.getTarget(), d);
      Value start, end; // the roi of this dim (tf_crop_and_resize)
      if (crop) {
        start = f.from(elementAt(rewriter, loc, adaptor.getRoi(), d));
        end = f.from(elementAt(rewriter, loc, adaptor.getRoi(), d + rank));
      }
      // The scale and the result size of dim d.
      Value scale, size;
      if (bySizes) {
        size = rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), target);
        scale = f.div(f.from(target), inF);
      } else {
        scale = f.from(target);
        Value extent = f.mul(inF, scale);
        if (crop)
          extent = f.mul(extent, f.sub(end, start));
        size = f.toIndex(f.floor(extent));
      }
      if (!resultType.isDynamicDim(d))
        size = rewriter.create<arith::ConstantIndexOp>(loc, resultType.getDimSize(d));
      outSizes.push_back(size);
      bool identity = false;
      // A size known to equal the input's dim (the batch and channels of a resize to a
      // run-time size) is a scale of exactly 1: every mode and transformation but
      // tf_half_pixel_for_nn (x + 0.5, which a ceil rounding moves) then maps each output
      // element to its own input element.
      if (bySizes && !crop && op.getCoordinateTransformationMode() != "tf_half_pixel_for_nn" &&
          !inType.isDynamicDim(d) && !resultType.isDynamicDim(d) &&
          resultType.getDimSize(d) == inType.getDimSize(d))
        identity = true;
      else if (constantTarget && !crop && !inType.isDynamicDim(d)) {
        if (bySizes)
          identity = constantTarget.getValues<APInt>()[d].getSExtValue() == inType.getDimSize(d);
        else
          identity = constantTarget.getValues<APFloat>()[d].convertToDouble() == 1.0;
      }
      inDims.push_back(inDim);
      scales.push_back(scale);
      starts.push_back(start);
      ends.push_back(end);
      if (!identity)
        resized.push_back(d);
    }
    Value current = adaptor.getInput();
    if (mode == "linear" && resized.size() == 2 && !crop && et.isF32()) {
      current = bilinear(rewriter, loc, op, current, resized, outSizes, inDims, scales, bySizes);
    } else {
      for (int64_t d : resized) {
        SmallVector<Value> sizes(ArrayRef(outSizes).take_front(d + 1));
        current = resizeDim(rewriter, loc, op, current, d, sizes, inDims[d], scales[d], starts[d],
                            ends[d]);
      }
    }
    if (current.getType() != resultType)
      current = rewriter.create<tensor::CastOp>(loc, resultType, current);
    rewriter.replaceOp(op, current);
    return success();
  }

  /// Linear interpolation over two dims at once, in f32 as onnxruntime computes it (the same
  /// values as two separable passes up to rounding, but one pass over memory): per dim the
  /// source coordinate in f32 clamped to [0, in - 1], taps x1 = trunc(x) and x2 = min(x1 + 1,
  /// in - 1) with weights |x - x2| and |x - x1| (1/2 each where they coincide), and
  /// w11 X11 + w21 X21 + w12 X12 + w22 X22 summed in that order. Bit-equal results matter
  /// for dynamically quantized models: a one-ulp difference before a DynamicQuantizeLinear
  /// moves a rounding and grows through every layer after it (an ISNet's mask differed by
  /// 0.12 from onnxruntime's).
  Value bilinear(OpBuilder &b, Location loc, graph::ResizeOp op, Value source,
                 ArrayRef<int64_t> dims, ArrayRef<Value> outSizes, ArrayRef<Value> inDims,
                 ArrayRef<Value> scales, bool bySizes) const {
    auto resultType = tensorTypeOf(op.getResult());
    SmallVector<Value> dynamicSizes;
    for (int64_t i = 0; i < resultType.getRank(); ++i)
      if (resultType.isDynamicDim(i))
        dynamicSizes.push_back(outSizes[i]);
    StringRef ctm = op.getCoordinateTransformationMode();
    // Per resized dim, outside the loops: the f32 scale (onnxruntime: the scales input, or
    // float(out) / float(in)), the input length and its last index.
    struct Dim {
      Value scale, inF, lengthResized, last, lastF;
    };
    SmallVector<Dim> geometry;
    FloatOps outer{b, loc, b.getF32Type()};
    for (int64_t d : dims) {
      Dim g;
      g.inF = outer.from(inDims[d]);
      g.scale = bySizes ? outer.div(outer.from(outSizes[d]), g.inF) : outer.from(scales[d]);
      // The resized length as the separable passes take it (scale x input, unfloored).
      FloatOps wide{b, loc};
      g.lengthResized = outer.from(wide.mul(scales[d], wide.from(inDims[d])));
      g.last = b.create<arith::SubIOp>(loc, inDims[d], b.create<arith::ConstantIndexOp>(loc, 1));
      g.lastF = outer.from(g.last);
      geometry.push_back(g);
    }
    return buildParallelGeneric(
        b, loc, resultType, ValueRange{}, {},
        [&](OpBuilder &nb, Location l, ValueRange) -> Value {
          FloatOps f{nb, l, nb.getF32Type()};
          SmallVector<Value> coords;
          for (int64_t i = 0; i < resultType.getRank(); ++i)
            coords.push_back(nb.create<linalg::IndexOp>(l, i));
          // Taps and weights of each resized dim: {x1, x2, |x - x1|, |x - x2|}.
          SmallVector<std::array<Value, 4>> taps;
          for (auto [d, g] : llvm::zip(dims, geometry)) {
            Value o = f.from(coords[d]), half = f.c(0.5), one = f.c(1);
            Value x;
            if (ctm == "half_pixel")
              x = f.sub(f.div(f.add(o, half), g.scale), half);
            else if (ctm == "pytorch_half_pixel")
              x = f.select(f.cmp(arith::CmpFPredicate::OGT, g.lengthResized, one),
                           f.sub(f.div(f.add(o, half), g.scale), half), f.c(0));
            else if (ctm == "align_corners")
              x = f.select(f.cmp(arith::CmpFPredicate::OEQ, g.lengthResized, one), f.c(0),
                           f.div(f.mul(o, f.sub(g.inF, one)), f.sub(g.lengthResized, one)));
            else if (ctm == "asymmetric")
              x = f.div(o, g.scale);
            else // tf_half_pixel_for_nn
              x = f.div(f.add(o, half), g.scale);
            x = f.max(f.c(0), f.min(x, g.lastF));
            Value x1 = nb.create<arith::MinSIOp>(l, f.toIndex(x), g.last);
            Value x2 = nb.create<arith::MinSIOp>(
                l, nb.create<arith::AddIOp>(l, x1, nb.create<arith::ConstantIndexOp>(l, 1)),
                g.last);
            Value same = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, x1, x2);
            Value d1 = f.select(same, half, f.abs(f.sub(x, f.from(x1))));
            Value d2 = f.select(same, half, f.abs(f.sub(x, f.from(x2))));
            taps.push_back({x1, x2, d1, d2});
          }
          auto at = [&](Value y, Value x) {
            SmallVector<Value> index(coords);
            index[dims[0]] = y;
            index[dims[1]] = x;
            return nb.create<tensor::ExtractOp>(l, source, index).getResult();
          };
          auto [y1, y2, dy1, dy2] = taps[0];
          auto [x1, x2, dx1, dx2] = taps[1];
          Value sum = f.mul(f.mul(dx2, dy2), at(y1, x1));
          sum = f.add(sum, f.mul(f.mul(dx1, dy2), at(y1, x2)));
          sum = f.add(sum, f.mul(f.mul(dx2, dy1), at(y2, x1)));
          return f.add(sum, f.mul(f.mul(dx1, dy1), at(y2, x2)));
        },
        ValueRange(dynamicSizes));
  }

  /// One pass: dims < d already have their result sizes (`sizes`), dim d goes from `inDim`
  /// to sizes[d], the later dims are those of `source`.
  Value resizeDim(OpBuilder &b, Location loc, graph::ResizeOp op, Value source, int64_t d,
                  ArrayRef<Value> sizes, Value inDim, Value scale, Value roiStart,
                  Value roiEnd) const {
    auto sourceType = cast<RankedTensorType>(source.getType());
    auto resultType = tensorTypeOf(op.getResult());
    SmallVector<int64_t> shape(sourceType.getShape());
    SmallVector<Value> dynamicSizes;
    for (int64_t i = 0; i < sourceType.getRank(); ++i) {
      if (i <= d)
        shape[i] = resultType.getDimSize(i);
      if (!ShapedType::isDynamic(shape[i]))
        continue;
      dynamicSizes.push_back(i <= d ? sizes[i]
                                    : b.create<tensor::DimOp>(loc, source, i).getResult());
    }
    auto type = RankedTensorType::get(shape, sourceType.getElementType());
    FloatOps outer{b, loc};
    Value inF = outer.from(inDim);
    Value lengthResized = outer.mul(scale, inF); // ONNX's reference: scale x input, unfloored
    Value last = b.create<arith::SubIOp>(loc, inDim, b.create<arith::ConstantIndexOp>(loc, 1));
    StringRef mode = op.getMode(), ctm = op.getCoordinateTransformationMode();
    double ext = op.getExtrapolationValue().convertToDouble();
    double a = op.getCubicCoeffA().convertToDouble();
    bool exclude = op.getExcludeOutside();
    StringRef nearestMode = op.getNearestMode();
    return buildParallelGeneric(
        b, loc, type, ValueRange{}, {},
        [&](OpBuilder &nb, Location l, ValueRange) -> Value {
          FloatOps f{nb, l};
          using P = arith::CmpFPredicate;
          SmallVector<Value> coords;
          for (int64_t i = 0; i < type.getRank(); ++i)
            coords.push_back(nb.create<linalg::IndexOp>(l, i));
          Value o = f.from(coords[d]);
          Value one = f.c(1), half = f.c(0.5);
          Value isOne = f.cmp(P::OEQ, lengthResized, one);
          Value x, outside;
          if (ctm == "half_pixel" || ctm == "pytorch_half_pixel") {
            x = f.sub(f.div(f.add(o, half), scale), half);
            if (ctm == "pytorch_half_pixel")
              x = f.select(isOne, f.c(-0.5), x);
          } else if (ctm == "align_corners") {
            x = f.select(isOne, f.c(0),
                         f.div(f.mul(o, f.sub(inF, one)), f.sub(lengthResized, one)));
          } else if (ctm == "asymmetric") {
            x = f.div(o, scale);
          } else if (ctm == "tf_half_pixel_for_nn") {
            x = f.div(f.add(o, half), scale);
          } else { // tf_crop_and_resize
            Value span = f.mul(f.sub(roiEnd, roiStart), f.sub(inF, one));
            x = f.select(isOne, f.div(span, f.c(2)),
                         f.div(f.mul(o, span), f.sub(lengthResized, one)));
            x = f.add(x, f.mul(roiStart, f.sub(inF, one)));
            outside = nb.create<arith::OrIOp>(l, f.cmp(P::OLT, x, f.c(0)),
                                              f.cmp(P::OGT, x, f.sub(inF, one)));
          }
          Value c0 = nb.create<arith::ConstantIndexOp>(l, 0);
          auto tapValue = [&](Value tap) { // source[..., clamp(tap), ...]
            Value i = f.toIndex(tap);
            i = nb.create<arith::MinSIOp>(l, nb.create<arith::MaxSIOp>(l, i, c0), last);
            SmallVector<Value> at(coords);
            at[d] = i;
            return nb.create<tensor::ExtractOp>(l, source, at).getResult();
          };
          Value result;
          if (mode == "nearest") {
            Value tap = nearestMode == "floor"               ? f.floor(x)
                        : nearestMode == "ceil"              ? f.ceil(x)
                        : nearestMode == "round_prefer_ceil" ? f.floor(f.add(x, half))
                                                             : f.ceil(f.sub(x, half));
            result = tapValue(tap);
          } else {
            Value base = f.floor(x), r = f.sub(x, base);
            SmallVector<Value> weights, taps;
            if (mode == "linear") {
              weights = {f.sub(one, r), r};
              taps = {base, f.add(base, one)};
            } else {
              weights = cubicWeights(f, r, a);
              for (int k = -1; k <= 2; ++k)
                taps.push_back(f.add(base, f.c(k)));
            }
            if (exclude) { // taps outside the input get weight 0, the others renormalized
              Value total = f.c(0);
              for (size_t k = 0; k < taps.size(); ++k) {
                Value in = nb.create<arith::AndIOp>(l, f.cmp(P::OGE, taps[k], f.c(0)),
                                                    f.cmp(P::OLT, taps[k], inF));
                weights[k] = f.select(in, weights[k], f.c(0));
                total = f.add(total, weights[k]);
              }
              for (Value &w : weights)
                w = f.div(w, total);
            }
            Value sum = f.c(0);
            for (auto [w, t] : llvm::zip(weights, taps))
              sum = f.add(sum, f.mul(w, f.from(tapValue(t))));
            result = convertFloat(nb, l, sum, type.getElementType());
          }
          if (outside)
            result = nb.create<arith::SelectOp>(
                l, outside, createScalar(nb, l, type.getElementType(), ext), result);
          return result;
        },
        ValueRange(dynamicSizes));
  }
};
} // namespace

void populateResizePatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
