//===- IndexConverters.cpp - ONNX ops on positions (ArgMax, Hardmax, Trilu, EyeLike, ...) → kiln
//-===//
//
// Positions are compared against constant index ranges (iotaAlong), so arg-reductions and
// masks are compositions of broadcasting kiln ops with static shapes.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"
#include "compiler/Import/ONNX/TensorImport.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// ArgMax / ArgMin: axis (default 0), keepdims (default 1), select_last_index (opset 12).
template <bool IsMax> LogicalResult convertArgExtreme(NodeContext &n) {
  RankedTensorType type = n.inputType(0);
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> index =
      argExtreme(n, n.input(0), *axis, IsMax, n.attrInt("select_last_index", 0) != 0);
  if (failed(index) || n.attrInt("keepdims", 1) != 0)
    return n.setResult(index);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + *axis);
  return n.setResult(n.reshape(*index, shape));
}

/// Hardmax: 1 at the first max along the axis, 0 elsewhere. From opset 13 along `axis`
/// (default -1); before, over the input coerced to 2-D at `axis` (default 1).
LogicalResult convertHardmax(NodeContext &n) {
  RankedTensorType type = n.inputType(0);
  int64_t rank = type.getRank();
  bool flattened = n.opset() < 13;
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", flattened ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  Value x = n.input(0);
  int64_t along = *axis;
  if (flattened) {
    FailureOr<SmallVector<int64_t>> shape = requireStaticShape(n, type, "Hardmax");
    if (failed(shape))
      return failure();
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d)
      (d < *axis ? outer : inner) *= (*shape)[d];
    FailureOr<Value> flat = n.reshape(x, {outer, inner});
    if (failed(flat))
      return failure();
    x = *flat;
    along = 1;
  }
  auto xType = cast<RankedTensorType>(x.getType());
  FailureOr<Value> index = argExtreme(n, x, along, /*isMax=*/true, /*lastIndex=*/false);
  FailureOr<Value> iota =
      iotaAlong(n, xType.getDimSize(along), along, xType.getRank(), n.builder().getI64Type());
  FailureOr<Value> oneHot =
      castTo(n, binary<kiln::EqualOp>(n, iota, index), xType.getElementType());
  if (failed(oneHot) || !flattened)
    return n.setResult(oneHot);
  return n.setResult(n.reshape(*oneHot, type.getShape()));
}

/// GatherElements (Gather's element-wise form, opset 11).
LogicalResult convertGatherElements(NodeContext &n) {
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.setResult(n.create<kiln::GatherElementsOp>(n.input(0), n.input(1), *axis));
}

/// GatherND (opset 11; batch_dims from 12).
LogicalResult convertGatherND(NodeContext &n) {
  return n.setResult(
      n.create<kiln::GatherNDOp>(n.input(0), n.input(1), n.attrInt("batch_dims", 0)));
}

/// ScatterElements (Scatter before opset 11): `reduction` from opset 16. Nothing to scatter
/// leaves the data as it is.
LogicalResult convertScatterElements(NodeContext &n) {
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  if (n.inputType(2).hasStaticShape() && n.inputType(2).getNumElements() == 0)
    return n.setResult(n.input(0));
  return n.setResult(n.create<kiln::ScatterElementsOp>(n.input(0), n.input(1), n.input(2), *axis,
                                                       n.attrString("reduction", "none")));
}

LogicalResult convertScatterND(NodeContext &n) {
  if (n.inputType(2).hasStaticShape() && n.inputType(2).getNumElements() == 0)
    return n.setResult(n.input(0));
  return n.setResult(n.create<kiln::ScatterNDOp>(n.input(0), n.input(1), n.input(2),
                                                 n.attrString("reduction", "none")));
}

/// A constant i1 mask over the last two dims [rows, cols]: element (i, j) is `keep(j - i)`.
FailureOr<Value> diagonalMask(NodeContext &n, int64_t rows, int64_t cols,
                              function_ref<bool(int64_t)> keep) {
  if (failed(checkBuiltConstant(n, {rows, cols}, "a diagonal mask")))
    return failure();
  SmallVector<bool> values;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      values.push_back(keep(j - i));
  auto type = RankedTensorType::get({rows, cols}, n.builder().getI1Type());
  return n.constant(DenseElementsAttr::get(type, values));
}

/// The constant j - i (int64) over [rows, cols]: element (i, j) is its diagonal offset.
FailureOr<Value> diagonalOffsets(NodeContext &n, int64_t rows, int64_t cols) {
  if (failed(checkBuiltConstant(n, {rows, cols}, "diagonal offsets")))
    return failure();
  SmallVector<int64_t> values;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      values.push_back(j - i);
  auto type = RankedTensorType::get({rows, cols}, n.builder().getI64Type());
  return n.constant(DenseElementsAttr::get(type, ArrayRef<int64_t>(values)));
}

/// Trilu: keep the upper (j - i >= k) or lower (j - i <= k) triangle of the last two dims.
/// A constant k folds into a constant mask; a run-time k (one element) stays an operand:
/// the mask compares the constant diagonal offsets against it, so one artifact serves
/// every k.
LogicalResult convertTrilu(NodeContext &n) {
  RankedTensorType type = n.inputType(0);
  if (type.getRank() < 2)
    return n.fail("the input must have rank >= 2");
  int64_t rows = type.getDimSize(type.getRank() - 2), cols = type.getDimSize(type.getRank() - 1);
  if (ShapedType::isDynamic(rows) || ShapedType::isDynamic(cols))
    return n.fail("the last two dims must be static (dynamic shapes are not supported yet)");
  bool upper = n.attrInt("upper", 1) != 0;
  int64_t k = 0;
  if (n.hasInput(1)) {
    DenseElementsAttr constant;
    RankedTensorType kType = n.inputType(1);
    if (!matchPattern(n.input(1), m_Constant(&constant))) {
      if (!kType.hasStaticShape() || kType.getNumElements() != 1 ||
          !kType.getElementType().isInteger(64))
        return n.fail("k must be one int64 element");
      FailureOr<Value> kScalar = n.reshape(n.input(1), {});
      if (failed(kScalar))
        return failure();
      FailureOr<Value> offsets = diagonalOffsets(n, rows, cols);
      if (failed(offsets))
        return failure();
      // upper: keep offset >= k, i.e. !(offset < k); lower: keep !(offset > k).
      FailureOr<Value> drop = upper ? n.create<kiln::LessOp>(*offsets, *kScalar)
                                    : n.create<kiln::GreaterOp>(*offsets, *kScalar);
      FailureOr<Value> keep = unary<kiln::NotOp>(n, drop);
      return n.setResult(select(n, keep, n.input(0), scalarLike(n, n.input(0), 0)));
    }
    FailureOr<SmallVector<int64_t>> given = n.constantInts(1, "k");
    if (failed(given))
      return failure();
    if (given->size() != 1)
      return n.fail("k must have one element");
    k = given->front();
  }
  FailureOr<Value> mask =
      diagonalMask(n, rows, cols, [&](int64_t diff) { return upper ? diff >= k : diff <= k; });
  return n.setResult(select(n, mask, n.input(0), scalarLike(n, n.input(0), 0)));
}

/// EyeLike: ones on diagonal k of a 2-D shape, zeros elsewhere, of `dtype` (default: the
/// input's type).
LogicalResult convertEyeLike(NodeContext &n) {
  RankedTensorType type = n.inputType(0);
  if (type.getRank() != 2 || !type.hasStaticShape())
    return n.fail("the input must be 2-D with a static shape");
  Type elementType = type.getElementType();
  if (n.hasAttr("dtype")) {
    int64_t dtype = n.attrInt("dtype", 0);
    elementType = convertElementType(n.context(), dtype);
    if (!elementType)
      return n.fail("unsupported dtype " + dataTypeName(dtype));
  }
  int64_t k = n.attrInt("k", 0), rows = type.getDimSize(0), cols = type.getDimSize(1);
  if (failed(checkBuiltConstant(n, {rows, cols}, "EyeLike's result")))
    return failure();
  auto resultType = RankedTensorType::get({rows, cols}, elementType);
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      double v = j - i == k ? 1 : 0;
      if (isa<FloatType>(elementType))
        values.push_back(FloatAttr::get(elementType, v));
      else if (elementType.isInteger(1))
        values.push_back(BoolAttr::get(n.context(), v != 0));
      else
        values.push_back(IntegerAttr::get(elementType, (int64_t)v));
    }
  return n.setResult(n.constant(DenseElementsAttr::get(resultType, values)));
}

/// OneHot: `on` (values[1]) where an index (negative ones count from depth) equals the
/// position along the new axis, `off` (values[0]) elsewhere. A run-time depth is a shape
/// value: the positions are a kiln.range up to it, so the new axis is `?`.
LogicalResult convertOneHot(NodeContext &n) {
  RankedTensorType indices = n.inputType(0), depthType = n.inputType(1), values = n.inputType(2);
  int64_t rank = indices.getRank() + 1;
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  Type et = depthType.getElementType();
  if (!depthType.hasStaticShape() || depthType.getNumElements() != 1 || et.isInteger(1) ||
      !et.isIntOrFloat())
    return n.fail("depth must be one number");
  if (!values.hasStaticShape() || values.getRank() != 1 || values.getDimSize(0) != 2)
    return n.fail("values must be [off_value, on_value]");
  FailureOr<Value> depth = n.reshape(n.input(1), {});
  FailureOr<Value> positions = failure();
  SmallVector<int64_t> along(rank, 1);
  if (!n.isRunTimeValue(1)) {
    FailureOr<double> d = n.constantScalar(1, "depth");
    if (failed(d))
      return failure();
    positions = iotaAlong(n, (int64_t)*d, *axis, rank, et);
  } else {
    FailureOr<Value> zero = scalarLike(n, depth, 0), one = scalarLike(n, depth, 1);
    if (failed(depth) || failed(zero) || failed(one))
      return failure();
    auto rangeType = RankedTensorType::get({ShapedType::kDynamic}, et);
    positions = n.createTyped<kiln::RangeOp>(rangeType, *zero, *depth, *one);
    along[*axis] = ShapedType::kDynamic;
    if (succeeded(positions))
      positions = n.reshape(*positions, along);
  }
  // Indices in the depth's type, negative ones wrapped, with a unit dim at the new axis.
  FailureOr<Value> index = castTo(n, n.input(0), et);
  FailureOr<Value> negative = binary<kiln::LessOp>(n, index, scalarLike(n, index, 0));
  index = select(n, negative, binary<kiln::AddOp>(n, index, depth), index);
  SmallVector<int64_t> unsqueezed(indices.getShape());
  unsqueezed.insert(unsqueezed.begin() + *axis, 1);
  if (succeeded(index))
    index = n.reshape(*index, unsqueezed);
  FailureOr<Value> hot = binary<kiln::EqualOp>(n, index, positions);
  FailureOr<Value> off = buildSlice(n, n.input(2), {0}, {1}, ArrayRef<int64_t>{1});
  FailureOr<Value> on = buildSlice(n, n.input(2), {1}, {2}, ArrayRef<int64_t>{1});
  if (failed(off) || failed(on))
    return failure();
  return n.setResult(select(n, hot, n.reshape(*on, {}), n.reshape(*off, {})));
}
} // namespace

void kiln::importer::registerIndexConverters(ConverterRegistry &r) {
  r.add("ArgMax", 1, convertArgExtreme<true>);
  r.add("ArgMin", 1, convertArgExtreme<false>);
  r.add("Hardmax", 1, convertHardmax);
  r.add("GatherElements", 11, convertGatherElements, {2, 2});
  r.add("GatherND", 11, convertGatherND, {2, 2});
  r.add("Scatter", 9, convertScatterElements, {3, 3});
  r.add("ScatterElements", 11, convertScatterElements, {3, 3});
  r.add("ScatterND", 11, convertScatterND, {3, 3});
  r.add("Trilu", 14, convertTrilu, {1, 2});
  r.add("EyeLike", 9, convertEyeLike);
  r.add("OneHot", 9, convertOneHot, {3, 3});
}
