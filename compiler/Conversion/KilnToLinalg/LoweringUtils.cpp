//===- LoweringUtils.cpp - helpers shared by the kiln-to-linalg patterns --===//
#include "compiler/Conversion/KilnToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <cmath>

namespace kiln::lowering {

InFlightDiagnostic emitUnsupported(Operation *op) {
  return op->emitOpError() << kUnsupportedMarker;
}

namespace {
/// Runs `check(type, "operand"|"result", index)` on every operand and result of `op`.
LogicalResult checkOperandAndResultTypes(
    Operation *op, llvm::function_ref<LogicalResult(Type, StringRef, unsigned)> check) {
  for (auto [i, v] : llvm::enumerate(op->getOperands()))
    if (failed(check(v.getType(), "operand", i)))
      return failure();
  for (auto [i, v] : llvm::enumerate(op->getResults()))
    if (failed(check(v.getType(), "result", i)))
      return failure();
  return success();
}
} // namespace

LogicalResult requireStaticShapes(Operation *op) {
  auto check = [&](Type type, StringRef kind, unsigned index) -> LogicalResult {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (tensor && tensor.hasStaticShape())
      return success();
    return emitUnsupported(op) << "dynamic shapes are not supported yet (" << kind << " #" << index
                               << " has type " << type << ")";
  };
  return checkOperandAndResultTypes(op, check);
}

LogicalResult requireStaticExceptBatch(Operation *op) {
  auto check = [&](Type type, StringRef kind, unsigned index) -> LogicalResult {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (tensor && llvm::none_of(llvm::seq<int64_t>(1, std::max<int64_t>(tensor.getRank(), 1)),
                                [&](int64_t d) { return tensor.isDynamicDim(d); }))
      return success();
    return emitUnsupported(op) << "only dim 0 (the batch) may be dynamic (" << kind << " #"
                               << index << " has type " << type << ")";
  };
  return checkOperandAndResultTypes(op, check);
}

LogicalResult requireArithType(Operation *op, Type type, bool allowInteger, StringRef what) {
  if (isa<FloatType>(type))
    return success();
  if (allowInteger && isa<IntegerType>(type))
    return success();
  return emitUnsupported(op) << what << " element type " << type << " is not supported (expected "
                             << (allowInteger ? "a float or integer type)" : "a float type)");
}


int64_t normalizeAxis(uint64_t axis, int64_t rank) {
  int64_t a = static_cast<int64_t>(axis);
  if (a < 0)
    a += rank;
  return a >= 0 && a < rank ? a : -1;
}

RankedTensorType tensorTypeOf(Value v) {
  return cast<RankedTensorType>(toSignless(v.getType()));
}

namespace {
/// `value` as an APInt of `width` bits, saturated to the signed (or unsigned) range (NaN
/// gives 0).
APInt saturatingInt(unsigned width, double value, bool isUnsigned) {
  if (width == 1)
    return APInt(1, value != 0 && !std::isnan(value));
  if (std::isnan(value))
    return APInt(width, 0);
  if (isUnsigned) {
    if (value <= 0)
      return APInt(width, 0);
    if (value >= std::ldexp(1.0, width))
      return APInt::getMaxValue(width);
    return APInt(width, static_cast<uint64_t>(value));
  }
  double limit = std::ldexp(1.0, width - 1);
  if (value >= limit)
    return APInt::getSignedMaxValue(width);
  if (value < -limit)
    return APInt::getSignedMinValue(width);
  return APInt(width, static_cast<int64_t>(value), /*isSigned=*/true);
}

template <typename FloatOp, typename IntOp>
Value floatOrInt(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return b.create<FloatOp>(loc, x, y);
  return b.create<IntOp>(loc, x, y);
}
} // namespace

Value createScalar(OpBuilder &b, Location loc, Type type, double value, bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(floatType, value));
  auto intType = cast<IntegerType>(type);
  return b.create<arith::ConstantOp>(
      loc, b.getIntegerAttr(intType, saturatingInt(intType.getWidth(), value, isUnsigned)));
}

/// `value` as a float of `x`'s type: a scalar, or a splat of its vector type.
static Value floatLike(OpBuilder &b, Location loc, Value x, double value) {
  if (auto vector = dyn_cast<VectorType>(x.getType()))
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(vector, b.getFloatAttr(vector.getElementType(), value)));
  return createScalar(b, loc, x.getType(), value);
}

Value createHardSigmoid(OpBuilder &b, Location loc, Value x, double alpha, double beta) {
  auto constant = [&](double value) { return floatLike(b, loc, x, value); };
  Value scaled = b.create<arith::MulFOp>(loc, x, constant(alpha));
  Value shifted = b.create<arith::AddFOp>(loc, scaled, constant(beta));
  Value upper = b.create<arith::MinimumFOp>(loc, shifted, constant(1));
  return b.create<arith::MaximumFOp>(loc, upper, constant(0));
}

Value createHardSwish(OpBuilder &b, Location loc, Value x) {
  return b.create<arith::MulFOp>(loc, x, createHardSigmoid(b, loc, x, 1.0 / 6.0, 0.5));
}

Value createSigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = floatLike(b, loc, x, 1.0);
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
  return b.create<arith::DivFOp>(loc, one, b.create<arith::AddFOp>(loc, one, e));
}

Value createSilu(OpBuilder &b, Location loc, Value x) {
  return b.create<arith::MulFOp>(loc, x, createSigmoid(b, loc, x));
}

Value createLowest(OpBuilder &b, Location loc, Type type, bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(
        loc, b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(), true)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt lowest = isUnsigned ? APInt::getMinValue(width) : APInt::getSignedMinValue(width);
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, lowest));
}

Value createHighest(OpBuilder &b, Location loc, Type type, bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(
        loc, b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(), false)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt highest = isUnsigned ? APInt::getMaxValue(width) : APInt::getSignedMaxValue(width);
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, highest));
}

SmallVector<ReassociationIndices> leadingGroups(int64_t rank, int64_t lead) {
  SmallVector<ReassociationIndices> groups{llvm::to_vector(llvm::seq<int64_t>(0, lead))};
  for (int64_t d = lead; d < rank; ++d)
    groups.push_back({d});
  return groups;
}

int64_t mergedLeadingDims(ShapedType merged, ShapedType split) {
  if (!merged.hasRank() || !split.hasRank() || merged.getRank() < 1 ||
      split.getRank() <= merged.getRank())
    return 0;
  int64_t lead = split.getRank() - merged.getRank() + 1;
  for (int64_t d = 1; d < merged.getRank(); ++d)
    if (merged.isDynamicDim(d) || merged.getDimSize(d) != split.getDimSize(lead + d - 1))
      return 0;
  return lead;
}

OpFoldResult sizeOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  auto type = tensorTypeOf(v);
  if (!type.isDynamicDim(d))
    return b.getIndexAttr(type.getDimSize(d));
  return b.create<tensor::DimOp>(loc, v, d).getResult();
}

Value collapseLeading(OpBuilder &b, Location loc, Value v, int64_t lead) {
  if (lead == 1)
    return v;
  return b.create<tensor::CollapseShapeOp>(loc, v, leadingGroups(tensorTypeOf(v).getRank(), lead));
}

Value expandLeading(OpBuilder &b, Location loc, Value v, ArrayRef<OpFoldResult> sizes) {
  auto type = tensorTypeOf(v);
  int64_t lead = sizes.size() - type.getRank() + 1;
  if (lead == 1)
    return v;
  SmallVector<ReassociationIndices> groups = leadingGroups(sizes.size(), lead);
  SmallVector<int64_t> shape;
  for (OpFoldResult s : sizes) {
    std::optional<int64_t> c = getConstantIntValue(s);
    shape.push_back(c ? *c : ShapedType::kDynamic);
  }
  if (llvm::count_if(ArrayRef<int64_t>(shape).take_front(lead), ShapedType::isDynamic) < 2)
    return b.create<tensor::ExpandShapeOp>(loc, type.clone(shape), v, groups, sizes);
  // Two dynamic dims in one group: MLIR 19 bufferizes no such expand_shape (and its tensor.dim
  // folder assumes one), so reshape by a shape tensor instead.
  SmallVector<Value> dims = llvm::map_to_vector(
      sizes, [&](OpFoldResult s) { return getValueOrCreateConstantIndexOp(b, loc, s); });
  Value shapeValue = b.create<tensor::FromElementsOp>(loc, dims);
  return b.create<tensor::ReshapeOp>(loc, type.clone(shape), v, shapeValue);
}

Value createEmpty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type elementType) {
  return b.create<tensor::EmptyOp>(loc, shape, elementType);
}

Value createFilled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Value scalar) {
  Value empty = createEmpty(b, loc, shape, scalar.getType());
  return b.create<linalg::FillOp>(loc, ValueRange{scalar}, ValueRange{empty}).getResult(0);
}

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes) {
  return b.create<tensor::EmptyOp>(loc, type, dynamicSizes);
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes,
                   Value scalar) {
  Value empty = createEmpty(b, loc, type, dynamicSizes);
  return b.create<linalg::FillOp>(loc, ValueRange{scalar}, ValueRange{empty}).getResult(0);
}

SmallVector<Value> dynamicSizesLike(OpBuilder &b, Location loc, RankedTensorType type,
                                    Value like) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(b.create<tensor::DimOp>(loc, like, d));
  return sizes;
}

FailureOr<SmallVector<Value>> dynamicSizesFromMaps(OpBuilder &b, Location loc,
                                                   RankedTensorType type, AffineMap resultMap,
                                                   ValueRange inputs,
                                                   ArrayRef<AffineMap> inputMaps) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value size;
    for (auto [input, map] : llvm::zip(inputs, inputMaps)) {
      auto inputType = dyn_cast<RankedTensorType>(input.getType());
      for (unsigned j = 0; !size && inputType && j < map.getNumResults(); ++j)
        if (map.getResult(j) == resultMap.getResult(d) && inputType.isDynamicDim(j))
          size = b.create<tensor::DimOp>(loc, input, j);
      if (size)
        break;
    }
    if (!size)
      return failure();
    sizes.push_back(size);
  }
  return sizes;
}

Value createAdd(OpBuilder &b, Location loc, Value x, Value y) {
  return floatOrInt<arith::AddFOp, arith::AddIOp>(b, loc, x, y);
}
Value createSub(OpBuilder &b, Location loc, Value x, Value y) {
  return floatOrInt<arith::SubFOp, arith::SubIOp>(b, loc, x, y);
}
Value createMul(OpBuilder &b, Location loc, Value x, Value y) {
  return floatOrInt<arith::MulFOp, arith::MulIOp>(b, loc, x, y);
}
Value createIntDivOrRem(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned,
                        bool remainder) {
  // x / 0 and (signed) INT_MIN / -1 trap on x86 (SIGFPE) and are undefined in LLVM: divide by
  // 1 instead and pick the result: 0 for a zero divisor (numpy's answer), -x (wrapping) and 0
  // for -1. Constant divisors fold the selects away.
  Type type = x.getType();
  Value zero = createScalar(b, loc, type, 0), one = createScalar(b, loc, type, 1);
  Value byZero = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, y, zero);
  Value byMinusOne;
  if (!isUnsigned)
    byMinusOne = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, y,
                                         createScalar(b, loc, type, -1));
  Value special = byMinusOne ? b.create<arith::OrIOp>(loc, byZero, byMinusOne).getResult() : byZero;
  Value safe = b.create<arith::SelectOp>(loc, special, one, y);
  Value result;
  if (remainder)
    result = isUnsigned ? b.create<arith::RemUIOp>(loc, x, safe).getResult()
                        : b.create<arith::RemSIOp>(loc, x, safe).getResult();
  else
    result = isUnsigned ? b.create<arith::DivUIOp>(loc, x, safe).getResult()
                        : b.create<arith::DivSIOp>(loc, x, safe).getResult();
  if (byMinusOne) // x % -1 = 0; x / -1 = -x
    result = b.create<arith::SelectOp>(
        loc, byMinusOne, remainder ? zero : b.create<arith::SubIOp>(loc, zero, x).getResult(),
        result);
  return b.create<arith::SelectOp>(loc, byZero, zero, result);
}

Value createDiv(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::DivFOp>(loc, x, y);
  return createIntDivOrRem(b, loc, x, y, isUnsigned, /*remainder=*/false);
}
Value createMax(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isUnsigned)
    return b.create<arith::MaxUIOp>(loc, x, y);
  return floatOrInt<arith::MaximumFOp, arith::MaxSIOp>(b, loc, x, y);
}
Value createMin(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isUnsigned)
    return b.create<arith::MinUIOp>(loc, x, y);
  return floatOrInt<arith::MinimumFOp, arith::MinSIOp>(b, loc, x, y);
}

Value convertFloat(OpBuilder &b, Location loc, Value x, Type to) {
  Type from = x.getType();
  if (from == to)
    return x;
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return b.create<arith::ExtFOp>(loc, to, x);
  return b.create<arith::TruncFOp>(loc, to, x);
}

AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> resultShape) {
  unsigned rank = resultShape.size(), lead = rank - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(operandShape)) {
    bool broadcast = size == 1 && resultShape[lead + i] != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(lead + i, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

bool broadcastsTo(ArrayRef<int64_t> operandShape, ArrayRef<int64_t> resultShape) {
  if (operandShape.size() > resultShape.size())
    return false;
  size_t lead = resultShape.size() - operandShape.size();
  for (auto [i, size] : llvm::enumerate(operandShape))
    if (size != 1 && size != resultShape[lead + i])
      return false;
  return true;
}

AffineMap dropDimsMap(MLIRContext *ctx, unsigned rank, ArrayRef<int64_t> droppedDims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < rank; ++d)
    if (!llvm::is_contained(droppedDims, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value buildParallelGeneric(OpBuilder &b, Location loc, RankedTensorType resultType,
                           ValueRange inputs, ArrayRef<AffineMap> inputMaps, PayloadFn payload,
                           std::optional<ValueRange> dynamicSizes) {
  unsigned rank = resultType.getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  SmallVector<Value> sizes;
  if (dynamicSizes) {
    sizes.assign(dynamicSizes->begin(), dynamicSizes->end());
  } else if (!resultType.hasStaticShape()) {
    FailureOr<SmallVector<Value>> fromMaps =
        dynamicSizesFromMaps(b, loc, resultType, maps.back(), inputs, inputMaps);
    if (failed(fromMaps)) // A pattern bug: it must pass the sizes it cannot map.
      llvm::report_fatal_error("kiln-to-linalg: a dynamic result dim has no input dim");
    sizes = std::move(*fromMaps);
  }
  Value init = createEmpty(b, loc, resultType, sizes);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        nested.create<linalg::YieldOp>(nestedLoc, payload(nested, nestedLoc, args));
      });
  return generic.getResult(0);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
                       PayloadFn payload) {
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(
        broadcastMap(b.getContext(), tensorTypeOf(input).getShape(), resultType.getShape()));
  return buildParallelGeneric(b, loc, resultType, inputs, maps, payload);
}

Value buildReduction(OpBuilder &b, Location loc, Value input, ValueRange rowInputs,
                     ArrayRef<int64_t> reducedDims, Value init, PayloadFn combine) {
  auto inputType = tensorTypeOf(input);
  unsigned rank = inputType.getRank();
  SmallVector<int64_t> rowShape;
  SmallVector<Value> rowSizes; // the dynamic dims of the rows
  SmallVector<utils::IteratorType> iterators;
  for (unsigned d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(reducedDims, d);
    iterators.push_back(reduced ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    if (!reduced)
      rowShape.push_back(inputType.getDimSize(d));
    if (!reduced && inputType.isDynamicDim(d))
      rowSizes.push_back(b.create<tensor::DimOp>(loc, input, d));
  }
  AffineMap rowMap = dropDimsMap(b.getContext(), rank, reducedDims);
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  maps.append(rowInputs.size() + 1, rowMap);
  SmallVector<Value> inputs{input};
  inputs.append(rowInputs.begin(), rowInputs.end());
  Value out = createFilled(b, loc, RankedTensorType::get(rowShape, init.getType()), rowSizes, init);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{out.getType()}, inputs, ValueRange{out}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        nested.create<linalg::YieldOp>(nestedLoc, combine(nested, nestedLoc, args));
      });
  return generic.getResult(0);
}

namespace {
/// Reassociation grouping `wide` dims into `narrow` dims, if it is a pure collapse.
/// Groups of `wide` dims whose products give the `narrow` dims, in order, when the shapes have
/// dynamic dims: a dynamic narrow dim takes unit dims and then exactly one dynamic wide dim, a
/// static one static dims up to its size; trailing unit dims join the last group.
std::optional<SmallVector<ReassociationIndices>> dynamicGroups(ArrayRef<int64_t> wide,
                                                               ArrayRef<int64_t> narrow) {
  SmallVector<ReassociationIndices> groups;
  size_t i = 0;
  for (int64_t size : narrow) {
    ReassociationIndices group;
    if (ShapedType::isDynamic(size)) {
      while (i < wide.size() && wide[i] == 1)
        group.push_back(i++);
      if (i == wide.size() || !ShapedType::isDynamic(wide[i]))
        return std::nullopt;
      group.push_back(i++);
    } else {
      int64_t product = 1;
      do {
        if (i == wide.size() || ShapedType::isDynamic(wide[i]))
          return std::nullopt;
        product *= wide[i];
        group.push_back(i++);
      } while (product < size);
      if (product != size)
        return std::nullopt;
    }
    groups.push_back(group);
  }
  for (; i < wide.size(); ++i) {
    if (wide[i] != 1 || groups.empty())
      return std::nullopt;
    groups.back().push_back(i);
  }
  return groups;
}

std::optional<SmallVector<ReassociationIndices>> collapseGroups(ArrayRef<int64_t> wide,
                                                                ArrayRef<int64_t> narrow) {
  if (narrow.empty())
    return SmallVector<ReassociationIndices>{};
  auto groups = ShapedType::isDynamicShape(wide) || ShapedType::isDynamicShape(narrow)
                    ? dynamicGroups(wide, narrow)
                    : getReassociationIndicesForCollapse(wide, narrow);
  if (!groups || groups->size() != narrow.size())
    return std::nullopt;
  for (auto [group, size] : llvm::zip(*groups, narrow)) {
    int64_t product = 1;
    bool dynamic = false;
    for (int64_t d : group) {
      dynamic |= ShapedType::isDynamic(wide[d]);
      product *= ShapedType::isDynamic(wide[d]) ? 1 : wide[d];
    }
    // A dynamic narrow dim holds exactly one dynamic wide dim (and unit dims).
    if (dynamic != ShapedType::isDynamic(size) || (!dynamic && product != size) ||
        (dynamic && product != 1))
      return std::nullopt;
  }
  return groups;
}

SmallVector<ReassociationIndices> allInOneGroup(int64_t rank) {
  return {llvm::to_vector(llvm::seq<int64_t>(0, rank))};
}
} // namespace

Value reshapeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto type = tensorTypeOf(v);
  ArrayRef<int64_t> src = type.getShape();
  if (src == shape)
    return v;
  auto target = RankedTensorType::get(shape, type.getElementType());
  if (src.size() > shape.size())
    if (auto groups = collapseGroups(src, shape))
      return b.create<tensor::CollapseShapeOp>(loc, target, v, *groups);
  if (src.size() < shape.size())
    if (auto groups = collapseGroups(shape, src))
      return b.create<tensor::ExpandShapeOp>(loc, target, v, *groups);
  // Neither a pure collapse nor a pure expansion: go through 1-D (a dynamic target needs
  // a single dynamic dim, which tensor.expand_shape infers).
  Value flat = v;
  if (src.size() != 1) {
    int64_t count = type.hasStaticShape() ? type.getNumElements() : ShapedType::kDynamic;
    auto flatType = RankedTensorType::get({count}, type.getElementType());
    flat = b.create<tensor::CollapseShapeOp>(loc, flatType, v, allInOneGroup(src.size()));
  }
  if (shape.size() == 1)
    return flat;
  return b.create<tensor::ExpandShapeOp>(loc, target, flat, allInOneGroup(shape.size()));
}

bool canReshape(ArrayRef<int64_t> src, ArrayRef<int64_t> shape) {
  if (src == shape || llvm::count_if(shape, ShapedType::isDynamic) <= 1)
    return true;
  if (src.size() > shape.size())
    return collapseGroups(src, shape).has_value();
  if (src.size() < shape.size())
    return collapseGroups(shape, src).has_value();
  return false;
}

Value reshapeToSizes(OpBuilder &b, Location loc, Value v, ArrayRef<OpFoldResult> sizes) {
  auto type = tensorTypeOf(v);
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamic;
  for (OpFoldResult s : sizes) {
    std::optional<int64_t> c = getConstantIntValue(s);
    shape.push_back(c ? *c : ShapedType::kDynamic);
  }
  if (llvm::count_if(shape, ShapedType::isDynamic) <= 1)
    return reshapeTo(b, loc, v, shape);
  Value flat = v;
  if (type.getRank() != 1) {
    int64_t count = type.hasStaticShape() ? type.getNumElements() : ShapedType::kDynamic;
    auto flatType = RankedTensorType::get({count}, type.getElementType());
    flat = b.create<tensor::CollapseShapeOp>(loc, flatType, v, allInOneGroup(type.getRank()));
  }
  auto target = RankedTensorType::get(shape, type.getElementType());
  return b.create<tensor::ExpandShapeOp>(loc, target, flat, allInOneGroup(shape.size()), sizes);
}

Value transposeTensor(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto type = tensorTypeOf(v);
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  for (int64_t from : perm) {
    shape.push_back(type.getDimSize(from));
    if (type.isDynamicDim(from))
      dynamicSizes.push_back(b.create<tensor::DimOp>(loc, v, from));
  }
  Value init =
      createEmpty(b, loc, RankedTensorType::get(shape, type.getElementType()), dynamicSizes);
  return b.create<linalg::TransposeOp>(loc, v, init, perm).getResult()[0];
}

Value padWithValue(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> low,
                   ArrayRef<int64_t> high, Value padValue) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return v;
  auto type = tensorTypeOf(v);
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    shape.push_back(type.isDynamicDim(d) ? ShapedType::kDynamic
                                         : type.getDimSize(d) + low[d] + high[d]);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  MLIRContext *ctx = b.getContext();
  return b.create<tensor::PadOp>(loc, resultType, v, getAsIndexOpFoldResult(ctx, low),
                                 getAsIndexOpFoldResult(ctx, high), padValue);
}

} // namespace kiln::lowering
