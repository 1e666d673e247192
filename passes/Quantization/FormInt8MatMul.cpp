//===- FormInt8MatMul.cpp - i32 matmuls of 8-bit values → kiln.matmul_int8 -===//
//
// matmul(cast(a) - za, W) with a of ui8/i8, za a scalar constant and W an i32 constant whose
// values fit in int8 becomes matmul_int8(a', pack(W)) - za' * colsum(W): a' = a (ui8) or
// a + 128 (i8, za' = za + 128). Both sides are exact int32 arithmetic (wrapping alike), so
// the result is bit-identical to the widened product.
//
//===----------------------------------------------------------------------===//
#include "passes/Quantization/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <algorithm>
#include <climits>

namespace kiln {
#define GEN_PASS_DEF_FORMINT8MATMUL
#include "passes/Quantization/Passes.h.inc"
} // namespace kiln

using namespace mlir;

std::vector<int8_t> kiln::packInt8Weights(const std::vector<int32_t> &w, int64_t k, int64_t n) {
  int64_t nb = (n + 63) / 64, kb = (k + 3) / 4;
  std::vector<int8_t> packed(nb * kb * 256, 0);
  for (int64_t r = 0; r < k; ++r)
    for (int64_t c = 0; c < n; ++c)
      packed[((c / 64) * kb + r / 4) * 256 + (c % 64) * 4 + r % 4] = int8_t(w[r * n + c]);
  return packed;
}

namespace {
Type elementTypeOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

/// The value of a one-element integer constant.
std::optional<int64_t> scalarConstant(Value v) {
  DenseIntElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || attr.getNumElements() != 1)
    return std::nullopt;
  return (*attr.getValues<APInt>().begin()).getSExtValue();
}

/// The 8-bit source of `cast(src) - zp` (or `cast(src)`) and its zero point, or failure with
/// a reason. A reshape of that (a pointwise conv made a matmul) reshapes the source instead.
struct Activation {
  Value source;
  int64_t zeroPoint = 0;
  RankedTensorType reshapedTo; ///< The source must be reshaped to this shape first.
};
FailureOr<Activation> matchActivation(Value lhs, std::string &why) {
  Activation act;
  if (auto reshape = lhs.getDefiningOp<kiln::ReshapeOp>()) {
    act.reshapedTo = cast<RankedTensorType>(lhs.getType());
    lhs = reshape.getInput();
  }
  if (auto sub = lhs.getDefiningOp<kiln::SubOp>()) {
    std::optional<int64_t> zp = scalarConstant(sub.getRhs());
    if (!zp || sub.getLhs().getType() != lhs.getType())
      return why = "the activation zero point is not one constant", failure();
    act.zeroPoint = *zp;
    lhs = sub.getLhs();
  }
  auto cast = lhs.getDefiningOp<kiln::CastOp>();
  Type from = cast ? elementTypeOf(cast.getInput()) : Type();
  if (!from || !from.isInteger(8))
    return why = "the activations are not 8-bit integers", failure();
  act.source = cast.getInput();
  return act;
}

/// The values of a static integer constant (sign- or zero-extended by its type), row-major.
std::optional<std::vector<int64_t>> constantValues(Value v) {
  DenseIntElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  bool isUnsigned = attr.getElementType().isUnsignedInteger();
  std::vector<int64_t> out;
  out.reserve(attr.getNumElements());
  for (const APInt &x : attr.getValues<APInt>())
    out.push_back(isUnsigned ? int64_t(x.getZExtValue()) : x.getSExtValue());
  return out;
}

/// The weights minus their zero point, w (row-major K x N), as w' + shift[n] with every w'
/// in int8: shift[n] = 0 where a column fits, else min(column) + 128 (uint8 weights with a
/// zero point span 255 values at most).
struct Weights {
  std::vector<int32_t> values;
  std::vector<int64_t> shift;
  bool shifted = false;
};

/// The weights (row-major K x N) minus their zero point, or failure with a reason: an i32
/// constant (the importer's folded form), or `cast(W8) [- zp]` of an 8-bit constant (large
/// weights the folder leaves alone) with a scalar or per-column zero point.
FailureOr<Weights> matchWeights(Value rhs, std::string &why) {
  auto type = cast<RankedTensorType>(rhs.getType());
  if (type.getRank() != 2 || !type.hasStaticShape())
    return why = "the weights are not a static matrix", failure();
  int64_t n = type.getDimSize(1);
  std::vector<int64_t> zp(n, 0);
  if (auto sub = rhs.getDefiningOp<kiln::SubOp>()) {
    auto zpType = cast<RankedTensorType>(sub.getRhs().getType());
    std::optional<std::vector<int64_t>> z = constantValues(sub.getRhs());
    if (!z || sub.getLhs().getType() != type ||
        (zpType.getNumElements() != 1 && zpType.getShape().back() != n) ||
        (zpType.getNumElements() != 1 && zpType.getNumElements() != n))
      return why = "the weight zero point is not a scalar or per-column constant", failure();
    for (int64_t c = 0; c < n; ++c)
      zp[c] = (*z)[z->size() == 1 ? 0 : c];
    rhs = sub.getLhs();
  }
  if (auto cast = rhs.getDefiningOp<kiln::CastOp>())
    if (elementTypeOf(cast.getInput()).isInteger(8))
      rhs = cast.getInput();
  std::optional<std::vector<int64_t>> values = constantValues(rhs);
  if (!values)
    return why = "the weights are not a constant matrix", failure();
  std::vector<int64_t> lo(n, INT64_MAX), hi(n, INT64_MIN);
  for (size_t i = 0; i < values->size(); ++i) {
    int64_t x = (*values)[i] - zp[i % n];
    lo[i % n] = std::min(lo[i % n], x);
    hi[i % n] = std::max(hi[i % n], x);
  }
  Weights w;
  w.shift.assign(n, 0);
  for (int64_t c = 0; c < n; ++c) {
    if (lo[c] >= -128 && hi[c] <= 127)
      continue;
    if (hi[c] - lo[c] > 255)
      return why = "a column of weights minus their zero point spans more than 256 values",
             failure();
    w.shift[c] = lo[c] + 128;
    w.shifted = true;
  }
  w.values.reserve(values->size());
  for (size_t i = 0; i < values->size(); ++i)
    w.values.push_back(int32_t((*values)[i] - zp[i % n] - w.shift[i % n]));
  return w;
}

/// Whether `op` multiplies 8-bit integers widened to i32 (what a quantized node imports as).
bool isWidenedInt8(kiln::MatMulOp op) {
  if (!elementTypeOf(op.getResult()).isSignlessInteger(32))
    return false;
  auto fromInt8 = [](Value v) {
    if (auto reshape = v.getDefiningOp<kiln::ReshapeOp>())
      v = reshape.getInput();
    if (auto sub = v.getDefiningOp<kiln::SubOp>())
      v = sub.getLhs();
    auto cast = v.getDefiningOp<kiln::CastOp>();
    return cast && elementTypeOf(cast.getInput()).isInteger(8);
  };
  return fromInt8(op.getLhs()) || fromInt8(op.getRhs());
}

struct FormInt8MatMul : OpRewritePattern<kiln::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::MatMulOp op, PatternRewriter &rewriter) const override {
    if (!isWidenedInt8(op))
      return failure();
    std::string why;
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    FailureOr<Activation> act = matchActivation(op.getLhs(), why);
    FailureOr<Weights> w = succeeded(act) ? matchWeights(op.getRhs(), why) : FailureOr<Weights>();
    if (succeeded(act) && succeeded(w) &&
        (lhsType.getRank() < 2 || !lhsType.hasStaticShape() || !resultType.hasStaticShape()))
      why = "the shapes are not static", w = failure();
    if (failed(act) || failed(w)) {
      if (!op->hasAttr(kWarned)) {
        op.emitWarning("kiln: integer matmul of 8-bit values runs as an i32 matmul (no int8 "
                       "kernel: ")
            << why << ")";
        rewriter.modifyOpInPlace(op, [&] { op->setAttr(kWarned, rewriter.getUnitAttr()); });
      }
      return failure();
    }
    rewriter.replaceOp(op, build(rewriter, op, *act, *w));
    return success();
  }

private:
  static constexpr llvm::StringLiteral kWarned = "kiln.int8_warned";

  static Value build(PatternRewriter &rewriter, kiln::MatMulOp op, Activation act,
                     const Weights &weights) {
    const std::vector<int32_t> &w = weights.values;
    Location loc = op.getLoc();
    if (act.reshapedTo)
      act.source = rewriter.create<kiln::ReshapeOp>(
          loc, act.reshapedTo.clone(elementTypeOf(act.source)), act.source);
    auto srcType = cast<RankedTensorType>(act.source.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t k = srcType.getShape().back(), n = resultType.getShape().back();
    Type i32 = rewriter.getI32Type(), u8 = rewriter.getIntegerType(8, /*isSigned=*/false);
    Value a = act.source;
    int64_t zp = act.zeroPoint;
    if (!elementTypeOf(a).isUnsignedInteger()) {
      // i8 → ui8 by +128: (a - za) = (a + 128) - (za + 128).
      Value wide = rewriter.create<kiln::CastOp>(loc, srcType.clone(i32), a);
      Value shift = rewriter.create<kiln::ConstantOp>(
          loc, DenseElementsAttr::get(RankedTensorType::get({}, i32), int32_t(128)));
      Value shifted = rewriter.create<kiln::AddOp>(loc, wide, shift);
      a = rewriter.create<kiln::CastOp>(loc, srcType.clone(u8), shifted);
      zp += 128;
    }
    std::vector<int8_t> packed = kiln::packInt8Weights(w, k, n);
    auto packedType = RankedTensorType::get({(n + 63) / 64, (k + 3) / 4, 256},
                                            rewriter.getIntegerType(8));
    Value rhs = rewriter.create<kiln::ConstantOp>(
        loc, DenseElementsAttr::get(packedType, ArrayRef<int8_t>(packed)));
    Value out = rewriter.create<kiln::MatMulInt8Op>(loc, resultType, a, rhs);
    if (zp != 0) {
      // Modulo 2^32, as the kernel's int32 accumulation.
      std::vector<uint32_t> sums(n, 0);
      for (int64_t r = 0; r < k; ++r)
        for (int64_t c = 0; c < n; ++c)
          sums[c] += uint32_t(zp) * uint32_t(w[r * n + c]);
      out = rewriter.create<kiln::SubOp>(loc, out, i32Constant(rewriter, loc, sums));
    }
    if (!weights.shifted)
      return out;
    // + shift[n] * sum_k (a' - za'): the row sums of the activations, at run time.
    auto wideType = srcType.clone(i32);
    Value wide = rewriter.create<kiln::CastOp>(loc, wideType, a);
    int64_t last = srcType.getRank() - 1;
    Value rows = rewriter.create<kiln::ReduceOp>(loc, wide, kiln::ReduceKind::sum,
                                                 ArrayRef<int64_t>{last}, true);
    if (zp != 0)
      rows = rewriter.create<kiln::SubOp>(
          loc, rows, i32Constant(rewriter, loc, {uint32_t(k) * uint32_t(zp)}, /*scalar=*/true));
    std::vector<uint32_t> shift(weights.shift.begin(), weights.shift.end());
    Value term = rewriter.create<kiln::MulOp>(loc, rows, i32Constant(rewriter, loc, shift));
    return rewriter.create<kiln::AddOp>(loc, out, term);
  }

  /// An i32 constant of `values` ([n], or a scalar).
  static Value i32Constant(PatternRewriter &rewriter, Location loc, ArrayRef<uint32_t> values,
                           bool scalar = false) {
    std::vector<int32_t> v(values.begin(), values.end());
    auto type = RankedTensorType::get(scalar ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{int64_t(v.size())},
                                      rewriter.getI32Type());
    return rewriter.create<kiln::ConstantOp>(loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(v)));
  }
};

struct FormInt8MatMulPass : kiln::impl::FormInt8MatMulBase<FormInt8MatMulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FormInt8MatMul>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([](kiln::MatMulOp op) { op->removeAttr("kiln.int8_warned"); });
  }
};
} // namespace
