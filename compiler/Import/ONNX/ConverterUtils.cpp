//===- ConverterUtils.cpp - helpers shared by the ONNX op converters ------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace kiln::importer;

LogicalResult kiln::importer::checkSameElementType(NodeContext &node, Value a, Value b) {
  Type ta = cast<RankedTensorType>(a.getType()).getElementType();
  Type tb = cast<RankedTensorType>(b.getType()).getElementType();
  if (ta == tb)
    return success();
  emitError(node.loc()) << "operand element types differ: " << ta << " vs " << tb;
  return failure();
}

FailureOr<Value> kiln::importer::legacyBroadcastOperand(NodeContext &node, Value a, Value b) {
  if (node.opset() >= 7 || node.attrInt("broadcast", 0) == 0 || !node.hasAttr("axis"))
    return b;
  auto aType = cast<RankedTensorType>(a.getType()), bType = cast<RankedTensorType>(b.getType());
  FailureOr<int64_t> axis = node.normalizeAxis(node.attrInt("axis", 0), aType.getRank());
  if (failed(axis))
    return failure();
  int64_t trailing = aType.getRank() - *axis - bType.getRank();
  if (trailing < 0)
    return node.fail("operand B of rank " + llvm::Twine(bType.getRank()) +
                     " does not fit operand A from axis " + llvm::Twine(*axis));
  if (trailing == 0)
    return b;
  SmallVector<int64_t> shape(bType.getShape());
  shape.append(trailing, 1);
  return node.reshape(b, shape);
}

FailureOr<SmallVector<int64_t>>
kiln::importer::normalizeAxes(NodeContext &node, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    FailureOr<int64_t> a = node.normalizeAxis(axis, rank);
    if (failed(a))
      return failure();
    if (llvm::is_contained(result, *a))
      return node.fail("axis " + llvm::Twine(axis) + " is given twice");
    result.push_back(*a);
  }
  llvm::sort(result);
  return result;
}

FailureOr<SmallVector<int64_t>>
kiln::importer::requireStaticShape(NodeContext &node, RankedTensorType type, llvm::StringRef what) {
  if (!type.hasStaticShape()) {
    emitError(node.loc()) << what << " needs a static input shape, got " << type
                          << " (dynamic shapes are not supported yet)";
    return failure();
  }
  return SmallVector<int64_t>(type.getShape());
}

void kiln::importer::splitPadding(int64_t total, bool sameUpper, int64_t &begin, int64_t &end) {
  begin = sameUpper ? total / 2 : total - total / 2;
  end = total - begin;
}

namespace {
/// Pads for auto_pad SAME_*: output = ceil(input / stride), padding split around the input.
FailureOr<SmallVector<int64_t>> samePads(NodeContext &node, RankedTensorType input, const Window &w,
                                         bool sameUpper) {
  size_t spatial = w.kernel.size();
  SmallVector<int64_t> pads(2 * spatial, 0);
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = input.getDimSize(i + 2);
    if (ShapedType::isDynamic(in))
      return node.fail("auto_pad SAME_* needs static spatial dims (dynamic shapes are not "
                       "supported yet)");
    int64_t out = (in + w.strides[i] - 1) / w.strides[i];
    int64_t span = (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[i] + span - in);
    splitPadding(total, sameUpper, pads[i], pads[i + spatial]);
  }
  return pads;
}
} // namespace

FailureOr<Window> kiln::importer::readWindow(NodeContext &node, RankedTensorType input,
                                             ArrayRef<int64_t> kernel) {
  if (input.getRank() < 3)
    return node.fail("the input must have rank >= 3 (N, C, spatial...), not " +
                     llvm::Twine(input.getRank()));
  size_t spatial = input.getRank() - 2;
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  w.strides = node.attrInts("strides", SmallVector<int64_t>(spatial, 1));
  w.dilations = node.attrInts("dilations", SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads = node.attrInts("pads", SmallVector<int64_t>(2 * spatial, 0));
  if (w.kernel.size() != spatial || w.strides.size() != spatial || w.dilations.size() != spatial ||
      pads.size() != 2 * spatial)
    return node.fail("kernel_shape/strides/dilations/pads do not match the input's " +
                     llvm::Twine(spatial) + " spatial dims");
  auto positive = [](int64_t v) { return v > 0; };
  if (!llvm::all_of(w.kernel, positive) || !llvm::all_of(w.strides, positive) ||
      !llvm::all_of(w.dilations, positive))
    return node.fail("kernel_shape, strides and dilations must be positive");
  if (llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return node.fail("negative pads are not supported");
  std::string autoPad = node.attrString("auto_pad", "NOTSET");
  bool explicitPads = llvm::any_of(pads, [](int64_t p) { return p != 0; });
  if (autoPad == "NOTSET") {
    w.pads = pads;
  } else if (explicitPads) {
    return node.fail("auto_pad " + autoPad + " and non-zero pads are both given");
  } else if (autoPad == "VALID") {
    w.pads = pads;
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    FailureOr<SmallVector<int64_t>> same = samePads(node, input, w, autoPad == "SAME_UPPER");
    if (failed(same))
      return failure();
    w.pads = *same;
  } else {
    return node.fail("unknown auto_pad '" + autoPad + "'");
  }
  return w;
}

FailureOr<Value> kiln::importer::buildSlice(NodeContext &node, Value input,
                                            ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
                                            ArrayRef<int64_t> steps) {
  return node.create<kiln::SliceOp>(input, starts, ends, steps);
}

FailureOr<Value> kiln::importer::select(NodeContext &node, FailureOr<Value> cond,
                                        FailureOr<Value> x, FailureOr<Value> y) {
  if (failed(cond) || failed(x) || failed(y))
    return failure();
  return node.create<kiln::WhereOp>(*cond, *x, *y);
}

FailureOr<Value> kiln::importer::scalarLike(NodeContext &node, FailureOr<Value> like,
                                            double value) {
  if (failed(like))
    return failure();
  return node.scalar(cast<RankedTensorType>(like->getType()).getElementType(), value);
}

FailureOr<Value> kiln::importer::castTo(NodeContext &node, FailureOr<Value> x, Type elementType) {
  if (failed(x))
    return failure();
  return node.createTyped<kiln::CastOp>(cast<RankedTensorType>(x->getType()).clone(elementType),
                                        *x);
}

FailureOr<Value> kiln::importer::reduce(NodeContext &node, FailureOr<Value> x,
                                        kiln::ReduceKind kind, ArrayRef<int64_t> axes,
                                        bool keepdims) {
  if (failed(x))
    return failure();
  return node.create<kiln::ReduceOp>(*x, kind, axes, keepdims);
}

LogicalResult kiln::importer::checkBuiltConstant(NodeContext &node, ArrayRef<int64_t> dims,
                                                llvm::StringRef what) {
  uint64_t count = 1;
  bool tooMany = false;
  for (int64_t d : dims)
    tooMany |= d < 0 || __builtin_mul_overflow(count, uint64_t(d), &count) ||
               count > kMaxBuiltConstantElements;
  if (!tooMany)
    return success();
  std::string shape;
  for (int64_t d : dims)
    shape += (shape.empty() ? "" : "x") + std::to_string(d);
  return node.fail(what + llvm::Twine(" of shape ") + shape + " would be a constant of more than " +
                   llvm::Twine(kMaxBuiltConstantElements) + " elements (2^26); such dims are not "
                   "supported here");
}

FailureOr<Value> kiln::importer::iotaAlong(NodeContext &node, int64_t extent, int64_t axis,
                                           int64_t rank, Type elementType) {
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = extent;
  if (failed(checkBuiltConstant(node, shape, "an index range")))
    return failure();
  auto type = RankedTensorType::get(shape, elementType);
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < extent; ++i) {
    if (isa<FloatType>(elementType))
      values.push_back(FloatAttr::get(elementType, (double)i));
    else if (isa<IntegerType>(elementType) && !elementType.isInteger(1))
      values.push_back(IntegerAttr::get(elementType, i));
    else
      return node.fail("cannot build indices of element type");
  }
  return node.constant(DenseElementsAttr::get(type, values));
}

FailureOr<Value> kiln::importer::argExtreme(NodeContext &n, Value x, int64_t axis, bool isMax,
                                            bool lastIndex) {
  RankedTensorType type = cast<RankedTensorType>(x.getType());
  int64_t extent = type.getDimSize(axis);
  if (ShapedType::isDynamic(extent))
    return n.fail("the reduced dim must be static (dynamic shapes are not supported yet)");
  if (extent == 0)
    return n.fail("cannot take the arg-extreme of an empty dim");
  auto kind = isMax ? kiln::ReduceKind::max : kiln::ReduceKind::min;
  FailureOr<Value> extreme = reduce(n, x, kind, {axis}, /*keepdims=*/true);
  FailureOr<Value> hit = binary<kiln::EqualOp>(n, x, extreme);
  Type i64 = n.builder().getI64Type();
  FailureOr<Value> iota = iotaAlong(n, extent, axis, type.getRank(), i64);
  FailureOr<Value> sentinel = n.scalar(i64, lastIndex ? -1 : extent);
  FailureOr<Value> candidates = select(n, hit, iota, sentinel);
  return reduce(n, candidates, lastIndex ? kiln::ReduceKind::max : kiln::ReduceKind::min, {axis},
                /*keepdims=*/true);
}
