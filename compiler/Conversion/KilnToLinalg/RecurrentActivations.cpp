//===- RecurrentActivations.cpp - the activation functions of ONNX recurrent cells -===//
#include "compiler/Conversion/KilnToLinalg/RecurrentCells.h"

namespace kiln::lowering {
namespace {
/// tanh(x): math.tanh for f32 (a vectorized polynomial); other float types, which the CPU
/// pipeline has no vector tanh for, as sign(x) (1 - e^-2|x|) / (1 + e^-2|x|).
Value tanh(OpBuilder &b, Location loc, Value x) {
  Type type = x.getType();
  if (type.isF32())
    return b.create<math::TanhOp>(loc, x);
  Value two = createScalar(b, loc, type, -2), one = createScalar(b, loc, type, 1);
  Value e = b.create<math::ExpOp>(
      loc, b.create<arith::MulFOp>(loc, two, b.create<math::AbsFOp>(loc, x)));
  Value t = b.create<arith::DivFOp>(loc, b.create<arith::SubFOp>(loc, one, e),
                                    b.create<arith::AddFOp>(loc, one, e));
  return b.create<math::CopySignOp>(loc, t, x);
}
} // namespace

Value recurrentActivation(OpBuilder &b, Location loc, StringRef name, double alpha, double beta,
                          std::optional<double> clip, Value x) {
  Type type = x.getType();
  auto c = [&](double v) { return createScalar(b, loc, type, v); };
  auto mul = [&](Value u, Value v) { return b.create<arith::MulFOp>(loc, u, v).getResult(); };
  auto add = [&](Value u, Value v) { return b.create<arith::AddFOp>(loc, u, v).getResult(); };
  auto ge = [&](Value u, Value v, bool strict) {
    auto p = strict ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OGE;
    return b.create<arith::CmpFOp>(loc, p, u, v).getResult();
  };
  auto select = [&](Value cond, Value u, Value v) {
    return b.create<arith::SelectOp>(loc, cond, u, v).getResult();
  };
  if (clip)
    x = createMin(b, loc, createMax(b, loc, x, c(-*clip)), c(*clip));
  if (name == "Relu")
    return createMax(b, loc, x, c(0));
  if (name == "Tanh")
    return tanh(b, loc, x);
  if (name == "Sigmoid") {
    Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
    return b.create<arith::DivFOp>(loc, c(1), add(c(1), e));
  }
  if (name == "Affine")
    return add(mul(c(alpha), x), c(beta));
  if (name == "LeakyRelu")
    return select(ge(x, c(0), false), x, mul(c(alpha), x));
  if (name == "ThresholdedRelu")
    return select(ge(x, c(alpha), true), x, c(0));
  if (name == "ScaledTanh")
    return mul(c(alpha), tanh(b, loc, mul(c(beta), x)));
  if (name == "HardSigmoid")
    return createMin(b, loc, createMax(b, loc, add(mul(c(alpha), x), c(beta)), c(0)), c(1));
  if (name == "Elu") {
    Value expm1 = b.create<arith::SubFOp>(loc, b.create<math::ExpOp>(loc, x), c(1));
    return select(ge(x, c(0), false), x, mul(c(alpha), expm1));
  }
  if (name == "Softsign")
    return b.create<arith::DivFOp>(loc, x, add(c(1), b.create<math::AbsFOp>(loc, x)));
  // Softplus (the verifier allows no other name): log(1 + e^x) without overflow.
  Value negAbs = b.create<arith::NegFOp>(loc, b.create<math::AbsFOp>(loc, x));
  Value log = b.create<math::LogOp>(loc, add(c(1), b.create<math::ExpOp>(loc, negAbs)));
  return add(createMax(b, loc, x, c(0)), log);
}

} // namespace kiln::lowering
