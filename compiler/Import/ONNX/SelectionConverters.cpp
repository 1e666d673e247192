//===- SelectionConverters.cpp - ONNX TopK, Compress, NonZero, NMS → kiln -===//
//
// Ops that select elements: how many may depend on run-time values (k, a condition, the
// non-zero elements), which kiln.top_k / compress / non_zero read as shape values, or on
// what a kernel computes (NonMaxSuppression's count, read once that kernel has run).
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include "mlir/IR/Matchers.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace kiln::importer;

namespace {
/// kiln.top_k of input 0 along `axis` with `k` (a one-element int64 tensor).
LogicalResult buildTopK(NodeContext &n, Value k, int64_t axisAttr, bool largest) {
  RankedTensorType in = n.inputType(0);
  if (!isa<FloatType>(in.getElementType()) &&
      !(isa<IntegerType>(in.getElementType()) && in.getElementType().isSignlessInteger() &&
        !in.getElementType().isInteger(1)))
    return n.fail("input element type " + llvm::Twine(in.getElementType().isUnsignedInteger()
                                                           ? "unsigned"
                                                           : "other than float or int") +
                  " is not supported");
  FailureOr<int64_t> axis = n.normalizeAxis(axisAttr, in.getRank());
  if (failed(axis))
    return failure();
  auto kType = cast<RankedTensorType>(k.getType());
  if (!kType.hasStaticShape() || kType.getNumElements() != 1 ||
      !kType.getElementType().isInteger(64))
    return n.fail("k must be a one-element int64 tensor");
  if (kType.getRank() != 1) {
    FailureOr<Value> reshaped = n.reshape(k, {1});
    if (failed(reshaped))
      return failure();
    k = *reshaped;
  }
  SmallVector<int64_t> shape(in.getShape());
  shape[*axis] = ShapedType::kDynamic;
  DenseElementsAttr kValue;
  if (matchPattern(k, m_Constant(&kValue))) {
    int64_t value = (*kValue.getValues<APInt>().begin()).getSExtValue();
    if (value < 0 || (!in.isDynamicDim(*axis) && value > in.getDimSize(*axis)))
      return n.fail("k = " + llvm::Twine(value) + " is out of range for dim " +
                    llvm::Twine(*axis));
    shape[*axis] = value;
  }
  Type indexType = n.builder().getI64Type();
  FailureOr<Operation *> op = n.createMultiResult<kiln::TopKOp>(
      TypeRange{in.clone(shape), RankedTensorType::get(shape, indexType)}, n.input(0), k, *axis,
      largest);
  return failed(op) ? failure() : n.setResults(SmallVector<Value>((*op)->getResults()));
}

/// TopK-1: k attribute.
LogicalResult convertTopKAttr(NodeContext &n) {
  auto type = RankedTensorType::get({1}, n.builder().getI64Type());
  Value k = n.constant(DenseElementsAttr::get(type, n.attrInt("k", 0)));
  return buildTopK(n, k, n.attrInt("axis", -1), /*largest=*/true);
}

/// TopK-10 and -11: k input; from 11 `largest` and `sorted` (results are always sorted, which
/// `sorted = 0` allows).
LogicalResult convertTopK(NodeContext &n) {
  return buildTopK(n, n.input(1), n.attrInt("axis", -1), n.attrInt("largest", 1) != 0);
}

/// Compress: slices of the input along `axis` (absent: of the flattened input) where the
/// condition holds. A constant condition is a gather of constant indices.
LogicalResult convertCompress(NodeContext &n) {
  RankedTensorType in = n.inputType(0), cond = n.inputType(1);
  if (cond.getRank() != 1 || !cond.getElementType().isInteger(1))
    return n.fail("condition must be a 1-D bool tensor");
  Value input = n.input(0);
  int64_t axis = 0;
  if (n.hasAttr("axis")) {
    FailureOr<int64_t> a = n.normalizeAxis(n.attrInt("axis", 0), in.getRank());
    if (failed(a))
      return failure();
    axis = *a;
  } else {
    int64_t count = in.hasStaticShape() ? in.getNumElements() : ShapedType::kDynamic;
    FailureOr<Value> flat = n.reshape(input, {count});
    if (failed(flat))
      return failure();
    input = *flat;
  }
  auto inType = cast<RankedTensorType>(input.getType());
  if (!n.isRunTimeValue(1)) {
    FailureOr<SmallVector<double>> values = n.constantFloats(1, "condition");
    if (failed(values))
      return failure();
    SmallVector<int64_t> picked;
    for (auto [i, v] : llvm::enumerate(*values))
      if (v != 0 && (inType.isDynamicDim(axis) || (int64_t)i < inType.getDimSize(axis)))
        picked.push_back(i);
    auto type = RankedTensorType::get({(int64_t)picked.size()}, n.builder().getI64Type());
    Value indices = n.constant(DenseElementsAttr::get(type, ArrayRef<int64_t>(picked)));
    return n.setResult(n.create<kiln::GatherOp>(input, indices, axis));
  }
  if (cond.isDynamicDim(0))
    return n.fail("condition (input '" + n.node().input(1) +
                  "') is a run-time value of unknown length");
  SmallVector<int64_t> shape(inType.getShape());
  shape[axis] = ShapedType::kDynamic;
  return n.setResult(
      n.createTyped<kiln::CompressOp>(inType.clone(shape), input, n.input(1), axis));
}

RankedTensorType i64Type(NodeContext &n, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, n.builder().getI64Type());
}

/// The first `count` (a one-element int64 tensor a kernel computes) entries of `padded`
/// along `axis`: a slice_by the runtime sizes once that kernel has run.
LogicalResult setFirstEntries(NodeContext &n, Value padded, Value count, int64_t axis) {
  auto index = [&](int64_t v) { return n.constant(DenseElementsAttr::get(i64Type(n, {1}), v)); };
  SmallVector<int64_t> shape(cast<RankedTensorType>(padded.getType()).getShape());
  shape[axis] = ShapedType::kDynamic;
  return n.setResult(n.createTyped<kiln::SliceByOp>(i64Type(n, shape), padded, index(0), count,
                                                    index(axis), index(1)));
}

/// NonZero of a graph input (or a small value its kernel can recompute) counts the selected
/// elements in the shape function; of anything else (a mask a kernel computes), its kernel
/// lists them into a buffer for every element and counts them, and the result is the first
/// `count` columns, read once that kernel has run.
LogicalResult convertNonZero(NodeContext &n) {
  RankedTensorType in = n.inputType(0);
  OpBuilder &b = n.builder();
  auto type = RankedTensorType::get({in.getRank(), ShapedType::kDynamic}, b.getI64Type());
  bool small = in.hasStaticShape() && in.getNumElements() <= 64;
  if (isa<BlockArgument>(n.input(0)) || small)
    return n.setResult(n.createTyped<kiln::NonZeroOp>(type, n.input(0)));
  int64_t elements = in.hasStaticShape() ? in.getNumElements() : ShapedType::kDynamic;
  FailureOr<Operation *> listed = n.createMultiResult<kiln::NonZeroBoundedOp>(
      TypeRange{i64Type(n, {in.getRank(), elements}), i64Type(n, {1})}, n.input(0));
  if (failed(listed))
    return failure();
  return setFirstEntries(n, (*listed)->getResult(0), (*listed)->getResult(1), 1);
}

/// Optional input `i` as a one-element 1-D tensor of `type`, or `absent` when it is missing.
FailureOr<Value> oneElement(NodeContext &n, unsigned i, Type type, Attribute absent,
                            llvm::StringRef what) {
  auto one = RankedTensorType::get({1}, type);
  if (!n.hasInput(i))
    return n.constant(DenseElementsAttr::get(one, absent));
  RankedTensorType in = n.inputType(i);
  if (!in.hasStaticShape() || in.getNumElements() != 1 || in.getElementType() != type)
    return n.fail(llvm::Twine(what) + " must be one " + (type.isInteger(64) ? "int64" : "float"));
  return in.getRank() == 1 ? n.input(i) : n.reshape(n.input(i), {1});
}

/// NonMaxSuppression: kiln.non_max_suppression selects into a buffer of the most rows it can
/// give, B * C * min(max_output_boxes_per_class, N) (static when those are), and a count;
/// the result is the first `count` rows (a slice whose end is computed by that kernel).
LogicalResult convertNonMaxSuppression(NodeContext &n) {
  RankedTensorType boxes = n.inputType(0), scores = n.inputType(1);
  if (!boxes.getElementType().isF32() || !scores.getElementType().isF32())
    return n.fail("boxes and scores must be float32");
  if (boxes.getRank() != 3 || scores.getRank() != 3 || boxes.getDimSize(2) != 4)
    return n.fail("boxes must be [batch, boxes, 4] and scores [batch, classes, boxes]");
  OpBuilder &b = n.builder();
  FailureOr<Value> maxPerClass =
      oneElement(n, 2, b.getI64Type(), b.getI64IntegerAttr(0), "max_output_boxes_per_class");
  FailureOr<Value> iou = oneElement(n, 3, b.getF32Type(), b.getF32FloatAttr(0), "iou_threshold");
  FailureOr<Value> scoreThreshold =
      oneElement(n, 4, b.getF32Type(), b.getF32FloatAttr(-std::numeric_limits<float>::infinity()),
                 "score_threshold");
  if (failed(maxPerClass) || failed(iou) || failed(scoreThreshold))
    return failure();
  int64_t bound = ShapedType::kDynamic;
  DenseElementsAttr m;
  if (matchPattern(*maxPerClass, m_Constant(&m)) && scores.hasStaticShape()) {
    int64_t perClass = std::clamp<int64_t>((*m.getValues<APInt>().begin()).getSExtValue(), 0,
                                           scores.getDimSize(2));
    bound = scores.getDimSize(0) * scores.getDimSize(1) * perClass;
  }
  FailureOr<Operation *> nms = n.createMultiResult<kiln::NonMaxSuppressionOp>(
      TypeRange{i64Type(n, {bound, 3}), i64Type(n, {1})}, n.input(0), n.input(1), *maxPerClass,
      *iou, *scoreThreshold, n.attrInt("center_point_box", 0) != 0);
  if (failed(nms))
    return failure();
  return setFirstEntries(n, (*nms)->getResult(0), (*nms)->getResult(1), 0);
}
} // namespace

void kiln::importer::registerSelectionConverters(ConverterRegistry &r) {
  r.add("TopK", 1, convertTopKAttr, {1, 1});
  r.add("TopK", 10, convertTopK, {2, 2});
  r.add("Compress", 9, convertCompress, {2, 2});
  r.add("NonZero", 9, convertNonZero, {1, 1});
  r.add("NonMaxSuppression", 10, convertNonMaxSuppression, {2, 5});
}
