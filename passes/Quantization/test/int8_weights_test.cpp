// int8_weights_test.cpp - weightMatrix (Int8Weights.h) against a direct definition: the
// unfolded dequantization of an FCHW 8-bit constant, transposed to HWCF, comes back as the
// [KH*KW*C, F] int8 constant with w[(kh*KW + kw)*C + c][f] = W8[f][c][kh][kw] and the
// per-channel scale as an [F] vector; a scale along another dim is refused, creating nothing.
#include "passes/Quantization/Int8Weights.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {
constexpr int64_t F = 5, C = 3, KH = 2, KW = 3;

int8_t w8(int64_t f, int64_t c, int64_t h, int64_t w) {
  return int8_t(((f * C + c) * KH + h) * KW + w - 60);
}

struct Fixture {
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
  Fixture() {
    ctx.loadDialect<kiln::KilnDialect, func::FuncDialect>();
    module = ModuleOp::create(UnknownLoc::get(&ctx));
  }

  /// transpose(cast(W8) * s, {2, 3, 1, 0}) with s of shape `scaleShape`.
  Value dequantized(OpBuilder &b, ArrayRef<int64_t> scaleShape) {
    Location loc = b.getUnknownLoc();
    std::vector<int8_t> values;
    for (int64_t f = 0; f < F; ++f)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t h = 0; h < KH; ++h)
          for (int64_t w = 0; w < KW; ++w)
            values.push_back(w8(f, c, h, w));
    auto i8 = RankedTensorType::get({F, C, KH, KW}, b.getI8Type());
    Value q = b.create<kiln::ConstantOp>(loc, DenseElementsAttr::get(i8, ArrayRef<int8_t>(values)));
    Value x = b.create<kiln::CastOp>(loc, i8.clone(b.getF32Type()), q);
    auto sType = RankedTensorType::get(scaleShape, b.getF32Type());
    std::vector<float> scales(sType.getNumElements());
    for (size_t i = 0; i < scales.size(); ++i)
      scales[i] = 0.5f + float(i);
    Value s = b.create<kiln::ConstantOp>(loc, DenseElementsAttr::get(sType, ArrayRef<float>(scales)));
    Value m = b.create<kiln::MulOp>(loc, x, s);
    return b.create<kiln::TransposeOp>(loc, m, b.getDenseI64ArrayAttr({2, 3, 1, 0}));
  }
};

TEST(WeightMatrix, TransposedDequantizationBecomesAnInt8MatrixAndAScaleVector) {
  Fixture fx;
  PatternRewriter rewriter(&fx.ctx);
  rewriter.setInsertionPointToEnd(fx.module->getBody());
  Value weights = fx.dequantized(rewriter, {F, 1, 1, 1});
  ASSERT_TRUE(kiln::isUnfoldedDequantization(weights));
  std::string why;
  FailureOr<Value> m = kiln::weightMatrix(rewriter, rewriter.getUnknownLoc(), weights, why);
  ASSERT_TRUE(succeeded(m)) << why;
  auto mul = m->getDefiningOp<kiln::MulOp>();
  ASSERT_TRUE(mul);
  DenseElementsAttr scale, matrix;
  ASSERT_TRUE(matchPattern(mul.getRhs(), m_Constant(&scale)));
  EXPECT_EQ(cast<ShapedType>(scale.getType()).getShape(), ArrayRef<int64_t>{F});
  EXPECT_EQ(scale.getValues<float>()[3], 3.5f);
  auto widen = mul.getLhs().getDefiningOp<kiln::CastOp>();
  ASSERT_TRUE(widen);
  ASSERT_TRUE(matchPattern(widen.getInput(), m_Constant(&matrix)));
  ASSERT_EQ(cast<ShapedType>(matrix.getType()).getShape(), (ArrayRef<int64_t>{KH * KW * C, F}));
  auto values = matrix.getValues<int8_t>();
  for (int64_t h = 0; h < KH; ++h)
    for (int64_t w = 0; w < KW; ++w)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t f = 0; f < F; ++f)
          EXPECT_EQ(values[((h * KW + w) * C + c) * F + f], w8(f, c, h, w))
              << "kh=" << h << " kw=" << w << " c=" << c << " f=" << f;
  EXPECT_FALSE(kiln::isUnfoldedDequantization(*m)); // already the [K, N] form
}

TEST(WeightMatrix, AScaleAlongAnotherDimIsRefusedAndCreatesNothing) {
  Fixture fx;
  PatternRewriter rewriter(&fx.ctx);
  rewriter.setInsertionPointToEnd(fx.module->getBody());
  Value weights = fx.dequantized(rewriter, {1, C, 1, 1}); // per input channel
  size_t before = fx.module->getBody()->getOperations().size();
  std::string why;
  EXPECT_TRUE(failed(kiln::weightMatrix(rewriter, rewriter.getUnknownLoc(), weights, why)));
  EXPECT_NE(why.find("per output channel"), std::string::npos) << why;
  EXPECT_EQ(fx.module->getBody()->getOperations().size(), before);
}
} // namespace
