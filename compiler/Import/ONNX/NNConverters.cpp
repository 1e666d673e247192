//===- NNConverters.cpp - ONNX Conv, ConvTranspose, Gemm, MatMul, norms, softmax → kiln -===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// The static spatial extents of a conv filter (dims 2...), checked against `kernel_shape`.
FailureOr<SmallVector<int64_t>> filterKernel(NodeContext &n) {
  RankedTensorType input = n.inputType(0), filter = n.inputType(1);
  if (filter.getRank() != input.getRank() || input.getRank() < 3)
    return n.fail("input and filter must have the same rank >= 3");
  SmallVector<int64_t> kernel(filter.getShape().drop_front(2));
  if (llvm::any_of(kernel, ShapedType::isDynamic))
    return n.fail("the filter's spatial dims must be static");
  if (n.hasAttr("kernel_shape") && n.attrInts("kernel_shape") != kernel)
    return n.fail("kernel_shape differs from the filter's spatial dims");
  return kernel;
}

LogicalResult convertConv(NodeContext &n) {
  FailureOr<SmallVector<int64_t>> kernel = filterKernel(n);
  if (failed(kernel))
    return failure();
  FailureOr<Window> w = readWindow(n, n.inputType(0), *kernel);
  if (failed(w))
    return failure();
  return n.setResult(n.create<kiln::ConvOp>(n.input(0), n.input(1), n.input(2), w->strides, w->pads,
                                            w->dilations, n.attrInt("group", 1)));
}

/// ConvTranspose pads from a wanted output size (output_shape, or input * stride for SAME_*).
/// A size beyond the full transposed conv grows `outputPadding` instead (as ONNX's reference).
FailureOr<SmallVector<int64_t>> transposePadsForOutput(NodeContext &n, const Window &w,
                                                       SmallVector<int64_t> &outputPadding,
                                                       bool sameUpper) {
  RankedTensorType input = n.inputType(0);
  size_t spatial = w.kernel.size();
  SmallVector<int64_t> wanted = n.attrInts("output_shape");
  if (wanted.size() == spatial + 2)
    wanted.erase(wanted.begin(), wanted.begin() + 2);
  SmallVector<int64_t> pads(2 * spatial, 0);
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = input.getDimSize(i + 2);
    // SAME_* wants in * stride: the padding is the same for every input size.
    if (ShapedType::isDynamic(in) && !wanted.empty())
      return n.fail("output_shape needs static spatial dims (auto_pad SAME_* takes symbolic "
                    "ones)");
    int64_t total = wanted.empty()
                        ? outputPadding[i] + (w.kernel[i] - 1) * w.dilations[i] + 1 - w.strides[i]
                        : w.strides[i] * (in - 1) + outputPadding[i] +
                              (w.kernel[i] - 1) * w.dilations[i] + 1 - wanted[i];
    if (total < 0)
      outputPadding[i] -= total;
    else
      splitPadding(total, sameUpper, pads[i], pads[i + spatial]);
  }
  return pads;
}

LogicalResult convertConvTranspose(NodeContext &n) {
  FailureOr<SmallVector<int64_t>> kernel = filterKernel(n);
  if (failed(kernel))
    return failure();
  size_t spatial = kernel->size();
  Window w{*kernel, n.attrInts("strides", SmallVector<int64_t>(spatial, 1)),
           n.attrInts("dilations", SmallVector<int64_t>(spatial, 1)),
           n.attrInts("pads", SmallVector<int64_t>(2 * spatial, 0))};
  SmallVector<int64_t> outputPadding =
      n.attrInts("output_padding", SmallVector<int64_t>(spatial, 0));
  if (w.strides.size() != spatial || w.dilations.size() != spatial ||
      w.pads.size() != 2 * spatial || outputPadding.size() != spatial)
    return n.fail("strides/dilations/pads/output_padding do not match the " + llvm::Twine(spatial) +
                  " spatial dims");
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return n.fail("unknown auto_pad '" + autoPad + "'");
  if (autoPad == "VALID")
    w.pads.assign(2 * spatial, 0);
  if (n.hasAttr("output_shape") || autoPad.rfind("SAME", 0) == 0) {
    FailureOr<SmallVector<int64_t>> pads =
        transposePadsForOutput(n, w, outputPadding, autoPad == "SAME_UPPER");
    if (failed(pads))
      return failure();
    w.pads = *pads;
  }
  if (llvm::any_of(w.pads, [](int64_t p) { return p < 0; }))
    return n.fail("negative pads are not supported");
  int64_t group = n.attrInt("group", 1), channels = n.inputType(0).getDimSize(1);
  if (group < 1 || (!ShapedType::isDynamic(channels) && channels != n.inputType(1).getDimSize(0)) ||
      n.inputType(1).getDimSize(0) % group != 0)
    return n.fail("the filter's dim 0 must equal the input channels and divide by group");
  return n.setResult(n.create<kiln::ConvTransposeOp>(n.input(0), n.input(1), n.input(2), w.strides,
                                                     w.pads, w.dilations, outputPadding, group));
}

LogicalResult convertMatMul(NodeContext &n) {
  return n.setResult(buildBinary<kiln::MatMulOp>(n, n.input(0), n.input(1)));
}

/// Multiplies by a scalar unless it is 1 (weights fold).
FailureOr<Value> scaleBy(NodeContext &n, Value v, double factor) {
  if (factor == 1.0)
    return v;
  FailureOr<Value> s = n.scalar(cast<RankedTensorType>(v.getType()).getElementType(), factor);
  if (failed(s))
    return failure();
  return n.create<kiln::MulOp>(v, *s);
}

/// Gemm: alpha * A' B' + beta * C as transpose + matmul + mul/add (constant parts fold).
LogicalResult convertGemm(NodeContext &n) {
  Value a = n.input(0), b = n.input(1);
  if (n.inputType(0).getRank() != 2 || n.inputType(1).getRank() != 2)
    return n.fail("A and B must be 2-D");
  FailureOr<Value> at =
      n.attrInt("transA", 0) ? n.create<kiln::TransposeOp>(a, ArrayRef<int64_t>{1, 0}) : a;
  FailureOr<Value> bt =
      n.attrInt("transB", 0) ? n.create<kiln::TransposeOp>(b, ArrayRef<int64_t>{1, 0}) : b;
  if (failed(at) || failed(bt))
    return failure();
  FailureOr<Value> y = buildBinary<kiln::MatMulOp>(n, *at, *bt);
  if (succeeded(y))
    y = scaleBy(n, *y, n.attrFloat("alpha", 1.0));
  double beta = n.attrFloat("beta", 1.0);
  if (failed(y) || !n.hasInput(2) || beta == 0.0)
    return n.setResult(y);
  FailureOr<Value> c = scaleBy(n, n.input(2), beta);
  if (failed(c))
    return failure();
  FailureOr<Value> sum = buildBinary<kiln::AddOp>(n, *y, *c);
  if (succeeded(sum) && sum->getType() != y->getType())
    return n.fail("C does not broadcast to the shape of A' B'");
  return n.setResult(sum);
}

/// BatchNormalization in training mode (opset 14+): normalizes with the batch's mean and
/// (population) variance over every dim but the channels, and outputs the running statistics
/// input * momentum + batch * (1 - momentum).
LogicalResult convertBatchNormTraining(NodeContext &n, FloatAttr eps) {
  Value x = n.input(0);
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> axes{0};
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  SmallVector<int64_t> channels{n.inputType(0).getDimSize(1)};
  FailureOr<Value> rowMean = reduce(n, x, kiln::ReduceKind::mean, axes, true);
  FailureOr<Value> centered = binary<kiln::SubOp>(n, x, rowMean);
  FailureOr<Value> rowVariance =
      reduce(n, binary<kiln::MulOp>(n, centered, centered), kiln::ReduceKind::mean, axes, true);
  if (failed(rowMean) || failed(rowVariance))
    return failure();
  FailureOr<Value> mean = n.reshape(*rowMean, channels);
  FailureOr<Value> variance = n.reshape(*rowVariance, channels);
  if (failed(mean) || failed(variance))
    return failure();
  FailureOr<Value> y =
      n.create<kiln::BatchNormOp>(x, n.input(1), n.input(2), *mean, *variance, eps);
  double momentum = n.attrFloat("momentum", 0.9);
  auto running = [&](Value given, FailureOr<Value> batch) {
    return binary<kiln::AddOp>(n, binary<kiln::MulOp>(n, given, scalarLike(n, given, momentum)),
                               binary<kiln::MulOp>(n, batch, scalarLike(n, given, 1 - momentum)));
  };
  FailureOr<Value> runningMean = running(n.input(3), mean);
  FailureOr<Value> runningVar = running(n.input(4), variance);
  if (failed(y) || failed(runningMean) || failed(runningVar))
    return failure();
  return n.setResults({*y, *runningMean, *runningVar});
}

LogicalResult convertBatchNorm(NodeContext &n) {
  if (n.opset() < 9 && n.attrInt("spatial", 1) != 1)
    return n.fail("spatial = 0 is not supported");
  FloatAttr eps = n.builder().getF64FloatAttr(n.attrFloat("epsilon", 1e-5));
  if (n.attrInt("training_mode", 0) != 0)
    return convertBatchNormTraining(n, eps);
  return n.setResult(
      n.create<kiln::BatchNormOp>(n.input(0), n.input(1), n.input(2), n.input(3), n.input(4), eps));
}

/// LayerNormalization's optional outputs: Mean and 1 / sqrt(Var + epsilon) over dims [axis, rank).
FailureOr<std::pair<Value, Value>> layerNormStatistics(NodeContext &n, int64_t axis,
                                                       double epsilon) {
  Value x = n.input(0);
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(axis, n.inputType(0).getRank()));
  auto reduceMean = [&](Value v) {
    return n.create<kiln::ReduceOp>(v, kiln::ReduceKind::mean, axes, /*keepdims=*/true);
  };
  FailureOr<Value> mean = reduceMean(x);
  FailureOr<Value> centered = succeeded(mean) ? n.create<kiln::SubOp>(x, *mean) : mean;
  FailureOr<Value> squared =
      succeeded(centered) ? n.create<kiln::MulOp>(*centered, *centered) : centered;
  FailureOr<Value> variance = succeeded(squared) ? reduceMean(*squared) : squared;
  FailureOr<Value> eps = n.scalar(n.inputType(0).getElementType(), epsilon);
  if (failed(variance) || failed(eps))
    return failure();
  FailureOr<Value> shifted = n.create<kiln::AddOp>(*variance, *eps);
  FailureOr<Value> stddev = succeeded(shifted) ? n.create<kiln::SqrtOp>(*shifted) : shifted;
  FailureOr<Value> inverse = succeeded(stddev) ? n.create<kiln::ReciprocalOp>(*stddev) : stddev;
  if (failed(inverse))
    return failure();
  return std::make_pair(*mean, *inverse);
}

LogicalResult convertLayerNorm(NodeContext &n) {
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", -1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = n.builder();
  double epsilon = n.attrFloat("epsilon", 1e-5);
  FailureOr<Value> y = n.create<kiln::LayerNormOp>(
      n.input(0), n.input(1), n.input(2), b.getI64IntegerAttr(*axis), b.getF64FloatAttr(epsilon));
  const onnx::NodeProto &node = n.node();
  bool wantsStatistics = (node.output_size() > 1 && !node.output(1).empty()) ||
                         (node.output_size() > 2 && !node.output(2).empty());
  if (failed(y) || !wantsStatistics)
    return n.setResult(y);
  FailureOr<std::pair<Value, Value>> stats = layerNormStatistics(n, *axis, epsilon);
  if (failed(stats))
    return failure();
  return n.setResults({*y, stats->first, stats->second});
}

/// Softmax / LogSoftmax from opset 13: along one axis (default -1).
template <typename OpTy> LogicalResult convertSoftmaxAxis(NodeContext &n) {
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", -1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.setResult(n.create<OpTy>(n.input(0), n.builder().getI64IntegerAttr(*axis)));
}

/// Softmax / LogSoftmax before opset 13: the input is coerced to 2-D at `axis` (default 1), so
/// it runs over all dims from `axis` on: reshape → last-axis softmax → reshape back.
template <typename OpTy> LogicalResult convertSoftmaxFlattened(NodeContext &n) {
  RankedTensorType type = n.inputType(0);
  int64_t rank = type.getRank();
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 1), rank);
  if (failed(axis))
    return failure();
  if (*axis == rank - 1)
    return n.setResult(n.create<OpTy>(n.input(0), n.builder().getI64IntegerAttr(*axis)));
  ArrayRef<int64_t> shape = type.getShape();
  if (!type.hasStaticShape())
    return n.fail("softmax over several dims needs a static shape (dynamic shapes are not "
                  "supported yet)");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < *axis ? outer : inner) *= shape[d];
  FailureOr<Value> flat = n.reshape(n.input(0), {outer, inner});
  if (failed(flat))
    return failure();
  FailureOr<Value> soft = n.create<OpTy>(*flat, n.builder().getI64IntegerAttr(1));
  if (failed(soft))
    return failure();
  return n.setResult(n.reshape(*soft, shape));
}
} // namespace

void kiln::importer::registerNNConverters(ConverterRegistry &r) {
  r.add("Conv", 1, convertConv, {2, 3});
  r.add("ConvTranspose", 1, convertConvTranspose, {2, 3});
  r.add("MatMul", 1, convertMatMul, {2, 2});
  r.add("Gemm", 1, convertGemm, {2, 3});
  r.add("BatchNormalization", 1, convertBatchNorm, {5, 5});
  r.add("LayerNormalization", 17, convertLayerNorm, {2, 3});
  r.add("Softmax", 1, convertSoftmaxFlattened<kiln::SoftmaxOp>);
  r.add("Softmax", 13, convertSoftmaxAxis<kiln::SoftmaxOp>);
  r.add("LogSoftmax", 1, convertSoftmaxFlattened<kiln::LogSoftmaxOp>);
  r.add("LogSoftmax", 13, convertSoftmaxAxis<kiln::LogSoftmaxOp>);
}
