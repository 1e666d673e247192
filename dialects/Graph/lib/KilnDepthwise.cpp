//===- KilnDepthwise.cpp - the verifier of kiln.depthwise_conv2d ----------===//
#include "kiln/Dialect/Graph/KilnDialect.h"

using namespace mlir;

namespace kiln {
LogicalResult DepthwiseConv2DOp::verify() {
  auto input = getInput().getType(), filter = getFilter().getType(), result = getType();
  auto isStaticF32 = [](RankedTensorType t, int64_t rank) {
    return t.getRank() == rank && t.hasStaticShape() && t.getElementType().isF32();
  };
  if (!isStaticF32(input, 4) || !isStaticF32(filter, 3) || !isStaticF32(result, 4))
    return emitOpError("needs static f32 NHWC input and result and a [KH, KW, C] filter");
  auto strides = getStrides(), pads = getPads();
  if (strides.size() != 2 || llvm::any_of(strides, [](int64_t s) { return s < 1; }))
    return emitOpError("strides must be 2 values >= 1");
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return emitOpError("pads must be 4 values >= 0 (top, left, bottom, right)");
  int64_t c = input.getDimSize(3);
  if (filter.getDimSize(2) != c || result.getDimSize(3) != c)
    return emitOpError("filter and result must have the input's ") << c << " channels";
  if (getBias() && getBias().getType() != RankedTensorType::get({c}, input.getElementType()))
    return emitOpError("bias must be [") << c << "] f32";
  for (int d = 0; d < 2; ++d) {
    int64_t span = input.getDimSize(1 + d) + pads[d] + pads[d + 2] - filter.getDimSize(d);
    if (span < 0 || span / strides[d] + 1 != result.getDimSize(1 + d))
      return emitOpError("result dim ") << 1 + d << " must be " << span / strides[d] + 1;
  }
  if (result.getDimSize(0) != input.getDimSize(0))
    return emitOpError("result batch differs from the input's");
  if (!(getMin().convertToDouble() <= getMax().convertToDouble()))
    return emitOpError("min must not exceed max");
  return success();
}
} // namespace kiln
