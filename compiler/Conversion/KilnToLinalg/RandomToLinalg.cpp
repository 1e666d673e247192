//===- RandomToLinalg.cpp - kiln.random_like → a counter-based hash per element -===//
//
// Each element hashes (seed, its row-major index, draw) with SplitMix64's finalizer into 53
// random bits, a uniform double in [0, 1): deterministic for a seed whatever the tiling or the
// threads. "normal" combines two draws with Box-Muller.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

#include <cstdint>
#include "llvm/Support/MathExtras.h"

namespace kiln::lowering {
namespace {
/// SplitMix64's output function of `z` (i64).
Value mix(OpBuilder &b, Location loc, Value z) {
  auto c = [&](uint64_t v) { return b.create<arith::ConstantIntOp>(loc, (int64_t)v, 64); };
  auto xorShift = [&](Value x, int64_t s) {
    return b.create<arith::XOrIOp>(loc, x, b.create<arith::ShRUIOp>(loc, x, c(s)));
  };
  z = b.create<arith::AddIOp>(loc, z, c(0x9e3779b97f4a7c15ull));
  z = b.create<arith::MulIOp>(loc, xorShift(z, 30), c(0xbf58476d1ce4e5b9ull));
  z = b.create<arith::MulIOp>(loc, xorShift(z, 27), c(0x94d049bb133111ebull));
  return xorShift(z, 31);
}

/// A uniform f64 in [0, 1) from the hash of `key`.
Value uniform01(OpBuilder &b, Location loc, Value key) {
  Value bits = b.create<arith::ShRUIOp>(loc, mix(b, loc, key),
                                        b.create<arith::ConstantIntOp>(loc, 11, 64));
  Value f = b.create<arith::UIToFPOp>(loc, b.getF64Type(), bits);
  return b.create<arith::MulFOp>(
      loc, f, b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(1.0 / 9007199254740992.0)));
}

struct RandomLikeLowering : OpConversionPattern<graph::RandomLikeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::RandomLikeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = tensorTypeOf(op.getResult());
    int64_t rank = type.getRank();
    SmallVector<Value> dims, sizes;
    for (int64_t d = 0; d < rank; ++d) {
      dims.push_back(rewriter.create<tensor::DimOp>(loc, adaptor.getLike(), d));
      if (type.isDynamicDim(d))
        sizes.push_back(dims.back());
    }
    bool normal = op.getDistribution() == "normal";
    double a = op.getA().convertToDouble(), bParam = op.getB().convertToDouble();
    // The seed, mixed once, offsets every element's key.
    uint64_t seed = (uint64_t)op.getSeed() * 0x9e3779b97f4a7c15ull;
    Value result = buildParallelGeneric(
        rewriter, loc, type, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          Value linear = b.create<arith::ConstantIndexOp>(l, 0);
          for (int64_t d = 0; d < rank; ++d)
            linear = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, linear, dims[d]),
                                             b.create<linalg::IndexOp>(l, d));
          Value key = b.create<arith::IndexCastOp>(l, b.getI64Type(), linear);
          // Two keys per element (Box-Muller draws twice): 2 i + seed, 2 i + 1 + seed.
          key = b.create<arith::ShLIOp>(l, key, b.create<arith::ConstantIntOp>(l, 1, 64));
          key = b.create<arith::AddIOp>(l, key, b.create<arith::ConstantIntOp>(l, (int64_t)seed, 64));
          auto f64 = [&](double v) {
            return b.create<arith::ConstantOp>(l, b.getF64FloatAttr(v)).getResult();
          };
          Value u = uniform01(b, l, key), v;
          if (!normal) {
            v = b.create<arith::AddFOp>(l, f64(a), b.create<arith::MulFOp>(l, f64(bParam - a), u));
          } else {
            Value key2 =
                b.create<arith::AddIOp>(l, key, b.create<arith::ConstantIntOp>(l, 1, 64));
            Value u2 = uniform01(b, l, key2);
            // sqrt(-2 ln(1 - u)) cos(2 pi u2): 1 - u is in (0, 1].
            Value r = b.create<math::SqrtOp>(
                l, b.create<arith::MulFOp>(
                       l, f64(-2.0),
                       b.create<math::LogOp>(l, b.create<arith::SubFOp>(l, f64(1.0), u))));
            Value angle = b.create<arith::MulFOp>(l, f64(2 * llvm::numbers::pi), u2);
            Value z = b.create<arith::MulFOp>(l, r, b.create<math::CosOp>(l, angle));
            v = b.create<arith::AddFOp>(l, f64(a), b.create<arith::MulFOp>(l, f64(bParam), z));
          }
          return convertFloat(b, l, v, type.getElementType());
        },
        ValueRange(sizes));
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void populateRandomPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<RandomLikeLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
