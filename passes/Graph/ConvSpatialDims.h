//===- ConvSpatialDims.h - the spatial dims of a static kiln.conv ---------===//
#ifndef KILN_PASSES_GRAPH_CONVSPATIALDIMS_H
#define KILN_PASSES_GRAPH_CONVSPATIALDIMS_H

#include "kiln/Dialect/Graph/KilnDialect.h"

#include <optional>

namespace kiln {
/// Where spatial dim i of a kiln.conv of static shape sits in either layout: dim
/// inputFirst + i of its input and result, dim filterFirst + i of its filter (NCHW: input
/// N, C, spatial...; filter F, C/group, spatial... NHWC: input N, spatial..., C; filter
/// spatial..., C/group, F). channelDim: the channels' dim of the input and the result.
struct ConvSpatialDims {
  mlir::RankedTensorType input, filter, result;
  int64_t spatial, inputFirst, filterFirst, channelDim;
  int64_t in(int64_t i) const { return input.getDimSize(inputFirst + i); }
  int64_t out(int64_t i) const { return result.getDimSize(inputFirst + i); }
  int64_t taps(int64_t i) const { return filter.getDimSize(filterFirst + i); }
};

/// The spatial dims of `conv`; none for a conv without spatial dims or of symbolic shape.
inline std::optional<ConvSpatialDims> staticConvSpatialDims(ConvOp conv) {
  auto input = conv.getInput().getType(), filter = conv.getFilter().getType();
  auto result = conv.getType();
  int64_t spatial = input.getRank() - 2;
  if (spatial < 1 || !input.hasStaticShape() || !result.hasStaticShape() ||
      !filter.hasStaticShape())
    return std::nullopt;
  bool nhwc = conv.getLayout() == "NHWC";
  return ConvSpatialDims{
      input, filter, result, spatial, nhwc ? 1 : 2, nhwc ? 0 : 2, nhwc ? spatial + 1 : 1};
}
} // namespace kiln

#endif
