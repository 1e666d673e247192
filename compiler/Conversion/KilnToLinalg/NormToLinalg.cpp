//===- NormToLinalg.cpp - kiln.layer_norm / kiln.batch_norm → linalg ------===//
//
// layer_norm: per row (dims before `axis`) mean and a two-pass variance, computed in f32 for
// narrower float inputs (ONNX stash_type), then (x - mean) / sqrt(var + eps) * scale + bias.
// batch_norm: per channel a = scale / sqrt(var + eps), b = bias - mean * a (folded to
// constants at compile time when all four operands are constants), then one x * a + b.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

namespace kiln::lowering {
namespace {

/// Elementwise `fn` over tensors of one shape.
Value mapSameShape(OpBuilder &b, Location loc, ValueRange inputs, PayloadFn fn) {
  return buildElementwise(b, loc, tensorTypeOf(inputs[0]), inputs, fn);
}

/// 1 / sqrt(x) (per row or channel only, so no rsqrt approximation is needed; this also
/// keeps every math-to-* lowering able to handle it).
Value reciprocalSqrt(OpBuilder &b, Location loc, Value x) {
  Value one = createScalar(b, loc, x.getType(), 1);
  return b.create<arith::DivFOp>(loc, one, b.create<math::SqrtOp>(loc, x));
}

struct LayerNormLowering : OpConversionPattern<graph::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = tensorTypeOf(op.getInput());
    Type elementType = type.getElementType();
    if (failed(requireArithType(op, elementType, false, "input")))
      return failure();
    for (Value param : {op.getScale(), op.getBias()})
      if (param && (tensorTypeOf(param).getElementType() != elementType ||
                    !broadcastsTo(tensorTypeOf(param).getShape(), type.getShape())))
        return emitUnsupported(op) << "scale and bias must have the input's element type and "
                                      "broadcast to its shape, got "
                                   << param.getType();
    int64_t rank = type.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    if (axis < 0)
      return emitUnsupported(op) << "axis " << static_cast<int64_t>(op.getAxis())
                                 << " is out of range for rank " << rank;
    SmallVector<int64_t> dims = llvm::to_vector(llvm::seq<int64_t>(axis, rank));
    int64_t count = 1;
    for (int64_t d : dims) {
      // Rows may be dynamic (a run-time sequence length); the normalized dims may not.
      if (type.isDynamicDim(d))
        return emitUnsupported(op) << "normalized dim " << d << " is dynamic (" << type << ")";
      count *= type.getDimSize(d);
    }
    Location loc = op.getLoc();
    Type statType = elementType.getIntOrFloatBitWidth() < 32 ? rewriter.getF32Type() : elementType;
    auto [mean, rstd] = rowStatistics(rewriter, loc, adaptor.getInput(), dims, count, statType,
                                      op.getEpsilon().convertToDouble());
    rewriter.replaceOp(op, normalize(rewriter, loc, adaptor.getInput(), mean, rstd,
                                     adaptor.getScale(), adaptor.getBias(), dims));
    return success();
  }

private:
  /// Per-row mean and 1 / sqrt(variance + eps) in `statType`.
  static std::pair<Value, Value> rowStatistics(OpBuilder &b, Location loc, Value x,
                                               ArrayRef<int64_t> dims, int64_t count, Type statType,
                                               double epsilon) {
    Value zero = createScalar(b, loc, statType, 0);
    Value sum = buildReduction(b, loc, x, {}, dims, zero,
                               [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                                 Value v = convertFloat(nb, l, args[0], statType);
                                 return nb.create<arith::AddFOp>(l, args[1], v);
                               });
    Value mean = mapSameShape(b, loc, sum, [&](OpBuilder &nb, Location l, ValueRange args) {
      return createDiv(nb, l, args[0], createScalar(nb, l, statType, double(count)));
    });
    Value squares = buildReduction(b, loc, x, mean, dims, zero,
                                   [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                                     Value v = convertFloat(nb, l, args[0], statType);
                                     Value d = nb.create<arith::SubFOp>(l, v, args[1]);
                                     Value sq = nb.create<arith::MulFOp>(l, d, d);
                                     return nb.create<arith::AddFOp>(l, args[2], sq);
                                   });
    Value rstd = mapSameShape(b, loc, squares, [&](OpBuilder &nb, Location l, ValueRange args) {
      Value var = createDiv(nb, l, args[0], createScalar(nb, l, statType, double(count)));
      Value shifted = nb.create<arith::AddFOp>(l, var, createScalar(nb, l, statType, epsilon));
      return reciprocalSqrt(nb, l, shifted);
    });
    return {mean, rstd};
  }

  /// (x - mean) * rstd * scale (+ bias), scale and bias broadcast numpy-style.
  static Value normalize(OpBuilder &b, Location loc, Value x, Value mean, Value rstd, Value scale,
                         Value bias, ArrayRef<int64_t> dims) {
    auto type = tensorTypeOf(x);
    MLIRContext *ctx = b.getContext();
    AffineMap row = dropDimsMap(ctx, type.getRank(), dims);
    SmallVector<Value> inputs{x, mean, rstd, scale};
    SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(type.getRank()), row, row,
                                broadcastMap(ctx, tensorTypeOf(scale).getShape(), type.getShape())};
    if (bias) {
      inputs.push_back(bias);
      maps.push_back(broadcastMap(ctx, tensorTypeOf(bias).getShape(), type.getShape()));
    }
    Type elementType = type.getElementType();
    return buildParallelGeneric(
        b, loc, type, inputs, maps, [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Type statType = args[1].getType();
          Value v = convertFloat(nb, l, args[0], statType);
          Value centered = nb.create<arith::SubFOp>(l, v, args[1]);
          Value normed =
              convertFloat(nb, l, nb.create<arith::MulFOp>(l, centered, args[2]), elementType);
          Value scaled = nb.create<arith::MulFOp>(l, normed, args[3]);
          return bias ? nb.create<arith::AddFOp>(l, scaled, args[4]).getResult() : scaled;
        });
  }
};

/// The dense float values of `v` when it is a constant.
std::optional<SmallVector<double>> constantValues(Value v) {
  DenseFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<double> values;
  for (const APFloat &f : attr.getValues<APFloat>())
    values.push_back(f.convertToDouble());
  return values;
}

/// Constant per-channel multiplier and offset, when scale/bias/mean/var are all constants.
std::optional<std::pair<Value, Value>> foldChannelConstants(OpBuilder &b, Location loc,
                                                            ValueRange params, double epsilon) {
  auto scale = constantValues(params[0]), bias = constantValues(params[1]);
  auto mean = constantValues(params[2]), var = constantValues(params[3]);
  if (!scale || !bias || !mean || !var)
    return std::nullopt;
  auto type = tensorTypeOf(params[0]);
  auto floatType = cast<FloatType>(type.getElementType());
  SmallVector<APFloat> mul, add;
  auto toElement = [&](double d) {
    APFloat f(d);
    bool lost;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    return f;
  };
  for (size_t c = 0; c < scale->size(); ++c) {
    double a = (*scale)[c] / std::sqrt((*var)[c] + epsilon);
    mul.push_back(toElement(a));
    add.push_back(toElement((*bias)[c] - (*mean)[c] * a));
  }
  Value mulValue = b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, mul));
  Value addValue = b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, add));
  return std::make_pair(mulValue, addValue);
}

/// Per-channel multiplier and offset computed at run time.
std::pair<Value, Value> channelTerms(OpBuilder &b, Location loc, ValueRange params,
                                     double epsilon) {
  Value mul = mapSameShape(b, loc, ValueRange{params[0], params[3]},
                           [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                             Value eps = createScalar(nb, l, args[0].getType(), epsilon);
                             Value shifted = nb.create<arith::AddFOp>(l, args[1], eps);
                             Value rstd = reciprocalSqrt(nb, l, shifted);
                             return nb.create<arith::MulFOp>(l, args[0], rstd);
                           });
  Value add = mapSameShape(b, loc, ValueRange{params[1], params[2], mul},
                           [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                             Value scaledMean = nb.create<arith::MulFOp>(l, args[1], args[2]);
                             return nb.create<arith::SubFOp>(l, args[0], scaledMean);
                           });
  return {mul, add};
}

struct BatchNormLowering : OpConversionPattern<graph::BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::BatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = tensorTypeOf(op.getInput());
    if (failed(requireStaticShapes(op)) ||
        failed(requireArithType(op, type.getElementType(), false, "input")))
      return failure();
    if (type.getRank() < 2)
      return emitUnsupported(op) << "input rank " << type.getRank() << " (needs N, C, ...)";
    SmallVector<Value> params{adaptor.getScale(), adaptor.getBias(), adaptor.getMean(),
                              adaptor.getVariance()};
    auto paramType = RankedTensorType::get({type.getDimSize(1)}, type.getElementType());
    for (Value p : params)
      if (p.getType() != paramType)
        return emitUnsupported(op) << "scale, bias, mean and variance must all be " << paramType
                                   << ", got " << p.getType();
    Location loc = op.getLoc();
    double epsilon = op.getEpsilon().convertToDouble();
    auto folded = foldChannelConstants(rewriter, loc, params, epsilon);
    auto [mul, add] = folded ? *folded : channelTerms(rewriter, loc, params, epsilon);
    MLIRContext *ctx = rewriter.getContext();
    AffineMap channel = AffineMap::get(type.getRank(), 0, getAffineDimExpr(1, ctx), ctx);
    Value result =
        buildParallelGeneric(rewriter, loc, type, ValueRange{adaptor.getInput(), mul, add},
                             {rewriter.getMultiDimIdentityMap(type.getRank()), channel, channel},
                             [](OpBuilder &b, Location l, ValueRange args) -> Value {
                               Value scaled = b.create<arith::MulFOp>(l, args[0], args[1]);
                               return b.create<arith::AddFOp>(l, scaled, args[2]);
                             });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateNormPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<LayerNormLowering, BatchNormLowering>(converter, patterns.getContext());
}

} // namespace kiln::lowering
