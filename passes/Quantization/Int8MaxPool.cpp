//===- Int8MaxPool.cpp - max pools of dequantized 8-bit values pool the 8-bit values ===//
//
// A QDQ model max-pools dequantized values: maxpool((float(x8) - zx) * sx), usually followed
// by a QuantizeLinear with the same scale and zero point (a ResNet stem: conv, relu, Q, DQ,
// max pool, Q, DQ, conv). Dequantization with sx > 0 is increasing, so the max commutes with
// it: the pool of the 8-bit values dequantized is the same tensor, bit for bit, and the
// producer writes 1 byte per value instead of 4, the pool reads and writes a quarter of the
// bytes. Where the pool's only use quantizes with the same scale, zero point and type, that
// quantization gives back the pooled 8-bit values exactly (|x - zx| <= 255: (x - zx) * sx / sx
// rounds back to x - zx) and goes too. Max pools only (an average is not a value of the input),
// and only those the vector code takes in 8 bits (as in float: NHWC, whole 8-lane vectors).
//
//===----------------------------------------------------------------------===//
#include "passes/Quantization/Int8Input.h"
#include "passes/Quantization/Passes.h"

#include "kiln/Dialect/Graph/VectorPools.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_INT8MAXPOOL
#include "passes/Quantization/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct MaxPoolOfDequantized : OpRewritePattern<kiln::MaxPoolOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::MaxPoolOp pool, PatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(pool.getType());
    if (!resultType.getElementType().isF32())
      return failure();
    std::string why;
    FailureOr<kiln::Int8Input> in = kiln::matchInt8Input(pool.getInput(), /*isFloat=*/true, why);
    if (failed(in) || in->runtimeZeroPoint)
      return failure();
    std::optional<double> scale = kiln::scalarConstant(in->mul.getRhs());
    if (!scale || !(*scale > 0) || !std::isfinite(*scale))
      return failure();

    // Where the 8-bit pool would not take the vector code (channels not in whole 8-lane
    // vectors, other layouts), the float pool does better than a scalar 8-bit one.
    Type type8 = getElementTypeOrSelf(in->x8.getType());
    if (!kiln::isVectorCodedPool(pool, type8))
      return failure();
    Location loc = pool.getLoc();
    Value x8 = in->x8;
    if (in->perm)
      x8 = rewriter.create<kiln::TransposeOp>(loc, x8, rewriter.getDenseI64ArrayAttr(*in->perm));
    auto pooled = rewriter.create<kiln::MaxPoolOp>(
        loc, resultType.clone(type8), x8, pool.getKernelShapeAttr(), pool.getStridesAttr(),
        pool.getPadsAttr(), pool.getDilationsAttr(), pool.getCeilModeAttr(),
        pool.getCountIncludePadAttr(), pool.getLayoutAttr());

    std::optional<kiln::Quantize> q = kiln::matchQuantize(pool.getResult());
    if (q && q->scale == *scale && q->zeroPoint == double(in->zeroPoint) &&
        q->cast.getType() == pooled.getType()) {
      rewriter.replaceOp(q->cast, pooled.getResult());
      for (Operation *op : llvm::reverse(q->ops)) // each the only user of the one before
        rewriter.eraseOp(op);
      rewriter.eraseOp(pool);
      return success();
    }
    // The dequantization, now after the pool: the same ops on the pooled values.
    Value v = rewriter.create<kiln::CastOp>(loc, resultType, pooled.getResult());
    if (in->sub)
      v = rewriter.create<kiln::SubOp>(loc, v, in->sub.getRhs());
    v = rewriter.create<kiln::MulOp>(loc, v, in->mul.getRhs());
    rewriter.replaceOp(pool, v);
    return success();
  }
};

struct Int8MaxPoolPass : kiln::impl::Int8MaxPoolBase<Int8MaxPoolPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MaxPoolOfDequantized>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
