//===- VectorLoops.cpp - loops of vector ops on tensors -------------------===//
#include "compiler/Conversion/KilnToLinalg/VectorLoops.h"

#include <cmath>
#include <limits>
#include <tuple>

namespace kiln::lowering {
Value splat(OpBuilder &b, Location loc, VectorType type, double value) {
  Type element = type.getElementType();
  TypedAttr scalar = isa<FloatType>(element) ? TypedAttr(b.getFloatAttr(element, value))
                                             : TypedAttr(b.getIntegerAttr(element, int64_t(value)));
  return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, scalar));
}

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

Value readVector(OpBuilder &b, Location loc, VectorType type, Value tensor, ValueRange indices) {
  Value pad = createScalar(b, loc, type.getElementType(), 0.0);
  return b.create<vector::TransferReadOp>(loc, type, tensor, indices, pad, ArrayRef<bool>{true});
}

Value writeVector(OpBuilder &b, Location loc, Value vector, Value tensor, ValueRange indices) {
  return b.create<vector::TransferWriteOp>(loc, vector, tensor, indices, ArrayRef<bool>{true})
      .getResult();
}

Value clampVector(OpBuilder &b, Location loc, Value v, double lo, double hi) {
  auto type = cast<VectorType>(v.getType());
  if (!std::isinf(lo))
    v = b.create<arith::MaximumFOp>(loc, v, splat(b, loc, type, lo));
  if (!std::isinf(hi))
    v = b.create<arith::MinimumFOp>(loc, v, splat(b, loc, type, hi));
  return v;
}

Value activateVector(OpBuilder &b, Location loc, Value v, double lo, double hi, bool hardSwish,
                     bool silu) {
  v = clampVector(b, loc, v, lo, hi);
  if (silu)
    return createSilu(b, loc, v);
  return hardSwish ? createHardSwish(b, loc, v) : v;
}

ConvWindow::ConvWindow(RankedTensorType input, int64_t kh, int64_t kw, RankedTensorType output,
                       ArrayRef<int64_t> strides, ArrayRef<int64_t> pads)
    : h(input.getDimSize(1)), w(input.getDimSize(2)), kh(kh), kw(kw),
      oh(output.getDimSize(1)), ow(output.getDimSize(2)), sh(strides[0]), sw(strides[1]),
      top(pads[0]), left(pads[1]) {
  if (!hasStaticSizes()) {
    interiorLo = interiorHi = ShapedType::kDynamic;
    return;
  }
  // ow * sw - left >= 0 and ow * sw - left + kw - 1 <= w - 1.
  interiorLo = std::min(ow, (left + sw - 1) / sw);
  int64_t last = w - kw + left; // the largest ow * sw allowed
  interiorHi = last < 0 ? interiorLo : std::min(ow, last / sw + 1);
  interiorHi = std::max(interiorHi, interiorLo);
}

bool ConvWindow::hasStaticSizes() const {
  return !ShapedType::isDynamic(h) && !ShapedType::isDynamic(w) && !ShapedType::isDynamic(oh) &&
         !ShapedType::isDynamic(ow);
}

void ConvWindow::bindSizes(OpBuilder &b, Location loc, Value input, Value output) {
  int64_t dims[4] = {h, w, oh, ow};
  for (int i = 0; i < 4; ++i)
    sizes[i] = ShapedType::isDynamic(dims[i])
                   ? b.create<tensor::DimOp>(loc, i < 2 ? input : output, 1 + i % 2).getResult()
                   : Value();
}

Value ConvWindow::sizeValue(OpBuilder &b, Location loc, int64_t size, Value bound) {
  if (!ShapedType::isDynamic(size))
    return idx(b, loc, size);
  assert(bound && "ConvWindow::bindSizes must come before the sizes are used");
  return bound;
}

std::pair<OpFoldResult, bool> windowRows(OpBuilder &b, Location loc, const ConvWindow &g,
                                         Value init, int64_t perPixel, int64_t minParallel) {
  auto type = cast<RankedTensorType>(init.getType());
  if (g.hasStaticSizes() && !type.isDynamicDim(0)) {
    int64_t rows = type.getDimSize(0) * g.oh;
    return {b.getIndexAttr(rows), rows * g.ow * perPixel >= minParallel};
  }
  Value n = type.isDynamicDim(0) ? b.create<tensor::DimOp>(loc, init, 0).getResult()
                                 : idx(b, loc, type.getDimSize(0));
  return {b.create<arith::MulIOp>(loc, n, g.ohValue(b, loc)).getResult(), true};
}

WindowRow windowRow(OpBuilder &b, Location loc, const ConvWindow &g, Value row) {
  return {b.create<arith::DivUIOp>(loc, row, g.ohValue(b, loc)),
          b.create<arith::RemUIOp>(loc, row, g.ohValue(b, loc))};
}

void windowRowSlice(OpBuilder &b, Location loc, const ConvWindow &g, int64_t channels, Value row,
                    SmallVectorImpl<OpFoldResult> &offsets, SmallVectorImpl<OpFoldResult> &sizes) {
  WindowRow r = windowRow(b, loc, g, row);
  offsets.assign({r.n, r.oh, b.getIndexAttr(0), b.getIndexAttr(0)});
  sizes.assign({b.getIndexAttr(1), b.getIndexAttr(1), getAsOpFoldResult(g.owValue(b, loc)),
                b.getIndexAttr(channels)});
}

RowTaps rowTaps(OpBuilder &b, Location l, const ConvWindow &g, Value oh) {
  RowTaps r;
  r.ihBase = b.create<arith::SubIOp>(l, b.create<arith::MulIOp>(l, oh, idx(b, l, g.sh)),
                                     idx(b, l, g.top));
  Value neg = b.create<arith::SubIOp>(l, idx(b, l, 0), r.ihBase);
  r.khLo = b.create<arith::MinSIOp>(l, b.create<arith::MaxSIOp>(l, neg, idx(b, l, 0)),
                                    idx(b, l, g.kh));
  r.khHi = b.create<arith::MaxSIOp>(
      l,
      b.create<arith::MinSIOp>(l, b.create<arith::AddIOp>(l, neg, g.hValue(b, l)), idx(b, l, g.kh)),
      r.khLo);
  return r;
}

namespace {
/// Balanced sizes of at most `pixels` covering `count` pixels.
SmallVector<int64_t> chunks(int64_t count, int64_t pixels) {
  SmallVector<int64_t> sizes;
  int64_t n = (count + pixels - 1) / pixels;
  for (int64_t i = 0; i < n; ++i)
    sizes.push_back(count / n + (i < count % n ? 1 : 0));
  return sizes;
}
} // namespace

RowPlan planRow(const ConvWindow &w, int64_t pixels, int64_t minPixels) {
  auto cost = [&](ArrayRef<int64_t> sizes) {
    int64_t c = 0;
    for (int64_t s : sizes)
      c += std::max(s, minPixels);
    return c;
  };
  RowPlan best;
  int64_t bestCost = std::numeric_limits<int64_t>::max();
  for (int64_t k = (w.interiorHi - w.interiorLo) / pixels; k >= 0; --k)
    for (int64_t a = k ? w.interiorLo : 0; a + k * pixels <= (k ? w.interiorHi : 0); ++a) {
      RowPlan plan{a, k, chunks(a, pixels), chunks(w.ow - a - k * pixels, pixels)};
      int64_t c = k * pixels + cost(plan.head) + cost(plan.tail);
      if (c < bestCost)
        std::tie(best, bestCost) = std::make_tuple(plan, c);
    }
  return best;
}

Value buildRowLoop(OpBuilder &b, Location loc, Value init, OpFoldResult rows, bool parallel,
                   RowSliceFn sliceOf, RowBodyFn body) {
  auto unitStrides =
      [&](OpBuilder &nb, Location nl, Value row, SmallVectorImpl<OpFoldResult> &offsets,
          SmallVectorImpl<OpFoldResult> &sizes, SmallVectorImpl<OpFoldResult> &strides) {
        sliceOf(nb, nl, row, offsets, sizes);
        strides.assign(offsets.size(), nb.getIndexAttr(1));
      };
  return buildRowLoop(b, loc, init, rows, parallel, StridedRowSliceFn(unitStrides), body);
}

Value buildRowLoop(OpBuilder &b, Location loc, Value init, OpFoldResult rows, bool parallel,
                   StridedRowSliceFn sliceOf, RowBodyFn body) {
  OpBuilder::InsertionGuard guard(b);
  if (!parallel) {
    auto loop = b.create<scf::ForOp>(
        loc, idx(b, loc, 0), getValueOrCreateConstantIndexOp(b, loc, rows), idx(b, loc, 1),
        ValueRange{init}, [&](OpBuilder &nb, Location nl, Value row, ValueRange args) {
          SmallVector<OpFoldResult> offsets, sizes, strides;
          sliceOf(nb, nl, row, offsets, sizes, strides);
          Value slice = nb.create<tensor::ExtractSliceOp>(nl, args[0], offsets, sizes, strides);
          Value done = body(nb, nl, row, slice);
          nb.create<scf::YieldOp>(
              nl, nb.create<tensor::InsertSliceOp>(nl, done, args[0], offsets, sizes, strides)
                      .getResult());
        });
    return loop.getResult(0);
  }
  auto forall =
      b.create<scf::ForallOp>(loc, ArrayRef<OpFoldResult>{rows}, ValueRange{init}, std::nullopt);
  b.setInsertionPointToStart(forall.getBody());
  Value row = forall.getInductionVar(0), shared = forall.getRegionIterArgs()[0];
  SmallVector<OpFoldResult> offsets, sizes, strides;
  sliceOf(b, loc, row, offsets, sizes, strides);
  Value slice = b.create<tensor::ExtractSliceOp>(loc, shared, offsets, sizes, strides);
  Value done = body(b, loc, row, slice);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  b.create<tensor::ParallelInsertSliceOp>(loc, done, shared, offsets, sizes, strides);
  return forall.getResult(0);
}

Value reduceRow(OpBuilder &b, Location loc, int64_t count, double identity,
                vector::CombiningKind kind, RowTermFn term, CombineFn combine) {
  constexpr int64_t kLanes = 16, kAccumulators = 4;
  auto vecType = VectorType::get({kLanes}, b.getF32Type());
  int64_t full = count / kLanes * kLanes;
  int64_t accumulators = std::min(kAccumulators, full / kLanes);
  int64_t step = accumulators * kLanes;
  int64_t blocked = accumulators ? full / step * step : 0;
  SmallVector<Value> accs(std::max<int64_t>(1, accumulators), splat(b, loc, vecType, identity));
  if (blocked) {
    auto loop =
        b.create<scf::ForOp>(loc, idx(b, loc, 0), idx(b, loc, blocked), idx(b, loc, step), accs,
                             [&](OpBuilder &nb, Location nl, Value j, ValueRange args) {
                               SmallVector<Value> next;
                               for (auto [a, acc] : llvm::enumerate(args)) {
                                 Value at =
                                     nb.create<arith::AddIOp>(nl, j, idx(nb, nl, a * kLanes));
                                 next.push_back(combine(nb, nl, acc, term(nb, nl, at, kLanes)));
                               }
                               nb.create<scf::YieldOp>(nl, next);
                             });
    accs = loop.getResults();
  }
  for (int64_t j = blocked; j < full; j += kLanes)
    accs[0] = combine(b, loc, accs[0], term(b, loc, idx(b, loc, j), kLanes));
  Value all = accs[0];
  for (Value acc : ArrayRef(accs).drop_front())
    all = combine(b, loc, all, acc);
  Value result = b.create<vector::ReductionOp>(loc, kind, all);
  if (int64_t rest = count - full)
    result =
        combine(b, loc, result,
                b.create<vector::ReductionOp>(loc, kind, term(b, loc, idx(b, loc, full), rest)));
  return result;
}

Value readRowVector(OpBuilder &b, Location loc, Value input, ValueRange row, Value at,
                    int64_t lanes) {
  SmallVector<Value> index(row);
  index.push_back(at);
  return readVector(b, loc, VectorType::get({lanes}, b.getF32Type()), input, index);
}

SmallVector<Value> rowSliceIndex(OpBuilder &b, Location loc, Value slice, Value at) {
  SmallVector<Value> index(cast<RankedTensorType>(slice.getType()).getRank() - 1, idx(b, loc, 0));
  index.push_back(at);
  return index;
}

Value buildRowOp(OpBuilder &b, Location loc, Value input, int64_t axis, int64_t minParallelElements,
                 RowOpFn body) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank(), count = 1;
  for (int64_t d = axis; d < rank; ++d)
    count *= type.getDimSize(d);
  SmallVector<OpFoldResult> shape;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(type.isDynamicDim(d)
                        ? OpFoldResult(b.create<tensor::DimOp>(loc, input, d).getResult())
                        : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  // The row count: a constant for static leading dims, else their run-time product.
  OpFoldResult rows;
  if (llvm::any_of(type.getShape().take_front(axis), ShapedType::isDynamic)) {
    Value product = idx(b, loc, 1);
    for (int64_t d = 0; d < axis; ++d)
      product =
          b.create<arith::MulIOp>(loc, product, getValueOrCreateConstantIndexOp(b, loc, shape[d]));
    rows = product;
  } else {
    int64_t product = 1;
    for (int64_t d = 0; d < axis; ++d)
      product *= type.getDimSize(d);
    rows = b.getIndexAttr(product);
  }
  std::optional<int64_t> constantRows = getConstantIntValue(rows);
  bool parallel = !constantRows || *constantRows * count >= minParallelElements;
  Value init = b.create<tensor::EmptyOp>(loc, shape, type.getElementType());
  // Row r is the index (i0, ..., i(axis-1)). buildRowLoop asks for the slice, then builds the
  // body: the row's index, computed for the one, is kept for the other.
  SmallVector<Value> index;
  auto sliceOf = [&](OpBuilder &nb, Location l, Value r, SmallVectorImpl<OpFoldResult> &off,
                     SmallVectorImpl<OpFoldResult> &sizes) {
    index.assign(axis, Value());
    for (int64_t d = axis - 1; d > 0; --d) {
      Value size = getValueOrCreateConstantIndexOp(nb, l, shape[d]);
      index[d] = nb.create<arith::RemUIOp>(l, r, size);
      r = nb.create<arith::DivUIOp>(l, r, size);
    }
    index[0] = r;
    off.assign(getAsOpFoldResult(index));
    sizes.assign(axis, nb.getIndexAttr(1));
    for (int64_t d = axis; d < rank; ++d) {
      off.push_back(nb.getIndexAttr(0));
      sizes.push_back(nb.getIndexAttr(type.getDimSize(d)));
    }
  };
  auto rowBody = [&](OpBuilder &nb, Location l, Value, Value slice) {
    return body(nb, l, index, slice);
  };
  return buildRowLoop(b, loc, init, rows, parallel, sliceOf, rowBody);
}

Value buildLoop(OpBuilder &b, Location loc, int64_t lb, int64_t ub, int64_t step, Value acc,
                LoopBodyFn body) {
  if (lb >= ub)
    return acc;
  auto loop = b.create<scf::ForOp>(
      loc, idx(b, loc, lb), idx(b, loc, ub), idx(b, loc, step), ValueRange{acc},
      [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
        nb.create<scf::YieldOp>(nl, body(nb, nl, iv, args[0]));
      });
  return loop.getResult(0);
}

Value buildLoop(OpBuilder &b, Location loc, Value lb, Value ub, int64_t step, Value acc,
                LoopBodyFn body) {
  std::optional<int64_t> lo = getConstantIntValue(lb), hi = getConstantIntValue(ub);
  if (lo && hi)
    return buildLoop(b, loc, *lo, *hi, step, acc, body);
  auto loop = b.create<scf::ForOp>(loc, lb, ub, idx(b, loc, step), ValueRange{acc},
                                   [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
                                     nb.create<scf::YieldOp>(nl, body(nb, nl, iv, args[0]));
                                   });
  return loop.getResult(0);
}

namespace {
/// buildRowPixels with run-time sizes: the interior [lo, hi) is
/// [min(ow, ceil(left / sw)), max(lo, min(ow, floor((w - kw + left) / sw) + 1))).
Value buildDynamicRowPixels(OpBuilder &b, Location l, const ConvWindow &g, int64_t block, Value acc,
                            PixelsFn pixels) {
  Value ow = g.owValue(b, l);
  Value lo = b.create<arith::MinSIOp>(l, ow, idx(b, l, (g.left + g.sw - 1) / g.sw));
  Value last = b.create<arith::AddIOp>(l, g.wValue(b, l), idx(b, l, g.left - g.kw));
  Value hi = b.create<arith::AddIOp>(l, b.create<arith::FloorDivSIOp>(l, last, idx(b, l, g.sw)),
                                     idx(b, l, 1));
  hi = b.create<arith::MaxSIOp>(l, lo, b.create<arith::MinSIOp>(l, ow, hi));
  Value blocks = b.create<arith::DivUIOp>(l, b.create<arith::SubIOp>(l, hi, lo), idx(b, l, block));
  Value blockEnd =
      b.create<arith::AddIOp>(l, lo, b.create<arith::MulIOp>(l, blocks, idx(b, l, block)));
  auto one = [&](OpBuilder &b, Location l, Value ow, Value acc) {
    return pixels(b, l, ow, 1, /*checked=*/true, acc);
  };
  acc = buildLoop(b, l, idx(b, l, 0), lo, 1, acc, one);
  acc =
      buildLoop(b, l, lo, blockEnd, block, acc, [&](OpBuilder &b, Location l, Value ow, Value acc) {
        return pixels(b, l, ow, block, /*checked=*/false, acc);
      });
  return buildLoop(b, l, blockEnd, ow, 1, acc, one);
}
} // namespace

Value buildRowPixels(OpBuilder &b, Location loc, const ConvWindow &g, int64_t block, Value acc,
                     PixelsFn pixels) {
  if (!g.hasStaticSizes())
    return buildDynamicRowPixels(b, loc, g, block, acc, pixels);
  int64_t blockEnd = g.interiorLo + (g.interiorHi - g.interiorLo) / block * block;
  auto one = [&](OpBuilder &b, Location l, Value ow, Value acc) {
    return pixels(b, l, ow, 1, /*checked=*/true, acc);
  };
  acc = buildLoop(b, loc, 0, g.interiorLo, 1, acc, one);
  acc = buildLoop(b, loc, g.interiorLo, blockEnd, block, acc,
                  [&](OpBuilder &b, Location l, Value ow, Value acc) {
                    return pixels(b, l, ow, block, /*checked=*/false, acc);
                  });
  return buildLoop(b, loc, blockEnd, g.ow, 1, acc, one);
}
} // namespace kiln::lowering
