//===- KilnDynamicVerifiers.cpp - invariants of KilnDynamicOps.td's ops ---===//
#include "kiln/Dialect/Graph/KilnDialect.h"

using namespace mlir;
using namespace kiln;

namespace {
/// `v` is a 1-D tensor of static length whose element type satisfies `pred`.
bool isStatic1D(Value v, function_ref<bool(Type)> pred) {
  auto type = cast<RankedTensorType>(v.getType());
  return type.getRank() == 1 && !type.isDynamicDim(0) && pred(type.getElementType());
}

bool isI64(Type t) { return t.isInteger(64); }

/// Every static dim of `result` equals the same dim of `input` except `except` (or -1).
bool sameDimsBut(RankedTensorType input, RankedTensorType result, int64_t except) {
  if (input.getRank() != result.getRank())
    return false;
  for (int64_t d = 0; d < input.getRank(); ++d)
    if (d != except && !input.isDynamicDim(d) && !result.isDynamicDim(d) &&
        input.getDimSize(d) != result.getDimSize(d))
      return false;
  return true;
}
} // namespace

LogicalResult ResizeOp::verify() {
  auto in = getInput().getType();
  bool byScales = isStatic1D(getTarget(), [](Type t) { return isa<FloatType>(t); });
  bool bySizes = isStatic1D(getTarget(), isI64);
  if ((!byScales && !bySizes) || getTarget().getType().getDimSize(0) != in.getRank())
    return emitOpError("target must be 1-D float scales or int64 sizes, one per input dim");
  if (getType().getRank() != in.getRank() || getType().getElementType() != in.getElementType())
    return emitOpError("result must have the input's rank and element type");
  StringRef mode = getMode(), ctm = getCoordinateTransformationMode();
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return emitOpError("unknown mode '") << mode << "'";
  if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                           "tf_half_pixel_for_nn", "tf_crop_and_resize"},
                          ctm))
    return emitOpError("unknown coordinate_transformation_mode '") << ctm << "'";
  if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
                          getNearestMode()))
    return emitOpError("unknown nearest_mode '") << getNearestMode() << "'";
  if (ctm == "tf_crop_and_resize" &&
      (!getRoi() || !isStatic1D(getRoi(), [](Type t) { return isa<FloatType>(t); }) ||
       getRoi().getType().getDimSize(0) != 2 * in.getRank()))
    return emitOpError("tf_crop_and_resize needs a 1-D float roi of 2 x rank values");
  return success();
}

LogicalResult ReduceByOp::verify() {
  if (!isStatic1D(getAxes(), isI64))
    return emitOpError("axes must be a 1-D int64 tensor of static length");
  if (getType().getElementType() != getInput().getType().getElementType() ||
      !sameDimsBut(getInput().getType(), getType(), -1))
    return emitOpError("result must have the input's rank and element type");
  return success();
}

LogicalResult SplitByOp::verify() {
  if (!isStatic1D(getSplit(), isI64))
    return emitOpError("split must be a 1-D int64 tensor of static length");
  auto in = getInput().getType();
  if (getAxis() < 0 || getAxis() >= in.getRank())
    return emitOpError("axis out of range");
  if ((int64_t)getNumResults() != getSplit().getType().getDimSize(0))
    return emitOpError("needs one result per split size");
  for (Type t : getResultTypes()) {
    auto r = cast<RankedTensorType>(t);
    if (r.getElementType() != in.getElementType() || !sameDimsBut(in, r, getAxis()))
      return emitOpError("results must have the input's dims but along axis, and its type");
  }
  return success();
}

LogicalResult TopKOp::verify() {
  auto in = getInput().getType(), k = getK().getType();
  if (!k.hasStaticShape() || k.getNumElements() != 1 || !k.getElementType().isInteger(64))
    return emitOpError("k must be a one-element int64 tensor");
  if (getAxis() < 0 || getAxis() >= in.getRank())
    return emitOpError("axis out of range");
  if (getValues().getType().getElementType() != in.getElementType() ||
      !getIndices().getType().getElementType().isInteger(64) ||
      !sameDimsBut(in, getValues().getType(), getAxis()) ||
      !sameDimsBut(in, getIndices().getType(), getAxis()))
    return emitOpError("values must have the input's type, indices int64, both its dims but "
                       "along axis");
  return success();
}

LogicalResult CompressOp::verify() {
  if (!isStatic1D(getCondition(), [](Type t) { return t.isInteger(1); }))
    return emitOpError("condition must be a 1-D i1 tensor of static length");
  auto in = getInput().getType();
  if (getAxis() < 0 || getAxis() >= in.getRank() ||
      getType().getElementType() != in.getElementType() || !sameDimsBut(in, getType(), getAxis()))
    return emitOpError("result must have the input's type and dims but along axis");
  return success();
}

LogicalResult ChooseOp::verify() {
  auto cond = getCond().getType();
  if (!cond.hasStaticShape() || cond.getNumElements() != 1 || !cond.getElementType().isInteger(1))
    return emitOpError("cond must be one i1");
  auto result = getType();
  for (auto value : {getThenValue().getType(), getElseValue().getType()}) {
    if (value.getElementType() != result.getElementType() || value.getRank() != result.getRank())
      return emitOpError("both values must have the result's element type and rank");
    if (!sameDimsBut(value, result, -1))
      return emitOpError("a static dim of the result must be that of both values");
  }
  return success();
}

LogicalResult NonMaxSuppressionOp::verify() {
  auto boxes = getBoxes().getType(), scores = getScores().getType();
  auto isOne = [](Value v, function_ref<bool(Type)> pred) {
    auto type = cast<RankedTensorType>(v.getType());
    return type.hasStaticShape() && type.getNumElements() == 1 && pred(type.getElementType());
  };
  auto isF32 = [](Type t) { return t.isF32(); };
  if (boxes.getRank() != 3 || boxes.isDynamicDim(2) || boxes.getDimSize(2) != 4 ||
      !boxes.getElementType().isF32())
    return emitOpError("boxes must be [batch, boxes, 4] f32");
  if (scores.getRank() != 3 || !scores.getElementType().isF32())
    return emitOpError("scores must be [batch, classes, boxes] f32");
  for (int64_t d : {0, 1}) {
    int64_t bd = boxes.getDimSize(d == 0 ? 0 : 1), sd = scores.getDimSize(d == 0 ? 0 : 2);
    if (!ShapedType::isDynamic(bd) && !ShapedType::isDynamic(sd) && bd != sd)
      return emitOpError("boxes and scores disagree on the ")
             << (d == 0 ? "batch" : "number of boxes");
  }
  if (!isOne(getMaxPerClass(), isI64) || !isOne(getIouThreshold(), isF32) ||
      !isOne(getScoreThreshold(), isF32))
    return emitOpError("max_per_class must be one int64, the thresholds one f32 each");
  auto selected = getSelected().getType(), count = getCount().getType();
  if (selected.getRank() != 2 || selected.isDynamicDim(1) || selected.getDimSize(1) != 3 ||
      !selected.getElementType().isInteger(64))
    return emitOpError("selected must be [bound, 3] int64");
  if (!isOne(getCount(), isI64) || count.getRank() != 1)
    return emitOpError("count must be a one-element 1-D int64 tensor");
  return success();
}

LogicalResult NonZeroBoundedOp::verify() {
  auto in = getInput().getType(), indices = getIndices().getType();
  auto count = getCount().getType();
  int64_t elements = in.hasStaticShape() ? in.getNumElements() : ShapedType::kDynamic;
  if (indices.getRank() != 2 || !indices.getElementType().isInteger(64) ||
      indices.getDimSize(0) != in.getRank() || indices.getDimSize(1) != elements)
    return emitOpError("indices must be [rank, elements of the input] int64");
  if (count.getRank() != 1 || count.getDimSize(0) != 1 || !count.getElementType().isInteger(64))
    return emitOpError("count must be a one-element 1-D int64 tensor");
  return success();
}

LogicalResult NonZeroOp::verify() {
  auto r = getType();
  if (r.getRank() != 2 || !r.getElementType().isInteger(64) ||
      (!r.isDynamicDim(0) && r.getDimSize(0) != getInput().getType().getRank()))
    return emitOpError("result must be [rank, count] int64");
  return success();
}

LogicalResult DetOp::verify() {
  auto in = getInput().getType();
  int64_t rank = in.getRank();
  if (rank < 2 || in.getDimSize(rank - 1) != in.getDimSize(rank - 2) ||
      !isa<FloatType>(in.getElementType()))
    return emitOpError("input must be [..., n, n] floats");
  if (getType().getElementType() != in.getElementType() ||
      getType().getShape() != in.getShape().drop_back(2))
    return emitOpError("result must be the input's batch dims");
  return success();
}

LogicalResult RandomLikeOp::verify() {
  if (getDistribution() != "uniform" && getDistribution() != "normal")
    return emitOpError("unknown distribution '") << getDistribution() << "'";
  if (!isa<FloatType>(getType().getElementType()) ||
      getType().getShape() != getLike().getType().getShape())
    return emitOpError("result must be floats of the shape of `like`");
  return success();
}
