//===- DecomposeConvTranspose.cpp - transposed convs → one stride-1 conv ---===//
//
// Per spatial dim, a transposed conv (stride s, kernel K, dilation 1) writes output phase r
// (the full output's positions q * s + r) from taps k = r + j * s only:
//   y[q * s + r] = sum over j of x[q - j] * w[r + j * s],      j < Kr = ceil(K / s),
// a stride-1 conv of x (padded by Kr - 1 in front) with that phase's taps reversed. All
// phases read the same input window, so they run as ONE stride-1 NHWC conv whose output
// channels are the phases' filters side by side ([Kr, Kr, C, s * s * F], a phase's missing
// taps zero), followed by kiln.depth_to_space, which interleaves the phases into rows and
// columns and crops the pads. The conv takes every path a conv takes (1x1 as a GEMM,
// Winograd, im2col, fused epilogues), instead of a conv over the input with s - 1 zeros
// inserted between its pixels (s * s times the products, most of them of zeros).
// A grouped transposed conv runs one conv of the same groups per phase (a depthwise one for
// Caffe's bilinear upsampling), concatenated phase-major. 2-D (1-D as 2-D of unit height),
// dilation 1, a constant f32 filter; symbolic batch and image dims included. Any other
// transposed conv keeps kiln.conv_transpose (its zero-insertion lowering).
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_DECOMPOSECONVTRANSPOSE
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
int64_t ceilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/// One spatial dim of the decomposition.
struct PhaseGeometry {
  int64_t kernel, stride, taps; // taps: Kr, the stride-1 conv's window
  int64_t padFront, padBack;    // of the stride-1 conv
  int64_t cropFront, cropBack;  // of the interleaved phases
};

PhaseGeometry phaseGeometry(int64_t k, int64_t s, int64_t padBegin, int64_t padEnd,
                            int64_t outputPadding) {
  PhaseGeometry g;
  g.kernel = k;
  g.stride = s;
  g.taps = ceilDiv(k, s);
  g.padFront = g.taps - 1;
  // The conv yields I + padBack phase rows, s * (I + padBack) full rows; the output needs
  // the first padBegin + O = s * (I - 1) + K + output_padding - padEnd of them.
  g.padBack = std::max<int64_t>(0, ceilDiv(k + outputPadding - padEnd, s) - 1);
  g.cropFront = padBegin;
  g.cropBack = (g.padBack + 1) * s - k - outputPadding + padEnd;
  return g;
}

/// The kernel position that tap `t` of phase `r` reads (taps reversed: the conv correlates),
/// or -1 past the kernel (a phase with fewer taps: its weight is zero).
int64_t kernelTap(const PhaseGeometry &g, int64_t r, int64_t t) {
  int64_t k = r + (g.taps - 1 - t) * g.stride;
  return k < g.kernel ? k : -1;
}

/// The stride-1 conv's HWCF filter: [Krh, Krw, C, (rh, rw, f)] from ONNX's [C, F, KH, KW].
DenseElementsAttr phaseFilter(DenseElementsAttr w, const PhaseGeometry &h, const PhaseGeometry &v) {
  ArrayRef<int64_t> ws = cast<RankedTensorType>(w.getType()).getShape();
  int64_t c = ws[0], f = ws[1], channels = h.stride * v.stride * f;
  SmallVector<float> src(w.getValues<float>());
  SmallVector<float> dst(h.taps * v.taps * c * channels, 0.0f);
  for (int64_t th = 0; th < h.taps; ++th)
    for (int64_t tw = 0; tw < v.taps; ++tw)
      for (int64_t rh = 0; rh < h.stride; ++rh)
        for (int64_t rw = 0; rw < v.stride; ++rw) {
          int64_t kh = kernelTap(h, rh, th), kw = kernelTap(v, rw, tw);
          if (kh < 0 || kw < 0)
            continue;
          for (int64_t ci = 0; ci < c; ++ci)
            for (int64_t fi = 0; fi < f; ++fi)
              dst[((th * v.taps + tw) * c + ci) * channels + (rh * v.stride + rw) * f + fi] =
                  src[((ci * f + fi) * h.kernel + kh) * v.kernel + kw];
        }
  auto type = RankedTensorType::get({h.taps, v.taps, c, channels}, w.getElementType());
  return DenseElementsAttr::get(type, ArrayRef<float>(dst));
}

/// One phase's filter of a grouped transposed conv, for an NCHW conv of the same groups:
/// [G * Fg, Cg, Krh, Krw] from ONNX's [G * Cg, Fg, KH, KW] (`w`'s values `src`, read once
/// for all phases; a tap past the kernel zero).
DenseElementsAttr groupPhaseFilter(DenseElementsAttr w, ArrayRef<float> src, int64_t group,
                                   const PhaseGeometry &h, const PhaseGeometry &v, int64_t rh,
                                   int64_t rw) {
  ArrayRef<int64_t> ws = cast<RankedTensorType>(w.getType()).getShape();
  int64_t cg = ws[0] / group, fg = ws[1];
  SmallVector<float> dst(group * fg * cg * h.taps * v.taps, 0.0f);
  for (int64_t g = 0; g < group; ++g)
    for (int64_t f = 0; f < fg; ++f)
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t th = 0; th < h.taps; ++th)
          for (int64_t tw = 0; tw < v.taps; ++tw) {
            int64_t kh = kernelTap(h, rh, th), kw = kernelTap(v, rw, tw);
            if (kh >= 0 && kw >= 0)
              dst[(((g * fg + f) * cg + c) * h.taps + th) * v.taps + tw] =
                  src[(((g * cg + c) * fg + f) * h.kernel + kh) * v.kernel + kw];
          }
  auto type = RankedTensorType::get({group * fg, cg, h.taps, v.taps}, w.getElementType());
  return DenseElementsAttr::get(type, ArrayRef<float>(dst));
}

struct ConvTransposeAsPhaseConv : OpRewritePattern<kiln::ConvTransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::ConvTransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto input = cast<RankedTensorType>(op.getInput().getType());
    DenseElementsAttr w;
    int64_t group = op.getGroup();
    if (input.getRank() != 4 || input.isDynamicDim(1) || group < 1 ||
        llvm::any_of(op.getDilations(), [](int64_t d) { return d != 1; }) ||
        llvm::any_of(op.getStrides(), [](int64_t s) { return s <= 0; }) ||
        !matchPattern(op.getFilter(), m_Constant(&w)) || !w.getElementType().isF32() ||
        !input.getElementType().isF32())
      return failure();
    ArrayRef<int64_t> ws = cast<RankedTensorType>(w.getType()).getShape();
    ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(), extra = op.getOutputPadding();
    auto negative = [](int64_t v) { return v < 0; };
    if (ws[0] != input.getDimSize(1) || ws[0] % group || llvm::any_of(pads, negative) ||
        llvm::any_of(extra, negative))
      return failure();
    PhaseGeometry h = phaseGeometry(ws[2], strides[0], pads[0], pads[2], extra[0]);
    PhaseGeometry v = phaseGeometry(ws[3], strides[1], pads[1], pads[3], extra[1]);
    auto result = cast<RankedTensorType>(op.getType());
    for (auto [d, g] : llvm::enumerate(ArrayRef<PhaseGeometry>{h, v})) {
      int64_t in = input.getDimSize(d + 2), out = result.getDimSize(d + 2);
      if (ShapedType::isDynamic(in) != ShapedType::isDynamic(out) ||
          (!ShapedType::isDynamic(in) &&
           (in + g.padBack) * g.stride - g.cropFront - g.cropBack != out))
        return rewriter.notifyMatchFailure(op, "output size differs from the decomposition's");
    }
    Location loc = op.getLoc();
    int64_t phases = h.stride * v.stride;
    auto phaseConv = [&](Value x, Value filter, Value bias, int64_t groups, StringRef layout) {
      return rewriter.create<kiln::ConvOp>(
          loc, x, filter, bias, rewriter.getDenseI64ArrayAttr({1, 1}),
          rewriter.getDenseI64ArrayAttr({h.padFront, v.padFront, h.padBack, v.padBack}),
          rewriter.getDenseI64ArrayAttr({1, 1}), rewriter.getI64IntegerAttr(groups),
          rewriter.getStringAttr(layout));
    };
    Value conv;
    if (group == 1) {
      Value x = rewriter.create<kiln::TransposeOp>(loc, op.getInput(),
                                                   rewriter.getDenseI64ArrayAttr({0, 2, 3, 1}));
      Value filter = rewriter.create<kiln::ConstantOp>(loc, phaseFilter(w, h, v));
      Value bias = op.getBias();
      if (bias && phases > 1)
        bias = rewriter.createOrFold<kiln::ConcatOp>(loc, SmallVector<Value>(phases, bias), 0);
      conv = phaseConv(x, filter, bias, 1, "NHWC");
    } else {
      // Grouped: one NCHW conv of the same groups per phase (kiln-convert-conv-layout then
      // picks its path: depthwise, grouped or NCHW), the phases concatenated phase-major as
      // depth_to_space reads them.
      SmallVector<Value> parts;
      SmallVector<float> src(w.getValues<float>());
      for (int64_t rh = 0; rh < h.stride; ++rh)
        for (int64_t rw = 0; rw < v.stride; ++rw)
          parts.push_back(phaseConv(
              op.getInput(),
              rewriter.create<kiln::ConstantOp>(loc, groupPhaseFilter(w, src, group, h, v, rh, rw)),
              op.getBias(), group, "NCHW"));
      Value all = parts.size() == 1 ? parts.front()
                                    : rewriter.create<kiln::ConcatOp>(loc, parts, 1).getResult();
      conv =
          rewriter.create<kiln::TransposeOp>(loc, all, rewriter.getDenseI64ArrayAttr({0, 2, 3, 1}));
    }
    SmallVector<int64_t> crops{h.cropFront, v.cropFront, h.cropBack, v.cropBack};
    Value y = conv;
    if (phases > 1 || llvm::any_of(crops, [](int64_t c) { return c != 0; }))
      y = rewriter.create<kiln::DepthToSpaceOp>(loc, conv,
                                                rewriter.getDenseI64ArrayAttr({h.stride, v.stride}),
                                                rewriter.getDenseI64ArrayAttr(crops));
    rewriter.replaceOpWithNewOp<kiln::TransposeOp>(op, y,
                                                   rewriter.getDenseI64ArrayAttr({0, 3, 1, 2}));
    return success();
  }
};

/// A 1-D transposed conv (a vocoder's upsampling) as a 2-D one of unit height between views.
struct ConvTranspose1DAs2D : OpRewritePattern<kiln::ConvTransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::ConvTransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto input = cast<RankedTensorType>(op.getInput().getType());
    auto filter = cast<RankedTensorType>(op.getFilter().getType());
    if (input.getRank() != 3 || op.getDilations()[0] != 1 ||
        !matchPattern(op.getFilter(), m_Constant()) || !filter.hasStaticShape())
      return failure();
    Location loc = op.getLoc();
    auto unitHeight = [&](Value v, ArrayRef<int64_t> from) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      ArrayRef<int64_t> s = type.getShape();
      return rewriter.createOrFold<kiln::ReshapeOp>(
          loc, type.clone({s[0], s[1], 1, s[2]}), v,
          from.empty() ? DenseI64ArrayAttr() : rewriter.getDenseI64ArrayAttr(from));
    };
    ArrayRef<int64_t> pads = op.getPads();
    Value y = rewriter.create<kiln::ConvTransposeOp>(
        loc, unitHeight(op.getInput(), {0, 1, -1, 2}), unitHeight(op.getFilter(), {}), op.getBias(),
        rewriter.getDenseI64ArrayAttr({1, op.getStrides()[0]}),
        rewriter.getDenseI64ArrayAttr({0, pads[0], 0, pads[1]}),
        rewriter.getDenseI64ArrayAttr({1, 1}),
        rewriter.getDenseI64ArrayAttr({0, op.getOutputPadding()[0]}), op.getGroupAttr());
    rewriter.replaceOpWithNewOp<kiln::ReshapeOp>(op, op.getType(), y,
                                                 rewriter.getDenseI64ArrayAttr({0, 1, 3}));
    return success();
  }
};

struct DecomposeConvTransposePass
    : kiln::impl::DecomposeConvTransposeBase<DecomposeConvTransposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvTransposeAsPhaseConv, ConvTranspose1DAs2D>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
