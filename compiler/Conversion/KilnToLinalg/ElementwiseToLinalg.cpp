//===- ElementwiseToLinalg.cpp - elementwise kiln ops → linalg.generic ----===//
//
// Every elementwise op becomes one linalg.generic over the result shape whose inputs are
// read through numpy-broadcast indexing maps; the body is arith/math on scalars.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

#include "mlir/IR/Matchers.h"

namespace kiln::lowering {
namespace {

Type elementTypeOf(Value v) { return tensorTypeOf(v).getElementType(); }

Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
  return createScalar(b, loc, like.getType(), value);
}

//===-- Unary payloads (one overload per op) ------------------------------===//

Value unaryPayload(graph::ReluOp, OpBuilder &b, Location loc, Value x) {
  return createMax(b, loc, x, constantLike(b, loc, x, 0));
}
Value unaryPayload(graph::NegOp, OpBuilder &b, Location loc, Value x) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::NegFOp>(loc, x);
  return b.create<arith::SubIOp>(loc, constantLike(b, loc, x, 0), x);
}
Value unaryPayload(graph::AbsOp, OpBuilder &b, Location loc, Value x) {
  if (isa<FloatType>(x.getType()))
    return b.create<math::AbsFOp>(loc, x);
  return b.create<math::AbsIOp>(loc, x);
}
Value unaryPayload(graph::ClipOp op, OpBuilder &b, Location loc, Value x) {
  bool u = isUnsigned(op.getInput());
  Value lo = createScalar(b, loc, x.getType(), op.getMin().convertToDouble(), u);
  Value lower = createMax(b, loc, x, lo, u);
  Value hi = createScalar(b, loc, x.getType(), op.getMax().convertToDouble(), u);
  return createMin(b, loc, lower, hi, u);
}
Value unaryPayload(graph::SigmoidOp, OpBuilder &b, Location loc, Value x) {
  return createSigmoid(b, loc, x);
}
Value unaryPayload(graph::TanhOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::TanhOp>(loc, x);
}
Value unaryPayload(graph::ExpOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::ExpOp>(loc, x);
}
Value unaryPayload(graph::LogOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::LogOp>(loc, x);
}
Value unaryPayload(graph::SqrtOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::SqrtOp>(loc, x);
}
Value unaryPayload(graph::ErfOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::ErfOp>(loc, x);
}
Value unaryPayload(graph::ReciprocalOp, OpBuilder &b, Location loc, Value x) {
  return b.create<arith::DivFOp>(loc, constantLike(b, loc, x, 1), x);
}
Value unaryPayload(graph::FloorOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::FloorOp>(loc, x);
}
Value unaryPayload(graph::CeilOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::CeilOp>(loc, x);
}
Value unaryPayload(graph::HardSwishOp, OpBuilder &b, Location loc, Value x) {
  return createHardSwish(b, loc, x);
}
Value unaryPayload(graph::HardSigmoidOp op, OpBuilder &b, Location loc, Value x) {
  return createHardSigmoid(b, loc, x, op.getAlpha().convertToDouble(),
                           op.getBeta().convertToDouble());
}
Value unaryPayload(graph::LeakyReluOp op, OpBuilder &b, Location loc, Value x) {
  Value zero = constantLike(b, loc, x, 0);
  Value isPositive = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, x, zero);
  Value alpha = constantLike(b, loc, x, op.getAlpha().convertToDouble());
  return b.create<arith::SelectOp>(loc, isPositive, x, b.create<arith::MulFOp>(loc, alpha, x));
}
Value unaryPayload(graph::EluOp op, OpBuilder &b, Location loc, Value x) {
  Value zero = constantLike(b, loc, x, 0), one = constantLike(b, loc, x, 1);
  Value isPositive = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, x, zero);
  Value expm1 = b.create<arith::SubFOp>(loc, b.create<math::ExpOp>(loc, x), one);
  Value alpha = constantLike(b, loc, x, op.getAlpha().convertToDouble());
  return b.create<arith::SelectOp>(loc, isPositive, x, b.create<arith::MulFOp>(loc, alpha, expm1));
}

Value unaryPayload(graph::NotOp, OpBuilder &b, Location loc, Value x) {
  return b.create<arith::XOrIOp>(loc, x, createScalar(b, loc, x.getType(), 1));
}
Value unaryPayload(graph::RoundOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::RoundEvenOp>(loc, x);
}
// Trigonometric and hyperbolic functions. The CPU pipeline vectorizes sin, cos, atan, acos,
// exp, log and sqrt (polynomials or LLVM intrinsics) but not the libm-only functions, so the
// others are composed from those; the ones that lose precision in f32 (cancellation in
// exp(x) - exp(-x), log(1 + tiny)) compute in f64.
Value unaryPayload(graph::SinOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::SinOp>(loc, x);
}
Value unaryPayload(graph::CosOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::CosOp>(loc, x);
}
Value unaryPayload(graph::AtanOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::AtanOp>(loc, x);
}
Value unaryPayload(graph::AcosOp, OpBuilder &b, Location loc, Value x) {
  return b.create<math::AcosOp>(loc, x);
}
/// asin(x) = 2 atan(x / (1 + sqrt(1 - x²))) (well conditioned up to |x| = 1).
Value unaryPayload(graph::AsinOp, OpBuilder &b, Location loc, Value x) {
  Value one = constantLike(b, loc, x, 1);
  Value root = b.create<math::SqrtOp>(
      loc, b.create<arith::SubFOp>(loc, one, b.create<arith::MulFOp>(loc, x, x)));
  Value ratio = b.create<arith::DivFOp>(loc, x, b.create<arith::AddFOp>(loc, one, root));
  return b.create<arith::MulFOp>(loc, constantLike(b, loc, x, 2),
                                 b.create<math::AtanOp>(loc, ratio));
}
/// fn(x) computed in f64 (x extended, the result truncated back).
Value inF64(OpBuilder &b, Location loc, Value x, function_ref<Value(Value)> fn) {
  Type type = x.getType();
  return convertFloat(b, loc, fn(convertFloat(b, loc, x, b.getF64Type())), type);
}
Value unaryPayload(graph::TanOp, OpBuilder &b, Location loc, Value x) {
  return inF64(b, loc, x, [&](Value v) -> Value {
    return b.create<arith::DivFOp>(loc, b.create<math::SinOp>(loc, v),
                                   b.create<math::CosOp>(loc, v));
  });
}
/// (exp(x) + sign * exp(-x)) / 2 in f64: cosh (sign 1) and sinh (sign -1).
Value expPair(OpBuilder &b, Location loc, Value x, bool minus) {
  return inF64(b, loc, x, [&](Value v) -> Value {
    Value e = b.create<math::ExpOp>(loc, v);
    Value inv = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, v));
    Value sum = minus ? b.create<arith::SubFOp>(loc, e, inv).getResult()
                      : b.create<arith::AddFOp>(loc, e, inv).getResult();
    return b.create<arith::MulFOp>(loc, sum, constantLike(b, loc, v, 0.5));
  });
}
Value unaryPayload(graph::SinhOp, OpBuilder &b, Location loc, Value x) {
  return expPair(b, loc, x, true);
}
Value unaryPayload(graph::CoshOp, OpBuilder &b, Location loc, Value x) {
  return expPair(b, loc, x, false);
}
/// asinh(x) = sign(x) log(|x| + sqrt(x² + 1)), in f64.
Value unaryPayload(graph::AsinhOp, OpBuilder &b, Location loc, Value x) {
  return inF64(b, loc, x, [&](Value v) -> Value {
    Value a = b.create<math::AbsFOp>(loc, v);
    Value root =
        b.create<math::SqrtOp>(loc, b.create<arith::AddFOp>(loc, b.create<arith::MulFOp>(loc, v, v),
                                                            constantLike(b, loc, v, 1)));
    Value y = b.create<math::LogOp>(loc, b.create<arith::AddFOp>(loc, a, root));
    return b.create<math::CopySignOp>(loc, y, v);
  });
}
/// acosh(x) = log(x + sqrt(x² - 1)), in f64 (NaN below 1).
Value unaryPayload(graph::AcoshOp, OpBuilder &b, Location loc, Value x) {
  return inF64(b, loc, x, [&](Value v) -> Value {
    Value root =
        b.create<math::SqrtOp>(loc, b.create<arith::SubFOp>(loc, b.create<arith::MulFOp>(loc, v, v),
                                                            constantLike(b, loc, v, 1)));
    return b.create<math::LogOp>(loc, b.create<arith::AddFOp>(loc, v, root));
  });
}
/// atanh(x) = log((1 + x) / (1 - x)) / 2, in f64.
Value unaryPayload(graph::AtanhOp, OpBuilder &b, Location loc, Value x) {
  return inF64(b, loc, x, [&](Value v) -> Value {
    Value one = constantLike(b, loc, v, 1);
    Value ratio = b.create<arith::DivFOp>(loc, b.create<arith::AddFOp>(loc, one, v),
                                          b.create<arith::SubFOp>(loc, one, v));
    return b.create<arith::MulFOp>(loc, b.create<math::LogOp>(loc, ratio),
                                   constantLike(b, loc, v, 0.5));
  });
}

/// A unary op: checks the input type, then one generic with `unaryPayload`.
template <typename OpTy> class UnaryLowering : public OpConversionPattern<OpTy> {
public:
  UnaryLowering(const TypeConverter &converter, MLIRContext *ctx, bool allowInteger)
      : OpConversionPattern<OpTy>(converter, ctx), allowInteger(allowInteger) {}

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (failed(requireArithType(op, elementTypeOf(op.getInput()), allowInteger, "input")))
      return failure();
    Value result =
        buildElementwise(rewriter, op.getLoc(), tensorTypeOf(op.getResult()), adaptor.getInput(),
                         [&](OpBuilder &b, Location loc, ValueRange args) {
                           return unaryPayload(op, b, loc, args[0]);
                         });
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  bool allowInteger;
};

//===-- Binary arithmetic and comparisons ---------------------------------===//

Value binaryPayload(graph::AddOp, OpBuilder &b, Location l, Value x, Value y, bool) {
  return createAdd(b, l, x, y);
}
Value binaryPayload(graph::SubOp, OpBuilder &b, Location l, Value x, Value y, bool) {
  return createSub(b, l, x, y);
}
Value binaryPayload(graph::MulOp, OpBuilder &b, Location l, Value x, Value y, bool) {
  return createMul(b, l, x, y);
}
Value binaryPayload(graph::DivOp, OpBuilder &b, Location l, Value x, Value y, bool u) {
  return createDiv(b, l, x, y, u);
}
Value binaryPayload(graph::MinOp, OpBuilder &b, Location l, Value x, Value y, bool u) {
  return createMin(b, l, x, y, u);
}
Value binaryPayload(graph::MaxOp, OpBuilder &b, Location l, Value x, Value y, bool u) {
  return createMax(b, l, x, y, u);
}

Value binaryPayload(graph::AndOp, OpBuilder &b, Location l, Value x, Value y, bool) {
  return b.create<arith::AndIOp>(l, x, y);
}
Value binaryPayload(graph::OrOp, OpBuilder &b, Location l, Value x, Value y, bool) {
  return b.create<arith::OrIOp>(l, x, y);
}
Value binaryPayload(graph::XorOp, OpBuilder &b, Location l, Value x, Value y, bool) {
  return b.create<arith::XOrIOp>(l, x, y);
}
/// fmod: C remainder (sign of x). Otherwise Python's %: a non-zero remainder whose sign differs
/// from y's gets y added. Unsigned: remui, where both agree.
Value binaryPayload(graph::ModOp op, OpBuilder &b, Location l, Value x, Value y, bool u) {
  bool isFloat = isa<FloatType>(x.getType());
  if (u)
    return createIntDivOrRem(b, l, x, y, /*isUnsigned=*/true, /*remainder=*/true);
  Value rem = isFloat ? b.create<arith::RemFOp>(l, x, y).getResult()
                      : createIntDivOrRem(b, l, x, y, /*isUnsigned=*/false, /*remainder=*/true);
  if (op.getFmod())
    return rem;
  Value zero = createScalar(b, l, x.getType(), 0);
  auto less = [&](Value v) {
    return isFloat ? b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, v, zero).getResult()
                   : b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, v, zero).getResult();
  };
  Value nonZero = isFloat
                      ? b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNE, rem, zero).getResult()
                      : b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, rem, zero).getResult();
  Value remNegative = less(rem), yNegative = less(y);
  Value signsDiffer = b.create<arith::XOrIOp>(l, remNegative, yNegative);
  Value adjust = b.create<arith::AndIOp>(l, nonZero, signsDiffer);
  return b.create<arith::SelectOp>(l, adjust, createAdd(b, l, rem, y), rem);
}

Value comparePayload(arith::CmpFPredicate fp, arith::CmpIPredicate ip, OpBuilder &b, Location l,
                     Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::CmpFOp>(l, fp, x, y);
  return b.create<arith::CmpIOp>(l, ip, x, y);
}
Value binaryPayload(graph::EqualOp, OpBuilder &b, Location l, Value x, Value y, bool) {
  return comparePayload(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq, b, l, x, y);
}
Value binaryPayload(graph::LessOp, OpBuilder &b, Location l, Value x, Value y, bool u) {
  return comparePayload(arith::CmpFPredicate::OLT,
                        u ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt, b, l, x, y);
}
Value binaryPayload(graph::GreaterOp, OpBuilder &b, Location l, Value x, Value y, bool u) {
  return comparePayload(arith::CmpFPredicate::OGT,
                        u ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt, b, l, x, y);
}
/// Shifts by the bit width or more give 0 (LLVM's shl/shrui would give poison).
Value binaryPayload(graph::BitShiftOp op, OpBuilder &b, Location l, Value x, Value y, bool) {
  Value shifted = op.getLeft() ? b.create<arith::ShLIOp>(l, x, y).getResult()
                               : b.create<arith::ShRUIOp>(l, x, y).getResult();
  Value width = createScalar(b, l, x.getType(), x.getType().getIntOrFloatBitWidth());
  Value inRange = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, y, width);
  return b.create<arith::SelectOp>(l, inRange, shifted, createScalar(b, l, x.getType(), 0));
}

/// A binary op with operands of one element type (float or integer; unsigned integers pick
/// the unsigned arith ops).
template <typename OpTy> class BinaryLowering : public OpConversionPattern<OpTy> {
public:
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    // Compares the kiln types: ui8 and i8 lower to the same type but differ.
    Type lhsType = getElementTypeOrSelf(op.getLhs().getType());
    Type rhsType = getElementTypeOrSelf(op.getRhs().getType());
    if (failed(requireArithType(op, lhsType, true, "lhs")))
      return failure();
    if (std::is_same_v<OpTy, graph::BitShiftOp> && !isa<IntegerType>(lhsType))
      return emitUnsupported(op) << "bit shifts need integer operands, not " << lhsType;
    if (lhsType != rhsType)
      return emitUnsupported(op) << "operand element types differ (" << lhsType << " vs " << rhsType
                                 << ")";
    Value result = buildElementwise(rewriter, op.getLoc(), tensorTypeOf(op.getResult()),
                                    ValueRange{adaptor.getLhs(), adaptor.getRhs()},
                                    [&](OpBuilder &b, Location loc, ValueRange args) {
                                      return binaryPayload(op, b, loc, args[0], args[1],
                                                           isUnsigned(op.getLhs()));
                                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateElementwisePatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns
      .add<UnaryLowering<graph::ReluOp>, UnaryLowering<graph::NegOp>, UnaryLowering<graph::AbsOp>,
           UnaryLowering<graph::ClipOp>, UnaryLowering<graph::NotOp>>(converter, ctx,
                                                                     /*allowInteger=*/true);
  patterns.add<
      UnaryLowering<graph::SigmoidOp>, UnaryLowering<graph::TanhOp>, UnaryLowering<graph::ExpOp>,
      UnaryLowering<graph::LogOp>, UnaryLowering<graph::SqrtOp>, UnaryLowering<graph::ErfOp>,
      UnaryLowering<graph::ReciprocalOp>, UnaryLowering<graph::FloorOp>,
      UnaryLowering<graph::CeilOp>, UnaryLowering<graph::HardSwishOp>,
      UnaryLowering<graph::HardSigmoidOp>, UnaryLowering<graph::LeakyReluOp>,
      UnaryLowering<graph::EluOp>, UnaryLowering<graph::RoundOp>, UnaryLowering<graph::SinOp>,
      UnaryLowering<graph::CosOp>, UnaryLowering<graph::TanOp>, UnaryLowering<graph::AsinOp>,
      UnaryLowering<graph::AcosOp>, UnaryLowering<graph::AtanOp>, UnaryLowering<graph::SinhOp>,
      UnaryLowering<graph::CoshOp>, UnaryLowering<graph::AsinhOp>, UnaryLowering<graph::AcoshOp>,
      UnaryLowering<graph::AtanhOp>>(converter, ctx, /*allowInteger=*/false);
  patterns
      .add<BinaryLowering<graph::AddOp>, BinaryLowering<graph::SubOp>, BinaryLowering<graph::MulOp>,
           BinaryLowering<graph::DivOp>, BinaryLowering<graph::MinOp>, BinaryLowering<graph::MaxOp>,
           BinaryLowering<graph::EqualOp>, BinaryLowering<graph::LessOp>,
           BinaryLowering<graph::GreaterOp>, BinaryLowering<graph::AndOp>,
           BinaryLowering<graph::OrOp>, BinaryLowering<graph::XorOp>, BinaryLowering<graph::ModOp>,
           BinaryLowering<graph::BitShiftOp>>(converter, ctx);
  populateSelectCastPowPatterns(converter, patterns);
}

} // namespace kiln::lowering
