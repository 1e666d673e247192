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
// rounding are rewritten. Infinite q (x infinite) is kept as is (the correction gives NaN),
// unless x is bounded by how it is computed (an int8 GEMM's int32 sums converted, scaled by
// constants, also per-channel ones read from constant globals, and offset), which spares the
// check: 3 of the ~17 instructions of an int8 epilogue.
// Divisors: f32 constants, splat or per lane, each normal, non-zero and with a normal
// reciprocal.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Codegen/CPU/WeightPanels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
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

constexpr double kUnknown = std::numeric_limits<double>::infinity();

/// The largest |value| in a float constant; infinity if it holds a non-finite one or is not a
/// float constant.
double largestMagnitude(Attribute c) {
  double most = 0;
  auto add = [&](const APFloat &f) {
    most = f.isFinite() ? std::max(most, std::abs(f.convertToDouble())) : kUnknown;
  };
  if (auto f = dyn_cast<FloatAttr>(c))
    add(f.getValue());
  else if (auto dense = dyn_cast<DenseFPElementsAttr>(c))
    for (const APFloat &f : dense.getValues<APFloat>())
      add(f);
  else
    return kUnknown;
  return most;
}

/// The largest |x| the memref `m` holds, through subviews and casts: a constant
/// memref.global's (an inlined weight), or a weight argument's as the compiler measured it
/// (kMaxAbsArgAttr: a per-channel scale); infinity otherwise.
double memrefBound(Value m, Operation *from) {
  while (Operation *def = m.getDefiningOp()) {
    if (auto view = dyn_cast<memref::SubViewOp>(def))
      m = view.getSource();
    else if (auto cast = dyn_cast<memref::CastOp>(def))
      m = cast.getSource();
    else
      break;
  }
  if (auto arg = dyn_cast<BlockArgument>(m)) {
    auto fn = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    auto most =
        fn ? fn.getArgAttrOfType<FloatAttr>(arg.getArgNumber(), kiln::kMaxAbsArgAttr) : nullptr;
    return most ? most.getValueAsDouble() : kUnknown;
  }
  auto get = m.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return kUnknown;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(from, get.getNameAttr());
  if (!global || !global.getConstant() || !global.getInitialValueAttr())
    return kUnknown;
  return largestMagnitude(global.getInitialValueAttr());
}

/// An upper bound of |v| over every value it takes, from how it is computed: integers
/// converted to float, constants (also read from constant globals), and sums, products,
/// negations, minima, maxima and selections of those. Infinity where unknown (a load of an
/// argument, a loop-carried value) or not finite.
double magnitudeBound(Value v, int depth = 0) {
  if (depth > 24)
    return kUnknown;
  Attribute c;
  if (matchPattern(v, m_Constant(&c)))
    return largestMagnitude(c);
  Operation *op = v.getDefiningOp();
  if (!op)
    return kUnknown;
  auto of = [&](unsigned i) { return magnitudeBound(op->getOperand(i), depth + 1); };
  auto intBits = [](Type t) { return getElementTypeOrSelf(t).getIntOrFloatBitWidth(); };
  if (auto read = dyn_cast<vector::TransferReadOp>(op))
    return std::max(memrefBound(read.getSource(), op),
                    magnitudeBound(read.getPadding(), depth + 1));
  if (isa<arith::SIToFPOp>(op))
    return std::ldexp(1.0, intBits(op->getOperand(0).getType()) - 1);
  if (isa<arith::UIToFPOp>(op))
    return std::ldexp(1.0, intBits(op->getOperand(0).getType()));
  if (isa<arith::MulFOp>(op))
    return of(0) * of(1);
  if (isa<arith::AddFOp, arith::SubFOp>(op))
    return of(0) + of(1);
  if (isa<math::FmaOp>(op))
    return of(0) * of(1) + of(2);
  if (isa<arith::NegFOp, math::AbsFOp, vector::BroadcastOp>(op))
    return of(0);
  if (isa<arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp, arith::MinNumFOp>(op))
    return std::max(of(0), of(1));
  if (isa<arith::SelectOp>(op))
    return std::max(of(1), of(2));
  return kUnknown;
}

void rewrite(arith::DivFOp div, Attribute reciprocals) {
  OpBuilder b(div);
  Location loc = div.getLoc();
  Type type = div.getType();
  Value x = div.getLhs(), c = div.getRhs();
  Value r = b.create<arith::ConstantOp>(loc, type, cast<TypedAttr>(reciprocals));
  Value q = b.create<arith::MulFOp>(loc, x, r);
  Value e = b.create<math::FmaOp>(loc, b.create<arith::NegFOp>(loc, q), c, x);
  Value corrected = b.create<math::FmaOp>(loc, e, r, q);
  // A dividend bounded well inside the float range (an int8 GEMM's int32 sums, scaled and
  // offset by constants) has a finite first quotient: no infinity to keep.
  if (magnitudeBound(x) * largestMagnitude(reciprocals) < 0x1p100) {
    div.replaceAllUsesWith(corrected);
    div.erase();
    return;
  }
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
    // The bounds are for this pass only: no attribute of Kiln's reaches the LLVM dialect.
    func::FuncOp fn = getOperation();
    for (unsigned i = 0; i < fn.getNumArguments(); ++i)
      fn.removeArgAttr(i, kiln::kMaxAbsArgAttr);
  }
};
} // namespace
