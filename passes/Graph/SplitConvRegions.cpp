//===- SplitConvRegions.cpp - padded convs split where their taps read padding ===//
//
// A convolution whose window reaches into the zero padding for many output positions
// multiplies zeros as fast as data: DeepLab's ASPP runs 3x3 taps dilated 12 and 24 over a
// 33x33 map, where an outer tap reads the input for 21 and 9 of the 33 rows. Along each
// spatial dim, the taps inside the input form one range [lo, hi] per output position, and
// consecutive positions with the same range form a band; a box of bands (one per dim) is an
// unpadded convolution of that range of filter taps over the input rows the box reads. The
// result is the concat of the boxes: only the multiply-adds that read the input remain (ASPP
// rate 24: 27% of them; rate 12: 57%). Each box then takes the path any convolution takes
// (im2col, Winograd, a direct kernel); the filter slices of a constant filter fold, and the
// taps' weights dedupe across boxes where later passes split a box per tap.
//
// Done for static shapes, float element types, any layout, group, stride and rank, when the
// padding takes at least a quarter of the multiply-adds, at least 2^20 of them per box, and
// there are at most kMaxBoxes boxes (a 3x3 window has at most 9); a position with no tap
// inside the input leaves it alone.
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/ConvSpatialDims.h"
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_SPLITCONVREGIONS
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Most boxes one convolution becomes.
constexpr int64_t kMaxBoxes = 27;
/// Split only when the multiply-adds that read the input are at most this share of all...
constexpr double kMaxUsefulShare = 0.75;
/// ... and the multiply-adds saved per box (each a few kernels more) at least this many: a
/// 3x3 window padded by 2 on a 6x10 map wastes a third, but of too little work to pay.
constexpr double kMinSavedPerBox = double(1 << 20);

/// Output positions [begin, end) along one dim whose in-input taps are [lo, hi].
struct Band {
  int64_t begin, end, lo, hi;
};

/// The bands of one spatial dim: input size `in`, `out` positions, `taps` taps, stride,
/// dilation, begin pad. Tap t is inside the input at position o when
/// 0 <= o * stride + t * dilation - pad < in; lo and hi only fall as o grows, so the bands
/// start where some tap enters or leaves (found per tap, not per position). Empty when a
/// position has no tap inside the input.
SmallVector<Band> bandsOf(int64_t in, int64_t out, int64_t taps, int64_t stride,
                          int64_t dilation, int64_t pad) {
  auto lo = [&](int64_t o) { // the first tap at or past row 0
    return std::clamp<int64_t>(llvm::divideCeilSigned(pad - o * stride, dilation), 0, taps);
  };
  auto hi = [&](int64_t o) { // the last tap before row `in`
    return std::clamp<int64_t>(llvm::divideFloorSigned(in - 1 + pad - o * stride, dilation), -1,
                               taps - 1);
  };
  SmallVector<int64_t> starts{0, out};
  for (int64_t t = 0; t < taps; ++t) {
    // The first position where tap t is past row 0, and the first where it is past the end.
    for (int64_t row : {pad - t * dilation, in + pad - t * dilation}) {
      int64_t o = llvm::divideCeilSigned(row, stride);
      if (o > 0 && o < out)
        starts.push_back(o);
    }
  }
  llvm::sort(starts);
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  SmallVector<Band> bands;
  for (size_t i = 0; i + 1 < starts.size(); ++i) {
    Band b{starts[i], starts[i + 1], lo(starts[i]), hi(starts[i])};
    if (b.lo > b.hi)
      return {};
    if (!bands.empty() && bands.back().lo == b.lo && bands.back().hi == b.hi)
      bands.back().end = b.end;
    else
      bands.push_back(b);
  }
  return bands;
}

struct SplitPaddedConv : OpRewritePattern<kiln::ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::ConvOp conv, PatternRewriter &rewriter) const override {
    std::optional<kiln::ConvSpatialDims> dims = kiln::staticConvSpatialDims(conv);
    if (!dims || !isa<FloatType>(dims->input.getElementType()))
      return failure();
    int64_t spatial = dims->spatial, channels = dims->channelDim;
    ArrayRef<int64_t> strides = conv.getStrides(), dilations = conv.getDilations(),
                      pads = conv.getPads();
    SmallVector<SmallVector<Band>> bands;
    int64_t boxes = 1;
    double useful = 1, all = 1;
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t taps = dims->taps(i), out = dims->out(i);
      bands.push_back(bandsOf(dims->in(i), out, taps, strides[i], dilations[i], pads[i]));
      if (bands.back().empty())
        return failure();
      boxes *= bands.back().size();
      double usefulHere = 0;
      for (const Band &b : bands.back())
        usefulHere += double(b.end - b.begin) * double(b.hi - b.lo + 1);
      useful *= usefulHere;
      all *= double(out) * double(taps);
    }
    // Multiply-adds per output position and tap: batch x channels per group x filters.
    double perTap = double(dims->input.getDimSize(0)) * double(dims->result.getDimSize(channels)) *
                    double(dims->input.getDimSize(channels) / conv.getGroup());
    if (boxes == 1 || boxes > kMaxBoxes || useful > kMaxUsefulShare * all ||
        (all - useful) * perTap < kMinSavedPerBox * double(boxes))
      return failure();

    SmallVector<const Band *> box(spatial);
    std::function<Value(int64_t)> build = [&](int64_t dim) -> Value {
      if (dim == spatial)
        return boxConv(rewriter, conv, box, *dims);
      SmallVector<Value> parts;
      for (const Band &b : bands[dim]) {
        box[dim] = &b;
        parts.push_back(build(dim + 1));
      }
      if (parts.size() == 1)
        return parts.front();
      return rewriter.create<kiln::ConcatOp>(conv.getLoc(), parts, dims->inputFirst + dim);
    };
    rewriter.replaceOp(conv, build(0));
    return success();
  }

  /// The unpadded convolution of one box: the input rows its positions read with its taps,
  /// and those taps of the filter.
  static Value boxConv(PatternRewriter &rewriter, kiln::ConvOp conv, ArrayRef<const Band *> box,
                       const kiln::ConvSpatialDims &dims) {
    Location loc = conv.getLoc();
    auto input = dims.input, filter = dims.filter;
    int64_t inputFirst = dims.inputFirst, filterFirst = dims.filterFirst;
    ArrayRef<int64_t> strides = conv.getStrides(), dilations = conv.getDilations(),
                      pads = conv.getPads();
    int64_t spatial = box.size();
    SmallVector<int64_t> inStarts(input.getRank(), 0), inEnds(input.getShape()),
        fStarts(filter.getRank(), 0), fEnds(filter.getShape()), newDilations(dilations),
        inSteps(input.getRank(), 1), fSteps(filter.getRank(), 1);
    for (int64_t i = 0; i < spatial; ++i) {
      const Band &b = *box[i];
      inStarts[inputFirst + i] = b.begin * strides[i] + b.lo * dilations[i] - pads[i];
      inEnds[inputFirst + i] = (b.end - 1) * strides[i] + b.hi * dilations[i] - pads[i] + 1;
      fStarts[filterFirst + i] = b.lo;
      fEnds[filterFirst + i] = b.hi + 1;
      if (b.lo == b.hi) // one tap: its dilation means nothing
        newDilations[i] = 1;
    }
    auto slice = [&](Value v, ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
                     ArrayRef<int64_t> steps) {
      return rewriter.createOrFold<kiln::SliceOp>(loc, v, rewriter.getDenseI64ArrayAttr(starts),
                                                  rewriter.getDenseI64ArrayAttr(ends),
                                                  rewriter.getDenseI64ArrayAttr(steps));
    };
    return rewriter.create<kiln::ConvOp>(
        loc, slice(conv.getInput(), inStarts, inEnds, inSteps),
        slice(conv.getFilter(), fStarts, fEnds, fSteps), conv.getBias(), conv.getStridesAttr(),
        rewriter.getDenseI64ArrayAttr(SmallVector<int64_t>(2 * spatial, 0)),
        rewriter.getDenseI64ArrayAttr(newDilations), conv.getGroupAttr(), conv.getLayoutAttr());
  }
};

struct SplitConvRegionsPass : kiln::impl::SplitConvRegionsBase<SplitConvRegionsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SplitPaddedConv>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
