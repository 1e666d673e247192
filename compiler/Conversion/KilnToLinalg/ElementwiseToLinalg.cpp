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

/// max(lo, min(hi, x)) for floats or signless integers.
Value clamp(OpBuilder &b, Location loc, Value x, double lo, double hi) {
  Value upper = createMin(b, loc, x, constantLike(b, loc, x, hi));
  return createMax(b, loc, upper, constantLike(b, loc, x, lo));
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
  Value lower = createMax(b, loc, x, constantLike(b, loc, x, op.getMin().convertToDouble()));
  return createMin(b, loc, lower, constantLike(b, loc, x, op.getMax().convertToDouble()));
}
Value unaryPayload(graph::SigmoidOp, OpBuilder &b, Location loc, Value x) {
  Value one = constantLike(b, loc, x, 1);
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
  return b.create<arith::DivFOp>(loc, one, b.create<arith::AddFOp>(loc, one, e));
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
  Value scaled = b.create<arith::MulFOp>(loc, x, constantLike(b, loc, x, 1.0 / 6.0));
  Value shifted = b.create<arith::AddFOp>(loc, scaled, constantLike(b, loc, x, 0.5));
  return b.create<arith::MulFOp>(loc, x, clamp(b, loc, shifted, 0, 1));
}
Value unaryPayload(graph::HardSigmoidOp op, OpBuilder &b, Location loc, Value x) {
  double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();
  Value scaled = b.create<arith::MulFOp>(loc, x, constantLike(b, loc, x, alpha));
  Value shifted = b.create<arith::AddFOp>(loc, scaled, constantLike(b, loc, x, beta));
  return clamp(b, loc, shifted, 0, 1);
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

/// A unary op: checks the input type, then one generic with `unaryPayload`.
template <typename OpTy> class UnaryLowering : public OpConversionPattern<OpTy> {
public:
  UnaryLowering(MLIRContext *ctx, bool allowInteger)
      : OpConversionPattern<OpTy>(ctx), allowInteger(allowInteger) {}

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op)) ||
        failed(requireArithType(op, elementTypeOf(op.getInput()), allowInteger, "input")))
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

Value binaryPayload(graph::AddOp, OpBuilder &b, Location l, Value x, Value y) {
  return createAdd(b, l, x, y);
}
Value binaryPayload(graph::SubOp, OpBuilder &b, Location l, Value x, Value y) {
  return createSub(b, l, x, y);
}
Value binaryPayload(graph::MulOp, OpBuilder &b, Location l, Value x, Value y) {
  return createMul(b, l, x, y);
}
Value binaryPayload(graph::DivOp, OpBuilder &b, Location l, Value x, Value y) {
  return createDiv(b, l, x, y);
}
Value binaryPayload(graph::MinOp, OpBuilder &b, Location l, Value x, Value y) {
  return createMin(b, l, x, y);
}
Value binaryPayload(graph::MaxOp, OpBuilder &b, Location l, Value x, Value y) {
  return createMax(b, l, x, y);
}

Value comparePayload(arith::CmpFPredicate fp, arith::CmpIPredicate ip, OpBuilder &b, Location l,
                     Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::CmpFOp>(l, fp, x, y);
  return b.create<arith::CmpIOp>(l, ip, x, y);
}
Value binaryPayload(graph::EqualOp, OpBuilder &b, Location l, Value x, Value y) {
  return comparePayload(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq, b, l, x, y);
}
Value binaryPayload(graph::LessOp, OpBuilder &b, Location l, Value x, Value y) {
  return comparePayload(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt, b, l, x, y);
}
Value binaryPayload(graph::GreaterOp, OpBuilder &b, Location l, Value x, Value y) {
  return comparePayload(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt, b, l, x, y);
}

/// A binary op with operands of one element type (float or signless integer).
template <typename OpTy> class BinaryLowering : public OpConversionPattern<OpTy> {
public:
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type lhsType = elementTypeOf(op.getLhs()), rhsType = elementTypeOf(op.getRhs());
    if (failed(requireStaticShapes(op)) || failed(requireArithType(op, lhsType, true, "lhs")))
      return failure();
    if (lhsType != rhsType)
      return emitUnsupported(op) << "operand element types differ (" << lhsType << " vs " << rhsType
                                 << ")";
    Value result = buildElementwise(rewriter, op.getLoc(), tensorTypeOf(op.getResult()),
                                    ValueRange{adaptor.getLhs(), adaptor.getRhs()},
                                    [&](OpBuilder &b, Location loc, ValueRange args) {
                                      return binaryPayload(op, b, loc, args[0], args[1]);
                                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<UnaryLowering<graph::ReluOp>, UnaryLowering<graph::NegOp>,
               UnaryLowering<graph::AbsOp>, UnaryLowering<graph::ClipOp>>(ctx,
                                                                          /*allowInteger=*/true);
  patterns
      .add<UnaryLowering<graph::SigmoidOp>, UnaryLowering<graph::TanhOp>,
           UnaryLowering<graph::ExpOp>, UnaryLowering<graph::LogOp>, UnaryLowering<graph::SqrtOp>,
           UnaryLowering<graph::ErfOp>, UnaryLowering<graph::ReciprocalOp>,
           UnaryLowering<graph::FloorOp>, UnaryLowering<graph::CeilOp>,
           UnaryLowering<graph::HardSwishOp>, UnaryLowering<graph::HardSigmoidOp>,
           UnaryLowering<graph::LeakyReluOp>, UnaryLowering<graph::EluOp>>(ctx,
                                                                           /*allowInteger=*/false);
  patterns
      .add<BinaryLowering<graph::AddOp>, BinaryLowering<graph::SubOp>, BinaryLowering<graph::MulOp>,
           BinaryLowering<graph::DivOp>, BinaryLowering<graph::MinOp>, BinaryLowering<graph::MaxOp>,
           BinaryLowering<graph::EqualOp>, BinaryLowering<graph::LessOp>,
           BinaryLowering<graph::GreaterOp>>(ctx);
  populateSelectCastPowPatterns(patterns);
}

} // namespace kiln::lowering
