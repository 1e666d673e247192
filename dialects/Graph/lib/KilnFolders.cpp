//===- KilnFolders.cpp - constant folding of the kiln ops -----------------===//
//
// Folds turn initializer-only subgraphs (shape arithmetic, weight transposes, casts) into
// constants while the importer builds (createOrFold) and in canonicalization.
//
//===----------------------------------------------------------------------===//
#include "FoldUtils.h"
#include "kiln/Dialect/Graph/KilnDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <limits>
#include <vector>

using namespace mlir;
using namespace kiln;
using namespace kiln::fold;

SmallVector<int64_t> kiln::fold::stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

int64_t kiln::fold::broadcastIndex(ArrayRef<int64_t> srcShape, ArrayRef<int64_t> srcStrides,
                                   ArrayRef<int64_t> idx) {
  int64_t off = 0, lead = idx.size() - srcShape.size();
  for (size_t d = 0; d < srcShape.size(); ++d)
    off += (srcShape[d] == 1 ? 0 : idx[d + lead]) * srcStrides[d];
  return off;
}

Attribute kiln::fold::foldElementwise(Operation *op, ArrayRef<Attribute> operands,
                                      function_ref<Attribute(ArrayRef<Attribute>)> fn) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() > kMaxFoldElementsArith)
    return {};
  SmallVector<DenseElementsAttr> values;
  SmallVector<SmallVector<int64_t>> strides;
  for (Attribute a : operands) {
    auto d = dense(a);
    if (!d || !isa<FloatType, IntegerType>(d.getElementType()))
      return {};
    values.push_back(d);
    strides.push_back(stridesOf(d.getType().getShape()));
  }
  SmallVector<Attribute> out, args(values.size());
  SmallVector<int64_t> idx(type.getRank(), 0);
  for (int64_t i = 0, n = type.getNumElements(); i < n; ++i) {
    for (auto [k, v] : llvm::enumerate(values))
      args[k] = v.getValues<Attribute>()[broadcastIndex(v.getType().getShape(), strides[k], idx)];
    Attribute r = fn(args);
    if (!r)
      return {};
    out.push_back(r);
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      if (++idx[d] < type.getDimSize(d))
        break;
      idx[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, out);
}

namespace {

/// Bytes per element for byte-addressable dense storage, 0 otherwise (i1 is bit-packed).
int64_t byteWidth(Type elementType) {
  unsigned bits = elementType.getIntOrFloatBitWidth();
  return bits % 8 == 0 ? bits / 8 : 0;
}

/// Builds a constant of `type` whose element i comes from source element `srcIndex(i)`.
DenseElementsAttr gatherElements(DenseElementsAttr src, RankedTensorType type,
                                 function_ref<int64_t(ArrayRef<int64_t>)> srcIndex) {
  if (src.isSplat())
    return DenseElementsAttr::get(type, src.getSplatValue<Attribute>());
  int64_t width = byteWidth(type.getElementType());
  if (!width || !type.hasStaticShape())
    return {};
  ArrayRef<char> in = src.getRawData();
  std::vector<char> out(type.getNumElements() * width);
  SmallVector<int64_t> idx(type.getRank(), 0);
  for (int64_t i = 0, n = type.getNumElements(); i < n; ++i) {
    memcpy(&out[i * width], &in[srcIndex(idx) * width], width);
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      if (++idx[d] < type.getDimSize(d))
        break;
      idx[d] = 0;
    }
  }
  return DenseElementsAttr::getFromRawBuffer(type, out);
}

template <typename Fn>
Attribute foldBinary(Operation *op, ArrayRef<Attribute> operands, Fn fn) {
  auto lhs = dense(operands[0]), rhs = dense(operands[1]);
  Type et = getElementTypeOrSelf(op->getResult(0).getType());
  if (!lhs || !rhs || !isa<FloatType, IntegerType>(et) ||
      lhs.getElementType() != rhs.getElementType())
    return {};
  return foldElementwise(op, operands, [&](ArrayRef<Attribute> e) { return fn(e[0], e[1]); });
}

enum class Arith { Add, Sub, Mul, Div, Min, Max };

Attribute applyArith(Arith k, Attribute a, Attribute b) {
  if (auto fa = dyn_cast<FloatAttr>(a)) {
    APFloat x = fa.getValue(), y = cast<FloatAttr>(b).getValue();
    switch (k) {
    case Arith::Add: x.add(y, APFloat::rmNearestTiesToEven); break;
    case Arith::Sub: x.subtract(y, APFloat::rmNearestTiesToEven); break;
    case Arith::Mul: x.multiply(y, APFloat::rmNearestTiesToEven); break;
    case Arith::Div: x.divide(y, APFloat::rmNearestTiesToEven); break;
    case Arith::Min: x = llvm::minimum(x, y); break;
    case Arith::Max: x = llvm::maximum(x, y); break;
    }
    return FloatAttr::get(fa.getType(), x);
  }
  auto ia = cast<IntegerAttr>(a);
  APInt x = ia.getValue(), y = cast<IntegerAttr>(b).getValue();
  bool isUnsigned = ia.getType().isUnsignedInteger();
  switch (k) {
  case Arith::Add: return IntegerAttr::get(ia.getType(), x + y);
  case Arith::Sub: return IntegerAttr::get(ia.getType(), x - y);
  case Arith::Mul: return IntegerAttr::get(ia.getType(), x * y);
  case Arith::Div:
    if (y.isZero())
      return {};
    return IntegerAttr::get(ia.getType(), isUnsigned ? x.udiv(y) : x.sdiv(y));
  case Arith::Min:
    return IntegerAttr::get(ia.getType(), (isUnsigned ? x.ult(y) : x.slt(y)) ? x : y);
  case Arith::Max:
    return IntegerAttr::get(ia.getType(), (isUnsigned ? x.ugt(y) : x.sgt(y)) ? x : y);
  }
  return {};
}
} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

namespace {
/// Which float zeros count as an identity: x + -0 = x and x - +0 = x for every x (-0 too).
enum class Zero { Any, Negative, Positive };

/// Whether `rhs` is a splat constant equal to `value`.
bool isSplatOf(Attribute rhs, double value, Zero zero) {
  auto d = dense(rhs);
  if (!d || !d.isSplat())
    return false;
  if (isa<FloatType>(d.getElementType())) {
    APFloat v = d.getSplatValue<APFloat>();
    if (v.isZero() && zero != Zero::Any && v.isNegative() != (zero == Zero::Negative))
      return false;
    return v.convertToDouble() == value;
  }
  if (isa<IntegerType>(d.getElementType()) && !d.getElementType().isInteger(1)) {
    APInt v = d.getSplatValue<APInt>();
    return (d.getElementType().isUnsignedInteger() ? (double)v.getZExtValue()
                                                   : (double)v.getSExtValue()) == value;
  }
  return false;
}

/// x op c → x when c is the op's right identity and the result has x's type (x + -0, x - +0,
/// x * 1, x / 1; integer x + 0 and x - 0). Exact for every x, NaN and -0 included.
OpFoldResult foldRightIdentity(Operation *op, Attribute rhs, double identity, Zero zero) {
  Value lhs = op->getOperand(0);
  if (lhs.getType() != op->getResult(0).getType() || !isSplatOf(rhs, identity, zero))
    return {};
  return lhs;
}

/// llvm::minimum / llvm::maximum on floats: NaN if either is, -0 below +0.
float minimumF32(float x, float y) {
  if (std::isnan(x) || std::isnan(y))
    return std::numeric_limits<float>::quiet_NaN();
  if (x == 0 && y == 0)
    return std::signbit(x) ? x : y;
  return y < x ? y : x;
}
float maximumF32(float x, float y) {
  if (std::isnan(x) || std::isnan(y))
    return std::numeric_limits<float>::quiet_NaN();
  if (x == 0 && y == 0)
    return std::signbit(x) ? y : x;
  return x < y ? y : x;
}

/// foldArith of two f32 constants on plain floats: the same IEEE single operations (round to
/// nearest even) as APFloat's, without an attribute per element (the DequantizeLinear of a
/// QDQ model's weights, millions of elements, folded in seconds that way).
Attribute foldArithF32(Operation *op, ArrayRef<Attribute> operands, Arith kind) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  auto lhs = dense(operands[0]), rhs = dense(operands[1]);
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32() || !lhs || !rhs ||
      !lhs.getElementType().isF32() || !rhs.getElementType().isF32() ||
      type.getNumElements() > kMaxFoldElementsArith)
    return {};
  auto valuesOf = [](DenseElementsAttr d) {
    auto range = d.getValues<float>();
    return std::vector<float>(range.begin(), range.end());
  };
  std::vector<float> x = valuesOf(lhs), y = valuesOf(rhs);
  SmallVector<int64_t> xs = stridesOf(lhs.getType().getShape()),
                       ys = stridesOf(rhs.getType().getShape());
  std::vector<float> out;
  out.reserve(type.getNumElements());
  SmallVector<int64_t> idx(type.getRank(), 0);
  for (int64_t i = 0, n = type.getNumElements(); i < n; ++i) {
    float a = x[broadcastIndex(lhs.getType().getShape(), xs, idx)];
    float b = y[broadcastIndex(rhs.getType().getShape(), ys, idx)];
    switch (kind) {
    case Arith::Add: out.push_back(a + b); break;
    case Arith::Sub: out.push_back(a - b); break;
    case Arith::Mul: out.push_back(a * b); break;
    case Arith::Div: out.push_back(a / b); break;
    case Arith::Min: out.push_back(minimumF32(a, b)); break;
    case Arith::Max: out.push_back(maximumF32(a, b)); break;
    }
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      if (++idx[d] < type.getDimSize(d))
        break;
      idx[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, ArrayRef<float>(out));
}

Attribute foldArith(Operation *op, ArrayRef<Attribute> operands, Arith kind) {
  if (Attribute folded = foldArithF32(op, operands, kind))
    return folded;
  return foldBinary(op, operands,
                    [kind](Attribute a, Attribute b) { return applyArith(kind, a, b); });
}
} // namespace

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult x = foldRightIdentity(*this, adaptor.getRhs(), 0.0, Zero::Negative))
    return x;
  return foldArith(*this, adaptor.getOperands(), Arith::Add);
}
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult x = foldRightIdentity(*this, adaptor.getRhs(), 0.0, Zero::Positive))
    return x;
  return foldArith(*this, adaptor.getOperands(), Arith::Sub);
}
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult x = foldRightIdentity(*this, adaptor.getRhs(), 1.0, Zero::Any))
    return x;
  return foldArith(*this, adaptor.getOperands(), Arith::Mul);
}
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult x = foldRightIdentity(*this, adaptor.getRhs(), 1.0, Zero::Any))
    return x;
  return foldArith(*this, adaptor.getOperands(), Arith::Div);
}
OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  return foldArith(*this, adaptor.getOperands(), Arith::Min);
}
OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  return foldArith(*this, adaptor.getOperands(), Arith::Max);
}

OpFoldResult PowOp::fold(FoldAdaptor) { return {}; }

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  auto src = dense(adaptor.getInput());
  if (!src || src.getNumElements() > kMaxFoldElementsArith)
    return {};
  if (isa<FloatType>(src.getElementType()))
    return src.mapValues(src.getElementType(),
                         [](const APFloat &v) { return neg(v).bitcastToAPInt(); });
  if (isa<IntegerType>(src.getElementType()) && !src.getElementType().isInteger(1))
    return src.mapValues(src.getElementType(), [](const APInt &v) { return -v; });
  return {};
}

namespace {
/// A float constant rounded to integral values by `mode` (Floor, Ceil, Round fold).
OpFoldResult foldRounding(Attribute operand, APFloat::roundingMode mode) {
  auto src = dense(operand);
  if (!src || !isa<FloatType>(src.getElementType()) || src.getNumElements() > kMaxFoldElementsArith)
    return {};
  return src.mapValues(src.getElementType(), [&](const APFloat &v) {
    APFloat r = v;
    r.roundToIntegral(mode);
    return r.bitcastToAPInt();
  });
}
} // namespace

OpFoldResult FloorOp::fold(FoldAdaptor adaptor) {
  return foldRounding(adaptor.getInput(), APFloat::rmTowardNegative);
}

OpFoldResult CeilOp::fold(FoldAdaptor adaptor) {
  return foldRounding(adaptor.getInput(), APFloat::rmTowardPositive);
}

OpFoldResult RoundOp::fold(FoldAdaptor adaptor) {
  return foldRounding(adaptor.getInput(), APFloat::rmNearestTiesToEven);
}

/// max / min / sum / prod of a small constant (the shape arithmetic of exported graphs:
/// a ReduceMax over image sizes that pads a batch).
OpFoldResult ReduceOp::fold(FoldAdaptor adaptor) {
  auto src = dense(adaptor.getInput());
  auto type = getType();
  std::optional<Arith> op;
  switch (getKind()) {
  case ReduceKind::max:
    op = Arith::Max;
    break;
  case ReduceKind::min:
    op = Arith::Min;
    break;
  case ReduceKind::sum:
    op = Arith::Add;
    break;
  case ReduceKind::prod:
    op = Arith::Mul;
    break;
  default:
    break;
  }
  if (!src || !op || !type.hasStaticShape() || src.getNumElements() == 0 ||
      src.getNumElements() > kMaxFoldElementsArith ||
      !isa<FloatType, IntegerType>(src.getElementType()) || src.getElementType().isInteger(1))
    return {};
  ArrayRef<int64_t> shape = src.getType().getShape();
  ArrayRef<int64_t> axes = getAxes();
  SmallVector<Attribute> out(type.getNumElements());
  SmallVector<int64_t> idx(shape.size(), 0);
  auto values = src.getValues<Attribute>();
  for (int64_t i = 0, n = src.getNumElements(); i < n; ++i) {
    int64_t o = 0; // the result element: the kept dims' indices, row-major
    for (size_t d = 0; d < shape.size(); ++d)
      if (!llvm::is_contained(axes, int64_t(d)))
        o = o * shape[d] + idx[d];
    Attribute v = values[i];
    out[o] = out[o] ? applyArith(*op, out[o], v) : v;
    if (!out[o])
      return {};
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, out);
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto src = dense(adaptor.getInput());
  if (!src || src.getNumElements() > kMaxFoldElementsCast)
    return {};
  Type from = src.getElementType(), to = getType().getElementType();
  // Integers to f32 on plain values (a QDQ model's 8-bit weights, millions of elements), the
  // same conversion as below (through double) without an attribute per element.
  if (auto it = dyn_cast<IntegerType>(from); it && it.getWidth() > 1 && to.isF32()) {
    bool zext = it.isUnsigned();
    std::vector<float> out;
    out.reserve(src.getNumElements());
    for (const APInt &v : src.getValues<APInt>())
      out.push_back(float(zext ? double(v.getZExtValue()) : double(v.getSExtValue())));
    return DenseElementsAttr::get(getType(), ArrayRef<float>(out));
  }
  SmallVector<Attribute> out;
  for (Attribute a : src.getValues<Attribute>()) {
    if (auto i = dyn_cast<IntegerAttr>(a)) {
      APInt v = i.getValue();
      // i1 and unsigned sources extend with zeros.
      bool zext = from.isInteger(1) || from.isUnsignedInteger();
      if (auto it = dyn_cast<IntegerType>(to))
        out.push_back(IntegerAttr::get(to, it.getWidth() == 1 ? APInt(1, !v.isZero())
                                           : zext             ? v.zextOrTrunc(it.getWidth())
                                                              : v.sextOrTrunc(it.getWidth())));
      else if (auto ft = dyn_cast<FloatType>(to))
        out.push_back(FloatAttr::get(to, zext ? (double)v.getZExtValue() : (double)v.getSExtValue()));
      else
        return {};
    } else if (auto f = dyn_cast<FloatAttr>(a)) {
      double v = f.getValueAsDouble();
      if (isa<FloatType>(to))
        out.push_back(FloatAttr::get(to, v));
      else if (auto it = dyn_cast<IntegerType>(to); it && it.getWidth() == 1)
        out.push_back(IntegerAttr::get(to, (int64_t)(v != 0)));
      else if (auto it = dyn_cast<IntegerType>(to); it && it.isUnsigned())
        out.push_back(IntegerAttr::get(
            to, APInt(it.getWidth(), v < 0 ? (uint64_t)(int64_t)v : (uint64_t)v)));
      else if (isa<IntegerType>(to))
        out.push_back(IntegerAttr::get(to, (int64_t)v));
      else
        return {};
    } else {
      return {};
    }
  }
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto src = dense(adaptor.getInput()))
    return src.reshape(getType());
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    // dims_from composes: a dim both reshapes keep is the first one's input dim.
    if (std::optional<ArrayRef<int64_t>> outer = getDimsFrom()) {
      SmallVector<int64_t> composed(outer->size(), -1);
      if (std::optional<ArrayRef<int64_t>> inner = producer.getDimsFrom())
        for (auto [d, s] : llvm::enumerate(*outer))
          composed[d] = s < 0 ? -1 : (*inner)[s];
      if (llvm::all_of(composed, [](int64_t s) { return s < 0; }))
        removeDimsFromAttr();
      else
        setDimsFrom(composed);
    }
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  auto perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    // transpose(transpose(x, p), q) = transpose(x, p∘q).
    SmallVector<int64_t> composed;
    for (int64_t q : perm)
      composed.push_back(inner.getPerm()[q]);
    getInputMutable().assign(inner.getInput());
    setPerm(composed);
    return getResult();
  }
  auto src = dense(adaptor.getInput());
  if (!src)
    return {};
  auto srcStrides = stridesOf(src.getType().getShape());
  return gatherElements(src, getType(), [&](ArrayRef<int64_t> idx) {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      off += idx[d] * srcStrides[perm[d]];
    return off;
  });
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1)
    return getInputs()[0];
  SmallVector<DenseElementsAttr> srcs;
  for (Attribute a : adaptor.getInputs()) {
    auto d = dense(a);
    if (!d || d.getNumElements() > kMaxFoldElementsArith)
      return {};
    srcs.push_back(d);
  }
  int64_t axis = getAxis();
  SmallVector<Attribute> out;
  // Walk the result: outer (dims before axis) × each input's slab.
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= getType().getDimSize(d);
  for (int64_t o = 0; o < outer; ++o)
    for (DenseElementsAttr s : srcs) {
      int64_t slab = s.getNumElements() / std::max<int64_t>(outer, 1);
      auto vals = s.getValues<Attribute>();
      for (int64_t i = 0; i < slab; ++i)
        out.push_back(vals[o * slab + i]);
    }
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  // The whole input: every step 1, and dynamic dims sliced from 0 to the end.
  auto inType = getInput().getType();
  bool whole = inType == getType() && llvm::all_of(getSteps(), [](int64_t s) { return s == 1; });
  for (int64_t d = 0; whole && d < inType.getRank(); ++d)
    whole = !inType.isDynamicDim(d) ||
            (getStarts()[d] == 0 && getEnds()[d] == std::numeric_limits<int64_t>::max());
  if (whole)
    return getInput();
  auto src = dense(adaptor.getInput());
  if (!src)
    return {};
  auto srcStrides = stridesOf(src.getType().getShape());
  auto starts = getStarts(), steps = getSteps();
  return gatherElements(src, getType(), [&](ArrayRef<int64_t> idx) {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      off += (starts[d] + idx[d] * steps[d]) * srcStrides[d];
    return off;
  });
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto data = dense(adaptor.getData()), indices = dense(adaptor.getIndices());
  if (!data || !indices || indices.getNumElements() > kMaxFoldElementsArith)
    return {};
  SmallVector<int64_t> idxValues;
  int64_t axis = getAxis(), extent = data.getType().getDimSize(axis);
  for (APInt v : indices.getValues<APInt>()) {
    int64_t i = v.getSExtValue();
    if (i < -extent || i >= extent)
      return {};
    idxValues.push_back(i < 0 ? i + extent : i);
  }
  auto dataStrides = stridesOf(data.getType().getShape());
  auto idxStrides = stridesOf(indices.getType().getShape());
  int64_t idxRank = indices.getType().getRank();
  return gatherElements(data, getType(), [&](ArrayRef<int64_t> idx) {
    int64_t flat = 0;
    for (int64_t d = 0; d < idxRank; ++d)
      flat += idx[axis + d] * idxStrides[d];
    int64_t off = idxValues[flat] * dataStrides[axis];
    for (int64_t d = 0; d < axis; ++d)
      off += idx[d] * dataStrides[d];
    for (int64_t d = axis + 1; d < data.getType().getRank(); ++d)
      off += idx[d + idxRank - 1] * dataStrides[d];
    return off;
  });
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  auto src = dense(adaptor.getInput());
  auto type = cast<RankedTensorType>(getType());
  if (!src || !type.hasStaticShape() || type.getNumElements() > kMaxFoldElementsArith)
    return {};
  ArrayRef<int64_t> srcShape = src.getType().getShape();
  SmallVector<int64_t> srcStrides = stridesOf(srcShape);
  return gatherElements(
      src, type, [&](ArrayRef<int64_t> idx) { return broadcastIndex(srcShape, srcStrides, idx); });
}

/// ScatterND of constants without reduction: the data with each index tuple's slice of the
/// updates written over it, in order. An index out of range is left to the kernel's error.
OpFoldResult ScatterNDOp::fold(FoldAdaptor adaptor) {
  auto data = dense(adaptor.getData()), indices = dense(adaptor.getIndices()),
       updates = dense(adaptor.getUpdates());
  if (!data || !indices || !updates || getReduction() != "none" ||
      data.getNumElements() > kMaxFoldElementsArith ||
      indices.getNumElements() > kMaxFoldElementsArith ||
      !isa<IntegerType>(indices.getElementType()) || indices.getType().getRank() < 1)
    return {};
  ArrayRef<int64_t> shape = data.getType().getShape();
  int64_t k = indices.getType().getShape().back();
  if (k < 1 || k > (int64_t)shape.size())
    return {};
  int64_t tuples = indices.getNumElements() / k, slice = 1;
  for (int64_t d = k; d < (int64_t)shape.size(); ++d)
    slice *= shape[d];
  if (updates.getNumElements() != tuples * slice)
    return {};
  SmallVector<int64_t> strides = stridesOf(shape), idx;
  for (const APInt &v : indices.getValues<APInt>())
    idx.push_back(v.getSExtValue());
  auto dataValues = data.getValues<Attribute>();
  SmallVector<Attribute> out(dataValues.begin(), dataValues.end());
  auto values = updates.getValues<Attribute>();
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t off = 0;
    for (int64_t d = 0; d < k; ++d) {
      int64_t i = idx[t * k + d];
      if (i < -shape[d] || i >= shape[d])
        return {};
      off += (i < 0 ? i + shape[d] : i) * strides[d];
    }
    for (int64_t e = 0; e < slice; ++e)
      out[off + e] = values[t * slice + e];
  }
  return DenseElementsAttr::get(cast<ShapedType>(getType()), out);
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto input = cast<RankedTensorType>(getInput().getType());
  if (!input.hasStaticShape())
    return {};
  return DenseElementsAttr::get(getType(), ArrayRef<int64_t>(input.getShape()));
}
