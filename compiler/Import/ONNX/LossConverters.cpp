//===- LossConverters.cpp - ONNX NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss → kiln -===//
//
// The class picked by each target is selected with a one-hot mask (target == class index),
// so no gather at run-time indices is needed: loss[n, d...] = -input[n, target, d...] *
// weight[target], 0 where target == ignore_index; reduced by none, sum or weighted mean.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// NLL of log-probabilities `input` [N, C, d...] and integer `target` [N, d...]; `weight` [C]
/// may be null.
FailureOr<Value> buildNLL(NodeContext &n, Value input, Value target, Value weight) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto targetType = cast<RankedTensorType>(target.getType());
  int64_t rank = inputType.getRank();
  if (rank < 2 || targetType.getRank() != rank - 1)
    return n.fail("input must be [N, C, d...] and target [N, d...]");
  if (!isa<IntegerType>(targetType.getElementType()))
    return n.fail("target must hold integers");
  int64_t classes = inputType.getDimSize(1);
  if (ShapedType::isDynamic(classes))
    return n.fail("the class dim must be static (dynamic shapes are not supported yet)");
  std::string reduction = n.attrString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return n.fail("unknown reduction '" + reduction + "'");
  // [N, 1, d...] targets against [1, C, 1...] class indices: the one-hot mask [N, C, d...].
  SmallVector<int64_t> expanded(targetType.getShape());
  expanded.insert(expanded.begin() + 1, 1);
  FailureOr<Value> iota = iotaAlong(n, classes, 1, rank, targetType.getElementType());
  FailureOr<Value> oneHot = binary<kiln::EqualOp>(n, n.reshape(target, expanded), iota);
  FailureOr<Value> zero = scalarLike(n, input, 0);
  FailureOr<Value> picked =
      reduce(n, select(n, oneHot, input, zero), kiln::ReduceKind::sum, {1}, /*keepdims=*/false);
  // The weight of each target: weight[target], or 1; 0 for ignored targets.
  FailureOr<Value> weights;
  if (weight) {
    SmallVector<int64_t> shape(rank, 1);
    shape[1] = classes;
    weights = reduce(n, select(n, oneHot, n.reshape(weight, shape), zero), kiln::ReduceKind::sum,
                     {1}, /*keepdims=*/false);
  } else {
    if (!targetType.hasStaticShape())
      return n.fail("target must have a static shape (dynamic shapes are not supported yet)");
    auto type = targetType.clone(inputType.getElementType());
    weights = n.constant(DenseElementsAttr::get(type, FloatAttr::get(type.getElementType(), 1.0)));
  }
  if (n.hasAttr("ignore_index")) {
    FailureOr<Value> ignored = binary<kiln::EqualOp>(
        n, target, scalarLike(n, target, (double)n.attrInt("ignore_index", 0)));
    weights = select(n, ignored, zero, weights);
  }
  FailureOr<Value> loss = unary<kiln::NegOp>(n, binary<kiln::MulOp>(n, picked, weights));
  if (reduction == "none")
    return loss;
  SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
  FailureOr<Value> total = reduce(n, loss, kiln::ReduceKind::sum, all, /*keepdims=*/false);
  if (reduction == "sum")
    return total;
  return binary<kiln::DivOp>(n, total,
                             reduce(n, weights, kiln::ReduceKind::sum, all, /*keepdims=*/false));
}

LogicalResult convertNLL(NodeContext &n) {
  return n.setResult(buildNLL(n, n.input(0), n.input(1), n.input(2)));
}

/// SoftmaxCrossEntropyLoss: NLL of log_softmax(scores) over the class dim 1; the optional
/// second output is that log-probability.
LogicalResult convertSoftmaxCrossEntropy(NodeContext &n) {
  FailureOr<Value> logProb =
      n.create<kiln::LogSoftmaxOp>(n.input(0), n.builder().getI64IntegerAttr(1));
  if (failed(logProb))
    return failure();
  FailureOr<Value> loss = buildNLL(n, *logProb, n.input(1), n.input(2));
  if (failed(loss))
    return failure();
  return n.setResults({*loss, *logProb});
}
} // namespace

void kiln::importer::registerLossConverters(ConverterRegistry &r) {
  r.add("NegativeLogLikelihoodLoss", 12, convertNLL, {2, 3});
  r.add("SoftmaxCrossEntropyLoss", 12, convertSoftmaxCrossEntropy, {2, 3});
}
