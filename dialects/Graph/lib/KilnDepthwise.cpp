//===- KilnDepthwise.cpp - verifiers of kiln.depthwise_conv2d, kiln.grouped_conv2d, kiln.im2col ===//
#include "kiln/Dialect/Graph/KilnDialect.h"

#include <cmath>

using namespace mlir;

namespace {
bool isStaticF32(RankedTensorType t, int64_t rank) {
  return t.getRank() == rank && t.hasStaticShape() && t.getElementType().isF32();
}

/// NHWC f32 whose channels are static (batch and image dims may be dynamic).
bool isStaticChannelsF32(RankedTensorType t) {
  return t.getRank() == 4 && !t.isDynamicDim(3) && t.getElementType().isF32();
}

/// What both ops share: strides, pads, the result's spatial dims and batch (where both
/// sizes are static), min <= max.
LogicalResult verifyWindow(Operation *op, RankedTensorType input, ArrayRef<int64_t> window,
                           RankedTensorType result, ArrayRef<int64_t> strides,
                           ArrayRef<int64_t> pads, double min, double max) {
  if (strides.size() != 2 || llvm::any_of(strides, [](int64_t s) { return s < 1; }))
    return op->emitOpError("strides must be 2 values >= 1");
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return op->emitOpError("pads must be 4 values >= 0 (top, left, bottom, right)");
  for (int d = 0; d < 2; ++d) {
    if (input.isDynamicDim(1 + d) || result.isDynamicDim(1 + d)) {
      if (input.isDynamicDim(1 + d) != result.isDynamicDim(1 + d))
        return op->emitOpError("result dim ") << 1 + d << " must be dynamic where the input's is";
      continue;
    }
    int64_t span = input.getDimSize(1 + d) + pads[d] + pads[d + 2] - window[d];
    if (span < 0 || span / strides[d] + 1 != result.getDimSize(1 + d))
      return op->emitOpError("result dim ") << 1 + d << " must be " << span / strides[d] + 1;
  }
  if (result.getDimSize(0) != input.getDimSize(0) &&
      !(input.isDynamicDim(0) && result.isDynamicDim(0)))
    return op->emitOpError("result batch differs from the input's");
  if (!(min <= max))
    return op->emitOpError("min must not exceed max");
  return success();
}
} // namespace

namespace kiln {
LogicalResult DepthwiseConv2DOp::verify() {
  auto input = getInput().getType(), filter = getFilter().getType(), result = getType();
  if (getHardSwish() && getSilu())
    return emitOpError("applies hard swish or SiLU, not both");
  // An 8-bit input or result comes with its scale and zero point (the quantized form).
  auto quantized = [](RankedTensorType t, FloatAttr scale, FloatAttr zeroPoint) {
    if (!t.getElementType().isInteger(8))
      return !scale && !zeroPoint ? success() : failure();
    if (!scale || !zeroPoint || !(scale.getValueAsDouble() > 0) ||
        !std::isfinite(scale.getValueAsDouble()))
      return failure();
    double zp = zeroPoint.getValueAsDouble();
    bool isUnsigned = t.getElementType().isUnsignedInteger();
    return zp == std::nearbyint(zp) && zp >= (isUnsigned ? 0 : -128) &&
                   zp <= (isUnsigned ? 255 : 127)
               ? success()
               : failure();
  };
  auto f32Of = [](RankedTensorType t) { return t.clone(Float32Type::get(t.getContext())); };
  if (!isStaticChannelsF32(f32Of(input)) || !isStaticF32(filter, 3) ||
      !isStaticChannelsF32(f32Of(result)) ||
      !(input.getElementType().isF32() || input.getElementType().isInteger(8)) ||
      !(result.getElementType().isF32() || result.getElementType().isInteger(8)))
    return emitOpError("needs f32 (or 8-bit) NHWC input and result with static channels and a "
                       "static [KH, KW, C] f32 filter");
  if (failed(quantized(input, getInputScaleAttr(), getInputZeroPointAttr())))
    return emitOpError("an 8-bit input needs a finite input_scale > 0 and an integer "
                       "input_zero_point of its type, an f32 one neither");
  if (failed(quantized(result, getOutputScaleAttr(), getOutputZeroPointAttr())))
    return emitOpError("an 8-bit result needs a finite output_scale > 0 and an integer "
                       "output_zero_point of its type, an f32 one neither");
  int64_t c = input.getDimSize(3);
  if (filter.getDimSize(2) != c || result.getDimSize(3) != c)
    return emitOpError("filter and result must have the input's ") << c << " channels";
  if (getBias() && getBias().getType() != RankedTensorType::get({c}, filter.getElementType()))
    return emitOpError("bias must be [") << c << "] f32";
  SmallVector<int64_t> window{filter.getDimSize(0), filter.getDimSize(1)};
  return verifyWindow(*this, input, window, result, getStrides(), getPads(),
                      getMin().convertToDouble(), getMax().convertToDouble());
}

LogicalResult Im2colOp::verify() {
  auto input = getInput().getType(), result = getType();
  if (input.getRank() != 4 || input.isDynamicDim(3) || result.getRank() != 4 ||
      result.isDynamicDim(3) || input.getElementType() != result.getElementType())
    return emitOpError("needs an NHWC input and result of one element type with static "
                       "channels");
  for (int d = 0; d < 3; ++d)
    if (input.isDynamicDim(d) != result.isDynamicDim(d))
      return emitOpError("result dim ") << d << " must be dynamic exactly where the input's is";
  if (getPad() && getPad().getType() != RankedTensorType::get({}, input.getElementType()))
    return emitOpError("pad must be a rank-0 tensor of the input's element type");
  ArrayRef<int64_t> kernel = getKernel(), strides = getStrides(), dilations = getDilations(),
                    pads = getPads();
  auto positive = [](ArrayRef<int64_t> v) {
    return v.size() == 2 && llvm::all_of(v, [](int64_t x) { return x >= 1; });
  };
  if (!positive(kernel) || !positive(strides) || !positive(dilations))
    return emitOpError("kernel, strides and dilations must be 2 values >= 1");
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return emitOpError("pads must be 4 values >= 0 (top, left, bottom, right)");
  SmallVector<int64_t> expected{input.getDimSize(0), 0, 0,
                                kernel[0] * kernel[1] * input.getDimSize(3)};
  for (int d = 0; d < 2; ++d) {
    if (input.isDynamicDim(1 + d)) {
      expected[1 + d] = ShapedType::kDynamic;
      continue;
    }
    int64_t span = input.getDimSize(1 + d) + pads[d] + pads[d + 2] - dilations[d] * (kernel[d] - 1) - 1;
    if (span < 0)
      return emitOpError("the window is larger than the padded input");
    expected[1 + d] = span / strides[d] + 1;
  }
  if (result.getShape() != ArrayRef<int64_t>(expected)) {
    auto dim = [](int64_t d) {
      return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
    };
    return emitOpError("result must be [") << dim(expected[0]) << ", " << dim(expected[1]) << ", "
                                           << dim(expected[2]) << ", " << dim(expected[3]) << "]";
  }
  return success();
}

LogicalResult GroupedConv2DOp::verify() {
  auto input = getInput().getType(), filter = getFilter().getType(), result = getType();
  if (getHardSwish() && getSilu())
    return emitOpError("applies hard swish or SiLU, not both");
  if (!isStaticF32(input, 4) || !isStaticF32(filter, 5) || !isStaticF32(result, 4))
    return emitOpError("needs static f32 NHWC input and result and a [F/B, KH, KW, C/G, B] "
                       "filter");
  int64_t c = input.getDimSize(3), f = result.getDimSize(3), group = getGroup();
  if (group < 1 || c % group != 0 || f % group != 0)
    return emitOpError("group ") << group << " must divide the " << c << " input and " << f
                                 << " output channels";
  int64_t block = filter.getDimSize(4);
  if (filter.getDimSize(3) != c / group || block < 1 ||
      filter.getDimSize(0) != (f + block - 1) / block)
    return emitOpError("filter must be [") << (f + block - 1) / block << ", KH, KW, "
                                           << c / group << ", " << block << "]";
  if (getBias() && getBias().getType() != RankedTensorType::get({f}, input.getElementType()))
    return emitOpError("bias must be [") << f << "] f32";
  SmallVector<int64_t> window{filter.getDimSize(1), filter.getDimSize(2)};
  return verifyWindow(*this, input, window, result, getStrides(), getPads(),
                      getMin().convertToDouble(), getMax().convertToDouble());
}
} // namespace kiln

namespace kiln {
bool GroupedConv2DOp::vectorsFit(int64_t inPerGroup, int64_t outPerGroup, int64_t lanes) {
  if (outPerGroup % lanes == 0)
    return true;
  return lanes % outPerGroup == 0 && (lanes / outPerGroup <= 2 || inPerGroup <= outPerGroup);
}

bool GroupedConv2DOp::hasVectorLowering(int64_t channels, int64_t filters, int64_t group) {
  if (group < 1 || channels % group != 0 || filters % group != 0 || filters % 8 != 0)
    return false;
  return vectorsFit(channels / group, filters / group, 8);
}

int64_t GroupedConv2DOp::vectorLanes(int64_t inPerGroup, int64_t outPerGroup) {
  return vectorsFit(inPerGroup, outPerGroup, 16) ? 16 : 8;
}

int64_t GroupedConv2DOp::filterBlock(int64_t inPerGroup, int64_t outPerGroup) {
  int64_t lanes = vectorLanes(inPerGroup, outPerGroup);
  if (outPerGroup % lanes != 0)
    return lanes;
  int64_t vectors = outPerGroup / lanes;
  for (int64_t v = std::min<int64_t>(vectors, 4); v > 1; --v)
    if (vectors % v == 0)
      return v * lanes;
  return lanes;
}
} // namespace kiln
