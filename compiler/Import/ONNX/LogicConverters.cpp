//===- LogicConverters.cpp - ONNX logical ops and bool tests (And, Not, IsNaN, ...) → kiln -===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include <limits>

using namespace mlir;
using namespace kiln::importer;

namespace {
/// And, Or, Xor: bool operands (legacy broadcasting before opset 7).
template <typename OpTy> LogicalResult convertLogical(NodeContext &n) {
  if (!n.inputType(0).getElementType().isInteger(1))
    return n.fail("the inputs must be bool tensors");
  FailureOr<Value> rhs = legacyBroadcastOperand(n, n.input(0), n.input(1));
  return n.setResult(binary<OpTy>(n, n.input(0), rhs));
}

LogicalResult convertNot(NodeContext &n) {
  if (!n.inputType(0).getElementType().isInteger(1))
    return n.fail("the input must be a bool tensor");
  return n.setResult(n.create<kiln::NotOp>(n.input(0)));
}

/// GreaterOrEqual / LessOrEqual: the strict comparison or equality (false on NaN, as in ONNX).
template <typename StrictOp> LogicalResult convertOrEqual(NodeContext &n) {
  Value a = n.input(0), b = n.input(1);
  return n.setResult(
      binary<kiln::OrOp>(n, binary<StrictOp>(n, a, b), binary<kiln::EqualOp>(n, a, b)));
}

/// IsNaN: x != x.
LogicalResult convertIsNaN(NodeContext &n) {
  Value x = n.input(0);
  return n.setResult(unary<kiln::NotOp>(n, binary<kiln::EqualOp>(n, x, x)));
}

/// IsInf: x == +inf and/or x == -inf, as detect_positive / detect_negative say.
LogicalResult convertIsInf(NodeContext &n) {
  Value x = n.input(0);
  if (!isa<FloatType>(n.inputType(0).getElementType()))
    return n.fail("the input must be a float tensor");
  bool positive = n.attrInt("detect_positive", 1) != 0;
  bool negative = n.attrInt("detect_negative", 1) != 0;
  double inf = std::numeric_limits<double>::infinity();
  FailureOr<Value> isPos = binary<kiln::EqualOp>(n, x, scalarLike(n, x, inf));
  FailureOr<Value> isNeg = binary<kiln::EqualOp>(n, x, scalarLike(n, x, -inf));
  if (positive && negative)
    return n.setResult(binary<kiln::OrOp>(n, isPos, isNeg));
  if (positive || negative)
    return n.setResult(positive ? isPos : isNeg);
  // Neither: all false.
  return n.setResult(binary<kiln::AndOp>(n, isPos, isNeg));
}
} // namespace

void kiln::importer::registerLogicConverters(ConverterRegistry &r) {
  const Arity two{2, 2};
  r.add("And", 1, convertLogical<kiln::AndOp>, two);
  r.add("Or", 1, convertLogical<kiln::OrOp>, two);
  r.add("Xor", 1, convertLogical<kiln::XorOp>, two);
  r.add("Not", 1, convertNot);
  r.add("GreaterOrEqual", 12, convertOrEqual<kiln::GreaterOp>, two);
  r.add("LessOrEqual", 12, convertOrEqual<kiln::LessOp>, two);
  r.add("IsNaN", 9, convertIsNaN);
  r.add("IsInf", 10, convertIsInf);
}
