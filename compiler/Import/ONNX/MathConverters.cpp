//===- MathConverters.cpp - ONNX arithmetic, comparison, Where and Cast → kiln -===//
#include "compiler/Import/ONNX/ConverterUtils.h"
#include "compiler/Import/ONNX/TensorImport.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
Type elementTypeOf(Value v) { return cast<RankedTensorType>(v.getType()).getElementType(); }

/// Add, Sub, Mul, Div and the comparisons: one broadcasting kiln op (legacy broadcasting
/// before opset 7).
template <typename OpTy> LogicalResult convertBinary(NodeContext &n) {
  FailureOr<Value> rhs = legacyBroadcastOperand(n, n.input(0), n.input(1));
  if (failed(rhs))
    return failure();
  return n.setResult(buildBinary<OpTy>(n, n.input(0), *rhs));
}

/// Pow: since opset 12 the exponent may have another type; for a float base it is cast to
/// the base's type.
LogicalResult convertPow(NodeContext &n) {
  FailureOr<Value> rhs = legacyBroadcastOperand(n, n.input(0), n.input(1));
  if (failed(rhs))
    return failure();
  Value base = n.input(0), exponent = *rhs;
  // An integer base keeps its exponent's type: the lowering computes int ** float in float.
  if (isa<FloatType>(elementTypeOf(base)) && elementTypeOf(base) != elementTypeOf(exponent)) {
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

/// Mod: fmod = 1 is C's remainder, fmod = 0 (integers only) Python's.
LogicalResult convertMod(NodeContext &n) {
  bool fmod = n.attrInt("fmod", 0) != 0;
  if (!fmod && isa<FloatType>(elementTypeOf(n.input(0))))
    return n.fail("fmod = 0 on floating-point inputs (ONNX requires fmod = 1 for them)");
  if (failed(checkSameElementType(n, n.input(0), n.input(1))))
    return failure();
  return n.setResult(n.create<kiln::ModOp>(n.input(0), n.input(1), n.builder().getBoolAttr(fmod)));
}

/// BitShift: `direction` LEFT or RIGHT, on integers of one type (ONNX: unsigned ones).
LogicalResult convertBitShift(NodeContext &n) {
  std::string direction = n.attrString("direction", "");
  if (direction != "LEFT" && direction != "RIGHT")
    return n.fail("attribute 'direction' must be LEFT or RIGHT, not '" + direction + "'");
  if (!isa<IntegerType>(elementTypeOf(n.input(0))) || elementTypeOf(n.input(0)).isInteger(1))
    return n.fail("bit shifts need integer inputs");
  if (failed(checkSameElementType(n, n.input(0), n.input(1))))
    return failure();
  return n.setResult(n.create<kiln::BitShiftOp>(n.input(0), n.input(1),
                                                n.builder().getBoolAttr(direction == "LEFT")));
}

/// Sign: 1, -1 or 0 of the input's type.
LogicalResult convertSign(NodeContext &n) {
  Value x = n.input(0);
  FailureOr<Value> zero = scalarLike(n, x, 0);
  FailureOr<Value> negative =
      select(n, binary<kiln::LessOp>(n, x, zero), scalarLike(n, x, -1), zero);
  return n.setResult(select(n, binary<kiln::GreaterOp>(n, x, zero), scalarLike(n, x, 1), negative));
}

/// Where(cond, x, y): cond must be bool; x and y share their element type.
LogicalResult convertWhere(NodeContext &n) {
  if (!elementTypeOf(n.input(0)).isInteger(1))
    return n.fail("the condition must be a bool tensor");
  if (failed(checkSameElementType(n, n.input(1), n.input(2))))
    return failure();
  return n.setResult(n.create<kiln::WhereOp>(n.input(0), n.input(1), n.input(2)));
}

/// A kiln.cast of input 0 to the ONNX data type `to`.
LogicalResult buildCast(NodeContext &n, int64_t to) {
  Type elementType = convertElementType(n.context(), to);
  if (!elementType)
    return n.fail("cast to unsupported element type " + dataTypeName(to));
  auto type = n.inputType(0).clone(elementType);
  return n.setResult(n.createTyped<kiln::CastOp>(type, n.input(0)));
}

/// CastLike: a cast to the element type of input 1.
LogicalResult convertCastLike(NodeContext &n) {
  return n.setResult(castTo(n, n.input(0), elementTypeOf(n.input(1))));
}

/// Cast from opset 6: `to` is a TensorProto data type number.
LogicalResult convertCast(NodeContext &n) {
  if (!n.hasAttr("to"))
    return n.fail("attribute 'to' is required");
  return buildCast(n, n.attrInt("to", 0));
}

/// Cast before opset 6: `to` is the data type's name ("FLOAT", "INT64", ...).
LogicalResult convertCastNamed(NodeContext &n) {
  std::string name = n.attrString("to", "");
  onnx::TensorProto::DataType to;
  if (!onnx::TensorProto::DataType_Parse(llvm::StringRef(name).upper(), &to))
    return n.fail("attribute 'to' names no data type: '" + name + "'");
  return buildCast(n, to);
}
/// Det: the determinant of each [n, n] matrix of the [..., n, n] input.
LogicalResult convertDet(NodeContext &n) {
  RankedTensorType in = n.inputType(0);
  int64_t rank = in.getRank();
  if (rank < 2 || !isa<FloatType>(in.getElementType()))
    return n.fail("the input must be [..., n, n] floats");
  if (in.getDimSize(rank - 1) != in.getDimSize(rank - 2) || in.isDynamicDim(rank - 1))
    return n.fail("the matrices must be square, of static size");
  auto type = RankedTensorType::get(in.getShape().drop_back(2), in.getElementType());
  return n.setResult(n.createTyped<kiln::DetOp>(type, n.input(0)));
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
  r.add("Round", 11, convertUnary<kiln::RoundOp>);
  r.add("Sin", 7, convertUnary<kiln::SinOp>);
  r.add("Cos", 7, convertUnary<kiln::CosOp>);
  r.add("Tan", 7, convertUnary<kiln::TanOp>);
  r.add("Asin", 7, convertUnary<kiln::AsinOp>);
  r.add("Acos", 7, convertUnary<kiln::AcosOp>);
  r.add("Atan", 7, convertUnary<kiln::AtanOp>);
  r.add("Sinh", 9, convertUnary<kiln::SinhOp>);
  r.add("Cosh", 9, convertUnary<kiln::CoshOp>);
  r.add("Asinh", 9, convertUnary<kiln::AsinhOp>);
  r.add("Acosh", 9, convertUnary<kiln::AcoshOp>);
  r.add("Atanh", 9, convertUnary<kiln::AtanhOp>);
  r.add("Mod", 10, convertMod, two);
  r.add("BitShift", 11, convertBitShift, two);
  r.add("Sign", 9, convertSign);
  r.add("Where", 9, convertWhere, {3, 3});
  r.add("CastLike", 15, convertCastLike, two);
  r.add("Cast", 1, convertCastNamed);
  r.add("Cast", 6, convertCast);
  r.add("Det", 11, convertDet);
}
