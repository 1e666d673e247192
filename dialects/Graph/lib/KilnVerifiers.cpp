//===- KilnVerifiers.cpp - invariants of the kiln ops ---------------------===//
#include "kiln/Dialect/Graph/KilnDialect.h"

#include "mlir/Dialect/Traits.h"

using namespace mlir;
using namespace kiln;

LogicalResult CastOp::verify() {
  if (getInput().getType().getShape() != getType().getShape())
    return emitOpError("changes the shape; a cast only changes the element type");
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("changes the element type");
  if (in.hasStaticShape() && out.hasStaticShape() && in.getNumElements() != out.getNumElements())
    return emitOpError("changes the number of elements: ")
           << in.getNumElements() << " vs " << out.getNumElements();
  if (std::optional<ArrayRef<int64_t>> from = getDimsFrom()) {
    if ((int64_t)from->size() != out.getRank())
      return emitOpError("dims_from needs one entry per result dim");
    for (auto [d, s] : llvm::enumerate(*from))
      if (s != -1 && (s < 0 || s >= in.getRank() || in.getDimSize(s) != out.getDimSize(d)))
        return emitOpError("dims_from: result dim ") << d << " is not input dim " << s;
  }
  return success();
}

LogicalResult ExpandOp::verify() {
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(getInput().getType().getShape(), getType().getShape(),
                                          shape) ||
      ArrayRef<int64_t>(shape) != getType().getShape())
    return emitOpError("input does not broadcast to the result shape");
  return success();
}

namespace {
/// A shape value operand: a static 1-D integer tensor (its length fixes a rank).
LogicalResult verifyShapeValue(Operation *op, Value v, StringRef what) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() != 1 || type.isDynamicDim(0) || !type.getElementType().isInteger(64))
    return op->emitOpError() << what << " must be a 1-D int64 tensor of static length, not "
                             << type;
  return success();
}

bool isOneElement(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  return type.hasStaticShape() && type.getNumElements() == 1;
}
} // namespace

LogicalResult ReshapeToOp::verify() {
  if (failed(verifyShapeValue(*this, getShape(), "shape")))
    return failure();
  if (getInput().getType().getElementType() != getType().getElementType())
    return emitOpError("changes the element type");
  StringRef mode = getMode();
  int64_t values = getShape().getType().getDimSize(0), in = getInput().getType().getRank(),
          out = getType().getRank();
  if (mode == "reshape" || mode == "reshape_allowzero") {
    if (out != values)
      return emitOpError("result rank must be the length of shape");
  } else if (mode == "unsqueeze") {
    if (out != in + values)
      return emitOpError("result rank must be the input rank plus the number of axes");
  } else if (mode == "squeeze") {
    if (out != in - values)
      return emitOpError("result rank must be the input rank minus the number of axes");
  } else {
    return emitOpError("unknown mode '") << mode << "'";
  }
  return success();
}

LogicalResult ExpandToOp::verify() {
  if (failed(verifyShapeValue(*this, getShape(), "shape")))
    return failure();
  int64_t rank = std::max(getInput().getType().getRank(), getShape().getType().getDimSize(0));
  if (getType().getRank() != rank || getType().getElementType() != getInput().getType().getElementType())
    return emitOpError("result must have the input's element type and rank ") << rank;
  return success();
}

LogicalResult ConstantOfShapeOp::verify() {
  if (failed(verifyShapeValue(*this, getShape(), "shape")))
    return failure();
  if (getType().getRank() != getShape().getType().getDimSize(0) ||
      getType().getElementType() != getValue().getType())
    return emitOpError("result must have rank = length of shape and the value's type");
  return success();
}

LogicalResult RangeOp::verify() {
  if (!isOneElement(getStart()) || !isOneElement(getLimit()) || !isOneElement(getDelta()))
    return emitOpError("start, limit and delta must have one element each");
  Type et = getStart().getType().getElementType();
  if (getLimit().getType().getElementType() != et || getDelta().getType().getElementType() != et ||
      getType().getElementType() != et || getType().getRank() != 1)
    return emitOpError("operands and the 1-D result must share one element type");
  return success();
}

LogicalResult SliceByOp::verify() {
  int64_t n = -1;
  for (Value v : {getStarts(), getEnds(), getAxes(), getSteps()}) {
    if (failed(verifyShapeValue(*this, v, "starts, ends, axes and steps")))
      return failure();
    int64_t len = cast<RankedTensorType>(v.getType()).getDimSize(0);
    if (n >= 0 && len != n)
      return emitOpError("starts, ends, axes and steps must have the same length");
    n = len;
  }
  if (getType().getRank() != getInput().getType().getRank() ||
      getType().getElementType() != getInput().getType().getElementType())
    return emitOpError("result must have the input's rank and element type");
  return success();
}

LogicalResult TileByOp::verify() {
  if (failed(verifyShapeValue(*this, getRepeats(), "repeats")))
    return failure();
  int64_t rank = getInput().getType().getRank();
  if (getRepeats().getType().getDimSize(0) != rank || getType().getRank() != rank ||
      getType().getElementType() != getInput().getType().getElementType())
    return emitOpError("repeats must have one value per dim; result of the input's rank and type");
  return success();
}

LogicalResult PadByOp::verify() {
  if (failed(verifyShapeValue(*this, getPads(), "pads")))
    return failure();
  int64_t rank = getInput().getType().getRank();
  if (getPads().getType().getDimSize(0) != 2 * rank || getType().getRank() != rank ||
      !isOneElement(getValue()) || getValue().getType().getElementType() != getType().getElementType() ||
      getType().getElementType() != getInput().getType().getElementType())
    return emitOpError("pads must hold 2 x rank values, value one element of the input's type");
  return success();
}

LogicalResult ConvOp::verify() {
  auto input = getInput().getType(), filter = getFilter().getType();
  int64_t group = getGroup(), rank = input.getRank();
  bool nhwc = getLayout() == "NHWC";
  int64_t inC = input.getDimSize(nhwc ? rank - 1 : 1);
  int64_t filterC = filter.getDimSize(nhwc ? rank - 2 : 1);
  int64_t filterF = filter.getDimSize(nhwc ? rank - 1 : 0);
  if (group <= 0)
    return emitOpError("group must be positive");
  if (!ShapedType::isDynamic(inC) && inC != filterC * group)
    return emitOpError("input channels ")
           << inC << " != filter channels " << filterC << " * group " << group;
  if (filterF % group != 0)
    return emitOpError("filter count is not divisible by group");
  if (getBias() && (getBias().getType().getRank() != 1 ||
                    getBias().getType().getDimSize(0) != filterF))
    return emitOpError("bias must be 1-D with one value per filter");
  return success();
}

LogicalResult ReduceOp::verify() {
  int64_t prev = -1;
  for (int64_t a : getAxes()) {
    if (a <= prev || a >= getInput().getType().getRank())
      return emitOpError("axes must be sorted, unique and within the input rank");
    prev = a;
  }
  return success();
}

LogicalResult FusedOp::verify() {
  auto yield = dyn_cast<YieldOp>(getBody().front().getTerminator());
  if (!yield)
    return emitOpError("body must end in kiln.yield");
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ") << yield.getValues().getTypes() << " but has results "
                                  << getResultTypes();
  return success();
}
