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
  double limit = std::ldexp(1.0, width - 1);
  return upper ? limit - 1 : -limit;
}

/// Clip before opset 11: `min`/`max` attributes.
LogicalResult convertClipAttrs(NodeContext &n) {
  Type et = n.inputType(0).getElementType();
  double lo = n.attrFloat("min", clipDefault(et, false));
  double hi = n.attrFloat("max", clipDefault(et, true));
  OpBuilder &b = n.builder();
  return n.setResult(
      n.create<kiln::ClipOp>(n.input(0), b.getF64FloatAttr(lo), b.getF64FloatAttr(hi)));
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
  OpBuilder &b = n.builder();
  return n.setResult(n.create<kiln::ClipOp>(n.input(0), b.getF64FloatAttr(bounds[0]),
                                            b.getF64FloatAttr(bounds[1])));
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
}
