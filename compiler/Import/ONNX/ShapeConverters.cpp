//===- ShapeConverters.cpp - ONNX shape ops (Reshape, Squeeze, Shape, Constant, ...) → kiln -===//
#include "compiler/Import/ONNX/ConverterUtils.h"
#include "compiler/Import/ONNX/ShapeTrace.h"
#include "compiler/Import/ONNX/ShapeValues.h"

#include "mlir/IR/Matchers.h"

#include "mlir/Dialect/Traits.h"

#include <cmath>

using namespace mlir;
using namespace kiln::importer;

namespace {
/// The product of `dims`, dynamic if any is.
int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (ShapedType::isDynamic(d))
      return ShapedType::kDynamic;
    p *= d;
  }
  return p;
}

/// Resolves an ONNX Reshape target: 0 copies the input dim (unless allowzero), -1 is inferred.
FailureOr<SmallVector<int64_t>> reshapeTarget(NodeContext &n, ArrayRef<int64_t> spec) {
  RankedTensorType in = n.inputType(0);
  bool allowZero = n.attrInt("allowzero", 0) != 0;
  SmallVector<int64_t> shape;
  int64_t inferred = -1;
  for (auto [i, v] : llvm::enumerate(spec)) {
    if (v == 0 && !allowZero && (int64_t)i >= in.getRank())
      return n.fail("shape value 0 at index " + llvm::Twine(i) + " copies a dim the input lacks");
    if (v == -1 && inferred >= 0)
      return n.fail("shape has more than one -1");
    if (v < -1)
      return n.fail("shape value " + llvm::Twine(v) + " is invalid");
    if (v == -1)
      inferred = i;
    shape.push_back(v == 0 && !allowZero ? in.getDimSize(i) : v == -1 ? ShapedType::kDynamic : v);
  }
  int64_t total = product(in.getShape());
  SmallVector<int64_t> known(shape);
  if (inferred >= 0)
    known.erase(known.begin() + inferred);
  int64_t knownCount = product(known);
  if (inferred >= 0 && !ShapedType::isDynamic(total) && !ShapedType::isDynamic(knownCount)) {
    if (knownCount == 0 || total % knownCount != 0)
      return n.fail("cannot infer the -1 dim: " + llvm::Twine(total) + " elements into parts of " +
                    llvm::Twine(knownCount));
    shape[inferred] = total / knownCount;
  }
  int64_t count = product(shape);
  if (!ShapedType::isDynamic(total) && !ShapedType::isDynamic(count) && count != total)
    return n.fail("cannot reshape " + llvm::Twine(total) + " elements into " + llvm::Twine(count));
  return shape;
}

/// Reshape to a shape computed at run time whose elements trace back (ShapeTrace.h) to
/// constants and dims of tensors: dims of the input cancel out of the -1 inference, so
/// `x.view(x.size(0), -1)` keeps its static dims; others become `?`. `dimsFrom` gets, per
/// result dim, the input dim it is (same rootDim), else -1.
FailureOr<SmallVector<int64_t>> tracedReshapeTarget(NodeContext &n, ArrayRef<ShapeElement> elements,
                                                    SmallVector<int64_t> &dimsFrom) {
  RankedTensorType in = n.inputType(0);
  SmallVector<int64_t> spec, shape;
  SmallVector<bool> cancelled(in.getRank(), false);
  SmallVector<std::pair<Value, int64_t>> roots;
  for (int64_t d = 0; d < in.getRank(); ++d)
    roots.push_back(rootDim(n.input(0), d));
  dimsFrom.assign(elements.size(), -1);
  for (auto [i, e] : llvm::enumerate(elements)) {
    if (e.isConstant()) {
      spec.push_back(e.value);
      continue;
    }
    spec.push_back(1); // placeholder: a dim only known at run time
    auto *it = llvm::find(roots, std::make_pair(e.source, e.dim));
    int64_t d = it == roots.end() ? -1 : it - roots.begin();
    if (d >= 0 && in.isDynamicDim(d) && !cancelled.empty() && !cancelled[d]) {
      cancelled[d] = true;
      dimsFrom[i] = d;
    } else {
      cancelled.clear(); // not a dim of the input: nothing cancels safely
    }
  }
  FailureOr<SmallVector<int64_t>> target = reshapeTarget(n, spec);
  if (failed(target))
    return failure();
  // The -1 (if any) is static when every input dim left after cancelling is static.
  int64_t rest = 1;
  bool restStatic = !cancelled.empty();
  for (int64_t d = 0; restStatic && d < in.getRank(); ++d)
    if (!cancelled[d]) {
      restStatic = !in.isDynamicDim(d);
      rest *= in.isDynamicDim(d) ? 1 : in.getDimSize(d);
    }
  int64_t known = 1;
  for (auto [i, e] : llvm::enumerate(elements)) {
    bool inferred = e.isConstant() && e.value == -1;
    if (!e.isConstant())
      (*target)[i] = ShapedType::kDynamic;
    else if (!inferred && !ShapedType::isDynamic((*target)[i]))
      known *= (*target)[i];
  }
  for (auto [i, e] : llvm::enumerate(elements))
    if (e.isConstant() && e.value == -1) {
      if (restStatic && known > 0 && rest % known == 0)
        (*target)[i] = rest / known;
      else if (restStatic)
        return n.fail("cannot infer the -1 dim: " + llvm::Twine(rest) +
                      " elements per run-time dim into parts of " + llvm::Twine(known));
      else
        (*target)[i] = ShapedType::kDynamic;
    }
  return target;
}

LogicalResult convertReshape(NodeContext &n) {
  if (n.isRunTimeValue(1) && failed(traceShape(n.input(1))))
    return convertRunTimeReshape(n, n.attrInt("allowzero", 0) ? "reshape_allowzero" : "reshape");
  if (n.hasInput(1)) {
    DenseElementsAttr constant;
    if (!matchPattern(n.input(1), m_Constant(&constant)))
      if (FailureOr<SmallVector<ShapeElement>> traced = traceShape(n.input(1));
          succeeded(traced)) {
        SmallVector<int64_t> dimsFrom;
        FailureOr<SmallVector<int64_t>> shape = tracedReshapeTarget(n, *traced, dimsFrom);
        return failed(shape) ? failure() : n.setResult(n.reshape(n.input(0), *shape, dimsFrom));
      }
  }
  FailureOr<SmallVector<int64_t>> spec = n.constantInts(1, "shape");
  if (failed(spec))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = reshapeTarget(n, *spec);
  return failed(shape) ? failure() : n.setResult(n.reshape(n.input(0), *shape));
}

/// Reshape before opset 5: the target is the `shape` attribute.
LogicalResult convertReshapeAttr(NodeContext &n) {
  if (!n.hasAttr("shape"))
    return n.fail("attribute 'shape' is required");
  FailureOr<SmallVector<int64_t>> shape = reshapeTarget(n, n.attrInts("shape"));
  return failed(shape) ? failure() : n.setResult(n.reshape(n.input(0), *shape));
}

LogicalResult convertFlatten(NodeContext &n) {
  ArrayRef<int64_t> shape = n.inputType(0).getShape();
  int64_t rank = shape.size(), axis = n.attrInt("axis", 1);
  if (axis < -rank || axis > rank)
    return n.fail("axis " + llvm::Twine(axis) + " is out of range for rank " + llvm::Twine(rank));
  if (axis < 0)
    axis += rank;
  return n.setResult(
      n.reshape(n.input(0), {product(shape.take_front(axis)), product(shape.drop_front(axis))}));
}

/// Squeeze `axes` (each of extent 1), or every static 1 when no axes are given.
LogicalResult buildSqueeze(NodeContext &n, std::optional<SmallVector<int64_t>> axes) {
  RankedTensorType type = n.inputType(0);
  SmallVector<int64_t> drop;
  if (axes) {
    FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(n, *axes, type.getRank());
    if (failed(normalized))
      return failure();
    drop = *normalized;
  } else {
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.isDynamicDim(d))
        return n.fail("Squeeze without axes needs static dims (dynamic shapes are not supported "
                      "yet)");
      if (type.getDimSize(d) == 1)
        drop.push_back(d);
    }
  }
  SmallVector<int64_t> shape, from; // from: the input dim of each result dim
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool dropped = llvm::is_contained(drop, d);
    if (dropped && !type.isDynamicDim(d) && type.getDimSize(d) != 1)
      return n.fail("cannot squeeze dim " + llvm::Twine(d) + " of extent " +
                    llvm::Twine(type.getDimSize(d)));
    if (!dropped) {
      shape.push_back(type.getDimSize(d));
      from.push_back(type.isDynamicDim(d) ? d : -1);
    }
  }
  return n.setResult(n.reshape(n.input(0), shape, from));
}

LogicalResult convertSqueezeAttr(NodeContext &n) {
  return buildSqueeze(n, n.hasAttr("axes") ? std::optional(n.attrInts("axes")) : std::nullopt);
}

LogicalResult convertSqueezeInput(NodeContext &n) {
  if (!n.hasInput(1))
    return buildSqueeze(n, std::nullopt);
  if (n.isRunTimeValue(1))
    return convertRunTimeReshape(n, "squeeze");
  FailureOr<SmallVector<int64_t>> axes = n.constantInts(1, "axes");
  return failed(axes) ? failure() : buildSqueeze(n, *axes);
}

/// Inserts unit dims at `axes` (positions in the result).
LogicalResult buildUnsqueeze(NodeContext &n, ArrayRef<int64_t> axes) {
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  int64_t rank = in.size() + axes.size();
  FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(n, axes, rank);
  if (failed(normalized))
    return failure();
  SmallVector<int64_t> shape, from; // from: the input dim of each result dim
  for (int64_t d = 0, next = 0; d < rank; ++d) {
    bool inserted = llvm::is_contained(*normalized, d);
    from.push_back(!inserted && ShapedType::isDynamic(in[next]) ? next : -1);
    shape.push_back(inserted ? 1 : in[next++]);
  }
  return n.setResult(n.reshape(n.input(0), shape, from));
}

LogicalResult convertUnsqueezeAttr(NodeContext &n) {
  if (!n.hasAttr("axes"))
    return n.fail("attribute 'axes' is required");
  return buildUnsqueeze(n, n.attrInts("axes"));
}

LogicalResult convertUnsqueezeInput(NodeContext &n) {
  if (n.isRunTimeValue(1))
    return convertRunTimeReshape(n, "unsqueeze");
  FailureOr<SmallVector<int64_t>> axes = n.constantInts(1, "axes");
  return failed(axes) ? failure() : buildUnsqueeze(n, *axes);
}

/// Expand: bidirectional numpy broadcast of the input with a constant shape.
LogicalResult convertExpand(NodeContext &n) {
  if (n.isRunTimeValue(1))
    return convertRunTimeExpand(n);
  FailureOr<SmallVector<int64_t>> target = n.constantShape(1, "shape");
  if (failed(target))
    return failure();
  RankedTensorType type = n.inputType(0);
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(type.getShape(), *target, shape))
    return n.fail("the input does not broadcast to the shape");
  if (ArrayRef<int64_t>(shape) == type.getShape())
    return n.setResult(n.input(0));
  return n.setResult(n.createTyped<kiln::ExpandOp>(type.clone(shape), n.input(0)));
}

/// Shape, with the start/end window of opset 15 (absent attributes select every dim).
LogicalResult convertShape(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank();
  auto clampDim = [&](int64_t d) { return std::clamp<int64_t>(d < 0 ? d + rank : d, 0, rank); };
  int64_t start = clampDim(n.attrInt("start", 0)), end = clampDim(n.attrInt("end", rank));
  FailureOr<Value> shape = n.create<kiln::ShapeOp>(n.input(0));
  if (failed(shape) || (start == 0 && end == rank))
    return n.setResult(shape);
  return n.setResult(buildSlice(n, *shape, {start}, {std::max(start, end)}, ArrayRef<int64_t>{1}));
}

/// Size: the element count as an int64 scalar (a constant: shapes are static).
LogicalResult convertSize(NodeContext &n) {
  FailureOr<SmallVector<int64_t>> shape = requireStaticShape(n, n.inputType(0), "Size");
  if (failed(shape))
    return failure();
  return n.setResult(n.scalar(n.builder().getI64Type(), (double)product(*shape)));
}

/// Range with constant start, limit and delta: the constant
/// start, start + delta, ... up to (excluding) limit.
LogicalResult convertRange(NodeContext &n) {
  if (n.isRunTimeValue(0) || n.isRunTimeValue(1) || n.isRunTimeValue(2))
    return convertRunTimeRange(n);
  FailureOr<double> start = n.constantScalar(0, "start"), limit = n.constantScalar(1, "limit"),
                    delta = n.constantScalar(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  if (*delta == 0)
    return n.fail("delta must not be 0");
  Type et = n.inputType(0).getElementType();
  int64_t count = std::max<int64_t>(0, (int64_t)std::ceil((*limit - *start) / *delta));
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < count; ++i) {
    double v = *start + i * *delta;
    if (isa<FloatType>(et))
      values.push_back(FloatAttr::get(et, v));
    else if (isa<IntegerType>(et) && !et.isInteger(1))
      values.push_back(IntegerAttr::get(et, (int64_t)v));
    else
      return n.fail("start must be a number");
  }
  return n.setResult(
      n.constant(DenseElementsAttr::get(RankedTensorType::get({count}, et), values)));
}

LogicalResult convertConstantOfShape(NodeContext &n) {
  Attribute fill = FloatAttr::get(n.builder().getF32Type(), 0.0);
  if (const onnx::TensorProto *t = n.attrTensor("value")) {
    FailureOr<DenseElementsAttr> value = n.tensorValue(*t);
    if (failed(value))
      return failure();
    if (value->getNumElements() != 1)
      return n.fail("attribute 'value' must have one element");
    fill = value->getSplatValue<Attribute>();
  }
  if (n.isRunTimeValue(0))
    return convertRunTimeConstantOfShape(n, cast<TypedAttr>(fill));
  FailureOr<SmallVector<int64_t>> shape = n.constantShape(0, "shape");
  if (failed(shape))
    return failure();
  auto type = RankedTensorType::get(*shape, cast<TypedAttr>(fill).getType());
  return n.setResult(n.constant(DenseElementsAttr::get(type, fill)));
}

/// Constant: one of value, value_float(s), value_int(s).
LogicalResult convertConstant(NodeContext &n) {
  OpBuilder &b = n.builder();
  const onnx::NodeProto &node = n.node();
  if (node.attribute_size() != 1)
    return n.fail("expects exactly one value attribute");
  llvm::StringRef kind = node.attribute(0).name();
  if (kind == "value") {
    const onnx::TensorProto *t = n.attrTensor("value");
    FailureOr<DenseElementsAttr> value = t ? n.tensorValue(*t) : FailureOr<DenseElementsAttr>();
    return failed(value) ? failure() : n.setResult(n.constant(*value));
  }
  if (kind == "value_float" || kind == "value_int") {
    Type et = kind == "value_float" ? (Type)b.getF32Type() : (Type)b.getI64Type();
    double v = kind == "value_float" ? n.attrFloat(kind, 0) : (double)n.attrInt(kind, 0);
    return n.setResult(n.scalar(et, v));
  }
  if (kind == "value_floats") {
    SmallVector<float> values = llvm::to_vector_of<float>(n.attrFloats(kind));
    auto type = RankedTensorType::get({(int64_t)values.size()}, b.getF32Type());
    return n.setResult(n.constant(DenseElementsAttr::get(type, ArrayRef<float>(values))));
  }
  if (kind == "value_ints") {
    SmallVector<int64_t> values = n.attrInts(kind);
    auto type = RankedTensorType::get({(int64_t)values.size()}, b.getI64Type());
    return n.setResult(n.constant(DenseElementsAttr::get(type, ArrayRef<int64_t>(values))));
  }
  return n.fail("attribute '" + kind + "' is not supported");
}
} // namespace

void kiln::importer::registerShapeConverters(ConverterRegistry &r) {
  r.add("Reshape", 1, convertReshapeAttr);
  r.add("Reshape", 5, convertReshape, {2, 2});
  r.add("Flatten", 1, convertFlatten);
  r.add("Squeeze", 1, convertSqueezeAttr);
  r.add("Squeeze", 13, convertSqueezeInput, {1, 2});
  r.add("Unsqueeze", 1, convertUnsqueezeAttr);
  r.add("Unsqueeze", 13, convertUnsqueezeInput, {2, 2});
  r.add("Expand", 8, convertExpand, {2, 2});
  r.add("Shape", 1, convertShape);
  r.add("Size", 1, convertSize);
  r.add("Range", 11, convertRange, {3, 3});
  r.add("ConstantOfShape", 9, convertConstantOfShape);
  r.add("Constant", 1, convertConstant, {0, 0});
}
