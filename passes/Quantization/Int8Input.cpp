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

namespace {
/// The op that is the only user of `v`, if it is an `OpTy` taking `v` first.
template <typename OpTy> OpTy onlyUser(Value v) {
  if (!v.hasOneUse())
    return nullptr;
  auto op = dyn_cast<OpTy>(*v.getUsers().begin());
  return op && op->getOperand(0) == v ? op : nullptr;
}
} // namespace

std::optional<Quantize> matchQuantize(Value v) {
  Quantize q;
  auto div = onlyUser<DivOp>(v);
  std::optional<double> scale = div ? scalarConstant(div.getRhs()) : std::nullopt;
  if (!scale || !(*scale > 0) || !std::isfinite(*scale))
    return std::nullopt;
  q.scale = *scale;
  auto round = onlyUser<RoundOp>(div.getResult());
  if (!round)
    return std::nullopt;
  q.ops = {div, round};
  Value last = round.getResult();
  if (auto add = onlyUser<AddOp>(last)) {
    std::optional<double> zp = scalarConstant(add.getRhs());
    if (!zp || *zp != std::nearbyint(*zp))
      return std::nullopt;
    q.zeroPoint = *zp;
    q.ops.push_back(add);
    last = add.getResult();
  }
  auto clip = onlyUser<ClipOp>(last);
  q.cast = clip ? onlyUser<CastOp>(clip.getResult()) : nullptr;
  if (!q.cast)
    return std::nullopt;
  auto type = dyn_cast<IntegerType>(getElementTypeOrSelf(q.cast.getType()));
  if (!type || type.getWidth() != 8)
    return std::nullopt;
  double lo = type.isUnsigned() ? 0 : -128, hi = type.isUnsigned() ? 255 : 127;
  if (q.zeroPoint < lo || q.zeroPoint > hi || clip.getMin().convertToDouble() != lo ||
      clip.getMax().convertToDouble() != hi)
    return std::nullopt;
  q.ops.push_back(clip);
  return q;
}

} // namespace kiln
