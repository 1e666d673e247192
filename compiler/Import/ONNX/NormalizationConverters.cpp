//===- NormalizationConverters.cpp - ONNX InstanceNormalization, LRN, MVN → kiln -===//
//
// Normalizations without a kiln op of their own, composed of reductions and elementwise ops
// exactly as the ONNX definitions (or their function bodies) state them.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// `v` (shape [C]) reshaped to [C, 1, ...] so that it broadcasts along dim 1 of a rank-`rank`
/// tensor.
FailureOr<Value> perChannel(NodeContext &n, Value v, int64_t rank) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() != 1)
    return n.fail("scale and bias must be 1-D");
  SmallVector<int64_t> shape(rank - 1, 1);
  shape[0] = type.getDimSize(0);
  return n.reshape(v, shape);
}

/// InstanceNormalization: per (n, c), (x - mean) / sqrt(var + epsilon) over the spatial dims,
/// then scale[c] and bias[c].
LogicalResult convertInstanceNorm(NodeContext &n) {
  Value x = n.input(0);
  int64_t rank = n.inputType(0).getRank();
  if (rank < 3)
    return n.fail("the input must have rank >= 3 (N, C, spatial...)");
  SmallVector<int64_t> spatial = llvm::to_vector(llvm::seq<int64_t>(2, rank));
  FailureOr<Value> mean = reduce(n, x, kiln::ReduceKind::mean, spatial, true);
  FailureOr<Value> centered = binary<kiln::SubOp>(n, x, mean);
  FailureOr<Value> variance =
      reduce(n, binary<kiln::MulOp>(n, centered, centered), kiln::ReduceKind::mean, spatial, true);
  FailureOr<Value> stddev = unary<kiln::SqrtOp>(
      n, binary<kiln::AddOp>(n, variance, scalarLike(n, x, n.attrFloat("epsilon", 1e-5))));
  FailureOr<Value> normalized = binary<kiln::DivOp>(n, centered, stddev);
  FailureOr<Value> scaled = binary<kiln::MulOp>(n, normalized, perChannel(n, n.input(1), rank));
  return n.setResult(binary<kiln::AddOp>(n, scaled, perChannel(n, n.input(2), rank)));
}

/// LRN: x / (bias + alpha / size * sum of x² over `size` neighbouring channels)^beta. The
/// channel window sum is an average pool (count_include_pad) of x² viewed as [N, 1, C, rest],
/// times the window's tap count. The window's reach on either side is clamped to C - 1
/// channels: taps further out only ever read padding, and a huge `size` would otherwise pad
/// the channels to `size` rows.
LogicalResult convertLRN(NodeContext &n) {
  Value x = n.input(0);
  RankedTensorType type = n.inputType(0);
  FailureOr<SmallVector<int64_t>> shape = requireStaticShape(n, type, "LRN");
  if (failed(shape))
    return failure();
  int64_t size = n.attrInt("size", 0);
  if (shape->size() < 3 || size <= 0)
    return n.fail("needs an input of rank >= 3 and a positive size");
  int64_t rest = 1;
  for (int64_t d : ArrayRef<int64_t>(*shape).drop_front(2))
    rest *= d;
  double alpha = n.attrFloat("alpha", 1e-4), beta = n.attrFloat("beta", 0.75);
  double bias = n.attrFloat("bias", 1.0);
  FailureOr<Value> squares = binary<kiln::MulOp>(n, x, x);
  FailureOr<Value> view =
      failed(squares) ? squares : n.reshape(*squares, {(*shape)[0], 1, (*shape)[1], rest});
  if (failed(view))
    return failure();
  int64_t reach = std::max<int64_t>((*shape)[1] - 1, 0);
  int64_t before = std::min((size - 1) / 2, reach);
  int64_t after = std::min(size - 1 - (size - 1) / 2, reach);
  int64_t taps = before + after + 1;
  FailureOr<Value> average = n.create<kiln::AvgPoolOp>(
      *view, ArrayRef<int64_t>{taps, 1}, ArrayRef<int64_t>{1, 1},
      ArrayRef<int64_t>{before, 0, after, 0}, ArrayRef<int64_t>{1, 1}, /*ceil_mode=*/false,
      /*count_include_pad=*/true);
  FailureOr<Value> windowAverage = failed(average) ? average : n.reshape(*average, *shape);
  // alpha / size * sum = alpha / size * taps * average.
  FailureOr<Value> base = binary<kiln::AddOp>(
      n, binary<kiln::MulOp>(n, windowAverage, scalarLike(n, x, alpha * taps / size)),
      scalarLike(n, x, bias));
  return n.setResult(
      binary<kiln::DivOp>(n, x, binary<kiln::PowOp>(n, base, scalarLike(n, x, beta))));
}

/// MeanVarianceNormalization (its ONNX function): (x - E[x]) / (sqrt(E[x²] - E[x]²) + 1e-9)
/// over `axes` (default 0, 2, 3).
LogicalResult convertMVN(NodeContext &n) {
  Value x = n.input(0);
  FailureOr<SmallVector<int64_t>> axes =
      normalizeAxes(n, n.attrInts("axes", {0, 2, 3}), n.inputType(0).getRank());
  if (failed(axes))
    return failure();
  FailureOr<Value> mean = reduce(n, x, kiln::ReduceKind::mean, *axes, true);
  FailureOr<Value> meanOfSquares =
      reduce(n, binary<kiln::MulOp>(n, x, x), kiln::ReduceKind::mean, *axes, true);
  FailureOr<Value> variance =
      binary<kiln::SubOp>(n, meanOfSquares, binary<kiln::MulOp>(n, mean, mean));
  FailureOr<Value> stddev =
      binary<kiln::AddOp>(n, unary<kiln::SqrtOp>(n, variance), scalarLike(n, x, (double)1e-9f));
  return n.setResult(binary<kiln::DivOp>(n, binary<kiln::SubOp>(n, x, mean), stddev));
}
} // namespace

void kiln::importer::registerNormalizationConverters(ConverterRegistry &r) {
  r.add("InstanceNormalization", 1, convertInstanceNorm, {3, 3});
  r.add("LRN", 1, convertLRN);
  r.add("MeanVarianceNormalization", 9, convertMVN);
}
