//===- Int8Input.cpp - 8-bit activations widened or dequantized for a float/i32 op ---===//
#include "passes/Quantization/Int8Input.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;

namespace kiln {
std::optional<double> scalarConstant(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || attr.getNumElements() != 1)
    return std::nullopt;
  if (auto ints = dyn_cast<DenseIntElementsAttr>(attr))
    return double((*ints.getValues<APInt>().begin()).getSExtValue());
  if (auto floats = dyn_cast<DenseFPElementsAttr>(attr))
    return (*floats.getValues<APFloat>().begin()).convertToDouble();
  return std::nullopt;
}

Value runtimeZeroPoint(Value zp) {
  while (auto reshape = zp.getDefiningOp<ReshapeOp>())
    zp = reshape.getInput();
  auto widened = zp.getDefiningOp<CastOp>();
  if (!widened || !getElementTypeOrSelf(widened.getInput().getType()).isInteger(8) ||
      cast<ShapedType>(widened.getInput().getType()).getNumElements() != 1)
    return Value();
  return widened.getInput();
}

FailureOr<Int8Input> matchInt8Input(Value v, bool isFloat, std::string &why) {
  Int8Input in;
  if (auto t = v.getDefiningOp<TransposeOp>()) {
    in.perm = SmallVector<int64_t>(t.getPerm());
    v = t.getInput();
  }
  auto sameType = [&](Value lhs) { return lhs.getType() == v.getType(); };
  if (auto mul = v.getDefiningOp<MulOp>()) {
    if (!isFloat || !sameType(mul.getLhs()) || !scalarConstant(mul.getRhs()))
      return why = "the activation scale is not one constant", failure();
    in.mul = mul;
    v = mul.getLhs();
  } else if (isFloat) {
    return why = "the activations are not dequantized", failure();
  }
  if (auto sub = v.getDefiningOp<SubOp>()) {
    std::optional<double> zp = scalarConstant(sub.getRhs());
    Value runtime = zp || isFloat ? Value() : runtimeZeroPoint(sub.getRhs());
    if (runtime && sameType(sub.getLhs())) {
      in.runtimeZeroPoint = runtime;
    } else if (!sameType(sub.getLhs()) || !zp || *zp != std::nearbyint(*zp)) {
      return why = "the activation zero point is not one integer constant", failure();
    } else {
      in.zeroPoint = int64_t(*zp);
    }
    in.sub = sub;
    v = sub.getLhs();
  }
  in.cast = v.getDefiningOp<CastOp>();
  if (!in.cast || !getElementTypeOrSelf(in.cast.getInput().getType()).isInteger(8))
    return why = "the activations are not a cast of 8-bit values", failure();
  in.x8 = in.cast.getInput();
  return in;
}
} // namespace kiln
