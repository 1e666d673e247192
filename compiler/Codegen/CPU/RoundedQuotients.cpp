//===- RoundedQuotients.cpp - x / c before a rounding, without a divide ---===//
//
// Quantization divides every value by a constant scale and rounds (QuantizeLinear, and the
// requantization in every int8 kernel's epilogue): one vdivps per 16 values, which costs 5-10
// times an FMA and bounds those epilogues (MobileNetV2's 16 -> 96 channel expansion, K = 16,
// spent most of its time dividing). With r = RN(1 / c), q = RN(x * r) is within an ulp of
// x / c, the FMA e = x - q * c is exact, and q' = RN(q + e * r) is the correctly rounded
// quotient RN(x / c) (Markstein's correction; 4 * 10^8 random and near-tie f32 pairs over
// wide exponent ranges agreed bit for bit). It can differ only where the quotient is
// subnormal or within an ulp of overflow; the rounding that follows maps those to the same
// integer, or ±inf where x * r overflows, which is why only divisions whose every use is a
// rounding are rewritten. Infinite q (x infinite) is kept as is (the correction gives NaN).
// Divisors: f32 constants, splat or per lane, each normal, non-zero and with a normal
// reciprocal.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>

namespace kiln {
#define GEN_PASS_DEF_ROUNDEDQUOTIENTS
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The reciprocals of the f32 divisor constant `c` (a scalar or a vector), or null where a
/// divisor or its reciprocal is zero, subnormal, infinite or NaN.
Attribute reciprocalsOf(Attribute c) {
  auto recip = [](const APFloat &v) -> std::optional<APFloat> {
    float x = v.convertToFloat(), r = 1.0f / x;
    if (!std::isnormal(x) || !std::isnormal(r))
      return std::nullopt;
    return APFloat(r);
  };
  if (auto f = dyn_cast<FloatAttr>(c)) {
    if (!f.getType().isF32())
      return nullptr;
    std::optional<APFloat> r = recip(f.getValue());
    return r ? FloatAttr::get(f.getType(), *r) : nullptr;
  }
  auto dense = dyn_cast<DenseFPElementsAttr>(c);
  if (!dense || !dense.getElementType().isF32())
    return nullptr;
  SmallVector<APFloat> values;
  for (const APFloat &v : dense.getValues<APFloat>()) {
    std::optional<APFloat> r = recip(v);
    if (!r)
      return nullptr;
    values.push_back(*r);
  }
  return DenseFPElementsAttr::get(dense.getType(), values);
}

bool isRounding(Operation *op) { return isa<math::RoundEvenOp, math::RoundOp>(op); }

void rewrite(arith::DivFOp div, Attribute reciprocals) {
  OpBuilder b(div);
  Location loc = div.getLoc();
  Type type = div.getType();
  Value x = div.getLhs(), c = div.getRhs();
  Value r = b.create<arith::ConstantOp>(loc, type, cast<TypedAttr>(reciprocals));
  Value q = b.create<arith::MulFOp>(loc, x, r);
  Value e = b.create<math::FmaOp>(loc, b.create<arith::NegFOp>(loc, q), c, x);
  Value corrected = b.create<math::FmaOp>(loc, e, r, q);
  auto inf = APFloat::getInf(APFloat::IEEEsingle());
  Attribute infAttr = isa<VectorType>(type)
                          ? Attribute(DenseElementsAttr::get(cast<ShapedType>(type), inf))
                          : Attribute(b.getF32FloatAttr(inf.convertToFloat()));
  Value infinite =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, b.create<math::AbsFOp>(loc, q),
                              b.create<arith::ConstantOp>(loc, type, cast<TypedAttr>(infAttr)));
  div.replaceAllUsesWith(b.create<arith::SelectOp>(loc, infinite, q, corrected).getResult());
  div.erase();
}

struct RoundedQuotientsPass : kiln::impl::RoundedQuotientsBase<RoundedQuotientsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<arith::DivFOp, Attribute>> divs;
    getOperation().walk([&](arith::DivFOp div) {
      Attribute c;
      if (div->use_empty() || !llvm::all_of(div->getUsers(), isRounding) ||
          !matchPattern(div.getRhs(), m_Constant(&c)))
        return;
      if (Attribute r = reciprocalsOf(c))
        divs.push_back({div, r});
    });
    for (auto [div, r] : divs)
      rewrite(div, r);
  }
};
} // namespace
