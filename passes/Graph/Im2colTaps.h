//===- Im2colTaps.h - the filter taps of an NHWC convolution as slices ----===//
#ifndef KILN_PASSES_GRAPH_IM2COLTAPS_H
#define KILN_PASSES_GRAPH_IM2COLTAPS_H

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace kiln {
/// One strided slice of NHWC `input` (the input of `conv`, or a cast of it) per filter tap,
/// row-major over the HWCF filter's KH x KW, after padding it by the conv's pads with
/// `padValue`: concatenated along the channels they are the im2col matrix
/// [N, OH, OW, KH*KW*C] (ConvToMatmul for floats, Int8ConvIm2col for 8-bit activations).
inline llvm::SmallVector<mlir::Value> im2colTaps(mlir::PatternRewriter &rewriter, ConvOp conv,
                                                 mlir::Value input, double padValue) {
  mlir::Location loc = conv.getLoc();
  llvm::ArrayRef<int64_t> pads = conv.getPads(), strides = conv.getStrides(),
                          dil = conv.getDilations();
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
    input = rewriter.create<PadOp>(
        loc, input, rewriter.getDenseI64ArrayAttr({0, pads[0], pads[1], 0, 0, pads[2], pads[3], 0}),
        PadModeAttr::get(rewriter.getContext(), PadMode::constant),
        rewriter.getF64FloatAttr(padValue));
  auto in = llvm::cast<mlir::RankedTensorType>(input.getType());
  auto filter = conv.getFilter().getType();
  int64_t n = in.getDimSize(0), c = in.getDimSize(3);
  int64_t oh = conv.getType().getDimSize(1), ow = conv.getType().getDimSize(2);
  llvm::SmallVector<mlir::Value> taps;
  for (int64_t kh = 0; kh < filter.getDimSize(0); ++kh)
    for (int64_t kw = 0; kw < filter.getDimSize(1); ++kw) {
      int64_t h0 = kh * dil[0], w0 = kw * dil[1];
      taps.push_back(rewriter.createOrFold<SliceOp>(
          loc, input, rewriter.getDenseI64ArrayAttr({0, h0, w0, 0}),
          rewriter.getDenseI64ArrayAttr(
              {n, h0 + (oh - 1) * strides[0] + 1, w0 + (ow - 1) * strides[1] + 1, c}),
          rewriter.getDenseI64ArrayAttr({1, strides[0], strides[1], 1})));
    }
  return taps;
}
} // namespace kiln

#endif
