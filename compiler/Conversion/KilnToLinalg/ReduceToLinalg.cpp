//===- ReduceToLinalg.cpp - kiln.reduce / softmax / log_softmax → linalg --===//
//
// A reduction is a linalg.generic with reduction loops over the reduced dims into a filled
// accumulator; post-processing (mean, l2, log_sum, log_sum_exp) is an elementwise generic on
// the reduced tensor and keepdims an expand_shape. softmax is max, exp(x - max), sum, divide;
// log_softmax is x - (max + log(sum(exp(x - max)))) — both numerically stable.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
using graph::ReduceKind;

Value reduceAccumulate(ReduceKind kind, OpBuilder &b, Location l, Value x, Value acc) {
  switch (kind) {
  case ReduceKind::max:
    return createMax(b, l, acc, x);
  case ReduceKind::min:
    return createMin(b, l, acc, x);
  case ReduceKind::prod:
    return createMul(b, l, acc, x);
  case ReduceKind::sum_square:
  case ReduceKind::l2:
    return createAdd(b, l, acc, createMul(b, l, x, x));
  case ReduceKind::l1:
    return createAdd(b, l, acc,
                     isa<FloatType>(x.getType()) ? b.create<math::AbsFOp>(l, x).getResult()
                                                 : b.create<math::AbsIOp>(l, x).getResult());
  default:
    return createAdd(b, l, acc, x); // sum, mean, log_sum
  }
}

Value reduceInitialValue(ReduceKind kind, OpBuilder &b, Location l, Type type) {
  switch (kind) {
  case ReduceKind::max:
    return createLowest(b, l, type);
  case ReduceKind::min:
    return createHighest(b, l, type);
  case ReduceKind::prod:
    return createScalar(b, l, type, 1);
  default:
    return createScalar(b, l, type, 0);
  }
}

namespace {

Value reduceMax(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> dims) {
  Type type = tensorTypeOf(x).getElementType();
  return buildReduction(b, loc, x, {}, dims, createLowest(b, loc, type),
                        [](OpBuilder &nb, Location l, ValueRange args) {
                          return createMax(nb, l, args[1], args[0]);
                        });
}

Value reduceSum(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> dims) {
  Type type = tensorTypeOf(x).getElementType();
  return buildReduction(b, loc, x, {}, dims, createScalar(b, loc, type, 0),
                        [](OpBuilder &nb, Location l, ValueRange args) {
                          return createAdd(nb, l, args[1], args[0]);
                        });
}

/// sum(exp(x - rowMax)) over `dims`.
Value reduceSumExp(OpBuilder &b, Location loc, Value x, Value rowMax, ArrayRef<int64_t> dims) {
  Type type = tensorTypeOf(x).getElementType();
  return buildReduction(b, loc, x, rowMax, dims, createScalar(b, loc, type, 0),
                        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                          Value shifted = nb.create<arith::SubFOp>(l, args[0], args[1]);
                          Value e = nb.create<math::ExpOp>(l, shifted);
                          return nb.create<arith::AddFOp>(l, args[2], e);
                        });
}

/// Elementwise `fn` over tensors of one shape.
Value mapSameShape(OpBuilder &b, Location loc, ValueRange inputs, PayloadFn fn) {
  return buildElementwise(b, loc, tensorTypeOf(inputs[0]), inputs, fn);
}

/// A max that is finite: ±inf (a row of infinities) shifts by 0 instead, so that
/// log-sum-exp gives ±inf rather than NaN.
Value finiteShift(OpBuilder &b, Location loc, Value rowMax) {
  return mapSameShape(b, loc, rowMax, [](OpBuilder &nb, Location l, ValueRange args) -> Value {
    Value m = args[0];
    Value abs = nb.create<math::AbsFOp>(l, m);
    Value inf = createHighest(nb, l, m.getType());
    Value isInf = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, abs, inf);
    return nb.create<arith::SelectOp>(l, isInf, createScalar(nb, l, m.getType(), 0), m);
  });
}

/// The number of elements each output of a reduction over `dims` of `x` combines: a constant,
/// or (dynamic dims) the product of their sizes as an index value.
OpFoldResult reducedCount(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> dims) {
  auto type = tensorTypeOf(x);
  int64_t count = 1;
  Value dynamic;
  for (int64_t d : dims) {
    if (!type.isDynamicDim(d)) {
      count *= type.getDimSize(d);
      continue;
    }
    Value size = b.create<tensor::DimOp>(loc, x, d);
    dynamic = dynamic ? b.create<arith::MulIOp>(loc, dynamic, size).getResult() : size;
  }
  if (!dynamic)
    return b.getIndexAttr(count);
  return b.create<arith::MulIOp>(loc, dynamic, b.create<arith::ConstantIndexOp>(loc, count))
      .getResult();
}

/// `count` as a scalar of `type` (inside a payload: a dynamic count is converted there).
Value countAs(OpBuilder &b, Location loc, OpFoldResult count, Type type) {
  if (auto attr = dyn_cast<Attribute>(count))
    return createScalar(b, loc, type, static_cast<double>(cast<IntegerAttr>(attr).getInt()));
  Value i64 = b.create<arith::IndexCastOp>(loc, b.getI64Type(), cast<Value>(count));
  if (isa<FloatType>(type))
    return b.create<arith::SIToFPOp>(loc, type, i64);
  return type.getIntOrFloatBitWidth() == 64 ? i64
                                            : b.create<arith::TruncIOp>(loc, type, i64).getResult();
}

/// Applies the final step of mean / l2 / log_sum to the accumulated tensor.
Value finish(ReduceKind kind, OpBuilder &b, Location loc, Value acc, OpFoldResult count) {
  if (kind != ReduceKind::mean && kind != ReduceKind::l2 && kind != ReduceKind::log_sum)
    return acc;
  return mapSameShape(b, loc, acc, [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
    Value v = args[0];
    if (kind == ReduceKind::l2)
      return nb.create<math::SqrtOp>(l, v);
    if (kind == ReduceKind::log_sum)
      return nb.create<math::LogOp>(l, v);
    return createDiv(nb, l, v, countAs(nb, l, count, v.getType()));
  });
}

/// log(sum(exp(x - m))) + m with m the (finite) row max.
Value logSumExp(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> dims) {
  Value shift = finiteShift(b, loc, reduceMax(b, loc, x, dims));
  Value sum = reduceSumExp(b, loc, x, shift, dims);
  return mapSameShape(b, loc, ValueRange{sum, shift},
                      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                        Value log = nb.create<math::LogOp>(l, args[0]);
                        return nb.create<arith::AddFOp>(l, log, args[1]);
                      });
}

/// How a partial result of `kind` combines with another (after the first stage applied the
/// element transform: squares, absolute values).
ReduceKind combineKind(ReduceKind kind) {
  switch (kind) {
  case ReduceKind::max:
  case ReduceKind::min:
  case ReduceKind::prod:
    return kind;
  default:
    return ReduceKind::sum;
  }
}

/// Parallel rows of a whole reduction's first stage, and the fewest lane vectors a run needs
/// (64 x 2048 elements) before it is split into them.
constexpr int64_t kParallelChunks = 64;
constexpr int64_t kMinChunkedRun = 2048; // 2^17 elements: where the report flags one thread

/// Reduces `x` over `dims` with `kind`'s accumulation (no finishing step). A reduced innermost
/// run of more than 64 elements is split in two stages, [.., P / k, k] reduced over all but k,
/// then over k: the CPU schedule vectorizes an innermost reduction whole, and a vector of
/// thousands of lanes unrolls into minutes of compile time; a reduced outer dim stays a loop.
Value accumulateOver(ReduceKind kind, OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> dims) {
  auto type = tensorTypeOf(x);
  Type et = type.getElementType();
  auto combine = [&](ReduceKind k) {
    return [k](OpBuilder &nb, Location l, ValueRange args) {
      return reduceAccumulate(k, nb, l, args[0], args[1]);
    };
  };
  int64_t rank = type.getRank(), suffix = rank, run = 1;
  while (suffix > 0 && llvm::is_contained(dims, suffix - 1) && !type.isDynamicDim(suffix - 1))
    run *= type.getDimSize(--suffix);
  if (suffix > 0 && llvm::is_contained(dims, suffix - 1))
    run = 1; // a dynamic reduced dim in the innermost run: one stage (tiled by the schedule)
  int64_t lanes = 0;
  for (int64_t k = 64; k >= 8 && run > 64; --k)
    if (run % k == 0) {
      lanes = k;
      break;
    }
  if (!lanes)
    return buildReduction(b, loc, x, {}, dims, reduceInitialValue(kind, b, loc, et), combine(kind));
  SmallVector<int64_t> shape(type.getShape().take_front(suffix)), firstDims;
  // Whole reductions (one result, or a few): the first stage also splits the run into
  // `chunks` rows that reduce in parallel, else the kernel runs on one thread (the min and
  // max of every DynamicQuantizeLinear: 119 x 2 sequential kernels in ISNet).
  int64_t kept = 1;
  for (int64_t d = 0; d < suffix; ++d)
    if (!llvm::is_contained(dims, d))
      kept = type.isDynamicDim(d) ? ShapedType::kDynamic : kept * type.getDimSize(d);
  int64_t chunks = 1;
  if (kept != ShapedType::kDynamic && kept < kParallelChunks && run / lanes >= kMinChunkedRun)
    for (int64_t c = kParallelChunks; c >= 8; --c)
      if ((run / lanes) % c == 0) {
        chunks = c;
        break;
      }
  if (chunks > 1)
    shape.push_back(chunks);
  shape.append({run / lanes / chunks, lanes});
  for (int64_t d : dims)
    if (d < suffix)
      firstDims.push_back(d);
  firstDims.push_back(shape.size() - 2);
  Value partial = buildReduction(b, loc, reshapeTo(b, loc, x, shape), {}, firstDims,
                                 reduceInitialValue(kind, b, loc, et), combine(kind));
  ReduceKind second = combineKind(kind);
  // The chunks' partials first (a loop over rows of lane vectors; reduced with the lanes in
  // one generic they were vectorized as one 4096-lane vector: seconds of LLVM time per kernel).
  if (chunks > 1)
    partial = buildReduction(b, loc, partial, {}, {tensorTypeOf(partial).getRank() - 2},
                             reduceInitialValue(second, b, loc, et), combine(second));
  int64_t last = tensorTypeOf(partial).getRank() - 1;
  return buildReduction(b, loc, partial, {}, {last}, reduceInitialValue(second, b, loc, et),
                        combine(second));
}

bool needsFloat(ReduceKind kind) {
  return kind == ReduceKind::l2 || kind == ReduceKind::log_sum || kind == ReduceKind::log_sum_exp;
}

struct ReduceLowering : OpConversionPattern<graph::ReduceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inputType = tensorTypeOf(op.getInput());
    Type type = inputType.getElementType();
    ReduceKind kind = op.getKind();
    if (failed(requireArithType(op, type, !needsFloat(kind), "input")))
      return failure();
    if (type.isInteger(1))
      return emitUnsupported(op) << "reduction of i1 values";
    Location loc = op.getLoc();
    ArrayRef<int64_t> dims = op.getAxes();
    Value result;
    if (kind == ReduceKind::log_sum_exp) {
      result = logSumExp(rewriter, loc, adaptor.getInput(), dims);
    } else {
      Value acc = accumulateOver(kind, rewriter, loc, adaptor.getInput(), dims);
      result = finish(kind, rewriter, loc, acc, reducedCount(rewriter, loc, adaptor.getInput(), dims));
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, result, op.getType().getShape()));
    return success();
  }
};

/// softmax (IsLog = false) or log_softmax along one axis.
template <typename OpTy, bool IsLog> struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = tensorTypeOf(op.getInput());
    if (failed(requireArithType(op, type.getElementType(), false, "input")))
      return failure();
    int64_t axis = normalizeAxis(op.getAxis(), type.getRank());
    if (axis < 0)
      return emitUnsupported(op) << "axis " << static_cast<int64_t>(op.getAxis())
                                 << " is out of range for rank " << type.getRank();
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    SmallVector<int64_t> dims{axis};
    AffineMap identity = rewriter.getMultiDimIdentityMap(type.getRank());
    AffineMap row = dropDimsMap(rewriter.getContext(), type.getRank(), dims);
    Value rowMax = reduceMax(rewriter, loc, x, dims);
    Value result;
    if (IsLog) {
      Value sum = reduceSumExp(rewriter, loc, x, rowMax, dims);
      Value lse = mapSameShape(rewriter, loc, ValueRange{sum, rowMax},
                               [](OpBuilder &b, Location l, ValueRange args) -> Value {
                                 Value log = b.create<math::LogOp>(l, args[0]);
                                 return b.create<arith::AddFOp>(l, log, args[1]);
                               });
      result = buildParallelGeneric(rewriter, loc, type, ValueRange{x, lse}, {identity, row},
                                    [](OpBuilder &b, Location l, ValueRange args) -> Value {
                                      return b.create<arith::SubFOp>(l, args[0], args[1]);
                                    });
    } else {
      // exp(x - max) * (1 / sum of exp(x - max)): the exponentials are recomputed rather than
      // kept, so the kernel is row reductions feeding one elementwise op (like layer norm)
      // and the row tiles fuse all of it (with a stored exp tensor it ran as four passes).
      Value sum = reduceSumExp(rewriter, loc, x, rowMax, dims);
      Value inverse = mapSameShape(rewriter, loc, ValueRange{sum},
                                   [](OpBuilder &b, Location l, ValueRange args) -> Value {
                                     Value one = createScalar(b, l, args[0].getType(), 1);
                                     return b.create<arith::DivFOp>(l, one, args[0]);
                                   });
      result = buildParallelGeneric(
          rewriter, loc, type, ValueRange{x, rowMax, inverse}, {identity, row, row},
          [](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value shifted = b.create<arith::SubFOp>(l, args[0], args[1]);
            return b.create<arith::MulFOp>(l, b.create<math::ExpOp>(l, shifted), args[2]);
          });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateReducePatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReduceLowering, SoftmaxLowering<graph::SoftmaxOp, false>,
               SoftmaxLowering<graph::LogSoftmaxOp, true>>(converter, patterns.getContext());
}

} // namespace kiln::lowering
