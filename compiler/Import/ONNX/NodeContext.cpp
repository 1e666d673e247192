//===- NodeContext.cpp - inputs, attributes, op building and errors for converters -===//
#include "compiler/Import/ONNX/NodeContext.h"

#include "compiler/Import/ONNX/ShapeTrace.h"
#include "compiler/Import/ONNX/TensorImport.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace kiln::importer;
using onnx::AttributeProto;

NodeContext::NodeContext(const ImportEnv &env, const onnx::NodeProto &node, Location loc,
                         int64_t opset, SmallVector<Value> inputs)
    : env_(env), node_(node), loc_(loc), opset_(opset), inputs_(std::move(inputs)) {}

RankedTensorType NodeContext::inputType(unsigned i) const {
  return hasInput(i) ? cast<RankedTensorType>(input(i).getType()) : RankedTensorType();
}

namespace {
/// An integer shape tensor whose elements all trace back to constants (e.g. a static dim of
/// a tensor with a dynamic batch, read through Shape → Gather → Mul), or null.
DenseElementsAttr tracedConstant(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !isa<IntegerType>(type.getElementType()))
    return {};
  FailureOr<SmallVector<kiln::importer::ShapeElement>> traced = kiln::importer::traceShape(v);
  if (failed(traced) || (int64_t)traced->size() != type.getNumElements() ||
      llvm::any_of(*traced, [](auto &e) { return !e.isConstant(); }))
    return {};
  unsigned width = type.getElementType().getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (const auto &e : *traced)
    values.push_back(APInt(width, e.value, /*isSigned=*/true));
  return DenseElementsAttr::get(type, values);
}
} // namespace

bool NodeContext::isRunTimeValue(unsigned i) const {
  DenseElementsAttr value;
  return hasInput(i) && !matchPattern(input(i), m_Constant(&value)) && !tracedConstant(input(i));
}

FailureOr<DenseElementsAttr> NodeContext::constantInput(unsigned i, llvm::StringRef what) {
  if (!hasInput(i))
    return fail("input #" + llvm::Twine(i) + " (" + what + ") is missing");
  DenseElementsAttr value;
  if (!matchPattern(input(i), m_Constant(&value)) && !(value = tracedConstant(input(i))))
    return fail(llvm::Twine(what) + " (input '" + node_.input(i) +
                "') is computed at run time; it must fold to a constant at import (dynamic shapes "
                "and run-time parameters are not supported yet)");
  return value;
}

FailureOr<SmallVector<int64_t>> NodeContext::constantInts(unsigned i, llvm::StringRef what) {
  FailureOr<DenseElementsAttr> value = constantInput(i, what);
  if (failed(value))
    return failure();
  if (!isa<IntegerType>(value->getElementType()))
    return fail(llvm::Twine(what) + " (input '" + node_.input(i) + "') must hold integers");
  SmallVector<int64_t> ints;
  for (const APInt &v : value->getValues<APInt>())
    ints.push_back(v.getSExtValue());
  return ints;
}

FailureOr<SmallVector<int64_t>> NodeContext::constantShape(unsigned i, llvm::StringRef what) {
  FailureOr<SmallVector<int64_t>> shape = constantInts(i, what);
  if (succeeded(shape) && llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
    return fail("shape values must be non-negative");
  return shape;
}

FailureOr<SmallVector<double>> NodeContext::constantFloats(unsigned i, llvm::StringRef what) {
  FailureOr<DenseElementsAttr> value = constantInput(i, what);
  if (failed(value))
    return failure();
  SmallVector<double> values;
  if (isa<FloatType>(value->getElementType())) {
    for (const APFloat &v : value->getValues<APFloat>())
      values.push_back(v.convertToDouble());
    return values;
  }
  bool isBool = value->getElementType().isInteger(1);
  for (const APInt &v : value->getValues<APInt>())
    values.push_back(isBool ? (double)v.getZExtValue() : (double)v.getSExtValue());
  return values;
}

FailureOr<double> NodeContext::constantScalar(unsigned i, llvm::StringRef what) {
  FailureOr<DenseElementsAttr> value = constantInput(i, what);
  if (failed(value))
    return failure();
  if (value->getNumElements() != 1)
    return fail(llvm::Twine(what) + " (input '" + node_.input(i) + "') must have one element");
  if (isa<FloatType>(value->getElementType()))
    return (*value->getValues<APFloat>().begin()).convertToDouble();
  const APInt &v = *value->getValues<APInt>().begin();
  return value->getElementType().isInteger(1) ? (double)v.getZExtValue() : (double)v.getSExtValue();
}

const AttributeProto *NodeContext::findAttr(llvm::StringRef name) const {
  for (const AttributeProto &a : node_.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

const AttributeProto *NodeContext::typedAttr(llvm::StringRef name, int kind,
                                             llvm::StringRef kindName) {
  const AttributeProto *a = findAttr(name);
  if (!a || a->type() == kind)
    return a;
  // Old exporters leave `type` unset (UNDEFINED); accept them when the field is there.
  bool untypedMatch = a->type() == AttributeProto::UNDEFINED &&
                      ((kind == AttributeProto::INT && a->has_i()) ||
                       (kind == AttributeProto::FLOAT && a->has_f()) ||
                       (kind == AttributeProto::STRING && a->has_s()) ||
                       (kind == AttributeProto::TENSOR && a->has_t()) ||
                       (kind == AttributeProto::GRAPH && a->has_g()) ||
                       (kind == AttributeProto::INTS && a->ints_size()) ||
                       (kind == AttributeProto::FLOATS && a->floats_size()));
  if (untypedMatch)
    return a;
  attributeError_ = true;
  (void)fail("attribute '" + name + "' must be " + kindName + ", not " +
             llvm::StringRef(AttributeProto::AttributeType_Name(a->type())).lower());
  return nullptr;
}

int64_t NodeContext::attrInt(llvm::StringRef name, int64_t dflt) {
  const AttributeProto *a = typedAttr(name, AttributeProto::INT, "an int");
  return a ? a->i() : dflt;
}

/// The double of the shortest decimal that reads back as `f` (0.001f → 0.001, not
/// 0.0010000000474974513): ONNX float attributes are decimal constants in the model's source.
static double widenFloat(float f) {
  char buffer[32];
  for (int digits = 1; digits < 10; ++digits) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", digits, (double)f);
    double d = std::strtod(buffer, nullptr);
    if ((float)d == f)
      return d;
  }
  return f;
}

double NodeContext::attrFloat(llvm::StringRef name, double dflt) {
  const AttributeProto *a = typedAttr(name, AttributeProto::FLOAT, "a float");
  return a ? widenFloat(a->f()) : dflt;
}

std::string NodeContext::attrString(llvm::StringRef name, llvm::StringRef dflt) {
  const AttributeProto *a = typedAttr(name, AttributeProto::STRING, "a string");
  return a ? a->s() : dflt.str();
}

SmallVector<int64_t> NodeContext::attrInts(llvm::StringRef name, ArrayRef<int64_t> dflt) {
  const AttributeProto *a = typedAttr(name, AttributeProto::INTS, "a list of ints");
  return a ? SmallVector<int64_t>(a->ints().begin(), a->ints().end()) : SmallVector<int64_t>(dflt);
}

SmallVector<double> NodeContext::attrFloats(llvm::StringRef name) {
  const AttributeProto *a = typedAttr(name, AttributeProto::FLOATS, "a list of floats");
  SmallVector<double> values;
  if (a)
    for (float f : a->floats())
      values.push_back(widenFloat(f));
  return values;
}

const onnx::TensorProto *NodeContext::attrTensor(llvm::StringRef name) {
  const AttributeProto *a = typedAttr(name, AttributeProto::TENSOR, "a tensor");
  return a ? &a->t() : nullptr;
}

const onnx::GraphProto *NodeContext::attrGraph(llvm::StringRef name) {
  const AttributeProto *a = typedAttr(name, AttributeProto::GRAPH, "a graph");
  return a ? &a->g() : nullptr;
}

FailureOr<DenseElementsAttr> NodeContext::tensorValue(const onnx::TensorProto &tensor) {
  std::string error;
  FailureOr<DenseElementsAttr> value = convertTensor(tensor, context(), env_.modelDir, error);
  if (failed(value))
    return fail(error);
  return value;
}

FailureOr<Value> NodeContext::insertAndFold(OperationState &state) {
  Operation *op = builder().create(state);
  if (failed(mlir::verify(op)))
    return failure();
  SmallVector<Value, 1> folded;
  if (succeeded(builder().tryFold(op, folded)) && !folded.empty()) {
    op->erase();
    return folded.front();
  }
  // A result without elements holds no data: an empty constant (no kernel computes it).
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (op->getNumResults() == 1 && type && type.hasStaticShape() && type.getNumElements() == 0 &&
      isMemoryEffectFree(op) && !isa<kiln::ConstantOp>(op)) {
    op->erase();
    return constant(DenseElementsAttr::get(type, ArrayRef<Attribute>{}));
  }
  return op->getResult(0);
}

FailureOr<Operation *> NodeContext::insertAndVerify(OperationState &state) {
  Operation *op = builder().create(state);
  if (failed(mlir::verify(op)))
    return failure();
  return op;
}

Value NodeContext::constant(DenseElementsAttr value) {
  return builder().create<kiln::ConstantOp>(loc_, value);
}

FailureOr<Value> NodeContext::scalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  if (isa<FloatType>(elementType))
    return constant(DenseElementsAttr::get(type, FloatAttr::get(elementType, value)));
  auto intType = dyn_cast<IntegerType>(elementType);
  if (!intType) {
    emitError(loc_) << "cannot build a constant of element type " << elementType;
    return failure();
  }
  if (value != (double)(int64_t)value) {
    emitError(loc_) << "the value " << value << " is not an integer, but the element type is "
                    << elementType;
    return failure();
  }
  if (intType.getWidth() == 1)
    return constant(DenseElementsAttr::get(type, value != 0));
  return constant(DenseElementsAttr::get(type, IntegerAttr::get(elementType, (int64_t)value)));
}

FailureOr<Value> NodeContext::reshape(Value input, ArrayRef<int64_t> shape,
                                      ArrayRef<int64_t> dimsFrom) {
  auto type =
      RankedTensorType::get(shape, cast<RankedTensorType>(input.getType()).getElementType());
  // Given to the builder, so that a fold into a reshape before it composes them.
  DenseI64ArrayAttr from;
  if (llvm::any_of(dimsFrom, [](int64_t d) { return d >= 0; }))
    from = DenseI64ArrayAttr::get(context(), dimsFrom);
  return createTyped<kiln::ReshapeOp>(type, input, from);
}

LogicalResult NodeContext::setResult(FailureOr<Value> value) {
  if (failed(value))
    return failure();
  return setResults({*value});
}

LogicalResult NodeContext::setResults(ArrayRef<Value> values) {
  results_.assign(values.begin(), values.end());
  return success();
}

LogicalResult NodeContext::fail(const llvm::Twine &what) {
  emitError(loc_) << what;
  return failure();
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank, llvm::StringRef what) {
  if (axis < -rank || axis >= rank)
    return fail(llvm::Twine(what) + " " + llvm::Twine(axis) + " is out of range for rank " +
                llvm::Twine(rank));
  return axis < 0 ? axis + rank : axis;
}
