//===- Int8GroupedConvInF32.cpp - grouped int8 convolutions as exact float convolutions ===//
//
// Grouped and depthwise integer convs of 8-bit activations (QLinearConv, ConvInteger) have no
// int8 kernel, and as i32 convs they lower to scalar loops. Their sums are small: a depthwise
// 3x3 tap sum is at most 9 * 128 * 255, far below 2^24, where float32 arithmetic on integers
// is exact in any order. Such a conv, conv(cast(x) - zx, W) + b in i32, becomes
// cast<i32>(conv(float(x) - zx, float(W), float(b))): bit-identical, and the float conv takes
// the vector paths of fp32 models (kiln-depthwise-conv, kiln-grouped-conv).
//
//===----------------------------------------------------------------------===//
#include "passes/Quantization/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <cstdlib>

namespace kiln {
#define GEN_PASS_DEF_INT8GROUPEDCONVINF32
#include "passes/Quantization/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
Type elementTypeOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

/// The values of an integer constant, sign- or zero-extended by its type.
std::optional<std::vector<int64_t>> intValues(Value v) {
  DenseIntElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  bool isUnsigned = attr.getElementType().isUnsignedInteger();
  std::vector<int64_t> out;
  for (const APInt &x : attr.getValues<APInt>())
    out.push_back(isUnsigned ? int64_t(x.getZExtValue()) : x.getSExtValue());
  return out;
}

/// Floats are exact integers up to 2^24 in magnitude.
constexpr int64_t kExactFloat = int64_t(1) << 24;

struct GroupedConvInF32 : OpRewritePattern<kiln::ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    auto result = conv.getType();
    if (conv.getGroup() == 1 || !result.getElementType().isSignlessInteger(32) ||
        conv.getLayout() != "NCHW")
      return failure();
    // cast(x8) [- zx]: zx one constant.
    Value v = conv.getInput();
    int64_t zp = 0;
    auto sub = v.getDefiningOp<kiln::SubOp>();
    if (sub) {
      std::optional<std::vector<int64_t>> z = intValues(sub.getRhs());
      if (!z || z->size() != 1 || sub.getLhs().getType() != v.getType())
        return failure();
      zp = z->front();
      v = sub.getLhs();
    }
    auto widen = v.getDefiningOp<kiln::CastOp>();
    if (!widen || !elementTypeOf(widen.getInput()).isInteger(8))
      return failure();
    std::optional<std::vector<int64_t>> w = intValues(conv.getFilter());
    std::optional<std::vector<int64_t>> b = intValues(conv.getBias());
    if (!w || (conv.getBias() && !b))
      return failure();
    // The largest |x - zx| and, per output channel (filter dim 0), sum |w| + |b|.
    bool isUnsigned = elementTypeOf(widen.getInput()).isUnsignedInteger();
    int64_t lo = isUnsigned ? 0 : -128, hi = isUnsigned ? 255 : 127;
    int64_t xmax = std::max(std::abs(lo - zp), std::abs(hi - zp));
    int64_t f = conv.getFilter().getType().getDimSize(0), per = int64_t(w->size()) / f;
    for (int64_t o = 0; o < f; ++o) {
      int64_t sum = b ? std::abs((*b)[o]) : 0;
      for (int64_t i = 0; i < per; ++i)
        sum += std::abs((*w)[o * per + i]) * xmax;
      if (sum >= kExactFloat)
        return failure(); // not exact in float: stays i32 (kiln-form-int8-matmul warns)
    }
    Location loc = conv.getLoc();
    Type f32 = rewriter.getF32Type();
    auto inType = cast<RankedTensorType>(v.getType());
    Value x = rewriter.create<kiln::CastOp>(loc, inType.clone(f32), widen.getInput());
    if (sub)
      x = rewriter.create<kiln::SubOp>(
          loc, x,
          rewriter.create<kiln::ConstantOp>(
              loc, DenseElementsAttr::get(RankedTensorType::get({}, f32), float(zp))));
    auto floats = [&](const std::vector<int64_t> &values, RankedTensorType type) -> Value {
      std::vector<float> fv(values.begin(), values.end());
      return rewriter.create<kiln::ConstantOp>(
          loc, DenseElementsAttr::get(type.clone(f32), ArrayRef<float>(fv)));
    };
    Value filter = floats(*w, conv.getFilter().getType());
    Value bias = b ? floats(*b, cast<RankedTensorType>(conv.getBias().getType())) : Value();
    auto fconv = rewriter.create<kiln::ConvOp>(loc, x, filter, bias, conv.getStridesAttr(),
                                               conv.getPadsAttr(), conv.getDilationsAttr(),
                                               conv.getGroupAttr(), conv.getLayoutAttr());
    rewriter.replaceOpWithNewOp<kiln::CastOp>(conv, result, fconv);
    return success();
  }
};

struct Int8GroupedConvInF32Pass : kiln::impl::Int8GroupedConvInF32Base<Int8GroupedConvInF32Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GroupedConvInF32>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
