//===- DynamicPools.h - NHWC pooling geometry with run-time image dims ----===//
#ifndef KILN_CONVERSION_KILNTOLINALG_DYNAMICPOOLS_H
#define KILN_CONVERSION_KILNTOLINALG_DYNAMICPOOLS_H

#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
/// The window of an NHWC 2-D pool along its two spatial dims.
struct PoolWindow2D {
  int64_t kernel[2], strides[2], dilations[2], padBegin[2], padEnd[2];
  bool ceilMode;
};

/// The number of window taps t in [0, k) whose padded position p + t * d lies in [begin, end),
/// as index arithmetic (for tap counts computed inside a kernel).
Value poolTapsInside(OpBuilder &b, Location loc, Value p, Value begin, Value end, int64_t k,
                     int64_t d);

/// Output size of spatial dim `i` (1 or 2 of NHWC `input`) with ONNX's rules: floor or ceil
/// of (in + pads - window) / stride + 1, and in ceil mode the last window must start inside
/// the input or its begin padding.
Value dynamicPoolOutputSize(OpBuilder &b, Location loc, Value input, int64_t i,
                            const PoolWindow2D &w);

/// The dynamic sizes of an NHWC window op's result of `outType` (batch, rows, columns where
/// `?`): the input's batch and dynamicPoolOutputSize of its image dims. A size that comes out
/// negative (an input smaller than the window) is reported by the runtime's shape check.
SmallVector<Value> dynamicWindowResultSizes(OpBuilder &b, Location loc, Value input,
                                            RankedTensorType outType, const PoolWindow2D &w);

/// `input` padded by the begin pads and, per spatial dim, the end pad plus whatever the last
/// window needs (ceil mode), with `padValue`: sizes read at run time.
Value padPoolInput(OpBuilder &b, Location loc, Value input, ArrayRef<Value> outSizes,
                   const PoolWindow2D &w, Value padValue);

/// `sum` ([N, OH, OW, C]) divided per output pixel by the number of taps ONNX counts (inside
/// the input, or inside the padded input with count_include_pad; never the ceil-mode
/// overhang), computed from the run-time input dims.
Value divideByDynamicTapCount(OpBuilder &b, Location loc, Value sum, Value input,
                              const PoolWindow2D &w, bool countIncludePad);
} // namespace kiln::lowering

#endif
