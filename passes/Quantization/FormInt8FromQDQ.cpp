//===- FormInt8FromQDQ.cpp - QDQ matmuls (dequantized activations x weights) → int8 ===//
//
// A QDQ model computes matmul(DQ(x_q), DQ(w_q)) in float: (float(x_q) - zx) * sx against
// weights that the importer folded to float constants w_q * s_n. When every column of the
// float weights is exactly (in float32) an int8 value times one scale (symmetric per-column
// quantization, the scale recovered from the column's largest magnitude), the product becomes
// float(sum_k (x_q - zx) * w_q) * (sx * s_n): kiln.matmul_int8 with exact int32 accumulation
// and the scales applied once per output (as onnxruntime runs the same model).
//
//===----------------------------------------------------------------------===//
#include "passes/Quantization/Int8MatMul.h"
#include "passes/Quantization/Int8Weights.h"
#include "passes/Quantization/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_FORMINT8FROMQDQ
#include "passes/Quantization/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
Type elementTypeOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

std::optional<float> floatScalar(Value v) {
  DenseFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || attr.getNumElements() != 1 ||
      !attr.getElementType().isF32())
    return std::nullopt;
  return (*attr.getValues<APFloat>().begin()).convertToFloat();
}

/// `(float(x_q) - zx) * sx` (or without `- zx`; optionally reshaped): x_q, zx and sx.
struct Dequantized {
  kiln::Int8Activation act;
  float scale = 1;
};
std::optional<Dequantized> matchDequantized(Value v) {
  Dequantized d;
  if (auto reshape = v.getDefiningOp<kiln::ReshapeOp>()) {
    d.act.reshapedTo = cast<RankedTensorType>(v.getType());
    v = reshape.getInput();
  }
  auto mul = v.getDefiningOp<kiln::MulOp>();
  if (!mul || mul.getLhs().getType() != v.getType())
    return std::nullopt;
  std::optional<float> scale = floatScalar(mul.getRhs());
  if (!scale || !(*scale > 0) || !std::isfinite(*scale))
    return std::nullopt;
  d.scale = *scale;
  v = mul.getLhs();
  if (auto sub = v.getDefiningOp<kiln::SubOp>()) {
    std::optional<float> zp = floatScalar(sub.getRhs());
    if (!zp || *zp != std::nearbyint(*zp) || sub.getLhs().getType() != v.getType())
      return std::nullopt;
    d.act.zeroPoint = int64_t(*zp);
    v = sub.getLhs();
  }
  auto cast = v.getDefiningOp<kiln::CastOp>();
  if (!cast || !elementTypeOf(cast.getInput()).isInteger(8))
    return std::nullopt;
  d.act.source = cast.getInput();
  return d;
}

struct FormInt8FromQDQ : OpRewritePattern<kiln::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::MatMulOp op, PatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    if (!resultType.getElementType().isF32())
      return failure();
    std::optional<Dequantized> x = matchDequantized(op.getLhs());
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    if (!x || lhsType.getRank() < 2)
      return failure();
    // The rows (batch, image, sequence) may be symbolic; the contraction's K and N not.
    if (lhsType.isDynamicDim(lhsType.getRank() - 1) ||
        resultType.isDynamicDim(resultType.getRank() - 1))
      return warn(op, rewriter, "K or N is not static");
    auto wType = cast<RankedTensorType>(op.getRhs().getType());
    if (wType.getRank() != 2 || !wType.hasStaticShape())
      return warn(op, rewriter, "the weights are not a static matrix");
    // Weights too large for the folder (a transposed Gemm's), or reshaped to [K, N] from
    // [..., K', N] (a 1x1 conv on a 1x1 map made a matmul, as in squeeze-and-excitation
    // blocks: HWCF [1, 1, C, F]): laid out as [K, N] first.
    Value unfolded = op.getRhs();
    if (auto reshape = unfolded.getDefiningOp<kiln::ReshapeOp>()) {
      auto from = cast<RankedTensorType>(reshape.getInput().getType());
      if (from.hasStaticShape() && from.getRank() > 2 &&
          from.getDimSize(from.getRank() - 1) == wType.getDimSize(1))
        unfolded = reshape.getInput();
    }
    if (kiln::isUnfoldedDequantization(unfolded)) {
      std::string why;
      FailureOr<Value> w = kiln::weightMatrix(rewriter, op.getLoc(), unfolded, why);
      if (failed(w))
        return warn(op, rewriter, why);
      rewriter.modifyOpInPlace(op, [&] { op->setOperand(1, *w); });
      return success();
    }
    int64_t n = wType.getDimSize(1);
    std::string why;
    FailureOr<kiln::Int8Columns> columns = kiln::int8Columns(op.getRhs(), why);
    if (failed(columns))
      return warn(op, rewriter, why);
    FailureOr<kiln::Int8Weights> weights = kiln::splitInt8Weights(columns->q, n);
    if (failed(weights))
      return warn(op, rewriter, "a column of weights spans more than 256 values");
    Location loc = op.getLoc();
    Value acc = kiln::buildInt8MatMul(rewriter, loc, x->act, *weights,
                                      resultType.clone(rewriter.getI32Type()));
    rewriter.replaceOp(op, kiln::scaleInt8Product(rewriter, loc, acc, x->scale, columns->scales));
    return success();
  }

private:
  static LogicalResult warn(kiln::MatMulOp op, PatternRewriter &rewriter, StringRef why) {
    kiln::warnOnce(rewriter, op,
                   "matmul of dequantized int8 activations runs in float (no int8 kernel: " +
                       why + ")");
    return failure();
  }
};

struct FormInt8FromQDQPass : kiln::impl::FormInt8FromQDQBase<FormInt8FromQDQPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FormInt8FromQDQ>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    kiln::clearInt8Warnings(getOperation());
  }
};
} // namespace
