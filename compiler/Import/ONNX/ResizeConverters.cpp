//===- ResizeConverters.cpp - ONNX Resize and Upsample → kiln.resize ------===//
//
// The target (scales or sizes) may be a constant (static result shape; an identity resize
// disappears) or a run-time value (a shape value: result dims `?`, except sizes traced to
// constants or static dims).
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"
#include "compiler/Import/ONNX/ShapeTrace.h"

#include <cmath>

using namespace mlir;
using namespace kiln::importer;

namespace {
struct ResizeAttrs {
  std::string mode, ctm, nearestMode;
  double cubicCoeffA = -0.75, extrapolationValue = 0.0;
  bool excludeOutside = false;
};

bool isEmpty(RankedTensorType type) {
  return type && type.hasStaticShape() && type.getNumElements() == 0;
}

/// The values of input `i` when they are known at import (constants, traced dims).
std::optional<SmallVector<double>> knownValues(NodeContext &n, unsigned i, StringRef what) {
  if (!n.hasInput(i) || n.isRunTimeValue(i))
    return std::nullopt;
  FailureOr<SmallVector<double>> values = n.constantFloats(i, what);
  if (failed(values))
    return std::nullopt;
  return *values;
}

/// kiln.resize of input 0 to `target` (float scales or int64 sizes, one per dim; `values`
/// when known at import: the result shape is then static) with `roi` (tf_crop_and_resize;
/// `roiValues` when known).
LogicalResult buildResize(NodeContext &n, Value target,
                          std::optional<SmallVector<double>> values, Value roi,
                          std::optional<SmallVector<double>> roiValues, const ResizeAttrs &a) {
  RankedTensorType in = n.inputType(0);
  auto targetType = cast<RankedTensorType>(target.getType());
  bool bySizes = targetType.getElementType().isInteger(64);
  const char *what = bySizes ? "sizes" : "scales";
  if (!bySizes && !isa<FloatType>(targetType.getElementType()))
    return n.fail("scales must be floats and sizes int64");
  if (a.mode != "nearest" && a.mode != "linear" && a.mode != "cubic")
    return n.fail("mode '" + a.mode + "' is not supported (nearest, linear, cubic)");
  if (a.mode != "nearest" && !isa<FloatType>(in.getElementType()))
    return n.fail(a.mode + " interpolation of non-float tensors is not supported");
  if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                           "tf_half_pixel_for_nn", "tf_crop_and_resize"},
                          a.ctm))
    return n.fail("coordinate_transformation_mode '" + a.ctm + "' is not supported");
  if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
                          a.nearestMode))
    return n.fail("nearest_mode '" + a.nearestMode + "' is not supported");
  bool crop = a.ctm == "tf_crop_and_resize";
  int64_t rank = in.getRank();
  if (crop && (!roi || cast<RankedTensorType>(roi.getType()).getRank() != 1 ||
               cast<RankedTensorType>(roi.getType()).getDimSize(0) != 2 * rank))
    return n.fail("tf_crop_and_resize needs a roi of 2 x rank values");
  if (targetType.getRank() != 1 || targetType.getDimSize(0) != rank)
    return n.fail(llvm::Twine(what) + " must be 1-D with one value per input dim (" +
                  llvm::Twine(rank) + ")");
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  bool known = values && in.hasStaticShape() && (!crop || bySizes || roiValues);
  for (int64_t d = 0; values && d < rank; ++d) {
    double v = (*values)[d];
    if (bySizes ? v < 0 : !(v > 0))
      return n.fail(llvm::Twine(what) + " must be " + (bySizes ? "non-negative" : "positive"));
    // A dim is static when its size is given, or its scale applies to a static input dim
    // (an FPN's x2 upsampling of a symbolic-H/W map keeps its channels).
    if (bySizes) {
      shape[d] = (int64_t)v;
      continue;
    }
    if (in.isDynamicDim(d) || (crop && !roiValues))
      continue;
    double extent = v * in.getDimSize(d);
    if (crop)
      extent *= (*roiValues)[d + rank] - (*roiValues)[d];
    shape[d] = (int64_t)std::floor(extent);
  }
  // Sizes computed at run time from the dims of tensors (`F.interpolate(x, size=y.shape[2:])`
  // exports Shape -> Slice -> Concat): the dims that trace to constants or static dims are
  // static in the result (the batch and channels of a segmentation head's upsampling, which
  // the convs after it need), the others `?`.
  if (!values && bySizes)
    if (FailureOr<SmallVector<ShapeElement>> traced = traceShape(target);
        succeeded(traced) && (int64_t)traced->size() == rank)
      for (auto [d, e] : llvm::enumerate(*traced)) {
        if (e.isConstant() && e.value < 0)
          return n.fail("sizes must be non-negative");
        auto sourceType =
            e.isConstant() ? RankedTensorType() : cast<RankedTensorType>(e.source.getType());
        if (e.isConstant())
          shape[d] = e.value;
        else if (!sourceType.isDynamicDim(e.dim))
          shape[d] = sourceType.getDimSize(e.dim);
      }
  if (!crop && known && ArrayRef<int64_t>(shape) == in.getShape())
    return n.setResult(n.input(0)); // every scale 1: the input itself
  OpBuilder &b = n.builder();
  if (values) { // known values become a constant: the lowering skips the dims of scale 1
    SmallVector<Attribute> attrs;
    for (double v : *values)
      attrs.push_back(bySizes ? (Attribute)b.getI64IntegerAttr((int64_t)v)
                              : (Attribute)FloatAttr::get(targetType.getElementType(), v));
    target = n.constant(DenseElementsAttr::get(targetType, attrs));
  }
  auto type = RankedTensorType::get(shape, in.getElementType());
  return n.setResult(n.createTyped<kiln::ResizeOp>(
      type, n.input(0), target, crop ? roi : Value(), b.getStringAttr(a.mode),
      b.getStringAttr(a.ctm), b.getStringAttr(a.nearestMode), b.getF64FloatAttr(a.cubicCoeffA),
      b.getBoolAttr(a.excludeOutside), b.getF64FloatAttr(a.extrapolationValue)));
}

/// Upsample and Resize-10: asymmetric coordinates, nearest rounds down (Upsample's rule).
ResizeAttrs upsampleAttrs(NodeContext &n) {
  ResizeAttrs a;
  a.mode = n.attrString("mode", "nearest");
  if (a.mode == "bilinear")
    a.mode = "linear";
  a.ctm = "asymmetric";
  a.nearestMode = "floor";
  return a;
}

/// Upsample-7: `scales` attribute.
LogicalResult convertUpsampleAttr(NodeContext &n) {
  SmallVector<double> scales = n.attrFloats("scales");
  auto type = RankedTensorType::get({(int64_t)scales.size()}, n.builder().getF32Type());
  SmallVector<float> values(scales.begin(), scales.end());
  Value target = n.constant(DenseElementsAttr::get(type, ArrayRef<float>(values)));
  return buildResize(n, target, scales, Value(), std::nullopt, upsampleAttrs(n));
}

/// Upsample-9 and Resize-10: inputs X, scales.
LogicalResult convertUpsampleInput(NodeContext &n) {
  return buildResize(n, n.input(1), knownValues(n, 1, "scales"), Value(), std::nullopt,
                     upsampleAttrs(n));
}

/// Resize-11 and -13: inputs X, roi, scales, sizes (roi and scales may be empty or absent).
LogicalResult convertResize(NodeContext &n) {
  ResizeAttrs a;
  a.mode = n.attrString("mode", "nearest");
  a.ctm = n.attrString("coordinate_transformation_mode", "half_pixel");
  a.nearestMode = n.attrString("nearest_mode", "round_prefer_floor");
  a.cubicCoeffA = n.attrFloat("cubic_coeff_a", -0.75);
  a.excludeOutside = n.attrInt("exclude_outside", 0) != 0;
  a.extrapolationValue = n.attrFloat("extrapolation_value", 0.0);
  unsigned target = 0;
  if (n.hasInput(3) && !isEmpty(n.inputType(3)))
    target = 3;
  else if (n.hasInput(2) && !isEmpty(n.inputType(2)))
    target = 2;
  else
    return n.fail("needs non-empty scales or sizes");
  bool hasRoi = n.hasInput(1) && !isEmpty(n.inputType(1));
  return buildResize(n, n.input(target), knownValues(n, target, target == 3 ? "sizes" : "scales"),
                     hasRoi ? n.input(1) : Value(),
                     hasRoi ? knownValues(n, 1, "roi") : std::nullopt, a);
}
} // namespace

void kiln::importer::registerResizeConverters(ConverterRegistry &r) {
  r.add("Upsample", 7, convertUpsampleAttr, {1, 1});
  r.add("Upsample", 9, convertUpsampleInput, {2, 2});
  r.add("Resize", 10, convertUpsampleInput, {2, 2});
  r.add("Resize", 11, convertResize, {1, 4});
}
