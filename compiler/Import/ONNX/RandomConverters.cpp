//===- RandomConverters.cpp - ONNX Dropout, RandomUniformLike, RandomNormalLike, Bernoulli -===//
//
// Random numbers come from kiln.random_like: a counter-based generator seeded by the node's
// `seed` (0 when absent), deterministic across runs and threads. Other frameworks draw from
// other generators: the values (not their distribution) differ from theirs.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"
#include "compiler/Import/ONNX/TensorImport.h"

#include <cstring>

using namespace mlir;
using namespace kiln::importer;

namespace {
/// The `seed` attribute as the generator's integer seed: Dropout's is an int, the random
/// ops' a float (its bits).
int64_t seedOf(NodeContext &n) {
  if (n.opType() == "Dropout")
    return n.attrInt("seed", 0);
  float seed = (float)n.attrFloat("seed", 0.0);
  uint32_t bits;
  std::memcpy(&bits, &seed, sizeof(bits));
  return bits;
}

/// kiln.random_like of `like`'s shape with element type `type`.
FailureOr<Value> random(NodeContext &n, Value like, Type type, StringRef distribution, double a,
                        double b) {
  if (!isa<FloatType>(type))
    return n.fail("random values must be floats");
  auto likeType = cast<RankedTensorType>(like.getType());
  OpBuilder &builder = n.builder();
  return n.createTyped<kiln::RandomLikeOp>(
      likeType.clone(type), like, builder.getStringAttr(distribution),
      builder.getF64FloatAttr(a), builder.getF64FloatAttr(b), builder.getI64IntegerAttr(seedOf(n)));
}

/// The element type of the `dtype` attribute, or `dflt` when absent.
FailureOr<Type> dtypeAttr(NodeContext &n, Type dflt) {
  if (!n.hasAttr("dtype"))
    return dflt;
  Type t = convertElementType(n.context(), n.attrInt("dtype", 0));
  if (!t)
    return n.fail("unsupported dtype " + llvm::Twine(n.attrInt("dtype", 0)));
  return t;
}

/// Dropout. Without training (training_mode absent or a constant false, or before opset 12),
/// or with a constant ratio of 0 (exports of models with p = 0 in training mode), it forwards
/// its input and its mask is all true. In training mode (a constant true or a
/// run-time value) an element is kept where a uniform draw is >= ratio and scaled by
/// 1 / (1 - ratio); when training_mode is false at run time the input passes unchanged.
LogicalResult convertDropout(NodeContext &n) {
  bool wantsMask = n.node().output_size() >= 2 && !n.node().output(1).empty();
  bool training = false;
  if (n.hasInput(2)) {
    training = true;
    if (!n.isRunTimeValue(2)) {
      FailureOr<double> t = n.constantScalar(2, "training_mode");
      if (failed(t))
        return failure();
      training = *t != 0;
    }
  }
  if (training && n.hasInput(1) && !n.isRunTimeValue(1)) {
    FailureOr<double> ratio = n.constantScalar(1, "ratio");
    if (failed(ratio))
      return failure();
    training = *ratio != 0;
  }
  if (!training) {
    if (!wantsMask)
      return n.setResult(n.input(0));
    FailureOr<SmallVector<int64_t>> shape =
        requireStaticShape(n, n.inputType(0), "Dropout's mask");
    if (failed(shape))
      return failure();
    auto maskType = RankedTensorType::get(*shape, n.builder().getI1Type());
    return n.setResults({n.input(0), n.constant(DenseElementsAttr::get(maskType, true))});
  }
  Value x = n.input(0);
  Type et = n.inputType(0).getElementType();
  if (!isa<FloatType>(et))
    return n.fail("training mode needs a float input");
  FailureOr<Value> ratio = n.hasInput(1) ? castTo(n, n.input(1), et) : scalarLike(n, x, 0.5);
  FailureOr<Value> keep = unary<kiln::NotOp>( // u >= ratio
      n, binary<kiln::LessOp>(n, random(n, x, et, "uniform", 0.0, 1.0), ratio));
  FailureOr<Value> isTraining = n.hasInput(2) && n.isRunTimeValue(2)
                                    ? FailureOr<Value>(n.input(2))
                                    : FailureOr<Value>(n.scalar(n.builder().getI1Type(), 1));
  if (failed(isTraining))
    return failure();
  // mask: kept, or everything outside training; y = x * scale where kept, else 0.
  FailureOr<Value> mask =
      binary<kiln::OrOp>(n, unary<kiln::NotOp>(n, isTraining), keep);
  FailureOr<Value> scale = select(
      n, isTraining,
      binary<kiln::DivOp>(n, scalarLike(n, x, 1.0),
                          binary<kiln::SubOp>(n, scalarLike(n, x, 1.0), ratio)),
      scalarLike(n, x, 1.0));
  FailureOr<Value> y = select(n, mask, binary<kiln::MulOp>(n, x, scale), scalarLike(n, x, 0.0));
  if (failed(y) || failed(mask))
    return failure();
  if (wantsMask)
    return n.setResults({*y, *mask});
  return n.setResult(y);
}

/// RandomUniformLike / RandomNormalLike: the shape of the input, dtype (default: the input's).
template <bool Normal> LogicalResult convertRandomLike(NodeContext &n) {
  FailureOr<Type> type = dtypeAttr(n, n.inputType(0).getElementType());
  if (failed(type))
    return failure();
  double a = Normal ? n.attrFloat("mean", 0.0) : n.attrFloat("low", 0.0);
  double b = Normal ? n.attrFloat("scale", 1.0) : n.attrFloat("high", 1.0);
  return n.setResult(random(n, n.input(0), *type, Normal ? "normal" : "uniform", a, b));
}

/// Bernoulli: 1 where a uniform draw is below the input probability, in dtype (default the
/// input's type).
LogicalResult convertBernoulli(NodeContext &n) {
  Type et = n.inputType(0).getElementType();
  FailureOr<Type> type = dtypeAttr(n, et);
  if (failed(type))
    return failure();
  FailureOr<Value> draw = binary<kiln::LessOp>(n, random(n, n.input(0), et, "uniform", 0.0, 1.0),
                                               n.input(0));
  return n.setResult(castTo(n, draw, *type));
}
} // namespace

void kiln::importer::registerRandomConverters(ConverterRegistry &r) {
  r.add("Dropout", 1, convertDropout, {1, 3});
  r.add("RandomUniformLike", 1, convertRandomLike<false>, {1, 1});
  r.add("RandomNormalLike", 1, convertRandomLike<true>, {1, 1});
  r.add("Bernoulli", 15, convertBernoulli, {1, 1});
}
