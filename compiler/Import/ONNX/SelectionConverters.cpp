//===- SelectionConverters.cpp - ONNX TopK, Compress, NonZero → kiln -------===//
//
// Ops that select elements: how many may depend on run-time values (k, a condition, the
// non-zero elements), which kiln.top_k / compress / non_zero read as shape values.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include "mlir/IR/Matchers.h"

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

LogicalResult convertNonZero(NodeContext &n) {
  RankedTensorType in = n.inputType(0);
  auto type = RankedTensorType::get({in.getRank(), ShapedType::kDynamic},
                                    n.builder().getI64Type());
  return n.setResult(n.createTyped<kiln::NonZeroOp>(type, n.input(0)));
}
} // namespace

void kiln::importer::registerSelectionConverters(ConverterRegistry &r) {
  r.add("TopK", 1, convertTopKAttr, {1, 1});
  r.add("TopK", 10, convertTopK, {2, 2});
  r.add("Compress", 9, convertCompress, {2, 2});
  r.add("NonZero", 9, convertNonZero, {1, 1});
}
