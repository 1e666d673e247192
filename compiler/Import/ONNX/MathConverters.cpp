//===- MathConverters.cpp - ONNX arithmetic, comparison, Where and Cast → kiln -===//
#include "compiler/Import/ONNX/ConverterUtils.h"
#include "compiler/Import/ONNX/TensorImport.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
Type elementTypeOf(Value v) { return cast<RankedTensorType>(v.getType()).getElementType(); }

/// Add, Sub, Mul, Div and the comparisons: one broadcasting kiln op.
template <typename OpTy> LogicalResult convertBinary(NodeContext &n) {
  return n.setResult(buildBinary<OpTy>(n, n.input(0), n.input(1)));
}

/// Pow: since opset 12 the exponent may have another type; it is cast to the base's.
LogicalResult convertPow(NodeContext &n) {
  Value base = n.input(0), exponent = n.input(1);
  if (elementTypeOf(base) != elementTypeOf(exponent)) {
    auto type = cast<RankedTensorType>(exponent.getType()).clone(elementTypeOf(base));
    FailureOr<Value> cast = n.createTyped<kiln::CastOp>(type, exponent);
    if (failed(cast))
      return failure();
    exponent = *cast;
  }
  return n.setResult(n.create<kiln::PowOp>(base, exponent));
}

/// Folds every input into a chain of binary ops: ((in0 op in1) op in2) ...
template <typename OpTy> FailureOr<Value> chainInputs(NodeContext &n) {
  Value acc = n.input(0);
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    if (!n.hasInput(i))
      return n.fail("input #" + llvm::Twine(i) + " is empty");
    FailureOr<Value> next = buildBinary<OpTy>(n, acc, n.input(i));
    if (failed(next))
      return failure();
    acc = *next;
  }
  return acc;
}

/// Variadic Min, Max, Sum: chains of broadcasting binary ops.
template <typename OpTy> LogicalResult convertVariadic(NodeContext &n) {
  return n.setResult(chainInputs<OpTy>(n));
}

/// Mean: the sum chain divided by the number of inputs.
LogicalResult convertMean(NodeContext &n) {
  FailureOr<Value> sum = chainInputs<kiln::AddOp>(n);
  if (failed(sum) || n.numInputs() == 1)
    return n.setResult(sum);
  FailureOr<Value> count = n.scalar(elementTypeOf(*sum), n.numInputs());
  if (failed(count))
    return failure();
  return n.setResult(n.create<kiln::DivOp>(*sum, *count));
}

/// Elementwise ops of one operand.
template <typename OpTy> LogicalResult convertUnary(NodeContext &n) {
  return n.setResult(n.create<OpTy>(n.input(0)));
}

/// Where(cond, x, y): cond must be bool; x and y share their element type.
LogicalResult convertWhere(NodeContext &n) {
  if (!elementTypeOf(n.input(0)).isInteger(1))
    return n.fail("the condition must be a bool tensor");
  if (failed(checkSameElementType(n, n.input(1), n.input(2))))
    return failure();
  return n.setResult(n.create<kiln::WhereOp>(n.input(0), n.input(1), n.input(2)));
}

/// Cast to the element type of the `to` attribute.
LogicalResult convertCast(NodeContext &n) {
  if (!n.hasAttr("to"))
    return n.fail("attribute 'to' is required");
  int64_t to = n.attrInt("to", 0);
  Type elementType = convertElementType(n.context(), to);
  if (!elementType)
    return n.fail("cast to unsupported element type " + dataTypeName(to));
  auto type = n.inputType(0).clone(elementType);
  return n.setResult(n.createTyped<kiln::CastOp>(type, n.input(0)));
}
} // namespace

void kiln::importer::registerMathConverters(ConverterRegistry &r) {
  const Arity two{2, 2}, variadic{1, Arity::kUnbounded};
  r.add("Add", 1, convertBinary<kiln::AddOp>, two);
  r.add("Sub", 1, convertBinary<kiln::SubOp>, two);
  r.add("Mul", 1, convertBinary<kiln::MulOp>, two);
  r.add("Div", 1, convertBinary<kiln::DivOp>, two);
  r.add("Pow", 1, convertPow, two);
  r.add("Equal", 1, convertBinary<kiln::EqualOp>, two);
  r.add("Less", 1, convertBinary<kiln::LessOp>, two);
  r.add("Greater", 1, convertBinary<kiln::GreaterOp>, two);
  r.add("Min", 1, convertVariadic<kiln::MinOp>, variadic);
  r.add("Max", 1, convertVariadic<kiln::MaxOp>, variadic);
  r.add("Sum", 1, convertVariadic<kiln::AddOp>, variadic);
  r.add("Mean", 1, convertMean, variadic);
  r.add("Sqrt", 1, convertUnary<kiln::SqrtOp>);
  r.add("Exp", 1, convertUnary<kiln::ExpOp>);
  r.add("Log", 1, convertUnary<kiln::LogOp>);
  r.add("Erf", 9, convertUnary<kiln::ErfOp>);
  r.add("Neg", 1, convertUnary<kiln::NegOp>);
  r.add("Abs", 1, convertUnary<kiln::AbsOp>);
  r.add("Reciprocal", 1, convertUnary<kiln::ReciprocalOp>);
  r.add("Floor", 1, convertUnary<kiln::FloorOp>);
  r.add("Ceil", 1, convertUnary<kiln::CeilOp>);
  r.add("Where", 9, convertWhere, {3, 3});
  r.add("Cast", 6, convertCast);
}
