//===- QuantizationConverters.cpp - ONNX (de)quantization and integer matmul/conv → kiln -===//
//
// Composed from existing kiln ops: integer operands are widened to i32 and centred on their
// zero points, matmul/conv accumulate in i32, and quantization is round-half-even of x / scale
// plus the zero point, saturated to the output type's range and cast.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include <cmath>

using namespace mlir;
using namespace kiln::importer;

namespace {
Type elementTypeOf(Value v) { return cast<RankedTensorType>(v.getType()).getElementType(); }

std::string debugString(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

/// A scale or zero point made to broadcast against a rank-`rank` tensor: scalars (and
/// one-element tensors) as rank 0, a 1-D tensor of the extent of dim `axis` (ONNX-style,
/// may be negative) reshaped to that dim.
FailureOr<Value> alongAxis(NodeContext &n, Value param, int64_t axis, int64_t rank,
                           llvm::StringRef what) {
  RankedTensorType type = cast<RankedTensorType>(param.getType());
  if (!type.hasStaticShape())
    return n.fail(what + llvm::Twine(" must have a static shape"));
  if (type.getNumElements() == 1)
    return n.reshape(param, {});
  if (type.getRank() != 1)
    return n.fail(what + llvm::Twine(" must be a scalar or 1-D"));
  FailureOr<int64_t> dim = n.normalizeAxis(axis, rank);
  if (failed(dim))
    return failure();
  SmallVector<int64_t> shape(rank, 1);
  shape[*dim] = type.getDimSize(0);
  return n.reshape(param, shape);
}

/// `x` widened to i32 minus its zero point `zp` (optional; broadcast along `axis`).
FailureOr<Value> centredInt32(NodeContext &n, Value x, Value zp, int64_t axis,
                              llvm::StringRef what) {
  Type i32 = n.builder().getI32Type();
  FailureOr<Value> wide = castTo(n, x, i32);
  if (!zp || failed(wide))
    return wide;
  if (elementTypeOf(zp) != elementTypeOf(x))
    return n.fail(what + llvm::Twine("'s zero point has another element type than ") + what);
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  FailureOr<Value> point = alongAxis(n, zp, axis, rank, (what + " zero point").str());
  return binary<kiln::SubOp>(n, wide, castTo(n, point, i32));
}

/// The saturation range of an integer type.
std::pair<double, double> integerRange(Type type) {
  unsigned width = type.getIntOrFloatBitWidth();
  if (type.isUnsignedInteger())
    return {0.0, std::ldexp(1.0, width) - 1};
  return {-std::ldexp(1.0, width - 1), std::ldexp(1.0, width - 1) - 1};
}

/// saturate(round(x / scale) + zp) as `to`: x and scale float, zp (broadcast) of type `to`
/// or null (0).
FailureOr<Value> quantize(NodeContext &n, FailureOr<Value> x, FailureOr<Value> scale, Value zp,
                          Type to) {
  if (failed(x) || failed(scale))
    return failure();
  Type floatType = elementTypeOf(*x);
  if (!isa<IntegerType>(to) || to.isInteger(1) || to.getIntOrFloatBitWidth() > 32)
    return n.fail("quantizes to 8-, 16- or 32-bit integers, not " + llvm::Twine(debugString(to)));
  FailureOr<Value> q = unary<kiln::RoundOp>(n, binary<kiln::DivOp>(n, *x, *scale));
  if (zp)
    q = binary<kiln::AddOp>(n, q, castTo(n, zp, floatType));
  if (failed(q))
    return failure();
  auto [lo, hi] = integerRange(to);
  OpBuilder &b = n.builder();
  return castTo(n, n.create<kiln::ClipOp>(*q, b.getF64FloatAttr(lo), b.getF64FloatAttr(hi)), to);
}

/// The axis of a per-axis scale: `axis` from opset 13 (per-tensor only before).
int64_t quantAxis(NodeContext &n) { return n.opset() >= 13 ? n.attrInt("axis", 1) : 1; }

/// DequantizeLinear: (float(x) - float(zp)) * scale.
LogicalResult convertDequantizeLinear(NodeContext &n) {
  Value x = n.input(0), zp = n.input(2);
  int64_t rank = n.inputType(0).getRank(), axis = quantAxis(n);
  Type floatType = elementTypeOf(n.input(1));
  FailureOr<Value> scale = alongAxis(n, n.input(1), axis, rank, "x_scale");
  FailureOr<Value> y = castTo(n, x, floatType);
  if (zp) {
    if (elementTypeOf(zp) != elementTypeOf(x))
      return n.fail("x_zero_point has another element type than x");
    FailureOr<Value> point = alongAxis(n, zp, axis, rank, "x_zero_point");
    y = binary<kiln::SubOp>(n, y, castTo(n, point, floatType));
  }
  return n.setResult(binary<kiln::MulOp>(n, y, scale));
}

/// QuantizeLinear: saturate(round(x / scale) + zp), of zp's type (uint8 without one).
LogicalResult convertQuantizeLinear(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank(), axis = quantAxis(n);
  Value zp;
  if (n.hasInput(2)) {
    FailureOr<Value> point = alongAxis(n, n.input(2), axis, rank, "y_zero_point");
    if (failed(point))
      return failure();
    zp = *point;
  }
  Type to = zp ? elementTypeOf(zp) : n.builder().getIntegerType(8, /*isSigned=*/false);
  return n.setResult(
      quantize(n, n.input(0), alongAxis(n, n.input(1), axis, rank, "y_scale"), zp, to));
}

/// DynamicQuantizeLinear: uint8 quantization of x over the range [min(x, 0), max(x, 0)]:
/// scale = range / 255, zero point = saturate(round(-min / scale)).
LogicalResult convertDynamicQuantizeLinear(NodeContext &n) {
  Value x = n.input(0);
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  FailureOr<Value> zero = scalarLike(n, x, 0);
  FailureOr<Value> hi = binary<kiln::MaxOp>(n, reduce(n, x, kiln::ReduceKind::max, all, false), zero);
  FailureOr<Value> lo = binary<kiln::MinOp>(n, reduce(n, x, kiln::ReduceKind::min, all, false), zero);
  FailureOr<Value> scale =
      binary<kiln::DivOp>(n, binary<kiln::SubOp>(n, hi, lo), scalarLike(n, x, 255));
  Type u8 = n.builder().getIntegerType(8, /*isSigned=*/false);
  FailureOr<Value> zp = quantize(n, binary<kiln::SubOp>(n, zero, lo), scale, Value(), u8);
  if (failed(zp))
    return failure();
  FailureOr<Value> y = quantize(n, x, scale, *zp, u8);
  if (failed(y))
    return failure();
  return n.setResults({*y, *scale, *zp});
}

/// MatMulInteger: (A - a_zp) × (B - b_zp) in i32; a_zp per row of A, b_zp per column of B.
LogicalResult convertMatMulInteger(NodeContext &n) {
  int64_t aRank = n.inputType(0).getRank(), bRank = n.inputType(1).getRank();
  if (aRank < 2 || bRank < 2)
    return n.fail("A and B must have rank >= 2");
  FailureOr<Value> a = centredInt32(n, n.input(0), n.input(2), aRank - 2, "A");
  FailureOr<Value> b = centredInt32(n, n.input(1), n.input(3), bRank - 1, "B");
  return n.setResult(binary<kiln::MatMulOp>(n, a, b));
}

/// The window of an integer conv whose filter is `filter` (attributes of the node).
FailureOr<Window> integerConvWindow(NodeContext &n, Value input, Value filter) {
  auto in = cast<RankedTensorType>(input.getType()), w = cast<RankedTensorType>(filter.getType());
  if (in.getRank() != w.getRank() || in.getRank() < 3 || !w.hasStaticShape())
    return n.fail("input and filter must have the same rank >= 3 and a static filter");
  SmallVector<int64_t> kernel(w.getShape().drop_front(2));
  if (n.hasAttr("kernel_shape") && n.attrInts("kernel_shape") != kernel)
    return n.fail("kernel_shape differs from the filter's spatial dims");
  return readWindow(n, in, kernel);
}

/// conv(x - x_zp, w - w_zp) + bias in i32; w_zp may be per output channel.
FailureOr<Value> integerConv(NodeContext &n, Value x, Value xzp, Value w, Value wzp, Value bias) {
  FailureOr<Window> window = integerConvWindow(n, x, w);
  if (failed(window))
    return failure();
  FailureOr<Value> xc = centredInt32(n, x, xzp, 1, "x");
  FailureOr<Value> wc = centredInt32(n, w, wzp, 0, "w");
  if (failed(xc) || failed(wc))
    return failure();
  if (bias && !elementTypeOf(bias).isSignlessInteger(32))
    return n.fail("the bias must be int32");
  return n.create<kiln::ConvOp>(*xc, *wc, bias, window->strides, window->pads, window->dilations,
                                n.attrInt("group", 1));
}

LogicalResult convertConvInteger(NodeContext &n) {
  return n.setResult(integerConv(n, n.input(0), n.input(2), n.input(1), n.input(3), Value()));
}

/// float(acc) * (a_scale * b_scale) requantized to y_scale / y_zp: the end of the QLinear ops.
/// `scaleAxis` places a per-channel b_scale in acc's dims.
FailureOr<Value> requantize(NodeContext &n, FailureOr<Value> acc, Value aScale, Value bScale,
                            int64_t scaleAxis, Value yScale, Value yzp) {
  if (failed(acc))
    return failure();
  int64_t rank = cast<RankedTensorType>(acc->getType()).getRank();
  Type floatType = elementTypeOf(aScale);
  FailureOr<Value> scale = binary<kiln::MulOp>(n, alongAxis(n, aScale, -2, rank, "a scale"),
                                               alongAxis(n, bScale, scaleAxis, rank, "b scale"));
  FailureOr<Value> real = binary<kiln::MulOp>(n, castTo(n, acc, floatType), scale);
  FailureOr<Value> point = alongAxis(n, yzp, 0, rank, "y_zero_point");
  if (failed(point))
    return failure();
  return quantize(n, real, alongAxis(n, yScale, 0, rank, "y_scale"), *point,
                  elementTypeOf(yzp));
}

/// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp).
LogicalResult convertQLinearMatMul(NodeContext &n) {
  int64_t aRank = n.inputType(0).getRank(), bRank = n.inputType(3).getRank();
  if (aRank < 2 || bRank < 2)
    return n.fail("a and b must have rank >= 2");
  FailureOr<Value> a = centredInt32(n, n.input(0), n.input(2), aRank - 2, "a");
  FailureOr<Value> b = centredInt32(n, n.input(3), n.input(5), bRank - 1, "b");
  FailureOr<Value> acc = binary<kiln::MatMulOp>(n, a, b);
  if (failed(acc))
    return failure();
  int64_t rank = cast<RankedTensorType>(acc->getType()).getRank();
  return n.setResult(
      requantize(n, acc, n.input(1), n.input(4), rank - 1, n.input(6), n.input(7)));
}

/// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B).
LogicalResult convertQLinearConv(NodeContext &n) {
  FailureOr<Value> acc = integerConv(n, n.input(0), n.input(2), n.input(3), n.input(5), n.input(8));
  return n.setResult(requantize(n, acc, n.input(1), n.input(4), 1, n.input(6), n.input(7)));
}
} // namespace

void kiln::importer::registerQuantizationConverters(ConverterRegistry &r) {
  r.add("DequantizeLinear", 10, convertDequantizeLinear, {2, 3});
  r.add("QuantizeLinear", 10, convertQuantizeLinear, {2, 3});
  r.add("DynamicQuantizeLinear", 11, convertDynamicQuantizeLinear, {1, 1});
  r.add("MatMulInteger", 10, convertMatMulInteger, {2, 4});
  r.add("ConvInteger", 10, convertConvInteger, {2, 4});
  r.add("QLinearMatMul", 10, convertQLinearMatMul, {8, 8});
  r.add("QLinearConv", 10, convertQLinearConv, {8, 9});
}
