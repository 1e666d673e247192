//===- GroupedConv.h - which grouped convolutions kiln.grouped_conv2d covers -===//
#ifndef KILN_PASSES_GRAPH_GROUPEDCONV_H
#define KILN_PASSES_GRAPH_GROUPEDCONV_H

#include "kiln/Dialect/Graph/KilnDialect.h"

namespace kiln {
/// Whether a 2-D convolution (NCHW or NHWC) runs as kiln.grouped_conv2d: static f32 shapes,
/// more than one group and not one filter per channel (kiln.depthwise_conv2d's), no
/// dilation, pads >= 0, output channels in vectors (GroupedConv2DOp::hasVectorLowering).
/// The layout pass asks it too: such a conv runs in NHWC, other grouped convs stay NCHW.
bool isGroupedConvCandidate(ConvOp conv);
} // namespace kiln

#endif
