//===- ShapeValueConverters.cpp - shape operands known only at run time ---===//
#include "compiler/Import/ONNX/ShapeValues.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace kiln::importer {
namespace {
/// Input `i` as a shape value: a 1-D int64 tensor of static length (the length fixes the
/// result rank). Fails naming the operand otherwise.
/// The most values a run-time shape or axes list may have (ONNX models stay far below).
constexpr int64_t kMaxShapeValueLength = 64;

FailureOr<Value> shapeValue(NodeContext &n, unsigned i, llvm::StringRef what) {
  RankedTensorType type = n.inputType(i);
  if (type.getRank() == 1 && type.isDynamicDim(0))
    return n.fail(llvm::Twine(what) + " (input '" + n.node().input(i) +
                  "') is a run-time value of unknown length: the result rank is unknown");
  if (type.getRank() > 1 || !type.getElementType().isInteger(64))
    return n.fail(llvm::Twine(what) + " (input '" + n.node().input(i) +
                  "') must be a 1-D int64 tensor");
  if (type.getRank() == 0)
    return n.reshape(n.input(i), {1});
  // Its length is a result rank (or a count of axes): every dim of it is code.
  if (type.getDimSize(0) > kMaxShapeValueLength)
    return n.fail(llvm::Twine(what) + " (input '" + n.node().input(i) + "') has " +
                  llvm::Twine(type.getDimSize(0)) + " values; at most " +
                  llvm::Twine(kMaxShapeValueLength) + " dims are supported");
  return n.input(i);
}

SmallVector<int64_t> dynamicDims(int64_t rank) {
  return SmallVector<int64_t>(rank, ShapedType::kDynamic);
}
} // namespace

LogicalResult convertRunTimeReshape(NodeContext &n, llvm::StringRef mode) {
  bool axes = mode == "unsqueeze" || mode == "squeeze";
  FailureOr<Value> shape = shapeValue(n, 1, axes ? "axes" : "shape");
  if (failed(shape))
    return failure();
  RankedTensorType in = n.inputType(0);
  int64_t values = cast<RankedTensorType>(shape->getType()).getDimSize(0);
  int64_t rank = mode == "unsqueeze" ? in.getRank() + values
                 : mode == "squeeze" ? in.getRank() - values
                                     : values;
  if (rank < 0)
    return n.fail("cannot squeeze " + llvm::Twine(values) + " axes of a rank-" +
                  llvm::Twine(in.getRank()) + " input");
  auto type = RankedTensorType::get(dynamicDims(rank), in.getElementType());
  return n.setResult(n.createTyped<kiln::ReshapeToOp>(type, n.input(0), *shape,
                                                      n.builder().getStringAttr(mode)));
}

LogicalResult convertRunTimeExpand(NodeContext &n) {
  FailureOr<Value> shape = shapeValue(n, 1, "shape");
  if (failed(shape))
    return failure();
  RankedTensorType in = n.inputType(0);
  int64_t rank = std::max(in.getRank(), cast<RankedTensorType>(shape->getType()).getDimSize(0));
  auto type = RankedTensorType::get(dynamicDims(rank), in.getElementType());
  return n.setResult(n.createTyped<kiln::ExpandToOp>(type, n.input(0), *shape));
}

LogicalResult convertRunTimeConstantOfShape(NodeContext &n, TypedAttr fill) {
  FailureOr<Value> shape = shapeValue(n, 0, "shape");
  if (failed(shape))
    return failure();
  int64_t rank = cast<RankedTensorType>(shape->getType()).getDimSize(0);
  auto type = RankedTensorType::get(dynamicDims(rank), fill.getType());
  return n.setResult(n.createTyped<kiln::ConstantOfShapeOp>(type, *shape, fill));
}

LogicalResult convertRunTimeRange(NodeContext &n) {
  SmallVector<Value> operands;
  for (unsigned i = 0; i < 3; ++i) {
    RankedTensorType type = n.inputType(i);
    if (!type.hasStaticShape() || type.getNumElements() != 1)
      return n.fail("start, limit and delta must have one element each");
    Type et = type.getElementType();
    if (!isa<FloatType>(et) && !(isa<IntegerType>(et) && !et.isInteger(1)))
      return n.fail("start, limit and delta must be numbers");
    operands.push_back(n.input(i));
  }
  auto type = RankedTensorType::get({ShapedType::kDynamic}, n.inputType(0).getElementType());
  return n.setResult(
      n.createTyped<kiln::RangeOp>(type, operands[0], operands[1], operands[2]));
}

LogicalResult convertRunTimeSlice(NodeContext &n) {
  SmallVector<Value> operands;
  const char *names[] = {"starts", "ends", "axes", "steps"};
  for (unsigned i = 1; i <= 2; ++i) {
    FailureOr<Value> v = shapeValue(n, i, names[i - 1]);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  int64_t count = cast<RankedTensorType>(operands[0].getType()).getDimSize(0);
  OpBuilder &b = n.builder();
  auto i64s = RankedTensorType::get({count}, b.getI64Type());
  for (unsigned i = 3; i <= 4; ++i) {
    if (n.hasInput(i)) {
      FailureOr<Value> v = shapeValue(n, i, names[i - 1]);
      if (failed(v))
        return failure();
      operands.push_back(*v);
      continue;
    }
    SmallVector<int64_t> values(count, 1);
    if (i == 3)
      values = llvm::to_vector(llvm::seq<int64_t>(0, count));
    operands.push_back(n.constant(DenseElementsAttr::get(i64s, ArrayRef<int64_t>(values))));
  }
  for (Value v : operands)
    if (cast<RankedTensorType>(v.getType()).getDimSize(0) != count)
      return n.fail("starts, ends, axes and steps must have the same length");
  RankedTensorType in = n.inputType(0);
  if (count > in.getRank())
    return n.fail("more slice entries than input dims");
  // With constant axes, the dims no entry slices keep their size (static ones stay static).
  SmallVector<int64_t> shape = dynamicDims(in.getRank());
  DenseIntElementsAttr axes;
  if (matchPattern(operands[2], m_Constant(&axes))) {
    shape.assign(in.getShape().begin(), in.getShape().end());
    for (APInt axis : axes.getValues<APInt>()) {
      int64_t a = axis.getSExtValue();
      if (a < -in.getRank() || a >= in.getRank())
        return n.fail("axis " + llvm::Twine(a) + " is out of range for rank " +
                      llvm::Twine(in.getRank()));
      shape[a < 0 ? a + in.getRank() : a] = ShapedType::kDynamic;
    }
  }
  auto type = RankedTensorType::get(shape, in.getElementType());
  return n.setResult(n.createTyped<kiln::SliceByOp>(type, n.input(0), operands[0], operands[1],
                                                    operands[2], operands[3]));
}

LogicalResult convertRunTimeTile(NodeContext &n) {
  FailureOr<Value> repeats = shapeValue(n, 1, "repeats");
  if (failed(repeats))
    return failure();
  RankedTensorType in = n.inputType(0);
  if (cast<RankedTensorType>(repeats->getType()).getDimSize(0) != in.getRank())
    return n.fail("repeats must have one value per input dim");
  auto type = RankedTensorType::get(dynamicDims(in.getRank()), in.getElementType());
  return n.setResult(n.createTyped<kiln::TileByOp>(type, n.input(0), *repeats));
}

LogicalResult convertRunTimePad(NodeContext &n) {
  std::string modeName = n.attrString("mode", "constant");
  std::optional<kiln::PadMode> mode = kiln::symbolizePadMode(modeName);
  if (!mode)
    return n.fail("pad mode '" + modeName + "' is not supported (constant, reflect, edge)");
  FailureOr<Value> pads = shapeValue(n, 1, "pads");
  if (failed(pads))
    return failure();
  RankedTensorType in = n.inputType(0);
  if (cast<RankedTensorType>(pads->getType()).getDimSize(0) != 2 * in.getRank())
    return n.fail("pads must have 2 * rank = " + llvm::Twine(2 * in.getRank()) + " values");
  FailureOr<Value> value = n.hasInput(2) ? FailureOr<Value>(n.input(2))
                                         : n.scalar(in.getElementType(), 0.0);
  if (failed(value))
    return failure();
  auto valueType = cast<RankedTensorType>(value->getType());
  if (!valueType.hasStaticShape() || valueType.getNumElements() != 1)
    return n.fail("constant_value must have one element");
  auto type = RankedTensorType::get(dynamicDims(in.getRank()), in.getElementType());
  return n.setResult(n.createTyped<kiln::PadByOp>(
      type, n.input(0), *pads, *value, *mode));
}
} // namespace kiln::importer
