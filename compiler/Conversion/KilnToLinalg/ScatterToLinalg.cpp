//===- ScatterToLinalg.cpp - kiln.scatter_elements / scatter_nd → copy + scf.for of inserts -===//
//
// A scatter writes each update element once: the data is copied into a fresh tensor (never
// into the kernel's argument), then a loop nest over the updates reads the target index from
// `indices` (negative → + extent, clamped), combines with the element there per `reduction`,
// and tensor.inserts it. The loops run in order, so of duplicate indices the last update wins.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
namespace {

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

/// An index read from an indices tensor, negative ones wrapped, clamped into [0, extent).
Value targetIndex(OpBuilder &b, Location loc, Value raw, int64_t extent) {
  Value i = b.create<arith::IndexCastOp>(loc, b.getIndexType(), raw);
  Value zero = indexConstant(b, loc, 0);
  Value isNegative = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, zero);
  Value wrapped = b.create<arith::AddIOp>(loc, i, indexConstant(b, loc, extent));
  i = b.create<arith::SelectOp>(loc, isNegative, wrapped, i);
  Value upper = b.create<arith::MinSIOp>(loc, i, indexConstant(b, loc, extent - 1));
  return b.create<arith::MaxSIOp>(loc, upper, zero);
}

/// `update` combined with `old` per the reduction ("none": the update).
Value combine(OpBuilder &b, Location loc, StringRef reduction, Value old, Value update) {
  if (reduction == "add")
    return createAdd(b, loc, old, update);
  if (reduction == "mul")
    return createMul(b, loc, old, update);
  if (reduction == "min")
    return createMin(b, loc, old, update);
  if (reduction == "max")
    return createMax(b, loc, old, update);
  return update;
}

/// Checks shared by both scatters; emits at `op` and fails when it cannot lower.
LogicalResult checkScatter(Operation *op, Value data, Value indices) {
  if (failed(requireStaticShapes(op)))
    return failure();
  auto indexType = dyn_cast<IntegerType>(tensorTypeOf(indices).getElementType());
  if (!indexType || !indexType.isSignless() || indexType.getWidth() < 8)
    return emitUnsupported(op) << "indices must be signless integers (i8 to i64)";
  if (llvm::any_of(tensorTypeOf(data).getShape(), [](int64_t d) { return d == 0; }))
    return emitUnsupported(op) << "scatter into an empty tensor";
  return success();
}

/// A copy of `data` (identity generic into a new tensor) and a loop nest over `updates`
/// whose body gives the data coordinates of update element `ivs`.
Value buildScatter(OpBuilder &b, Location loc, Value data, Value updates, StringRef reduction,
                   function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> target) {
  auto dataType = tensorTypeOf(data);
  AffineMap id = b.getMultiDimIdentityMap(dataType.getRank());
  Value copy = buildParallelGeneric(b, loc, dataType, data, id,
                                    [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  auto updatesType = tensorTypeOf(updates);
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t d : updatesType.getShape()) {
    lbs.push_back(indexConstant(b, loc, 0));
    ubs.push_back(indexConstant(b, loc, d));
    steps.push_back(indexConstant(b, loc, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{copy},
      [&](OpBuilder &nb, Location nloc, ValueRange ivs, ValueRange acc) -> scf::ValueVector {
        SmallVector<Value> coords = target(nb, nloc, ivs);
        Value update = nb.create<tensor::ExtractOp>(nloc, updates, ivs);
        if (reduction != "none") {
          Value old = nb.create<tensor::ExtractOp>(nloc, acc[0], coords);
          update = combine(nb, nloc, reduction, old, update);
        }
        return {nb.create<tensor::InsertOp>(nloc, update, acc[0], coords).getResult()};
      });
  return nest.results.front();
}

struct ScatterElementsLowering : OpConversionPattern<graph::ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ScatterElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (failed(checkScatter(op, op.getData(), op.getIndices())))
      return failure();
    int64_t axis = op.getAxis(), extent = tensorTypeOf(op.getData()).getDimSize(axis);
    Value indices = adaptor.getIndices();
    Value result =
        buildScatter(rewriter, op.getLoc(), adaptor.getData(), adaptor.getUpdates(),
                     op.getReduction(), [&](OpBuilder &b, Location loc, ValueRange ivs) {
                       SmallVector<Value> coords(ivs);
                       coords[axis] = targetIndex(
                           b, loc, b.create<tensor::ExtractOp>(loc, indices, ivs), extent);
                       return coords;
                     });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ScatterNDLowering : OpConversionPattern<graph::ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ScatterNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (failed(checkScatter(op, op.getData(), op.getIndices())))
      return failure();
    auto dataType = tensorTypeOf(op.getData());
    auto indicesType = tensorTypeOf(op.getIndices());
    int64_t q = indicesType.getRank(), k = indicesType.getDimSize(q - 1);
    Value indices = adaptor.getIndices();
    Value result =
        buildScatter(rewriter, op.getLoc(), adaptor.getData(), adaptor.getUpdates(),
                     op.getReduction(), [&](OpBuilder &b, Location loc, ValueRange ivs) {
                       // Update dims: [0, q - 1) pick the tuple, the rest are the trailing data
                       // dims.
                       SmallVector<Value> tuple(ivs.take_front(q - 1)), coords;
                       for (int64_t j = 0; j < k; ++j) {
                         SmallVector<Value> at(tuple);
                         at.push_back(indexConstant(b, loc, j));
                         Value raw = b.create<tensor::ExtractOp>(loc, indices, at);
                         coords.push_back(targetIndex(b, loc, raw, dataType.getDimSize(j)));
                       }
                       for (Value iv : ivs.drop_front(q - 1))
                         coords.push_back(iv);
                       return coords;
                     });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateScatterPatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ScatterElementsLowering, ScatterNDLowering>(converter, patterns.getContext());
}

} // namespace kiln::lowering
