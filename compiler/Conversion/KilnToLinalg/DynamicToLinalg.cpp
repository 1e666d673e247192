//===- DynamicToLinalg.cpp - reduce_by / split_by / compress / non_zero → linalg -===//
//
// Ops whose result sizes follow the values of an operand. Each reads those values with
// tensor.extract at constant indices and sizes its tensor.empty from them, so
// kiln-shape-functions passes them to the shape function (the operand must be a graph input,
// a weight, or computed by a cheap producer cloned into the kernel). The data movement is a
// generic that reads its input at computed coordinates; compress and non_zero first list the
// selected positions with an scf.for (dead code in the shape function).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
namespace {
/// The most elements compress / non_zero read to size their result: each is one argument of
/// the shape function.
constexpr int64_t kMaxCountedElements = 4096;

/// ONNX reduction over run-time axes with keepdims: a generic over the result (reduced dims
/// of extent 1) whose payload loops over the product of the reduced extents.
struct ReduceByLowering : OpConversionPattern<graph::ReduceByOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ReduceByOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = tensorTypeOf(op.getResult());
    Type et = type.getElementType();
    graph::ReduceKind kind = op.getKind();
    bool isFloat = isa<FloatType>(et);
    if (kind == graph::ReduceKind::log_sum_exp ||
        (!isFloat && (kind == graph::ReduceKind::l2 || kind == graph::ReduceKind::log_sum)) ||
        et.isInteger(1) || (!isFloat && !isa<IntegerType>(et)))
      return emitUnsupported(op) << "reduction " << graph::stringifyReduceKind(kind) << " of "
                                 << et << " over run-time axes";
    I64 i{rewriter, loc};
    int64_t rank = type.getRank(), count = tensorTypeOf(op.getAxes()).getDimSize(0);
    // Each axis value is compared with every dim in code: their number must be known and small.
    if (ShapedType::isDynamic(count) || count > kMaxCountedElements)
      return emitUnsupported(op) << "a reduction over run-time axes needs at most "
                                 << kMaxCountedElements << " axes of static count, got "
                                 << tensorTypeOf(op.getAxes());
    using P = arith::CmpIPredicate;
    SmallVector<Value> reduced, extents, sizes;
    Value total = i.ci(1);
    for (int64_t d = 0; d < rank; ++d) {
      Value flag = rewriter.create<arith::ConstantIntOp>(loc, 0, 1);
      for (int64_t j = 0; j < count; ++j) {
        Value axis = i.at(adaptor.getAxes(), j);
        flag = rewriter.create<arith::OrIOp>(
            loc, flag,
            rewriter.create<arith::OrIOp>(loc, i.cmp(P::eq, axis, i.c(d)),
                                          i.cmp(P::eq, axis, i.c(d - rank))));
      }
      Value n = rewriter.create<tensor::DimOp>(loc, adaptor.getInput(), d);
      reduced.push_back(flag);
      extents.push_back(i.select(flag, n, i.ci(1)));
      total = i.mul(total, extents.back());
      if (type.isDynamicDim(d))
        sizes.push_back(i.select(flag, i.ci(1), n));
    }
    Value input = adaptor.getInput();
    Value result = buildParallelGeneric(
        rewriter, loc, type, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> out;
          for (int64_t d = 0; d < rank; ++d)
            out.push_back(b.create<linalg::IndexOp>(l, d));
          Value zero = b.create<arith::ConstantIndexOp>(l, 0);
          Value one = b.create<arith::ConstantIndexOp>(l, 1);
          auto loop = b.create<scf::ForOp>(
              l, zero, total, one, ValueRange{reduceInitialValue(kind, b, l, et)},
              [&](OpBuilder &nb, Location nl, Value t, ValueRange acc) {
                SmallVector<Value> coords(rank);
                Value rest = t;
                for (int64_t d = rank - 1; d >= 0; --d) {
                  Value within = nb.create<arith::RemUIOp>(nl, rest, extents[d]);
                  coords[d] = nb.create<arith::SelectOp>(nl, reduced[d], within, out[d]);
                  rest = nb.create<arith::DivUIOp>(nl, rest, extents[d]);
                }
                Value x = nb.create<tensor::ExtractOp>(nl, input, coords);
                nb.create<scf::YieldOp>(nl, reduceAccumulate(kind, nb, nl, x, acc[0]));
              });
          Value acc = loop.getResult(0);
          if (kind == graph::ReduceKind::l2)
            return b.create<math::SqrtOp>(l, acc);
          if (kind == graph::ReduceKind::log_sum)
            return b.create<math::LogOp>(l, acc);
          if (kind != graph::ReduceKind::mean)
            return acc;
          Value n = b.create<arith::IndexCastOp>(l, b.getI64Type(), total);
          Value divisor = n;
          if (isFloat)
            divisor = b.create<arith::SIToFPOp>(l, et, n);
          else if (et.getIntOrFloatBitWidth() < 64)
            divisor = b.create<arith::TruncIOp>(l, et, n);
          return createDiv(b, l, acc, divisor);
        },
        ValueRange(sizes));
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ONNX Split by run-time sizes: part i reads the input along `axis` from the sum of the sizes
/// before it. Sizes that are negative or do not add up to the dim make every size -1.
struct SplitByLowering : OpConversionPattern<graph::SplitByOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::SplitByOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    I64 i{rewriter, loc};
    int64_t axis = op.getAxis(), parts = op.getNumResults();
    using P = arith::CmpIPredicate;
    SmallVector<Value> values, offsets;
    Value sum = i.c(0), valid = rewriter.create<arith::ConstantIntOp>(loc, 1, 1);
    for (int64_t p = 0; p < parts; ++p) {
      values.push_back(i.at(adaptor.getSplit(), p));
      offsets.push_back(i.index(sum));
      sum = i.add(sum, values.back());
      valid = rewriter.create<arith::AndIOp>(loc, valid, i.cmp(P::sge, values.back(), i.c(0)));
    }
    valid = rewriter.create<arith::AndIOp>(
        loc, valid, i.cmp(P::eq, sum, i.dim(adaptor.getInput(), axis)));
    SmallVector<Value> results;
    for (int64_t p = 0; p < parts; ++p) {
      auto type = tensorTypeOf(op.getResult(p));
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          sizes.push_back(d == axis ? i.index(i.select(valid, values[p], i.c(-1)))
                                    : rewriter.create<tensor::DimOp>(loc, adaptor.getInput(), d)
                                          .getResult());
      Value offset = offsets[p];
      results.push_back(gatherGeneric(rewriter, loc, type, sizes, adaptor.getInput(),
                                      [&](OpBuilder &b, Location l, ValueRange idx) {
                                        SmallVector<Value> coords(idx);
                                        coords[axis] =
                                            b.create<arith::AddIOp>(l, idx[axis], offset);
                                        return coords;
                                      }));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// `v != 0` for a scalar of any element type (i1: itself).
Value isNonZero(OpBuilder &b, Location loc, Value v) {
  Type t = v.getType();
  if (t.isInteger(1))
    return v;
  if (isa<FloatType>(t))
    return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, v,
                                   createScalar(b, loc, t, 0));
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, v, createScalar(b, loc, t, 0));
}

/// The number of elements `keep(i)` selects among 0 .. n - 1, as an index: a sum of selects
/// over every element (each read with a constant index: a shape value).
Value countSelected(OpBuilder &b, Location loc, int64_t n, function_ref<Value(int64_t)> keep) {
  Value count = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  for (int64_t e = 0; e < n; ++e)
    count = b.create<arith::AddIOp>(loc, count,
                                    b.create<arith::SelectOp>(loc, keep(e), one, zero));
  return count;
}

/// An scf.for over 0 .. n - 1 that lists the i for which `keep(i)` holds in a 1-D index
/// tensor of `count` elements; `record` writes entry `slot` of the list. Returns the list and
/// how many entries it wrote (an index).
std::pair<Value, Value>
listSelected(OpBuilder &b, Location loc, Value n, Value init,
             function_ref<Value(OpBuilder &, Location, Value)> keep,
             function_ref<Value(OpBuilder &, Location, Value, Value, Value)> record) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  auto loop = b.create<scf::ForOp>(
      loc, zero, n, one, ValueRange{init, zero},
      [&](OpBuilder &nb, Location l, Value iv, ValueRange state) {
        auto branch = nb.create<scf::IfOp>(
            l, keep(nb, l, iv),
            [&](OpBuilder &tb, Location tl) {
              Value list = record(tb, tl, state[0], state[1], iv);
              Value next = tb.create<arith::AddIOp>(tl, state[1], one);
              tb.create<scf::YieldOp>(tl, ValueRange{list, next});
            },
            [&](OpBuilder &eb, Location el) { eb.create<scf::YieldOp>(el, state); });
        nb.create<scf::YieldOp>(l, branch.getResults());
      });
  return {loop.getResult(0), loop.getResult(1)};
}

struct CompressLowering : OpConversionPattern<graph::CompressOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::CompressOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = op.getAxis(), length = tensorTypeOf(op.getCondition()).getDimSize(0);
    if (length > kMaxCountedElements)
      return emitUnsupported(op) << "a condition of " << length << " elements (the result size "
                                 << "is counted from each; at most " << kMaxCountedElements << ")";
    I64 i{rewriter, loc};
    Value input = adaptor.getInput(), condition = adaptor.getCondition();
    Value dim = rewriter.create<tensor::DimOp>(loc, input, axis);
    Value count = countSelected(rewriter, loc, length, [&](int64_t e) -> Value {
      Value inside = i.cmp(arith::CmpIPredicate::slt, i.ci(e), dim);
      return rewriter.create<arith::AndIOp>(loc, inside, i.at(condition, e));
    });
    Value used = i.min(dim, i.ci(length));
    auto listType = RankedTensorType::get({ShapedType::kDynamic}, rewriter.getIndexType());
    Value list = listSelected(
                     rewriter, loc, used, createEmpty(rewriter, loc, listType, count),
                     [&](OpBuilder &b, Location l, Value iv) {
                       return b.create<tensor::ExtractOp>(l, condition, iv).getResult();
                     },
                     [](OpBuilder &b, Location l, Value list, Value slot, Value iv) {
                       return b.create<tensor::InsertOp>(l, iv, list, slot).getResult();
                     })
                     .first;
    auto type = tensorTypeOf(op.getResult());
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(d == axis ? count
                                  : rewriter.create<tensor::DimOp>(loc, input, d).getResult());
    rewriter.replaceOp(op, gatherGeneric(rewriter, loc, type, sizes, input,
                                         [&](OpBuilder &b, Location l, ValueRange idx) {
                                           SmallVector<Value> coords(idx);
                                           coords[axis] =
                                               b.create<tensor::ExtractOp>(l, list, idx[axis]);
                                           return coords;
                                         }));
    return success();
  }
};

/// Lists the coordinates (rows of `init`, [rank, >= count]) of the non-zero elements of
/// `input` (`elements` of them, row-major) in order; returns the list and the count.
std::pair<Value, Value> listNonZero(OpBuilder &b, Location loc, Value input, Value elements,
                                    Value init) {
  int64_t rank = tensorTypeOf(input).getRank();
  SmallVector<Value> extents;
  for (int64_t d = 0; d < rank; ++d)
    extents.push_back(b.create<tensor::DimOp>(loc, input, d));
  // The coordinates of linear index `e`.
  auto coordsOf = [&](OpBuilder &nb, Location l, Value e) {
    SmallVector<Value> coords(rank);
    for (int64_t d = rank - 1; d >= 0; --d) {
      coords[d] = nb.create<arith::RemUIOp>(l, e, extents[d]);
      e = nb.create<arith::DivUIOp>(l, e, extents[d]);
    }
    return coords;
  };
  return listSelected(
      b, loc, elements, init,
      [&](OpBuilder &nb, Location l, Value e) {
        return isNonZero(nb, l, nb.create<tensor::ExtractOp>(l, input, coordsOf(nb, l, e)));
      },
      [&](OpBuilder &nb, Location l, Value list, Value slot, Value e) {
        for (auto [d, c] : llvm::enumerate(coordsOf(nb, l, e))) {
          Value row = nb.create<arith::ConstantIndexOp>(l, d);
          Value v = nb.create<arith::IndexCastOp>(l, nb.getI64Type(), c);
          list = nb.create<tensor::InsertOp>(l, v, list, ValueRange{row, slot});
        }
        return list;
      });
}

/// non_zero_bounded: the same listing into [rank, elements], and the count it reached.
struct NonZeroBoundedLowering : OpConversionPattern<graph::NonZeroBoundedOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::NonZeroBoundedOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    int64_t rank = tensorTypeOf(input).getRank();
    Value elements = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    for (int64_t d = 0; d < rank; ++d)
      elements = rewriter.create<arith::MulIOp>(loc, elements,
                                                rewriter.create<tensor::DimOp>(loc, input, d));
    auto type = tensorTypeOf(op.getIndices());
    SmallVector<Value> sizes;
    if (type.isDynamicDim(1))
      sizes.push_back(elements);
    auto [list, count] =
        listNonZero(rewriter, loc, input, elements, createEmpty(rewriter, loc, type, sizes));
    Value count64 = rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), count);
    Value countTensor =
        rewriter.create<tensor::FromElementsOp>(loc, tensorTypeOf(op.getCount()), count64);
    rewriter.replaceOp(op, {list, countTensor});
    return success();
  }
};

struct NonZeroLowering : OpConversionPattern<graph::NonZeroOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::NonZeroOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = tensorTypeOf(op.getInput());
    if (!inType.hasStaticShape())
      return emitUnsupported(op) << "a dynamically shaped input";
    int64_t elements = inType.getNumElements();
    if (elements > kMaxCountedElements)
      return emitUnsupported(op) << "an input of " << elements << " elements (the result size "
                                 << "is counted from each; at most " << kMaxCountedElements << ")";
    Value input = adaptor.getInput();
    ArrayRef<int64_t> shape = inType.getShape();
    Value count = countSelected(rewriter, loc, elements, [&](int64_t e) {
      SmallVector<Value> coords;
      for (int64_t c : delinearize(e, shape))
        coords.push_back(rewriter.create<arith::ConstantIndexOp>(loc, c));
      return isNonZero(rewriter, loc, rewriter.create<tensor::ExtractOp>(loc, input, coords));
    });
    auto type = tensorTypeOf(op.getResult());
    Value total = rewriter.create<arith::ConstantIndexOp>(loc, elements);
    Value result =
        listNonZero(rewriter, loc, input, total, createEmpty(rewriter, loc, type, count)).first;
    rewriter.replaceOp(op, result);
    return success();
  }

  static SmallVector<int64_t> delinearize(int64_t e, ArrayRef<int64_t> shape) {
    SmallVector<int64_t> coords(shape.size());
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      coords[d] = e % shape[d];
      e /= shape[d];
    }
    return coords;
  }
};
} // namespace

void populateDynamicPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReduceByLowering, SplitByLowering, CompressLowering, NonZeroLowering,
               NonZeroBoundedLowering>(converter, patterns.getContext());
}
} // namespace kiln::lowering
