//===- KilnShapeArithFolders.cpp - folds of compare, logic, where, mod ----===//
//
// Exported shape arithmetic uses these ops on constants: torch's `x.expand(n, -1, -1)` becomes
// Where(Equal(shape, -1), 1, shape) → Expand, Swin's window padding (W - W % 7) % 7 → Pad;
// they must fold for the Expand and the Pad to stay static.
//
//===----------------------------------------------------------------------===//
#include "FoldUtils.h"
#include "kiln/Dialect/Graph/KilnDialect.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::fold;

namespace {
enum class Compare { Equal, Less, Greater };

/// `a <cmp> b` as an i1 attribute (NaN compares false).
Attribute compare(Compare kind, Attribute a, Attribute b, Type i1) {
  bool r;
  if (auto fa = dyn_cast<FloatAttr>(a)) {
    APFloat::cmpResult c = fa.getValue().compare(cast<FloatAttr>(b).getValue());
    r = kind == Compare::Equal  ? c == APFloat::cmpEqual
        : kind == Compare::Less ? c == APFloat::cmpLessThan
                                : c == APFloat::cmpGreaterThan;
  } else {
    auto ia = cast<IntegerAttr>(a);
    APInt x = ia.getValue(), y = cast<IntegerAttr>(b).getValue();
    bool isUnsigned = ia.getType().isUnsignedInteger();
    r = kind == Compare::Equal  ? x == y
        : kind == Compare::Less ? (isUnsigned ? x.ult(y) : x.slt(y))
                                : (isUnsigned ? x.ugt(y) : x.sgt(y));
  }
  return IntegerAttr::get(i1, r);
}

Attribute foldCompare(Operation *op, ArrayRef<Attribute> operands, Compare kind) {
  auto lhs = dense(operands[0]), rhs = dense(operands[1]);
  if (!lhs || !rhs || lhs.getElementType() != rhs.getElementType())
    return {};
  Type i1 = getElementTypeOrSelf(op->getResult(0).getType());
  return foldElementwise(op, operands,
                         [&](ArrayRef<Attribute> e) { return compare(kind, e[0], e[1], i1); });
}

bool isTrue(Attribute a) { return !cast<IntegerAttr>(a).getValue().isZero(); }

template <typename Fn>
Attribute foldLogical(Operation *op, ArrayRef<Attribute> operands, Fn fn) {
  Type i1 = getElementTypeOrSelf(op->getResult(0).getType());
  if (!i1.isInteger(1))
    return {};
  return foldElementwise(op, operands, [&](ArrayRef<Attribute> e) -> Attribute {
    return IntegerAttr::get(i1, fn(isTrue(e[0]), operands.size() > 1 ? isTrue(e[1]) : false));
  });
}
} // namespace

OpFoldResult EqualOp::fold(FoldAdaptor a) { return foldCompare(*this, a.getOperands(), Compare::Equal); }
OpFoldResult LessOp::fold(FoldAdaptor a) { return foldCompare(*this, a.getOperands(), Compare::Less); }
OpFoldResult GreaterOp::fold(FoldAdaptor a) {
  return foldCompare(*this, a.getOperands(), Compare::Greater);
}

OpFoldResult AndOp::fold(FoldAdaptor a) {
  return foldLogical(*this, a.getOperands(), [](bool x, bool y) { return x && y; });
}
OpFoldResult OrOp::fold(FoldAdaptor a) {
  return foldLogical(*this, a.getOperands(), [](bool x, bool y) { return x || y; });
}
OpFoldResult XorOp::fold(FoldAdaptor a) {
  return foldLogical(*this, a.getOperands(), [](bool x, bool y) { return x != y; });
}
OpFoldResult NotOp::fold(FoldAdaptor a) {
  return foldLogical(*this, a.getOperands(), [](bool x, bool) { return !x; });
}

OpFoldResult ModOp::fold(FoldAdaptor a) {
  auto lhs = dense(a.getLhs()), rhs = dense(a.getRhs());
  if (!lhs || !rhs || lhs.getElementType() != rhs.getElementType())
    return {};
  bool fmod = getFmod();
  return foldElementwise(*this, a.getOperands(), [&](ArrayRef<Attribute> e) -> Attribute {
    if (auto fx = dyn_cast<FloatAttr>(e[0])) {
      double x = fx.getValueAsDouble(), y = cast<FloatAttr>(e[1]).getValueAsDouble();
      double r = std::fmod(x, y);
      if (!fmod && r != 0 && (r < 0) != (y < 0))
        r += y;
      return FloatAttr::get(fx.getType(), r);
    }
    auto ix = cast<IntegerAttr>(e[0]);
    APInt x = ix.getValue(), y = cast<IntegerAttr>(e[1]).getValue();
    if (y.isZero())
      return {};
    if (ix.getType().isUnsignedInteger())
      return IntegerAttr::get(ix.getType(), x.urem(y));
    APInt r = x.srem(y); // the sign of x (C fmod)
    if (!fmod && !r.isZero() && r.isNegative() != y.isNegative())
      r += y; // the sign of y (Python's %)
    return IntegerAttr::get(ix.getType(), r);
  });
}

OpFoldResult WhereOp::fold(FoldAdaptor a) {
  auto x = dense(a.getX()), y = dense(a.getY());
  Type et = getElementTypeOrSelf(getType());
  if (!x || !y || x.getElementType() != et || y.getElementType() != et)
    return {};
  return foldElementwise(*this, a.getOperands(), [](ArrayRef<Attribute> e) {
    return isTrue(e[0]) ? e[1] : e[2];
  });
}
