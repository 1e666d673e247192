//===- FormInt8MatMul.cpp - i32 matmuls of 8-bit values → kiln.matmul_int8 -===//
//
// matmul(cast(a) - za, W) with a of ui8/i8, za a scalar constant and W an i32 constant whose
// values fit in int8 becomes matmul_int8(a', pack(W)) - za' * colsum(W): a' = a (ui8) or
// a + 128 (i8, za' = za + 128). Both sides are exact int32 arithmetic (wrapping alike), so
// the result is bit-identical to the widened product.
//
//===----------------------------------------------------------------------===//
#include "passes/Quantization/Passes.h"
#include "passes/Quantization/Int8Input.h"
#include "passes/Quantization/Int8MatMul.h"

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
FailureOr<kiln::Int8Activation> matchActivation(Value lhs, std::string &why) {
  kiln::Int8Activation act;
  if (auto reshape = lhs.getDefiningOp<kiln::ReshapeOp>()) {
    act.reshapedTo = cast<RankedTensorType>(lhs.getType());
    lhs = reshape.getInput();
  }
  if (auto sub = lhs.getDefiningOp<kiln::SubOp>()) {
    std::optional<int64_t> zp = scalarConstant(sub.getRhs());
    // A run-time zero point: the widening of one 8-bit value (DynamicQuantizeLinear's).
    bool runtime = !zp && kiln::runtimeZeroPoint(sub.getRhs());
    if ((!zp && !runtime) || sub.getLhs().getType() != lhs.getType())
      return why = "the activation zero point is not one constant", failure();
    if (runtime)
      act.runtimeZeroPoint = sub.getRhs();
    else
      act.zeroPoint = *zp;
    lhs = sub.getLhs();
  }
  auto cast = lhs.getDefiningOp<kiln::CastOp>();
  Type from = cast ? elementTypeOf(cast.getInput()) : Type();
  if (!from || !from.isInteger(8))
    return why = "the activations are not a cast of 8-bit values (an im2col copy of a "
                 "conv's, or moved by other ops)",
           failure();
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

/// The weights (row-major K x N) minus their zero point, or failure with a reason: an i32
/// constant (the importer's folded form), or `cast(W8) [- zp]` of an 8-bit constant (large
/// weights the folder leaves alone) with a scalar or per-column zero point.
FailureOr<kiln::Int8Weights> matchWeights(Value rhs, std::string &why) {
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
  std::vector<int64_t> centred(values->size());
  for (size_t i = 0; i < values->size(); ++i)
    centred[i] = (*values)[i] - zp[i % n];
  FailureOr<kiln::Int8Weights> w = kiln::splitInt8Weights(centred, n);
  if (failed(w))
    why = "a column of weights minus their zero point spans more than 256 values";
  return w;
}

/// Whether `op` multiplies 8-bit integers widened to i32 (what a quantized node imports as).
/// Whether `v` is 8-bit values widened (and centred), possibly moved by data-movement ops
/// (an im2col of a conv: slices, pads, concats, reshapes, transposes of them).
bool fromInt8(Value v) {
  for (int depth = 0; depth < 8; ++depth) {
    Operation *def = v.getDefiningOp();
    if (!def)
      return false;
    if (auto cast = dyn_cast<kiln::CastOp>(def))
      return elementTypeOf(cast.getInput()).isInteger(8);
    if (!isa<kiln::ReshapeOp, kiln::SubOp, kiln::SliceOp, kiln::PadOp, kiln::ConcatOp,
             kiln::TransposeOp>(def) || def->getNumOperands() == 0)
      return false;
    v = def->getOperand(0);
  }
  return false;
}

bool isWidenedInt8(kiln::MatMulOp op) {
  return elementTypeOf(op.getResult()).isSignlessInteger(32) &&
         (fromInt8(op.getLhs()) || fromInt8(op.getRhs()));
}

struct FormInt8MatMul : OpRewritePattern<kiln::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::MatMulOp op, PatternRewriter &rewriter) const override {
    if (!isWidenedInt8(op))
      return failure();
    std::string why;
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    FailureOr<kiln::Int8Activation> act = matchActivation(op.getLhs(), why);
    FailureOr<kiln::Int8Weights> w =
        succeeded(act) ? matchWeights(op.getRhs(), why) : FailureOr<kiln::Int8Weights>();
    if (succeeded(act) && succeeded(w) &&
        (lhsType.getRank() < 2 || lhsType.isDynamicDim(lhsType.getRank() - 1) ||
         resultType.isDynamicDim(resultType.getRank() - 1)))
      why = "K or N is not static", w = failure();
    if (failed(act) || failed(w)) {
      kiln::warnOnce(rewriter, op,
                     "integer matmul of 8-bit values runs as an i32 matmul (no int8 kernel: " +
                         why + ")");
      return failure();
    }
    rewriter.replaceOp(op, kiln::buildInt8MatMul(rewriter, op.getLoc(), *act, *w, resultType));
    return success();
  }
};

struct FormInt8MatMulPass : kiln::impl::FormInt8MatMulBase<FormInt8MatMulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FormInt8MatMul>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    kiln::clearInt8Warnings(getOperation());
    // Convolutions of 8-bit values that did not become matmuls (kiln-int8-conv-im2col takes
    // the dense ones) have no int8 kernel.
    getOperation().walk([](kiln::ConvOp op) {
      if (elementTypeOf(op.getResult()).isSignlessInteger(32) && fromInt8(op.getInput()))
        op.emitWarning("kiln: ") << kiln::nodePrefix(op.getLoc())
                                 << "integer convolution of 8-bit values runs as an i32 conv "
                                    "(no int8 kernel for grouped convolutions, or ones with "
                                    "run-time weights or dynamic shapes)";
    });
  }
};
} // namespace
