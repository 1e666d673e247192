//===- FoldByteRoundTrips.cpp - float(int8(x)) of an integer in range is x ----------===//
//
// A QDQ model's float ops that read a quantized value (a SiLU or hard-swish after a conv, a
// sigmoid gate) see DequantizeLinear(QuantizeLinear(y)): clip(round(y / s) + zp, lo, hi) cast
// to 8 bits, cast back to float, minus zp, times s. Once the int8 passes have taken what they
// run on 8-bit values (they match the 8-bit cast: this pass runs after them), the round trip
// through 8 bits of a value that is already an integer in the 8-bit type's range changes
// nothing: where no other op reads the 8-bit values, the two conversions go, and a fused
// kernel's epilogue (EfficientNet's conv + SiLU: dequantize, sigmoid, multiply, quantize) does
// two fewer per element. Integer-valued: round,
// floor, ceil, a widened integer, sums and differences of those with integer constants; in
// range: a clip to bounds inside the type's. (A NaN, which has no 8-bit value, now reaches the
// float ops as NaN instead of whatever the conversion made of it.)
//
//===----------------------------------------------------------------------===//
#include "passes/Quantization/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_FOLDBYTEROUNDTRIPS
#include "passes/Quantization/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Whether every element of the constant `v` is an integer (in its float type).
bool isIntegerConstant(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  if (isa<IntegerType>(attr.getElementType()))
    return true;
  auto floats = dyn_cast<DenseFPElementsAttr>(attr);
  return floats && llvm::all_of(floats.getValues<APFloat>(),
                                [](const APFloat &f) { return f.isFinite() && f.isInteger(); });
}

/// Whether `v` holds integer values only (a bounded walk up its producers).
bool isIntegerValued(Value v, int depth = 6) {
  if (isIntegerConstant(v))
    return true;
  Operation *op = v.getDefiningOp();
  if (!op || depth == 0)
    return false;
  if (isa<kiln::RoundOp, kiln::FloorOp, kiln::CeilOp>(op))
    return true;
  if (auto cast = dyn_cast<kiln::CastOp>(op))
    return isa<IntegerType>(getElementTypeOrSelf(cast.getInput().getType()));
  if (isa<kiln::AddOp, kiln::SubOp>(op))
    return isIntegerValued(op->getOperand(0), depth - 1) &&
           isIntegerValued(op->getOperand(1), depth - 1);
  if (auto clip = dyn_cast<kiln::ClipOp>(op))
    return std::nearbyint(clip.getMin().convertToDouble()) == clip.getMin().convertToDouble() &&
           std::nearbyint(clip.getMax().convertToDouble()) == clip.getMax().convertToDouble() &&
           isIntegerValued(clip.getInput(), depth - 1);
  return false;
}

/// float(int8(x)) → x: x an integer-valued float clipped into the 8-bit type's range.
struct ByteRoundTrip : OpRewritePattern<kiln::CastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::CastOp widen, PatternRewriter &rewriter) const override {
    // Only where nothing else reads the 8-bit values: a value that also feeds an int8 op
    // stays 8-bit between kernels, and its float readers keep widening those bytes (reading
    // the float clip instead would move 4 bytes per value between kernels, not 1).
    auto narrow = widen.getInput().getDefiningOp<kiln::CastOp>();
    if (!narrow || !narrow->hasOneUse() || narrow.getInput().getType() != widen.getType() ||
        !getElementTypeOrSelf(widen.getType()).isF32())
      return failure();
    auto byte = dyn_cast<IntegerType>(getElementTypeOrSelf(narrow.getType()));
    auto clip = narrow.getInput().getDefiningOp<kiln::ClipOp>();
    if (!byte || byte.getWidth() != 8 || !clip)
      return failure();
    double lo = byte.isUnsigned() ? 0 : -128, hi = byte.isUnsigned() ? 255 : 127;
    if (clip.getMin().convertToDouble() < lo || clip.getMax().convertToDouble() > hi ||
        !isIntegerValued(clip.getResult()))
      return failure();
    rewriter.replaceOp(widen, clip.getResult());
    return success();
  }
};

struct FoldByteRoundTripsPass : kiln::impl::FoldByteRoundTripsBase<FoldByteRoundTripsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ByteRoundTrip>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
