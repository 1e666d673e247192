//===- GroupedToVectors.cpp - kiln.grouped_conv2d → vector code -----------===//
//
// Output channels run in vectors of 16 lanes (8 for a remainder, or where 16 do not fit the
// groups), a tile of up to 4 vectors per work item; the filter, laid out per tile at compile
// time ([F/B, KH, KW, cg, B]), gives contiguous weight vectors per in-group input channel j. A vector inside one group (fg a multiple of the lanes) adds, per j, that input
// channel broadcast times the weight vector, as a dense conv does; one spanning two groups
// merges two broadcasts; one spanning more whole groups (fg <= lanes / 4, cg <= fg) reads its
// groups' input channels as one vector per input pixel and, per j, shuffles channel
// group * cg + j to its group's lanes.
// Work items are (channel tile, output row) pairs, tile-major so a thread's consecutive rows
// reuse one tile's weights; an scf.forall when there is enough work. Per row: blocks of pixels
// with their accumulators in registers, each filter row's inputs read once as a sliding
// window shared by the block; interior blocks in a loop, edge and remainder blocks unrolled at
// static columns so taps in the padding are skipped at compile time; filter rows in the
// padding are skipped by the kh loop's bounds. Inputs are read from the flattened input at a
// base that varies per filter row plus a constant (an address register and a displacement,
// not a hoisted index per element). Bias first, clamp (and hard swish) last, one store per
// vector.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/VectorLoops.h"

#include <map>

namespace kiln::lowering {
namespace {
/// Work items with fewer multiply-adds than this in all run on one thread.
constexpr int64_t kMinParallelMacs = 1 << 17;
/// In-group channels unrolled whole up to this many; beyond, a loop unrolled by up to 8.
constexpr int64_t kMaxUnrolledChannels = 16;

int64_t largestDivisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// The static shape of one grouped convolution.
struct Grouped {
  ConvWindow win;
  int64_t batch, c, cg, fg;
};

/// Output channels [first, first + tiles * vectors * lanes) as tiles of `vectors` vectors of
/// `lanes` channels spanning `groups` groups each, blocks of `pixels` output pixels.
struct ChannelPass {
  int64_t lanes, first, tiles, vectors, pixels, groups;
  /// Input channels broadcast, one per group; else shuffled from one vector of inputs.
  bool broadcast;
  int64_t width() const { return vectors * lanes; }
};

/// Channels [first, first + count) in tiles of `width` channels.
ChannelPass makePass(const Grouped &g, int64_t lanes, int64_t width, int64_t first,
                     int64_t count) {
  ChannelPass p{lanes, first, count / width, width / lanes, 8, 1, true};
  p.groups = g.fg % lanes == 0 ? 1 : lanes / g.fg;
  // Two groups' inputs shuffled from one vector beat two merged broadcasts where they fit.
  p.broadcast = p.groups == 1 || (p.groups == 2 && g.cg > g.fg);
  // One vector: 12 pixels hide the multiply-add latency better where the window is short.
  p.pixels = p.vectors > 2 ? 6 : p.vectors == 1 && g.win.sw == 1 ? 12 : 8;
  return p;
}

/// Tiles of the filter's block B (vectors of 16 lanes where they fit the groups, else 8),
/// with a last vector of 8 channels for F % 16 == 8.
SmallVector<ChannelPass> planPasses(const Grouped &g, int64_t f, int64_t block) {
  int64_t lanes = graph::GroupedConv2DOp::vectorLanes(g.cg, g.fg);
  int64_t main = f - f % block;
  SmallVector<ChannelPass> passes{makePass(g, lanes, block, 0, main)};
  if (main < f)
    passes.push_back(makePass(g, 8, 8, main, f - main));
  return passes;
}

/// `mask` (over a source of `span` elements) as a selection of whole 4-element source lanes
/// into each 4-lane quarter of the result, then a shuffle within the quarters (vshufps):
/// LLVM lowers a cross-lane mask as such a pair anyway, and a selection shared by several
/// masks is then computed once. An empty selection: `mask` stays within its quarters.
std::pair<SmallVector<int64_t>, SmallVector<int64_t>> splitShuffle(ArrayRef<int64_t> mask,
                                                                   int64_t span) {
  SmallVector<int64_t> select, inLane;
  bool identity = span == int64_t(mask.size());
  for (size_t lane = 0; lane < mask.size(); ++lane) {
    int64_t source = mask[lane - lane % 4] / 4; // the source lane of this quarter
    if (mask[lane] / 4 != source)
      return {{}, SmallVector<int64_t>(mask)}; // not per quarter: one general shuffle
    select.push_back(source * 4 + int64_t(lane % 4));
    inLane.push_back(int64_t(lane - lane % 4) + mask[lane] % 4);
    identity &= source == int64_t(lane / 4);
  }
  if (identity)
    return {{}, SmallVector<int64_t>(mask)};
  return {select, inLane};
}

/// The code of one work item: an output row of one channel tile.
struct RowCode {
  const Grouped &g;
  const ChannelPass &p;
  Value flat; ///< the input as [N * H * W * C]
  Value filter, bias;
  double lo, hi;
  bool hardSwish, silu;
  Value n, c0, inBase;
  Value filterBlock; ///< the filter block of the tile's first channel
  int64_t blockLane; ///< and the tile's first channel in it
  RowTaps taps;

  MLIRContext *ctx() const { return flat.getContext(); }
  VectorType vecType(int64_t lanes) const {
    return VectorType::get({lanes}, Float32Type::get(ctx()));
  }

  Value run(OpBuilder &b, Location l, Value slice) const;
  Value block(OpBuilder &b, Location l, Value ow, std::optional<int64_t> staticOw,
              int64_t count, Value acc) const;
  SmallVector<Value> tapRow(OpBuilder &b, Location l, Value base, ArrayRef<bool> inside,
                            int64_t count, Value kh, ValueRange sums) const;
  void shuffledTaps(OpBuilder &b, Location l, Value row, ArrayRef<bool> inside, int64_t count,
                    Value kh, SmallVectorImpl<Value> &sums) const;
  SmallVector<Value> broadcastInputs(OpBuilder &b, Location l, Value row,
                                     ArrayRef<bool> inside, int64_t j) const;
  void channel(OpBuilder &b, Location l, Value kh, Value j, ArrayRef<Value> xs, int64_t count,
               SmallVectorImpl<Value> &sums) const;
  /// The flat input at `row + offset`: a vector of `lanes`, or one element. `row` varies
  /// with the innermost loop, so `+ offset` stays an address displacement (not hoisted).
  Value read(OpBuilder &b, Location l, Value row, int64_t offset, int64_t lanes) const {
    Value at = b.create<arith::AddIOp>(l, row, idx(b, l, offset));
    if (lanes == 1)
      return b.create<tensor::ExtractOp>(l, flat, ValueRange{at});
    return readVector(b, l, vecType(lanes), flat, {at});
  }
};

Value RowCode::run(OpBuilder &b, Location l, Value slice) const {
  RowPlan plan = planRow(g.win, p.pixels, (8 + p.vectors - 1) / p.vectors);
  int64_t ow = 0;
  for (int64_t size : plan.head) {
    slice = block(b, l, idx(b, l, ow), ow, size, slice);
    ow += size;
  }
  int64_t loopEnd = plan.loopStart + plan.loops * p.pixels;
  slice = buildLoop(b, l, plan.loopStart, loopEnd, p.pixels, slice,
                    [&](OpBuilder &b, Location l, Value ow, Value acc) {
                      return block(b, l, ow, std::nullopt, p.pixels, acc);
                    });
  ow = std::max(ow, loopEnd);
  for (int64_t size : plan.tail) {
    slice = block(b, l, idx(b, l, ow), ow, size, slice);
    ow += size;
  }
  return slice;
}

/// Output pixels [ow, ow + count) of the tile: accumulators over the filter rows inside the
/// input, then bias-started sums clamped and stored.
Value RowCode::block(OpBuilder &b, Location l, Value ow, std::optional<int64_t> staticOw,
                     int64_t count, Value acc) const {
  const ConvWindow &w = g.win;
  // Window column d is input column ow * sw - left + d, at base + d * C in its flat row.
  Value first = b.create<arith::SubIOp>(l, b.create<arith::MulIOp>(l, ow, idx(b, l, w.sw)),
                                        idx(b, l, w.left));
  Value base = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, first, idx(b, l, g.c)),
                                       inBase);
  SmallVector<bool> inside;
  for (int64_t d = 0; d < (count - 1) * w.sw + w.kw; ++d)
    inside.push_back(!staticOw ||
                     (w.column(*staticOw, d) >= 0 && w.column(*staticOw, d) < w.w));
  SmallVector<Value> init;
  for (int64_t q = 0; q < count; ++q)
    for (int64_t v = 0; v < p.vectors; ++v) {
      Value c = b.create<arith::AddIOp>(l, c0, idx(b, l, v * p.lanes));
      init.push_back(bias ? readVector(b, l, vecType(p.lanes), bias, {c})
                          : splat(b, l, vecType(p.lanes), 0.0));
    }
  auto kLoop = b.create<scf::ForOp>(
      l, taps.khLo, taps.khHi, idx(b, l, 1), init,
      [&](OpBuilder &b, Location l, Value kh, ValueRange sums) {
        b.create<scf::YieldOp>(l, tapRow(b, l, base, inside, count, kh, sums));
      });
  for (int64_t q = 0; q < count; ++q)
    for (int64_t v = 0; v < p.vectors; ++v) {
      Value out = activateVector(b, l, kLoop.getResult(q * p.vectors + v), lo, hi, hardSwish, silu);
      Value col = b.create<arith::AddIOp>(l, ow, idx(b, l, q));
      acc = writeVector(b, l, out, acc, {idx(b, l, 0), idx(b, l, 0), col, idx(b, l, v * p.lanes)});
    }
  return acc;
}

/// The sums plus filter row `kh`'s taps over every in-group channel.
SmallVector<Value> RowCode::tapRow(OpBuilder &b, Location l, Value base, ArrayRef<bool> inside,
                                   int64_t count, Value kh, ValueRange sums) const {
  Value ih = b.create<arith::AddIOp>(l, taps.ihBase, kh);
  Value rowStart = b.create<arith::MulIOp>(
      l, b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, n, idx(b, l, g.win.h)), ih),
      idx(b, l, g.win.w * g.c));
  Value row = b.create<arith::AddIOp>(l, rowStart, base);
  SmallVector<Value> out(sums.begin(), sums.end());
  if (!p.broadcast) {
    shuffledTaps(b, l, row, inside, count, kh, out);
    return out;
  }
  if (g.cg <= kMaxUnrolledChannels) {
    for (int64_t j = 0; j < g.cg; ++j)
      channel(b, l, kh, idx(b, l, j), broadcastInputs(b, l, row, inside, j), count, out);
    return out;
  }
  // A loop over blocks of channels, the row's base moving with them.
  int64_t unroll = largestDivisorAtMost(g.cg, 8);
  auto jLoop = b.create<scf::ForOp>(
      l, idx(b, l, 0), idx(b, l, g.cg), idx(b, l, unroll), out,
      [&](OpBuilder &b, Location l, Value j0, ValueRange iterSums) {
        SmallVector<Value> acc(iterSums.begin(), iterSums.end());
        Value jRow = b.create<arith::AddIOp>(l, row, j0);
        for (int64_t u = 0; u < unroll; ++u)
          channel(b, l, kh, b.create<arith::AddIOp>(l, j0, idx(b, l, u)),
                  broadcastInputs(b, l, jRow, inside, u), count, acc);
        b.create<scf::YieldOp>(l, acc);
      });
  return SmallVector<Value>(jLoop.getResults());
}

/// One read of the groups' input channels per window column; per channel j, channel
/// group * cg + j shuffled to the group's lanes: a selection of 128-bit lanes computed once
/// per column for the channels that share it, then one in-lane shuffle.
void RowCode::shuffledTaps(OpBuilder &b, Location l, Value row, ArrayRef<bool> inside,
                           int64_t count, Value kh, SmallVectorImpl<Value> &sums) const {
  int64_t span = p.lanes / g.fg * g.cg;
  SmallVector<Value> loaded;
  for (auto [d, in] : llvm::enumerate(inside))
    loaded.push_back(in ? read(b, l, row, d * g.c, span) : Value());
  std::map<SmallVector<int64_t>, SmallVector<Value>> selections;
  for (int64_t j = 0; j < g.cg; ++j) {
    SmallVector<int64_t> mask;
    for (int64_t lane = 0; lane < p.lanes; ++lane)
      mask.push_back(lane / g.fg * g.cg + j);
    auto [select, inLane] = splitShuffle(mask, span);
    auto [it, fresh] = selections.try_emplace(select);
    for (Value x : fresh ? loaded : ArrayRef<Value>())
      it->second.push_back(x && !select.empty()
                               ? b.create<vector::ShuffleOp>(l, x, x, select).getResult()
                               : x);
    SmallVector<Value> xs;
    for (Value x : it->second)
      xs.push_back(x ? b.create<vector::ShuffleOp>(l, x, x, inLane).getResult() : Value());
    channel(b, l, kh, idx(b, l, j), xs, count, sums);
  }
}

/// Per window column: input channel j of the vector's group broadcast, or of its two groups
/// merged (lanes [0, fg) from the first).
SmallVector<Value> RowCode::broadcastInputs(OpBuilder &b, Location l, Value row,
                                            ArrayRef<bool> inside, int64_t j) const {
  VectorType type = vecType(p.lanes);
  Value firstLanes;
  if (p.groups == 2) {
    SmallVector<bool> lanes(p.lanes, false);
    std::fill(lanes.begin(), lanes.begin() + g.fg, true);
    firstLanes = b.create<arith::ConstantOp>(
        l, DenseElementsAttr::get(VectorType::get({p.lanes}, b.getI1Type()), lanes));
  }
  SmallVector<Value> xs;
  for (auto [d, in] : llvm::enumerate(inside)) {
    if (!in) {
      xs.push_back(Value());
      continue;
    }
    Value x = b.create<vector::BroadcastOp>(l, type, read(b, l, row, d * g.c + j, 1));
    if (p.groups == 2) {
      Value y = b.create<vector::BroadcastOp>(l, type, read(b, l, row, d * g.c + g.cg + j, 1));
      x = b.create<arith::SelectOp>(l, firstLanes, x, y);
    }
    xs.push_back(x);
  }
  return xs;
}

/// sums[q][v] += xs[q * sw + kw] * (the weights of channels c0 + v * lanes... for j, kh, kw)
/// for every tap kw whose column is inside the input.
void RowCode::channel(OpBuilder &b, Location l, Value kh, Value j, ArrayRef<Value> xs,
                      int64_t count, SmallVectorImpl<Value> &sums) const {
  for (int64_t kw = 0; kw < g.win.kw; ++kw) {
    SmallVector<Value> weights;
    for (int64_t v = 0; v < p.vectors; ++v) {
      Value lane = idx(b, l, blockLane + v * p.lanes);
      weights.push_back(
          readVector(b, l, vecType(p.lanes), filter, {filterBlock, kh, idx(b, l, kw), j, lane}));
    }
    for (int64_t q = 0; q < count; ++q) {
      Value x = xs[q * g.win.sw + kw];
      if (!x)
        continue;
      for (int64_t v = 0; v < p.vectors; ++v)
        sums[q * p.vectors + v] =
            b.create<vector::FMAOp>(l, x, weights[v], sums[q * p.vectors + v]);
    }
  }
}

/// `input` as one dim by tensor.reshape, which fold-memref-alias-ops leaves a view (it
/// would turn reads of a collapse_shape back into 4-D indices divided out of the flat one).
Value flatten(OpBuilder &b, Location loc, Value input) {
  auto type = tensorTypeOf(input);
  auto flatType = RankedTensorType::get({type.getNumElements()}, type.getElementType());
  Value shape = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(RankedTensorType::get({1}, b.getI64Type()),
                                  ArrayRef<int64_t>{type.getNumElements()}));
  return b.create<tensor::ReshapeOp>(loc, flatType, input, shape);
}

struct GroupedLowering : OpConversionPattern<graph::GroupedConv2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::GroupedConv2DOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = tensorTypeOf(op.getInput()), filter = tensorTypeOf(op.getFilter());
    auto outType = tensorTypeOf(op.getResult());
    int64_t c = in.getDimSize(3), f = outType.getDimSize(3), group = op.getGroup();
    if (!graph::GroupedConv2DOp::hasVectorLowering(c, f, group))
      return emitUnsupported(op) << "grouped conv with " << c << " input and " << f
                                 << " output channels in " << group
                                 << " groups: its channels do not fit vectors";
    Grouped g{ConvWindow(in, filter.getDimSize(1), filter.getDimSize(2), outType,
                         op.getStrides(), op.getPads()),
              in.getDimSize(0), c, c / group, f / group};
    Location loc = op.getLoc();
    Value acc = createEmpty(rewriter, loc, outType.getShape(), outType.getElementType());
    for (const ChannelPass &p : planPasses(g, f, filter.getDimSize(4)))
      acc = lowerPass(rewriter, loc, g, p, op, adaptor, acc);
    rewriter.replaceOp(op, acc);
    return success();
  }

  /// One loop over the pass's (tile, row) items writing its channels of `init`.
  static Value lowerPass(OpBuilder &b, Location loc, const Grouped &g, const ChannelPass &p,
                         graph::GroupedConv2DOp op, OpAdaptor adaptor, Value init) {
    const ConvWindow &w = g.win;
    int64_t rows = g.batch * w.oh;
    int64_t macs = rows * p.tiles * w.ow * p.width() * w.kh * w.kw * g.cg;
    Value flat = flatten(b, loc, adaptor.getInput());
    int64_t block = tensorTypeOf(adaptor.getFilter()).getDimSize(4);
    Value tile;
    auto itemOf = [&](OpBuilder &b, Location l, Value item, Value &n, Value &oh, Value &c0) {
      Value row = b.create<arith::RemUIOp>(l, item, idx(b, l, rows));
      tile = b.create<arith::DivUIOp>(l, item, idx(b, l, rows));
      n = b.create<arith::DivUIOp>(l, row, idx(b, l, w.oh));
      oh = b.create<arith::RemUIOp>(l, row, idx(b, l, w.oh));
      c0 = b.create<arith::AddIOp>(
          l, b.create<arith::MulIOp>(l, tile, idx(b, l, p.width())), idx(b, l, p.first));
    };
    auto sliceOf = [&](OpBuilder &b, Location l, Value item, SmallVectorImpl<OpFoldResult> &off,
                       SmallVectorImpl<OpFoldResult> &sizes) {
      Value n, oh, c0;
      itemOf(b, l, item, n, oh, c0);
      off.assign({n, oh, b.getIndexAttr(0), c0});
      sizes.assign({b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(w.ow),
                    b.getIndexAttr(p.width())});
    };
    auto body = [&](OpBuilder &b, Location l, Value item, Value slice) -> Value {
      Value n, oh, c0;
      itemOf(b, l, item, n, oh, c0);
      Value inBase = b.create<arith::MulIOp>(
          l, b.create<arith::DivUIOp>(l, c0, idx(b, l, g.fg)), idx(b, l, g.cg));
      RowCode code{g, p, flat, adaptor.getFilter(), adaptor.getBias(),
                   op.getMin().convertToDouble(), op.getMax().convertToDouble(), op.getHardSwish(),
                   op.getSilu(), n, c0, inBase,
                   // The tiles of a pass start at p.first, a multiple of B or the last block.
                   b.create<arith::AddIOp>(l, tile, idx(b, l, p.first / block)), p.first % block,
                   rowTaps(b, l, w, oh)};
      return code.run(b, l, slice);
    };
    return buildRowLoop(b, loc, init, rows * p.tiles, macs >= kMinParallelMacs, sliceOf, body);
  }
};
} // namespace

void populateGroupedConvPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<GroupedLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
