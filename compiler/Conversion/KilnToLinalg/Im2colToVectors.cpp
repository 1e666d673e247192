//===- Im2colToVectors.cpp - kiln.im2col → vector copies ------------------===//
//
// Per output row (an scf.forall over N * OH when there is enough data): each filter row
// whose input row is inside the input copies, for the pixels whose taps are all inside, the
// KW * C values of the pixel's window as one contiguous run of the input row (read through a
// [N, H, W * C] view; with dilation, C values per tap); the few pixels at the left and right
// edges copy tap by tap, the taps outside written with the pad value; filter rows outside the
// input are written with the pad value. Runs go in 512-bit vectors and one shorter vector
// for their rest: no masks, no padded copy of the input. With symbolic batch or image dims the
// rows run on the threads and the edge/interior split of each row is computed at run time.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/DynamicPools.h"
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/VectorLoops.h"

namespace kiln::lowering {
namespace {
/// Patch matrices smaller than this (in bytes) are built on one thread.
constexpr int64_t kMinParallelBytes = 1 << 16;
/// Edge pixels of one filter row are unrolled up to this many vector copies, else looped.
constexpr int64_t kMaxUnrolledEdgeOps = 32;
/// A run of more than this many full vectors is copied (or filled) by a loop.
constexpr int64_t kMaxUnrolledVectors = 4;

struct Im2colLowering : OpConversionPattern<graph::Im2colOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::Im2colOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto outType = cast<RankedTensorType>(toSignless(op.getType()));
    Type elem = outType.getElementType();
    if (!elem.isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "no vector of this element type");
    Copier c;
    c.h = inType.getDimSize(1);
    c.w = inType.getDimSize(2);
    c.c = inType.getDimSize(3);
    c.kh = op.getKernel()[0];
    c.kw = op.getKernel()[1];
    c.sh = op.getStrides()[0];
    c.sw = op.getStrides()[1];
    c.dh = op.getDilations()[0];
    c.dw = op.getDilations()[1];
    c.top = op.getPads()[0];
    c.left = op.getPads()[1];
    c.oh = outType.getDimSize(1);
    c.ow = outType.getDimSize(2);
    c.elem = elem;
    int64_t bits = elem.getIntOrFloatBitWidth();
    c.lanes = std::max<int64_t>(1, 512 / bits);
    c.input = rewriter.create<tensor::CollapseShapeOp>(
        loc, adaptor.getInput(), ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    double padValue = op.getPadValue().convertToDouble();
    c.pad = adaptor.getPad()
                ? rewriter.create<tensor::ExtractOp>(loc, adaptor.getPad(), ValueRange{})
                      .getResult()
                : createScalar(rewriter, loc, elem, padValue, isUnsigned(op.getInput()));
    int64_t k = outType.getDimSize(3);
    // The result's symbolic batch and image dims: a window's output sizes, as for pools.
    ArrayRef<int64_t> pads = op.getPads();
    PoolWindow2D window{{c.kh, c.kw},    {c.sh, c.sw},       {c.dh, c.dw},
                        {c.top, c.left}, {pads[2], pads[3]}, /*ceilMode=*/false};
    Value init =
        createEmpty(rewriter, loc, RankedTensorType::get(outType.getShape(), elem),
                    dynamicWindowResultSizes(rewriter, loc, adaptor.getInput(), outType, window));
    c.bindSizes(rewriter, loc, adaptor.getInput(), init);
    OpFoldResult rows;
    bool parallel = true; // symbolic sizes: an image's rows
    if (outType.hasStaticShape()) {
      int64_t count = outType.getDimSize(0) * c.oh;
      rows = rewriter.getIndexAttr(count);
      parallel = count * c.ow * k * bits / 8 >= kMinParallelBytes;
    } else {
      Value n = rewriter.create<tensor::DimOp>(loc, init, 0);
      rows = rewriter.create<arith::MulIOp>(loc, n, c.ohV).getResult();
    }
    auto sliceOf = [&](OpBuilder &b, Location l, Value row, SmallVectorImpl<OpFoldResult> &off,
                       SmallVectorImpl<OpFoldResult> &sizes) {
      off.assign({b.create<arith::DivUIOp>(l, row, c.ohV).getResult(),
                  b.create<arith::RemUIOp>(l, row, c.ohV).getResult(), b.getIndexAttr(0),
                  b.getIndexAttr(0)});
      sizes.assign(
          {b.getIndexAttr(1), b.getIndexAttr(1), getAsOpFoldResult(c.owV), b.getIndexAttr(k)});
    };
    auto body = [&](OpBuilder &b, Location l, Value row, Value slice) {
      return c.row(b, l, row, slice);
    };
    rewriter.replaceOp(op, buildRowLoop(rewriter, loc, init, rows, parallel, sliceOf, body));
    return success();
  }

  /// The code of one output row of the patch matrix.
  struct Copier {
    /// h, w, oh, ow: ShapedType::kDynamic where known at run time only.
    int64_t h, w, c, kh, kw, sh, sw, dh, dw, top, left, oh, ow, lanes;
    Type elem;
    Value input, pad; ///< input as [N, H, W * C]; the pad value, a scalar
    Value hV, wV, ohV, owV; ///< h, w, oh, ow as index values (constants where static)

    bool hasStaticSizes() const {
      return !ShapedType::isDynamic(h) && !ShapedType::isDynamic(w) && !ShapedType::isDynamic(oh) &&
             !ShapedType::isDynamic(ow);
    }

    /// hV, wV from the input's dims, ohV, owV from the result's (`init`). At the kernel's
    /// entry: used inside its loops.
    void bindSizes(OpBuilder &b, Location l, Value in, Value init) {
      auto size = [&](Value t, int64_t d, int64_t v) {
        return ShapedType::isDynamic(v) ? b.create<tensor::DimOp>(l, t, d).getResult()
                                        : idx(b, l, v);
      };
      hV = size(in, 1, h);
      wV = size(in, 2, w);
      ohV = size(init, 1, oh);
      owV = size(init, 2, ow);
    }

    /// slice[0, 0, ow, base + off] as indices.
    SmallVector<Value> at(OpBuilder &b, Location l, Value ow, Value base, int64_t off) const {
      Value col = off ? b.create<arith::AddIOp>(l, base, idx(b, l, off)).getResult() : base;
      return {idx(b, l, 0), idx(b, l, 0), ow, col};
    }

    /// `len` values of input row (n, ih) from `start` into slice[0, 0, ow, base..]: full
    /// vectors, then the rest as one vector of the next power of two lanes under a constant
    /// mask (a run of 21 bytes is one masked load and store, not pieces of 16, 4 and 1).
    Value copy(OpBuilder &b, Location l, Value slice, Value n, Value ih, Value start, Value ow,
               Value base, int64_t len) const {
      int64_t full = len / lanes * lanes;
      auto fullVector = [&](OpBuilder &vb, Location vl, Value p, Value s) {
        Value v = readVector(vb, vl, VectorType::get({lanes}, elem), input,
                             {n, ih, vb.create<arith::AddIOp>(vl, start, p)});
        return writeVector(
            vb, vl, v, s,
            {idx(vb, vl, 0), idx(vb, vl, 0), ow, vb.create<arith::AddIOp>(vl, base, p)});
      };
      // Long runs (wide channels) as a loop: unrolled, a kernel was thousands of ops.
      if (full > kMaxUnrolledVectors * lanes) {
        slice = buildLoop(b, l, 0, full, lanes, slice, fullVector);
        if (full == len)
          return slice;
        Value offset = idx(b, l, full);
        return copy(b, l, slice, n, ih, b.create<arith::AddIOp>(l, start, offset), ow,
                    b.create<arith::AddIOp>(l, base, offset), len - full);
      }
      for (int64_t p = 0; p < len; p += lanes) {
        int64_t size = std::min(lanes, len - p);
        Value from = p ? b.create<arith::AddIOp>(l, start, idx(b, l, p)).getResult() : start;
        SmallVector<Value> to = at(b, l, ow, base, p);
        int64_t padded = std::min<int64_t>(lanes, llvm::PowerOf2Ceil(size));
        if (padded == size) {
          Value v = readVector(b, l, VectorType::get({size}, elem), input, {n, ih, from});
          slice = writeVector(b, l, v, slice, to);
          continue;
        }
        auto type = VectorType::get({padded}, elem);
        Value mask = b.create<vector::CreateMaskOp>(
            l, VectorType::get({padded}, b.getI1Type()), ValueRange{idx(b, l, size)});
        auto map = [&](Value t) {
          return AffineMapAttr::get(
              vector::getTransferMinorIdentityMap(cast<ShapedType>(t.getType()), type));
        };
        // Masked lanes past the row or the slice are not accessed.
        Value v = b.create<vector::TransferReadOp>(l, type, input, ValueRange{n, ih, from},
                                                   map(input), pad, mask,
                                                   b.getBoolArrayAttr({false}));
        slice = b.create<vector::TransferWriteOp>(l, v, slice, to, map(slice), mask,
                                                  b.getBoolArrayAttr({false}))
                    .getResult();
      }
      return slice;
    }

    /// slice[0, 0, ow, base..base + len) = the pad value.
    Value fill(OpBuilder &b, Location l, Value slice, Value ow, Value base, int64_t len) const {
      int64_t full = len / lanes * lanes;
      if (full > kMaxUnrolledVectors * lanes) {
        Value v = b.create<vector::BroadcastOp>(l, VectorType::get({lanes}, elem), pad);
        slice = buildLoop(b, l, 0, full, lanes, slice,
                          [&](OpBuilder &vb, Location vl, Value p, Value s) {
                            return writeVector(vb, vl, v, s,
                                               {idx(vb, vl, 0), idx(vb, vl, 0), ow,
                                                vb.create<arith::AddIOp>(vl, base, p)});
                          });
        if (full == len)
          return slice;
        return fill(b, l, slice, ow, b.create<arith::AddIOp>(l, base, idx(b, l, full)), len - full);
      }
      for (int64_t p = 0; p < len; p += lanes) {
        auto type = VectorType::get({std::min(lanes, len - p)}, elem);
        Value v = b.create<vector::BroadcastOp>(l, type, pad);
        slice = writeVector(b, l, v, slice, at(b, l, ow, base, p));
      }
      return slice;
    }

    /// A filter row (input row `ih`, inside the input; its columns from `base`) of output
    /// pixel `owv` at the edge: the taps inside copied, the others filled; with dilation 1
    /// the taps inside are one run.
    Value edgePixel(OpBuilder &b, Location l, Value slice, Value n, Value ih, Value base,
                    int64_t owv) const {
      Value ow = idx(b, l, owv);
      for (int64_t j = 0; j < kw;) {
        int64_t col = owv * sw - left + j * dw;
        Value out = j ? b.create<arith::AddIOp>(l, base, idx(b, l, j * c)).getResult() : base;
        if (col < 0 || col >= w) {
          slice = fill(b, l, slice, ow, out, c);
          ++j;
          continue;
        }
        int64_t run = 1;
        while (dw == 1 && j + run < kw && col + run < w)
          ++run;
        slice = copy(b, l, slice, n, ih, idx(b, l, col * c), ow, out, run * c);
        j += run;
      }
      return slice;
    }

    /// Edge pixels [from, to) as a loop: each tap tested at run time, copied or filled. For
    /// wide dilations most pixels are edge pixels; unrolled they were thousands of vector ops
    /// per kernel, and bufferizing those chains took minutes (a dilated ISNet).
    Value edgeLoop(OpBuilder &b, Location l, Value slice, Value n, Value ih, Value base, Value from,
                   Value to) const {
      return buildLoop(
          b, l, from, to, 1, slice, [&](OpBuilder &nb, Location nl, Value px, Value s) {
            Value col0 = nb.create<arith::SubIOp>(
                nl, nb.create<arith::MulIOp>(nl, px, idx(nb, nl, sw)), idx(nb, nl, left));
            for (int64_t j = 0; j < kw; ++j) {
              Value col = nb.create<arith::AddIOp>(nl, col0, idx(nb, nl, j * dw));
              Value inside = nb.create<arith::AndIOp>(
                  nl, nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::sge, col, idx(nb, nl, 0)),
                  nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::slt, col, wV));
              Value out = nb.create<arith::AddIOp>(nl, base, idx(nb, nl, j * c));
              auto tap = nb.create<scf::IfOp>(
                  nl, inside,
                  [&](OpBuilder &tb, Location tl) {
                    Value start = tb.create<arith::MulIOp>(tl, col, idx(tb, tl, c));
                    tb.create<scf::YieldOp>(tl, copy(tb, tl, s, n, ih, start, px, out, c));
                  },
                  [&](OpBuilder &eb, Location el) {
                    eb.create<scf::YieldOp>(el, fill(eb, el, s, px, out, c));
                  });
              s = tap.getResult(0);
            }
            return s;
          });
    }

    /// Edge pixels [from, to): unrolled (runs of taps inside copied at once) while that is a
    /// few vector ops, else a loop.
    Value edgePixels(OpBuilder &b, Location l, Value slice, Value n, Value ih, Value base,
                     int64_t from, int64_t to) const {
      if ((to - from) * kw * llvm::divideCeil(c, lanes) > kMaxUnrolledEdgeOps)
        return edgeLoop(b, l, slice, n, ih, base, idx(b, l, from), idx(b, l, to));
      for (int64_t p = from; p < to; ++p)
        slice = edgePixel(b, l, slice, n, ih, base, p);
      return slice;
    }

    /// One filter row of every pixel: its input row `ih` inside the input, its columns of the
    /// patch matrix from `base`.
    Value copyRow(OpBuilder &b, Location l, Value slice, Value n, Value ih, Value base) const {
      // Pixels [lo, hi) have every tap inside: ow * sw - left >= 0 and
      // ow * sw - left + (kw - 1) * dw <= w - 1.
      if (!hasStaticSizes()) {
        Value lo = b.create<arith::MinSIOp>(l, owV, idx(b, l, (left + sw - 1) / sw));
        Value last = b.create<arith::AddIOp>(l, wV, idx(b, l, left - 1 - (kw - 1) * dw));
        Value hi = b.create<arith::AddIOp>(l, b.create<arith::FloorDivSIOp>(l, last, idx(b, l, sw)),
                                           idx(b, l, 1));
        hi = b.create<arith::MaxSIOp>(l, lo, b.create<arith::MinSIOp>(l, owV, hi));
        slice = edgeLoop(b, l, slice, n, ih, base, idx(b, l, 0), lo);
        slice =
            buildLoop(b, l, lo, hi, 1, slice, [&](OpBuilder &nb, Location nl, Value px, Value s) {
              return interiorPixel(nb, nl, s, n, ih, base, px);
            });
        return edgeLoop(b, l, slice, n, ih, base, hi, owV);
      }
      int64_t lo = std::min(ow, (left + sw - 1) / sw);
      int64_t last = w - 1 - (kw - 1) * dw + left;
      int64_t hi = last < 0 ? lo : std::max(lo, std::min(ow, last / sw + 1));
      slice = edgePixels(b, l, slice, n, ih, base, 0, lo);
      slice = buildLoop(b, l, lo, hi, 1, slice, [&](OpBuilder &nb, Location nl, Value px, Value s) {
        return interiorPixel(nb, nl, s, n, ih, base, px);
      });
      return edgePixels(b, l, slice, n, ih, base, hi, ow);
    }

    /// A filter row of pixel `px`, every tap inside the input: one run (dilation 1) or a
    /// run per tap.
    Value interiorPixel(OpBuilder &b, Location l, Value slice, Value n, Value ih, Value base,
                        Value px) const {
      Value col = b.create<arith::SubIOp>(l, b.create<arith::MulIOp>(l, px, idx(b, l, sw)),
                                          idx(b, l, left));
      Value start = b.create<arith::MulIOp>(l, col, idx(b, l, c));
      if (dw == 1)
        return copy(b, l, slice, n, ih, start, px, base, kw * c);
      for (int64_t j = 0; j < kw; ++j)
        slice = copy(b, l, slice, n, ih, b.create<arith::AddIOp>(l, start, idx(b, l, j * dw * c)),
                     px, b.create<arith::AddIOp>(l, base, idx(b, l, j * c)), c);
      return slice;
    }

    /// Filter rows [from, to) of every pixel: their input rows copied (`inside`) or the pad
    /// value written.
    Value filterRows(OpBuilder &b, Location l, Value slice, Value n, Value ohv, Value from,
                     Value to, bool inside) const {
      auto loop = b.create<scf::ForOp>(
          l, from, to, idx(b, l, 1), ValueRange{slice},
          [&](OpBuilder &nb, Location nl, Value i, ValueRange args) {
            Value base = nb.create<arith::MulIOp>(nl, i, idx(nb, nl, kw * c));
            if (inside) {
              nb.create<scf::YieldOp>(nl, copyRow(nb, nl, args[0], n, inputRow(nb, nl, ohv, i), base));
              return;
            }
            nb.create<scf::YieldOp>(nl,
                                    buildLoop(nb, nl, idx(nb, nl, 0), owV, 1, args[0],
                                              [&](OpBuilder &fb, Location fl, Value px, Value s) {
                                                return fill(fb, fl, s, px, base, kw * c);
                                              }));
          });
      return loop.getResult(0);
    }

    /// The input row of filter row `i` of output row `ohv`: oh * sh + i * dh - top.
    Value inputRow(OpBuilder &b, Location l, Value ohv, Value i) const {
      Value r = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, ohv, idx(b, l, sh)),
                                        b.create<arith::MulIOp>(l, i, idx(b, l, dh)));
      return b.create<arith::SubIOp>(l, r, idx(b, l, top));
    }

    Value row(OpBuilder &b, Location l, Value row, Value slice) const {
      Value n = b.create<arith::DivUIOp>(l, row, ohV);
      Value ohv = b.create<arith::RemUIOp>(l, row, ohV);
      if (hasStaticSizes() && top <= 0 && (oh - 1) * sh + (kh - 1) * dh - top < h) {
        // Every filter row of every output row inside the input: static rows.
        for (int64_t i = 0; i < kh; ++i)
          slice = copyRow(b, l, slice, n, inputRow(b, l, ohv, idx(b, l, i)),
                          idx(b, l, i * kw * c));
        return slice;
      }
      // Filter rows [lo, hi) fall inside the input: i * dh >= top - oh * sh and
      // i * dh < h + top - oh * sh; the others read the padding.
      Value shift = b.create<arith::SubIOp>(l, idx(b, l, top),
                                            b.create<arith::MulIOp>(l, ohv, idx(b, l, sh)));
      Value zero = idx(b, l, 0), all = idx(b, l, kh);
      Value lo = b.create<arith::MinSIOp>(
          l, b.create<arith::MaxSIOp>(l, b.create<arith::CeilDivSIOp>(l, shift, idx(b, l, dh)), zero),
          all);
      Value hi = b.create<arith::MaxSIOp>(
          l,
          b.create<arith::MinSIOp>(
              l,
              b.create<arith::CeilDivSIOp>(l, b.create<arith::AddIOp>(l, shift, hV), idx(b, l, dh)),
              all),
          lo);
      slice = filterRows(b, l, slice, n, ohv, zero, lo, /*inside=*/false);
      slice = filterRows(b, l, slice, n, ohv, lo, hi, /*inside=*/true);
      return filterRows(b, l, slice, n, ohv, hi, all, /*inside=*/false);
    }
  };
};
} // namespace

void populateIm2colPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<Im2colLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
