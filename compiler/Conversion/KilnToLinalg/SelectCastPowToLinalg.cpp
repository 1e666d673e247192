//===- SelectCastPowToLinalg.cpp - where, cast and pow → linalg.generic ---===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

#include "mlir/IR/Matchers.h"

namespace kiln::lowering {
namespace {

Type elementTypeOf(Value v) { return tensorTypeOf(v).getElementType(); }

/// Converts scalar `x` to `to` (float or signless integer types) with ONNX Cast semantics:
/// float → integer truncates toward zero, anything → i1 is "not zero", i1 → number is 0/1.
/// `fromUnsigned` / `toUnsigned` say which integers stand for unsigned ones.
Value castScalar(OpBuilder &b, Location loc, Value x, Type to, bool fromUnsigned = false,
                 bool toUnsigned = false) {
  Type from = x.getType();
  if (from == to)
    return x;
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  if (fromFloat && toFloat) {
    if (from.getIntOrFloatBitWidth() == to.getIntOrFloatBitWidth()) // f16 <-> bf16
      x = b.create<arith::ExtFOp>(loc, b.getF32Type(), x);
    return convertFloat(b, loc, x, to);
  }
  if (toFloat) {
    if (from.isInteger(1) || fromUnsigned)
      return b.create<arith::UIToFPOp>(loc, to, x);
    return b.create<arith::SIToFPOp>(loc, to, x);
  }
  if (to.isInteger(1)) {
    Value zero = createScalar(b, loc, from, 0);
    if (fromFloat)
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, x, zero);
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, zero);
  }
  if (fromFloat && toUnsigned)
    return b.create<arith::FPToUIOp>(loc, to, x);
  if (fromFloat)
    return b.create<arith::FPToSIOp>(loc, to, x);
  if (from.getIntOrFloatBitWidth() == to.getIntOrFloatBitWidth()) // ui8 <-> i8: same bits
    return x;
  if (from.isInteger(1) || (fromUnsigned && from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()))
    return b.create<arith::ExtUIOp>(loc, to, x);
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return b.create<arith::ExtSIOp>(loc, to, x);
  return b.create<arith::TruncIOp>(loc, to, x);
}

struct CastLowering : OpConversionPattern<graph::CastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::CastOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type from = elementTypeOf(op.getInput()), to = elementTypeOf(op.getResult());
    bool fromUnsigned = isUnsigned(op.getInput()), toUnsigned = isUnsigned(op.getResult());
    if (failed(requireArithType(op, from, true, "input")) ||
        failed(requireArithType(op, to, true, "result")))
      return failure();
    if (from == to) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    Value result =
        buildElementwise(rewriter, op.getLoc(), tensorTypeOf(op.getResult()), adaptor.getInput(),
                         [&](OpBuilder &b, Location loc, ValueRange args) {
                           return castScalar(b, loc, args[0], to, fromUnsigned, toUnsigned);
                         });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct WhereLowering : OpConversionPattern<graph::WhereOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::WhereOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    // Dynamic dims as in the other elementwise ops (sizes read through the maps).
    if (!elementTypeOf(op.getCond()).isInteger(1))
      return emitUnsupported(op) << "the condition must have element type i1, not "
                                 << elementTypeOf(op.getCond());
    if (elementTypeOf(op.getX()) != elementTypeOf(op.getY()))
      return emitUnsupported(op) << "x and y element types differ (" << elementTypeOf(op.getX())
                                 << " vs " << elementTypeOf(op.getY()) << ")";
    Value result =
        buildElementwise(rewriter, op.getLoc(), tensorTypeOf(op.getResult()),
                         ValueRange{adaptor.getCond(), adaptor.getX(), adaptor.getY()},
                         [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                           return b.create<arith::SelectOp>(loc, args[0], args[1], args[2]);
                         });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The exponent when `rhs` is a splat constant of 1, 2 or 0.5 (lowered without powf).
std::optional<double> specialExponent(Value rhs) {
  DenseElementsAttr attr;
  if (!matchPattern(rhs, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  double value;
  if (isa<FloatType>(attr.getElementType()))
    value = attr.getSplatValue<APFloat>().convertToDouble();
  else if (attr.getElementType().isSignlessInteger() && !attr.getElementType().isInteger(1))
    value = static_cast<double>(attr.getSplatValue<APInt>().getSExtValue());
  else
    return std::nullopt;
  if (value == 1 || value == 2 || value == 0.5)
    return value;
  return std::nullopt;
}

/// x ** y; a float base computes in its type. An integer base computes in f64 (or the float
/// exponent's type) and truncates back: exact while |x ** y| < 2^53 (the CPU pipeline has no
/// lowering of math.ipowi).
Value powPayload(OpBuilder &b, Location loc, Value x, Value y, bool xUnsigned, bool yUnsigned) {
  Type xType = x.getType(), yType = y.getType();
  if (isa<FloatType>(xType))
    return b.create<math::PowFOp>(loc, x, castScalar(b, loc, y, xType, yUnsigned));
  Type computeType = isa<FloatType>(yType) ? yType : b.getF64Type();
  Value power = b.create<math::PowFOp>(loc, castScalar(b, loc, x, computeType, xUnsigned),
                                       castScalar(b, loc, y, computeType, yUnsigned));
  return castScalar(b, loc, power, xType, false, xUnsigned);
}

struct PowLowering : OpConversionPattern<graph::PowOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::PowOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type baseType = elementTypeOf(op.getLhs());
    if (failed(requireArithType(op, baseType, true, "lhs")) ||
        failed(requireArithType(op, elementTypeOf(op.getRhs()), true, "rhs")))
      return failure();
    if (baseType.isInteger(1))
      return emitUnsupported(op) << "pow of i1 values";
    auto resultType = tensorTypeOf(op.getResult());
    std::optional<double> exponent =
        isa<FloatType>(baseType) ? specialExponent(adaptor.getRhs()) : std::nullopt;
    Value result;
    if (exponent) {
      result = buildElementwise(rewriter, op.getLoc(), resultType, adaptor.getLhs(),
                                [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                                  Value x = args[0];
                                  if (*exponent == 2)
                                    return b.create<arith::MulFOp>(loc, x, x);
                                  if (*exponent == 0.5)
                                    return b.create<math::SqrtOp>(loc, x);
                                  return x;
                                });
    } else {
      result = buildElementwise(rewriter, op.getLoc(), resultType,
                                ValueRange{adaptor.getLhs(), adaptor.getRhs()},
                                [&](OpBuilder &b, Location loc, ValueRange args) {
                                  return powPayload(b, loc, args[0], args[1],
                                                    isUnsigned(op.getLhs()),
                                                    isUnsigned(op.getRhs()));
                                });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateSelectCastPowPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<CastLowering, WhereLowering, PowLowering>(converter, patterns.getContext());
}

} // namespace kiln::lowering
