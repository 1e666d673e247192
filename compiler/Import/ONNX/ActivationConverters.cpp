//===- ActivationConverters.cpp - ONNX activations (Relu, Clip, ...) → kiln --===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace kiln::importer;

namespace {
template <typename OpTy> LogicalResult convertUnary(NodeContext &n) {
  return n.setResult(n.create<OpTy>(n.input(0)));
}

/// The bound Clip uses when min/max is not given: ±inf for floats, the integer type's limits.
double clipDefault(Type elementType, bool upper) {
  auto intType = dyn_cast<IntegerType>(elementType);
  if (!intType)
    return upper ? std::numeric_limits<double>::infinity()
                 : -std::numeric_limits<double>::infinity();
  unsigned width = intType.getWidth();
  if (width == 1)
    return upper ? 1 : 0;
  if (intType.isUnsigned())
    return upper ? std::ldexp(1.0, width) - 1 : 0;
  double limit = std::ldexp(1.0, width - 1);
  return upper ? limit - 1 : -limit;
}

/// kiln.clip of input 0 to [lo, hi]; bounds that clip nothing (the type's whole range) forward
/// the input.
LogicalResult buildClip(NodeContext &n, double lo, double hi) {
  Type et = n.inputType(0).getElementType();
  if (lo <= clipDefault(et, false) && hi >= clipDefault(et, true))
    return n.setResult(n.input(0));
  OpBuilder &b = n.builder();
  return n.setResult(
      n.create<kiln::ClipOp>(n.input(0), b.getF64FloatAttr(lo), b.getF64FloatAttr(hi)));
}

/// Clip before opset 11: `min`/`max` attributes.
LogicalResult convertClipAttrs(NodeContext &n) {
  Type et = n.inputType(0).getElementType();
  return buildClip(n, n.attrFloat("min", clipDefault(et, false)),
                   n.attrFloat("max", clipDefault(et, true)));
}

/// Clip with bounds computed at run time: min(max(x, lo), hi) with broadcasting ops.
LogicalResult convertClipRuntimeBounds(NodeContext &n) {
  FailureOr<Value> y = n.input(0);
  if (n.hasInput(1))
    y = buildBinary<kiln::MaxOp>(n, *y, n.input(1));
  if (succeeded(y) && n.hasInput(2))
    y = buildBinary<kiln::MinOp>(n, *y, n.input(2));
  if (succeeded(y) && y->getType() != n.input(0).getType())
    return n.fail("min and max must be scalars");
  return n.setResult(y);
}

/// Clip from opset 11: optional `min`/`max` inputs; constant ones become kiln.clip attributes.
LogicalResult convertClipInputs(NodeContext &n) {
  Type et = n.inputType(0).getElementType();
  double bounds[2] = {clipDefault(et, false), clipDefault(et, true)};
  for (unsigned i : {1u, 2u}) {
    if (!n.hasInput(i))
      continue;
    DenseElementsAttr value;
    if (!matchPattern(n.input(i), m_Constant(&value)))
      return convertClipRuntimeBounds(n);
    FailureOr<double> v = n.constantScalar(i, i == 1 ? "min" : "max");
    if (failed(v))
      return failure();
    bounds[i - 1] = *v;
  }
  return buildClip(n, bounds[0], bounds[1]);
}

LogicalResult convertLeakyRelu(NodeContext &n) {
  double alpha = n.attrFloat("alpha", 0.01);
  return n.setResult(n.create<kiln::LeakyReluOp>(n.input(0), n.builder().getF64FloatAttr(alpha)));
}

LogicalResult convertElu(NodeContext &n) {
  double alpha = n.attrFloat("alpha", 1.0);
  return n.setResult(n.create<kiln::EluOp>(n.input(0), n.builder().getF64FloatAttr(alpha)));
}

LogicalResult convertHardSigmoid(NodeContext &n) {
  OpBuilder &b = n.builder();
  FloatAttr alpha = b.getF64FloatAttr(n.attrFloat("alpha", 0.2));
  FloatAttr beta = b.getF64FloatAttr(n.attrFloat("beta", 0.5));
  return n.setResult(n.create<kiln::HardSigmoidOp>(n.input(0), alpha, beta));
}
/// Selu: gamma * elu(x, alpha).
LogicalResult convertSelu(NodeContext &n) {
  OpBuilder &b = n.builder();
  double alpha = n.attrFloat("alpha", 1.67326319217681884765625);
  double gamma = n.attrFloat("gamma", 1.05070102214813232421875);
  FailureOr<Value> elu = n.create<kiln::EluOp>(n.input(0), b.getF64FloatAttr(alpha));
  return n.setResult(binary<kiln::MulOp>(n, elu, scalarLike(n, elu, gamma)));
}

/// Softplus: log(exp(x) + 1).
LogicalResult convertSoftplus(NodeContext &n) {
  FailureOr<Value> e = unary<kiln::ExpOp>(n, n.input(0));
  return n.setResult(unary<kiln::LogOp>(n, binary<kiln::AddOp>(n, e, scalarLike(n, e, 1))));
}

/// Softsign: x / (1 + |x|).
LogicalResult convertSoftsign(NodeContext &n) {
  Value x = n.input(0);
  FailureOr<Value> denominator =
      binary<kiln::AddOp>(n, unary<kiln::AbsOp>(n, x), scalarLike(n, x, 1));
  return n.setResult(binary<kiln::DivOp>(n, x, denominator));
}

/// ThresholdedRelu: x > alpha ? x : 0.
LogicalResult convertThresholdedRelu(NodeContext &n) {
  Value x = n.input(0);
  FailureOr<Value> above =
      binary<kiln::GreaterOp>(n, x, scalarLike(n, x, n.attrFloat("alpha", 1.0)));
  return n.setResult(select(n, above, x, scalarLike(n, x, 0)));
}

/// Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0.
LogicalResult convertShrink(NodeContext &n) {
  Value x = n.input(0);
  double lambd = n.attrFloat("lambd", 0.5), bias = n.attrFloat("bias", 0.0);
  auto shifted = [&](double by) -> FailureOr<Value> {
    return by == 0 ? FailureOr<Value>(x) : binary<kiln::AddOp>(n, x, scalarLike(n, x, by));
  };
  FailureOr<Value> upper = select(n, binary<kiln::GreaterOp>(n, x, scalarLike(n, x, lambd)),
                                  shifted(-bias), scalarLike(n, x, 0));
  return n.setResult(
      select(n, binary<kiln::LessOp>(n, x, scalarLike(n, x, -lambd)), shifted(bias), upper));
}

/// Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
LogicalResult convertCelu(NodeContext &n) {
  Value x = n.input(0);
  double alpha = n.attrFloat("alpha", 1.0);
  FailureOr<Value> zero = scalarLike(n, x, 0);
  FailureOr<Value> e = unary<kiln::ExpOp>(n, binary<kiln::DivOp>(n, x, scalarLike(n, x, alpha)));
  FailureOr<Value> negative = binary<kiln::MulOp>(n, binary<kiln::SubOp>(n, e, scalarLike(n, x, 1)),
                                                  scalarLike(n, x, alpha));
  return n.setResult(binary<kiln::AddOp>(n, binary<kiln::MaxOp>(n, x, zero),
                                         binary<kiln::MinOp>(n, negative, zero)));
}

/// PRelu: x < 0 ? slope * x : x; the slope broadcasts to x (before opset 7 a 1-D slope
/// runs along the channel dim 1).
LogicalResult convertPRelu(NodeContext &n) {
  Value x = n.input(0);
  FailureOr<Value> slope = n.input(1);
  RankedTensorType xType = n.inputType(0), slopeType = n.inputType(1);
  if (n.opset() < 7 && slopeType.getRank() == 1 && xType.getRank() > 2 &&
      slopeType.getDimSize(0) != 1) {
    SmallVector<int64_t> shape(xType.getRank() - 1, 1);
    shape[0] = slopeType.getDimSize(0);
    slope = n.reshape(n.input(1), shape);
  }
  FailureOr<Value> scaled = binary<kiln::MulOp>(n, x, slope);
  FailureOr<Value> negative = binary<kiln::LessOp>(n, x, scalarLike(n, x, 0));
  if (succeeded(scaled) && scaled->getType() != x.getType())
    return n.fail("the slope does not broadcast to the input's shape");
  return n.setResult(select(n, negative, scaled, x));
}
} // namespace

void kiln::importer::registerActivationConverters(ConverterRegistry &r) {
  r.add("Relu", 1, convertUnary<kiln::ReluOp>);
  r.add("Sigmoid", 1, convertUnary<kiln::SigmoidOp>);
  r.add("Tanh", 1, convertUnary<kiln::TanhOp>);
  r.add("HardSwish", 14, convertUnary<kiln::HardSwishOp>);
  r.add("LeakyRelu", 1, convertLeakyRelu);
  r.add("Elu", 1, convertElu);
  r.add("HardSigmoid", 1, convertHardSigmoid);
  r.add("Clip", 1, convertClipAttrs);
  r.add("Clip", 11, convertClipInputs, {1, 3});
  r.add("Selu", 1, convertSelu);
  r.add("Softplus", 1, convertSoftplus);
  r.add("Softsign", 1, convertSoftsign);
  r.add("ThresholdedRelu", 10, convertThresholdedRelu);
  r.add("Shrink", 9, convertShrink);
  r.add("Celu", 12, convertCelu);
  r.add("PRelu", 1, convertPRelu, {2, 2});
}
