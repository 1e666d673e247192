//===- WinogradToVectors.cpp - winograd_input / winograd_output → vector code ===//
//
// The transforms are small constant matrices applied to every tile, channel by channel: as
// linalg they would be dense 36-term sums per element, so they lower straight to loops of
// vector ops over channel vectors instead, with the matrices' zeros skipped and ±1 as
// adds: an scf.forall over tile rows (the kernel's threads), scf.for over the tiles of a row
// and the channel vectors, destination-passing on tensors (bufferizes in place).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/VectorLoops.h"

#include "kiln/Dialect/Graph/Winograd.h"

#include <tuple>

namespace kiln::lowering {
namespace {

/// sum_i coeffs[i] * values[i], skipping zero coefficients; +1 and -1 are adds and subtracts,
/// others fused multiply-adds. At least one coefficient must be non-zero.
Value combine(OpBuilder &b, Location loc, ArrayRef<double> coeffs, ArrayRef<Value> values) {
  auto type = cast<VectorType>(values.front().getType());
  // Start from a +1 term when there is one (no multiply, no negation).
  const double *one = llvm::find(coeffs, 1.0);
  size_t start = one != coeffs.end() ? size_t(one - coeffs.begin()) : coeffs.size();
  Value acc = start < coeffs.size() ? values[start] : Value();
  for (auto [i, c] : llvm::enumerate(coeffs)) {
    if (c == 0.0 || i == start)
      continue;
    Value v = values[i];
    if (!acc)
      acc = b.create<arith::MulFOp>(loc, splat(b, loc, type, c), v);
    else if (c == 1.0)
      acc = b.create<arith::AddFOp>(loc, acc, v);
    else if (c == -1.0)
      acc = b.create<arith::SubFOp>(loc, acc, v);
    else
      acc = b.create<vector::FMAOp>(loc, splat(b, loc, type, c), v, acc);
  }
  return acc;
}

/// out[r][col] = sum_k mat[r][k] * in[k][col] for an `rows` x `inner` matrix: the row-wise
/// half of the sandwich products (B^T d, A^T M); `in` is inner x cols, row-major.
SmallVector<Value> leftMultiply(OpBuilder &b, Location loc, ArrayRef<double> mat, int64_t rows,
                                int64_t inner, ArrayRef<Value> in, int64_t cols) {
  SmallVector<Value> out;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t col = 0; col < cols; ++col) {
      SmallVector<Value> column;
      for (int64_t k = 0; k < inner; ++k)
        column.push_back(in[k * cols + col]);
      out.push_back(combine(b, loc, mat.slice(r * inner, inner), column));
    }
  return out;
}

/// out[row][c] = sum_k in[row][k] * mat[c][k]: the right half (· B, · A), `mat` is
/// `cols` x `inner`.
SmallVector<Value> rightMultiply(OpBuilder &b, Location loc, ArrayRef<double> mat, int64_t cols,
                                 int64_t inner, ArrayRef<Value> in, int64_t rows) {
  SmallVector<Value> out;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out.push_back(combine(b, loc, mat.slice(c * inner, inner), in.slice(r * inner, inner)));
  return out;
}

// Index arithmetic that folds to constants for static shapes (the same code as before
// symbolic dims were supported).
Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return b.createOrFold<arith::AddIOp>(loc, x, y);
}
Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  return b.createOrFold<arith::MulIOp>(loc, x, y);
}
Value ceilDiv(OpBuilder &b, Location loc, Value x, int64_t y) {
  return y == 1 ? x : b.createOrFold<arith::CeilDivUIOp>(loc, x, idx(b, loc, y));
}
/// Dim `d` of `tensor`: a constant when static.
Value dimOf(OpBuilder &b, Location loc, Value tensor, int64_t d) {
  return b.createOrFold<tensor::DimOp>(loc, tensor, d);
}

/// The tile row `row` of an scf.forall over N * TH rows: (n, th).
std::pair<Value, Value> splitRow(OpBuilder &b, Location loc, Value row, Value th) {
  return {b.createOrFold<arith::DivUIOp>(loc, row, th),
          b.createOrFold<arith::RemUIOp>(loc, row, th)};
}

/// How the tiles along one spatial dim map to output positions: with a dilation d, tile
/// index i is tile i % perPhase of phase i / perPhase, and its element a (< m) is output
/// position phase + (tile m + a) d. Undilated: tile i starts at i m. `extent` (the output
/// size along the dim) and the counts are index values, constants for static shapes.
struct TileAxis {
  int64_t m, dilation;
  Value extent, perPhase;
  TileAxis(OpBuilder &b, Location loc, Value extent, int64_t m, int64_t dilation)
      : m(m), dilation(dilation), extent(extent),
        perPhase(ceilDiv(b, loc, ceilDiv(b, loc, extent, dilation), m)) {}
  Value count(OpBuilder &b, Location loc) const {
    return mul(b, loc, perPhase, idx(b, loc, dilation));
  }
  /// The output position of element 0 of tile `i`.
  Value start(OpBuilder &b, Location loc, Value i) const {
    if (dilation == 1)
      return b.create<arith::MulIOp>(loc, i, idx(b, loc, m));
    Value phase = b.create<arith::DivUIOp>(loc, i, perPhase);
    Value tile = b.create<arith::RemUIOp>(loc, i, perPhase);
    return b.create<arith::AddIOp>(loc, phase,
                                   b.create<arith::MulIOp>(loc, tile, idx(b, loc, m * dilation)));
  }
  /// start + a d.
  Value at(OpBuilder &b, Location loc, Value start, int64_t a) const {
    return a == 0 ? start : b.create<arith::AddIOp>(loc, start, idx(b, loc, a * dilation));
  }
  /// Whether some tile may have positions past `extent` (cut at the edge): always with a
  /// symbolic extent.
  bool cut() const {
    std::optional<int64_t> e = getConstantIntValue(extent), p = getConstantIntValue(perPhase);
    return !e || !p || *p * m * dilation != *e;
  }
};

/// Transforms moving fewer transformed elements than this run on one thread (waking the pool
/// costs a few microseconds). In a model the data of a transform was written by the previous
/// kernel on every thread: a one-thread transform of small tiles then waits on the other
/// core's caches (squeezenet1_1 at 2 threads, same run: 2.96 ms with transforms under 256K
/// elements on one thread, 2.83 ms with all parallel). Symbolic sizes run on the threads.
bool runsParallel(RankedTensorType transformed) {
  return !transformed.hasStaticShape() || transformed.getNumElements() >= (1 << 14);
}

/// The dynamic sizes of `type` from `sizes` (one per dim).
SmallVector<Value> dynamicOf(RankedTensorType type, ArrayRef<Value> sizes) {
  SmallVector<Value> dynamic;
  for (auto [d, size] : llvm::enumerate(sizes))
    if (type.isDynamicDim(d))
      dynamic.push_back(size);
  return dynamic;
}

struct WinogradInputLowering : OpConversionPattern<graph::WinogradInputOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::WinogradInputOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    const WinogradMatrices *w = getWinogradMatrices(op.getTile());
    if (!w)
      return emitUnsupported(op) << "Winograd tile " << op.getTile();
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = tensorTypeOf(input), outType = tensorTypeOf(op.getResult());
    int64_t c = inType.getDimSize(3);
    auto pads = op.getPads();
    auto dilations = op.getDilations();
    int64_t m = w->m, alpha = w->alpha;
    OpBuilder &b0 = rewriter;
    Value n0 = dimOf(b0, loc, input, 0), h = dimOf(b0, loc, input, 1),
          wd = dimOf(b0, loc, input, 2);
    TileAxis rowAxis(b0, loc, add(b0, loc, h, idx(b0, loc, pads[0] + pads[2] - 2 * dilations[0])),
                     m, dilations[0]);
    TileAxis colAxis(b0, loc, add(b0, loc, wd, idx(b0, loc, pads[1] + pads[3] - 2 * dilations[1])),
                     m, dilations[1]);
    Value th = rowAxis.count(b0, loc), tw = colAxis.count(b0, loc);
    Value hLast = b0.createOrFold<arith::SubIOp>(loc, h, idx(b0, loc, 1));
    Value wLast = b0.createOrFold<arith::SubIOp>(loc, wd, idx(b0, loc, 1));
    int64_t lanes = channelVector(c);
    auto vecType = VectorType::get({lanes}, inType.getElementType());
    Value tiles = mul(b0, loc, mul(b0, loc, n0, th), tw);
    Value init =
        createEmpty(rewriter, loc, outType,
                    dynamicOf(outType, {idx(b0, loc, alpha * alpha), tiles, idx(b0, loc, c)}));
    auto sliceOf = [&](OpBuilder &b, Location l, Value row, SmallVectorImpl<OpFoldResult> &off,
                       SmallVectorImpl<OpFoldResult> &sizes) {
      Value first = mul(b, l, row, tw);
      off.assign({b.getIndexAttr(0), first, b.getIndexAttr(0)});
      sizes.assign({b.getIndexAttr(alpha * alpha), getAsOpFoldResult(tw), b.getIndexAttr(c)});
    };
    auto body = [&](OpBuilder &b, Location l, Value row, Value slice) -> Value {
      Value n, tileRow; // not a structured binding: the lambdas below capture them
      std::tie(n, tileRow) = splitRow(b, l, row, th);
      return buildLoop(
          b, l, idx(b, l, 0), tw, 1, slice, [&](OpBuilder &b, Location l, Value tile, Value acc) {
            // Input rows and columns of this tile, clamped into the tensor; out-of-range ones
            // (the zero padding) are replaced by zeros after the read.
            auto coords = [&](const TileAxis &axis, Value t, int64_t pad, Value extent, Value last,
                              SmallVector<Value> &at, SmallVector<Value> &valid) {
              Value base = axis.start(b, l, t);
              for (int64_t i = 0; i < alpha; ++i) {
                Value pos = b.create<arith::SubIOp>(l, axis.at(b, l, base, i), idx(b, l, pad));
                valid.push_back(b.create<arith::AndIOp>(
                    l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, pos, idx(b, l, 0)),
                    b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, pos, extent)));
                Value clamped = b.create<arith::MaxSIOp>(l, pos, idx(b, l, 0));
                at.push_back(b.create<arith::MinSIOp>(l, clamped, last));
              }
            };
            SmallVector<Value> rows, rowValid, cols, colValid;
            coords(rowAxis, tileRow, pads[0], h, hLast, rows, rowValid);
            coords(colAxis, tile, pads[1], wd, wLast, cols, colValid);
            Value zero = splat(b, l, vecType, 0.0);
            return buildLoop(
                b, l, c, lanes, acc, [&](OpBuilder &b, Location l, Value ch, Value acc) {
                  SmallVector<Value> d;
                  for (int64_t i = 0; i < alpha; ++i)
                    for (int64_t j = 0; j < alpha; ++j) {
                      Value v = readVector(b, l, vecType, input, {n, rows[i], cols[j], ch});
                      Value ok = b.create<arith::AndIOp>(l, rowValid[i], colValid[j]);
                      d.push_back(b.create<arith::SelectOp>(l, ok, v, zero));
                    }
                  SmallVector<Value> t = leftMultiply(b, l, w->bt, alpha, alpha, d, alpha);
                  SmallVector<Value> v = rightMultiply(b, l, w->bt, alpha, alpha, t, alpha);
                  for (int64_t e = 0; e < alpha * alpha; ++e)
                    acc = writeVector(b, l, v[e], acc, {idx(b, l, e), tile, ch});
                  return acc;
                });
          });
    };
    rewriter.replaceOp(op,
                       buildRowLoop(rewriter, loc, init, getAsOpFoldResult(mul(b0, loc, n0, th)),
                                    runsParallel(outType), sliceOf, body));
    return success();
  }
};

struct WinogradOutputLowering : OpConversionPattern<graph::WinogradOutputOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::WinogradOutputOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    const WinogradMatrices *w = getWinogradMatrices(op.getTile());
    if (!w)
      return emitUnsupported(op) << "Winograd tile " << op.getTile();
    Location loc = op.getLoc();
    auto outType = tensorTypeOf(op.getResult());
    int64_t k = outType.getDimSize(3);
    int64_t m = w->m, alpha = w->alpha;
    auto dilations = op.getDilations();
    int64_t dh = dilations[0];
    OpBuilder &b0 = rewriter;
    // The result's size: static, or the image's plus the pads (symbolic dims).
    SmallVector<Value> size;
    for (int64_t d = 0; d < 3; ++d) {
      if (!outType.isDynamicDim(d)) {
        size.push_back(idx(b0, loc, outType.getDimSize(d)));
        continue;
      }
      Value extent = dimOf(b0, loc, adaptor.getImage(), d);
      auto pads = op.getPads();
      size.push_back(d == 0 ? extent
                            : add(b0, loc, extent,
                                  idx(b0, loc, pads[d - 1] + pads[d + 1] - 2 * dilations[d - 1])));
    }
    Value oh = size[1], ow = size[2];
    TileAxis rowAxis(b0, loc, oh, m, dh), colAxis(b0, loc, ow, m, dilations[1]);
    Value th = rowAxis.count(b0, loc), tw = colAxis.count(b0, loc);
    bool cutRows = rowAxis.cut(), cutCols = colAxis.cut();
    int64_t lanes = channelVector(k);
    auto vecType = VectorType::get({lanes}, outType.getElementType());
    Value products = adaptor.getInput(), bias = adaptor.getBias(),
          residual = adaptor.getResidual();
    double lo = op.getMin().convertToDouble(), hi = op.getMax().convertToDouble();
    size.push_back(idx(b0, loc, k));
    Value init = createEmpty(rewriter, loc, outType, dynamicOf(outType, size));

    // A tile row's slice: its m rows (fewer at the edge), dh apart.
    auto sliceOf = [&](OpBuilder &b, Location l, Value row, SmallVectorImpl<OpFoldResult> &off,
                       SmallVectorImpl<OpFoldResult> &sizes, SmallVectorImpl<OpFoldResult> &steps) {
      Value n, tileRow;
      std::tie(n, tileRow) = splitRow(b, l, row, th);
      Value top = rowAxis.start(b, l, tileRow);
      OpFoldResult height = b.getIndexAttr(m);
      if (cutRows) // the last tile row of a phase ends before oh: ceil((oh - top) / dh) rows
        height =
            b.create<arith::MinSIOp>(l, idx(b, l, m),
                                     b.create<arith::CeilDivSIOp>(
                                         l, b.create<arith::SubIOp>(l, oh, top), idx(b, l, dh)))
                .getResult();
      off.assign({n, top, b.getIndexAttr(0), b.getIndexAttr(0)});
      sizes.assign({b.getIndexAttr(1), height, getAsOpFoldResult(ow), b.getIndexAttr(k)});
      steps.assign({b.getIndexAttr(1), b.getIndexAttr(dh), b.getIndexAttr(1), b.getIndexAttr(1)});
    };
    auto body = [&](OpBuilder &b, Location l, Value row, Value slice) -> Value {
      Value n, tileRow; // not a structured binding: the lambdas below capture them
      std::tie(n, tileRow) = splitRow(b, l, row, th);
      Value top = rowAxis.start(b, l, tileRow);
      Value height = cutRows ? b.create<tensor::DimOp>(l, slice, 1).getResult() : Value();
      Value firstTile = mul(b, l, row, tw);
      return buildLoop(
          b, l, idx(b, l, 0), tw, 1, slice, [&](OpBuilder &b, Location l, Value tile, Value acc) {
            Value p = b.create<arith::AddIOp>(l, firstTile, tile);
            Value left = colAxis.start(b, l, tile);
            return buildLoop(
                b, l, k, lanes, acc, [&](OpBuilder &b, Location l, Value ch, Value acc) {
                  SmallVector<Value> mv;
                  for (int64_t e = 0; e < alpha * alpha; ++e)
                    mv.push_back(readVector(b, l, vecType, products, {idx(b, l, e), p, ch}));
                  SmallVector<Value> t = leftMultiply(b, l, w->at, m, alpha, mv, alpha);
                  SmallVector<Value> y = rightMultiply(b, l, w->at, m, alpha, t, m);
                  Value biasVec;
                  if (bias)
                    biasVec = readVector(b, l, vecType, bias, {ch});
                  for (int64_t a = 0; a < m; ++a)
                    for (int64_t c = 0; c < m; ++c)
                      acc = storeOutput(b, l, y[a * m + c], biasVec, residual, acc, n,
                                        rowAxis.at(b, l, top, a), a, colAxis.at(b, l, left, c), ch,
                                        height, cutCols ? ow : Value(), lo, hi);
                  return acc;
                });
          });
    };
    rewriter.replaceOp(op, buildRowLoop(rewriter, loc, init,
                                        getAsOpFoldResult(mul(b0, loc, size[0], th)),
                                        runsParallel(tensorTypeOf(products)), sliceOf, body));
    return success();
  }

  /// Adds bias and residual to `y`, clamps it and writes it at (a, col, ch) of `acc` (the tile
  /// row's slice, whose row a is row `outRow` of the result); skipped past `height` rows or
  /// `width` columns (each when given).
  static Value storeOutput(OpBuilder &b, Location l, Value y, Value biasVec, Value residual,
                           Value acc, Value n, Value outRow, int64_t a, Value col, Value ch,
                           Value height, Value width, double lo, double hi) {
    auto write = [&](OpBuilder &b, Location l) -> Value {
      Value v = y;
      if (biasVec)
        v = b.create<arith::AddFOp>(l, v, biasVec);
      if (residual) {
        Value r = readVector(b, l, cast<VectorType>(y.getType()), residual, {n, outRow, col, ch});
        v = b.create<arith::AddFOp>(l, v, r);
      }
      v = clampVector(b, l, v, lo, hi);
      return writeVector(b, l, v, acc, {idx(b, l, 0), idx(b, l, a), col, ch});
    };
    Value inside;
    if (height)
      inside = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, idx(b, l, a), height);
    if (width) {
      Value colOk = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, col, width);
      inside = inside ? b.create<arith::AndIOp>(l, inside, colOk).getResult() : colOk;
    }
    if (!inside)
      return write(b, l);
    auto ifOp = b.create<scf::IfOp>(
        l, inside, [&](OpBuilder &tb, Location tl) { tb.create<scf::YieldOp>(tl, write(tb, tl)); },
        [&](OpBuilder &eb, Location el) { eb.create<scf::YieldOp>(el, acc); });
    return ifOp.getResult(0);
  }
};
} // namespace

void populateWinogradPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<WinogradInputLowering, WinogradOutputLowering>(converter,
                                                              patterns.getContext());
}
} // namespace kiln::lowering
