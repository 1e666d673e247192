//===- SignalConverters.cpp - ONNX HannWindow, HammingWindow, BlackmanWindow, DFT → kiln -===//
//
// Compositions: a window is a cosine sum over kiln.range(0, size) (size may be a run-time
// value: a shape value); DFT multiplies the signal (moved to the last dim) by constant cosine
// and sine matrices, real and imaginary parts apart.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"
#include "compiler/Import/ONNX/TensorImport.h"

#include <cmath>
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// The generalized cosine window sum_k (-1)^k a_k cos(2 pi k n / N), n in [0, size), N = size
/// (periodic) or size - 1 (symmetric), computed in f32 and cast to output_datatype.
LogicalResult buildCosineWindow(NodeContext &n, ArrayRef<double> coefficients) {
  RankedTensorType sizeType = n.inputType(0);
  Type it = sizeType.getElementType();
  if (!sizeType.hasStaticShape() || sizeType.getNumElements() != 1 || !isa<IntegerType>(it) ||
      it.isInteger(1))
    return n.fail("size must be one integer");
  Type out = convertElementType(n.context(), n.attrInt("output_datatype", 1));
  if (!out || !(isa<FloatType>(out) || isa<IntegerType>(out)))
    return n.fail("unsupported output_datatype " + llvm::Twine(n.attrInt("output_datatype", 1)));
  FailureOr<Value> zero = n.scalar(it, 0), one = n.scalar(it, 1);
  if (failed(zero) || failed(one))
    return failure();
  Value size = n.input(0);
  FailureOr<Value> indices;
  if (!n.isRunTimeValue(0)) {
    FailureOr<double> count = n.constantScalar(0, "size");
    if (failed(count))
      return failure();
    indices = iotaAlong(n, std::max<int64_t>((int64_t)*count, 0), 0, 1, it);
  } else {
    indices = n.createTyped<kiln::RangeOp>(RankedTensorType::get({ShapedType::kDynamic}, it),
                                           *zero, size, *one);
  }
  Type f32 = n.builder().getF32Type();
  FailureOr<Value> length = castTo(n, size, f32);
  if (n.attrInt("periodic", 1) == 0)
    length = binary<kiln::SubOp>(n, length, scalarLike(n, length, 1.0));
  FailureOr<Value> step =
      binary<kiln::DivOp>(n, scalarLike(n, length, 2 * llvm::numbers::pi), length);
  FailureOr<Value> angle = binary<kiln::MulOp>(n, castTo(n, indices, f32), step);
  FailureOr<Value> sum = scalarLike(n, angle, coefficients[0]);
  for (size_t k = 1; k < coefficients.size(); ++k) {
    double a = k % 2 ? -coefficients[k] : coefficients[k];
    FailureOr<Value> kAngle = binary<kiln::MulOp>(n, angle, scalarLike(n, angle, (double)k));
    sum = binary<kiln::AddOp>(
        n, sum, binary<kiln::MulOp>(n, scalarLike(n, angle, a), unary<kiln::CosOp>(n, kAngle)));
  }
  return n.setResult(castTo(n, sum, out));
}

LogicalResult convertHann(NodeContext &n) { return buildCosineWindow(n, {0.5, 0.5}); }
LogicalResult convertHamming(NodeContext &n) {
  return buildCosineWindow(n, {25.0 / 46.0, 21.0 / 46.0});
}
LogicalResult convertBlackman(NodeContext &n) {
  return buildCosineWindow(n, {0.42, 0.5, 0.08});
}

/// The [length, bins] matrix f(2 pi n k / length) as a constant of `type`.
Value dftMatrix(NodeContext &n, int64_t length, int64_t bins, Type type, double (*f)(double)) {
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < length; ++i)
    for (int64_t k = 0; k < bins; ++k) {
      // (i k) mod length keeps the angle small (exact for large products).
      double angle = 2 * llvm::numbers::pi * (double)((i * k) % length) / (double)length;
      values.push_back(FloatAttr::get(type, f(angle)));
    }
  return n.constant(DenseElementsAttr::get(RankedTensorType::get({length, bins}, type), values));
}

/// DFT-17: input [..., signal, 1 | 2] (real, or real and imaginary), along `axis`, of
/// dft_length (constant; the signal is zero-padded or cut), inverse and onesided.
LogicalResult convertDFT(NodeContext &n) {
  RankedTensorType in = n.inputType(0);
  Type et = in.getElementType();
  int64_t rank = in.getRank();
  if (!isa<FloatType>(et) || rank < 2 || in.isDynamicDim(rank - 1) ||
      (in.getDimSize(rank - 1) != 1 && in.getDimSize(rank - 1) != 2))
    return n.fail("the input must be floats [..., signal, 1 or 2]");
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 1), rank - 1);
  if (failed(axis))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = requireStaticShape(n, in, "DFT");
  if (failed(shape))
    return failure();
  int64_t signal = (*shape)[*axis], length = signal;
  if (n.hasInput(1)) {
    FailureOr<double> given = n.constantScalar(1, "dft_length");
    if (failed(given))
      return failure();
    length = (int64_t)*given;
    if (length <= 0)
      return n.fail("dft_length must be positive");
  }
  bool inverse = n.attrInt("inverse", 0) != 0, onesided = n.attrInt("onesided", 0) != 0;
  if (inverse && onesided)
    return n.fail("onesided inverse DFTs are not supported");
  int64_t bins = onesided ? length / 2 + 1 : length;
  // Real and imaginary parts [..., signal] with the signal moved last.
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank - 1; ++d)
    if (d != *axis)
      perm.push_back(d);
  perm.push_back(*axis);
  auto part = [&](int64_t index) -> FailureOr<Value> {
    SmallVector<int64_t> starts(rank, 0), ends(*shape), steps(rank, 1);
    starts[rank - 1] = index;
    ends[rank - 1] = index + 1;
    FailureOr<Value> x = buildSlice(n, n.input(0), starts, ends, steps);
    if (succeeded(x))
      x = n.reshape(*x, ArrayRef<int64_t>(*shape).drop_back());
    if (succeeded(x))
      x = n.create<kiln::TransposeOp>(*x, perm);
    if (failed(x) || length == signal)
      return x;
    SmallVector<int64_t> cut(rank - 1, 0), cutEnd(cast<RankedTensorType>(x->getType()).getShape()),
        one(rank - 1, 1);
    if (length < signal) {
      cutEnd[rank - 2] = length;
      return buildSlice(n, *x, cut, cutEnd, one);
    }
    SmallVector<int64_t> pads(2 * (rank - 1), 0);
    pads.back() = length - signal;
    return n.create<kiln::PadOp>(*x, pads, kiln::PadMode::constant, APFloat(0.0));
  };
  FailureOr<Value> re = part(0);
  FailureOr<Value> im = in.getDimSize(rank - 1) == 2 ? part(1) : FailureOr<Value>(Value());
  if (failed(re) || failed(im))
    return failure();
  if (failed(checkBuiltConstant(n, {length, bins}, "the DFT matrix")))
    return failure();
  Value cosines = dftMatrix(n, length, bins, et, [](double a) { return std::cos(a); });
  Value sines = dftMatrix(n, length, bins, et, [](double a) { return std::sin(a); });
  // Forward: Yr = xr C + xi S, Yi = xi C - xr S; inverse: Yr = (xr C - xi S) / L,
  // Yi = (xi C + xr S) / L.
  FailureOr<Value> yr = n.create<kiln::MatMulOp>(*re, cosines);
  FailureOr<Value> yi = n.create<kiln::MatMulOp>(*re, sines);
  if (!inverse)
    yi = unary<kiln::NegOp>(n, yi);
  if (*im) {
    FailureOr<Value> ic = n.create<kiln::MatMulOp>(*im, cosines);
    FailureOr<Value> is = n.create<kiln::MatMulOp>(*im, sines);
    yr = inverse ? binary<kiln::SubOp>(n, yr, is) : binary<kiln::AddOp>(n, yr, is);
    yi = binary<kiln::AddOp>(n, yi, ic);
  }
  if (inverse) {
    yr = binary<kiln::DivOp>(n, yr, scalarLike(n, yr, (double)length));
    yi = binary<kiln::DivOp>(n, yi, scalarLike(n, yi, (double)length));
  }
  // Back to the input's dim order, then [..., bins, 2].
  SmallVector<int64_t> back(rank - 1);
  for (auto [i, p] : llvm::enumerate(perm))
    back[p] = i;
  SmallVector<int64_t> outShape(ArrayRef<int64_t>(*shape).drop_back());
  outShape[*axis] = bins;
  outShape.push_back(1);
  SmallVector<Value> parts;
  for (FailureOr<Value> y : {yr, yi}) {
    if (succeeded(y))
      y = n.create<kiln::TransposeOp>(*y, back);
    if (succeeded(y))
      y = n.reshape(*y, outShape);
    if (failed(y))
      return failure();
    parts.push_back(*y);
  }
  return n.setResult(n.create<kiln::ConcatOp>(ValueRange(parts), rank - 1));
}
} // namespace

void kiln::importer::registerSignalConverters(ConverterRegistry &r) {
  r.add("HannWindow", 17, convertHann, {1, 1});
  r.add("HammingWindow", 17, convertHamming, {1, 1});
  r.add("BlackmanWindow", 17, convertBlackman, {1, 1});
  r.add("DFT", 17, convertDFT, {1, 2});
}
