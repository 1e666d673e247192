//===- ShapeValueToLinalg.cpp - ops sized by run-time shape values → linalg -===//
//
// kiln.expand_to, kiln.constant_of_shape, kiln.range and kiln.choose have result dims that
// follow the values of an operand. Each reads those values with `tensor.extract` at constant
// indices and sizes its `tensor.empty` from them, so kiln-shape-functions can turn the reads into
// arguments of the kernel's shape function (the runtime passes the elements' bits).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {
namespace {
/// Element `i` of the 1-D int64 `shape` as an index.
Value shapeElement(OpBuilder &b, Location loc, Value shape, int64_t i) {
  Value index = b.create<arith::ConstantIndexOp>(loc, i);
  Value v = b.create<tensor::ExtractOp>(loc, shape, ValueRange{index});
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(), v);
}

/// The only element of a one-element tensor.
Value onlyElement(OpBuilder &b, Location loc, Value v) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  SmallVector<Value> indices(tensorTypeOf(v).getRank(), zero);
  return b.create<tensor::ExtractOp>(loc, v, indices);
}

/// Numpy broadcast of the input with the shape's values, ONNX Expand: a result dim is the
/// shape value, or the input dim where the value is 1; a static input dim of 1 broadcasts.
/// A value that differs from an input dim other than 1 (and from 1) makes the size -1, which
/// the runtime reports naming the node. The input is read at computed coordinates, so the
/// result sizes follow the values only (not a loop tied to the input).
struct ExpandToLowering : OpConversionPattern<graph::ExpandToOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ExpandToOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = tensorTypeOf(op.getResult());
    auto inType = tensorTypeOf(op.getInput());
    int64_t rank = type.getRank(), values = tensorTypeOf(op.getShape()).getDimSize(0);
    int64_t inOffset = rank - inType.getRank(), valueOffset = rank - values;
    SmallVector<Value> sizes;
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value invalid = rewriter.create<arith::ConstantIndexOp>(loc, -1);
    using P = arith::CmpIPredicate;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t i = d - inOffset;
      bool broadcast = i < 0 || inType.getDimSize(i) == 1;
      Value inDim = i < 0 ? one
                          : rewriter.create<tensor::DimOp>(loc, adaptor.getInput(), i).getResult();
      if (d < valueOffset) {
        sizes.push_back(inDim);
        continue;
      }
      Value v = shapeElement(rewriter, loc, adaptor.getShape(), d - valueOffset);
      if (broadcast) {
        sizes.push_back(v);
        continue;
      }
      Value isOne = rewriter.create<arith::CmpIOp>(loc, P::eq, v, one);
      Value same = rewriter.create<arith::CmpIOp>(loc, P::eq, v, inDim);
      Value ok = rewriter.create<arith::OrIOp>(loc, isOne, same);
      sizes.push_back(rewriter.create<arith::SelectOp>(loc, ok, inDim, invalid));
    }
    Value input = adaptor.getInput();
    Value result = buildParallelGeneric(
        rewriter, loc, type, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> coords;
          Value zero = b.create<arith::ConstantIndexOp>(l, 0);
          for (int64_t i = 0; i < inType.getRank(); ++i)
            coords.push_back(inType.getDimSize(i) == 1
                                 ? zero
                                 : b.create<linalg::IndexOp>(l, i + inOffset).getResult());
          return b.create<tensor::ExtractOp>(l, input, coords);
        },
        ValueRange(sizes));
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConstantOfShapeLowering : OpConversionPattern<graph::ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ConstantOfShapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = tensorTypeOf(op.getResult());
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      sizes.push_back(shapeElement(rewriter, loc, adaptor.getShape(), d));
    TypedAttr value = op.getValue();
    Type et = type.getElementType();
    if (auto i = dyn_cast<IntegerAttr>(value))
      value = IntegerAttr::get(et, i.getValue());
    Value fill = rewriter.create<arith::ConstantOp>(loc, value);
    rewriter.replaceOp(op, createFilled(rewriter, loc, type, sizes, fill));
    return success();
  }
};

/// kiln.choose: the result dims are those of the chosen value (the condition is a shape
/// value); a generic over the result reads the chosen one (the branch is loop-invariant).
struct ChooseLowering : OpConversionPattern<graph::ChooseOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::ChooseOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = tensorTypeOf(op.getResult());
    Value cond = onlyElement(rewriter, loc, adaptor.getCond());
    Value thenValue = adaptor.getThenValue(), elseValue = adaptor.getElseValue();
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(rewriter.create<arith::SelectOp>(
            loc, cond, rewriter.create<tensor::DimOp>(loc, thenValue, d),
            rewriter.create<tensor::DimOp>(loc, elseValue, d)));
    Value result = buildParallelGeneric(
        rewriter, loc, type, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> at;
          for (int64_t d = 0; d < type.getRank(); ++d)
            at.push_back(b.create<linalg::IndexOp>(l, d));
          auto pick = b.create<scf::IfOp>(
              l, cond,
              [&](OpBuilder &tb, Location tl) {
                tb.create<scf::YieldOp>(
                    tl, tb.create<tensor::ExtractOp>(tl, thenValue, at).getResult());
              },
              [&](OpBuilder &eb, Location el) {
                eb.create<scf::YieldOp>(
                    el, eb.create<tensor::ExtractOp>(el, elseValue, at).getResult());
              });
          return pick.getResult(0);
        },
        sizes.empty() ? std::nullopt : std::optional<ValueRange>(sizes));
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ONNX Range: max(ceil((limit - start) / delta), 0) elements, element i = start + i * delta.
struct RangeLowering : OpConversionPattern<graph::RangeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(graph::RangeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = tensorTypeOf(op.getResult());
    Type et = type.getElementType();
    if (isUnsigned(op.getStart()))
      return emitUnsupported(op) << "unsigned element type";
    Value start = onlyElement(rewriter, loc, adaptor.getStart());
    Value limit = onlyElement(rewriter, loc, adaptor.getLimit());
    Value delta = onlyElement(rewriter, loc, adaptor.getDelta());
    Type i64 = rewriter.getI64Type(), f64 = rewriter.getF64Type();
    auto toF64 = [&](Value v) -> Value {
      if (isa<FloatType>(et))
        return convertFloat(rewriter, loc, v, f64);
      return rewriter.create<arith::SIToFPOp>(loc, f64, v);
    };
    // ceil(q) for q = (limit - start) / delta, computed in f64; negative counts become 0.
    Value q = rewriter.create<arith::DivFOp>(
        loc, rewriter.create<arith::SubFOp>(loc, toF64(limit), toF64(start)), toF64(delta));
    Value n = rewriter.create<arith::FPToSIOp>(loc, i64, q);
    Value below = rewriter.create<arith::CmpFOp>(
        loc, arith::CmpFPredicate::OLT, rewriter.create<arith::SIToFPOp>(loc, f64, n), q);
    Value plusOne = rewriter.create<arith::AddIOp>(
        loc, n, rewriter.create<arith::ConstantIntOp>(loc, 1, 64));
    n = rewriter.create<arith::SelectOp>(loc, below, plusOne, n);
    n = rewriter.create<arith::MaxSIOp>(loc, n, rewriter.create<arith::ConstantIntOp>(loc, 0, 64));
    Value size = rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), n);
    Value result = buildParallelGeneric(
        rewriter, loc, type, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          Value i = b.create<linalg::IndexOp>(l, 0);
          Value iv = b.create<arith::IndexCastOp>(l, i64, i);
          Value step = iv;
          if (isa<FloatType>(et))
            step = b.create<arith::SIToFPOp>(l, et, iv);
          else if (et.getIntOrFloatBitWidth() < 64)
            step = b.create<arith::TruncIOp>(l, et, iv);
          return createAdd(b, l, start, createMul(b, l, step, delta));
        },
        ValueRange{size});
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void populateShapeValuePatterns(const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ChooseLowering, ExpandToLowering, ConstantOfShapeLowering, RangeLowering>(
      converter, patterns.getContext());
}
} // namespace kiln::lowering
