//===- Int8Depthwise.cpp - dequantize/quantize around a depthwise conv into its loads/stores ===//
//
// In a QDQ model a depthwise convolution stays a float convolution (its few multiply-adds per
// byte gain nothing from an int8 kernel), between the dequantization of its 8-bit input,
// (float(x8) - zx) * sx, and the quantization of its result, clip(round(v / sy) + zy) cast to
// 8 bits. Each was an elementwise pass over the float tensor, 4 bytes per value, before and
// after the convolution: the dequantized input written by the producer's kernel and read back,
// the float result written and read by a quantize kernel. kiln.depthwise_conv2d reads the
// 8-bit input and writes the 8-bit result itself, with the same f32 arithmetic.
//
//===----------------------------------------------------------------------===//
#include "passes/Quantization/Int8Input.h"
#include "passes/Quantization/Int8MatMul.h"
#include "passes/Quantization/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_INT8DEPTHWISE
#include "passes/Quantization/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// (float(x8) [- zx]) [* sx] (a DequantizeLinear, or the widening of a QLinearConv's or
/// ConvInteger's input as kiln-int8-grouped-conv-in-f32 leaves it: no scale), with `scale`
/// sx or 1; else failure, with `why` set where `v` is still 8-bit values widened.
FailureOr<kiln::Int8Input> matchDequantized(Value v, double &scale, std::string &why) {
  FailureOr<kiln::Int8Input> in = kiln::matchInt8Input(v, /*isFloat=*/true, why);
  if (succeeded(in)) {
    std::optional<double> s = kiln::scalarConstant(in->mul.getRhs());
    if (!s || !(*s > 0) || !std::isfinite(*s))
      return why = "the activation scale is not one finite constant > 0", failure();
    scale = *s;
    return in;
  }
  std::string widened;
  in = kiln::matchInt8Input(v, /*isFloat=*/false, widened);
  if (succeeded(in) && getElementTypeOrSelf(in->cast.getType()).isF32()) {
    scale = 1.0;
    why.clear();
    return in;
  }
  // `why` stays only where the chain does widen 8-bit values.
  for (Operation *op = v.getDefiningOp(); op; op = op->getOperand(0).getDefiningOp()) {
    if (auto cast = dyn_cast<kiln::CastOp>(op)) {
      if (getElementTypeOrSelf(cast.getInput().getType()).isInteger(8))
        return failure();
      break;
    }
    if (!isa<kiln::TransposeOp, kiln::MulOp, kiln::SubOp>(op))
      break;
  }
  why.clear();
  return failure();
}

struct QuantizedDepthwise : OpRewritePattern<kiln::DepthwiseConv2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::DepthwiseConv2DOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getInput().getType().getElementType().isF32() || !op.getType().getElementType().isF32())
      return failure();
    // The input: [reshape of] the dequantized 8-bit values.
    Value v = op.getInput();
    auto reshape = v.getDefiningOp<kiln::ReshapeOp>();
    double inScale = 1;
    std::string why;
    FailureOr<kiln::Int8Input> in =
        matchDequantized(reshape ? reshape.getInput() : v, inScale, why);
    bool input8 = succeeded(in);
    if (!why.empty())
      kiln::warnOnce(rewriter, op,
                     "depthwise convolution of 8-bit activations runs on the dequantized float "
                     "tensor (" + why + ")");
    std::optional<kiln::Quantize> out = kiln::matchQuantize(op.getResult());
    if (!input8 && !out)
      return failure();

    Location loc = op.getLoc();
    Value input = op.getInput();
    if (input8) {
      input = in->x8;
      if (in->perm)
        input = rewriter.create<kiln::TransposeOp>(loc, input,
                                                   rewriter.getDenseI64ArrayAttr(*in->perm));
      auto x8Type = cast<RankedTensorType>(input.getType());
      if (reshape)
        input = rewriter.create<kiln::ReshapeOp>(
            loc, op.getInput().getType().clone(x8Type.getElementType()), input);
    }
    Type resultType = out ? out->cast.getType() : op.getType();
    SmallVector<Value> operands{input, op.getFilter()};
    if (op.getBias())
      operands.push_back(op.getBias());
    Operation *last = out ? out->cast.getOperation() : op.getOperation();
    rewriter.setInsertionPoint(last);
    auto fused = rewriter.create<kiln::DepthwiseConv2DOp>(loc, TypeRange{resultType}, operands,
                                                          op->getAttrs());
    if (input8) {
      fused.setInputScaleAttr(rewriter.getF64FloatAttr(inScale));
      fused.setInputZeroPointAttr(rewriter.getF64FloatAttr(double(in->zeroPoint)));
    }
    if (out) {
      fused.setOutputScaleAttr(rewriter.getF64FloatAttr(out->scale));
      fused.setOutputZeroPointAttr(rewriter.getF64FloatAttr(out->zeroPoint));
      rewriter.replaceOp(out->cast, fused.getResult());
      for (Operation *dead : llvm::reverse(out->ops))
        rewriter.eraseOp(dead);
      rewriter.eraseOp(op);
    } else {
      rewriter.replaceOp(op, fused.getResult());
    }
    return success();
  }
};

struct Int8DepthwisePass : kiln::impl::Int8DepthwiseBase<Int8DepthwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<QuantizedDepthwise>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    kiln::clearInt8Warnings(getOperation());
  }
};
} // namespace
