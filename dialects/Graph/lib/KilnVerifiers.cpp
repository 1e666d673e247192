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
