//===- KilnRecurrent.cpp - the verifier and helpers of kiln.recurrent -----===//
#include "kiln/Dialect/Graph/KilnDialect.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace kiln {
int64_t RecurrentOp::getNumGates() {
  switch (getCell()) {
  case RecurrentCell::rnn:
    return 1;
  case RecurrentCell::gru:
    return 3;
  case RecurrentCell::lstm:
    return 4;
  }
  return 0;
}

int64_t RecurrentOp::getNumActivations() {
  return getCell() == RecurrentCell::rnn ? 1 : getCell() == RecurrentCell::gru ? 2 : 3;
}

namespace {
bool isKnownActivation(StringRef name) {
  return llvm::StringSwitch<bool>(name)
      .Cases("Relu", "Tanh", "Sigmoid", "Affine", "LeakyRelu", "ThresholdedRelu", true)
      .Cases("ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus", true)
      .Default(false);
}

/// Whether `type` is `expected`, where a `?` in either matches any size.
bool compatible(RankedTensorType type, ArrayRef<int64_t> expected) {
  if (type.getRank() != int64_t(expected.size()))
    return false;
  for (auto [a, b] : llvm::zip(type.getShape(), expected))
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b)
      return false;
  return true;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return s + "]";
}

/// Checks that optional operand or result `v` (when present) is `expected` of element type
/// `et` (any integer type when `et` is null).
LogicalResult checkShape(Operation *op, Value v, StringRef what, ArrayRef<int64_t> expected,
                         Type et) {
  if (!v)
    return success();
  auto type = cast<RankedTensorType>(v.getType());
  if (!compatible(type, expected))
    return op->emitOpError() << what << " must be " << shapeString(expected) << ", not " << type;
  if (et ? type.getElementType() != et : !type.getElementType().isSignlessInteger())
    return op->emitOpError() << what << " has element type " << type.getElementType();
  return success();
}
} // namespace

LogicalResult RecurrentOp::verify() {
  auto projected = getProjected().getType(), recurrence = getRecurrence().getType();
  Type et = projected.getElementType();
  if (projected.getRank() != 3 || !isa<FloatType>(et))
    return emitOpError("projected must be a rank-3 float tensor [S, B, D*G*H]");
  if (recurrence.getRank() != 4 || !recurrence.hasStaticShape() ||
      recurrence.getElementType() != et)
    return emitOpError("recurrence must be a static [D, G*H/T, H, T] tensor of the projection's "
                       "type");
  int64_t dirs = getNumDirections(), hidden = getHiddenSize(), gates = getNumGates();
  StringRef direction = getDirection();
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return emitOpError("direction must be forward, reverse or bidirectional");
  if (dirs != (direction == "bidirectional" ? 2 : 1))
    return emitOpError("a ") << direction << " layer has " << (dirs == 1 ? 2 : 1)
                             << " direction(s) of recurrence weights";
  int64_t tile = getColumnTile();
  if (hidden < 1 || tile < 1 || hidden % tile || recurrence.getDimSize(1) * tile != gates * hidden)
    return emitOpError("recurrence must be [D, ") << gates << " * H / T, H, T] with T dividing H";
  int64_t seq = projected.getDimSize(0), batch = projected.getDimSize(1);
  if (projected.getDimSize(2) != dirs * gates * hidden)
    return emitOpError("projected must have D*G*H = ") << dirs * gates * hidden << " columns";
  bool lstm = getCell() == RecurrentCell::lstm;
  if (!lstm && (getInitialC() || getPeepholes() || getYC() || getInputForget()))
    return emitOpError("initial_c, peepholes, y_c and input_forget are for LSTM cells");
  if (lstm && !getYC())
    return emitOpError("an LSTM has the result y_c");
  if (getLinearBeforeReset() && getCell() != RecurrentCell::gru)
    return emitOpError("linear_before_reset is for GRU cells");
  int64_t count = dirs * getNumActivations();
  if (int64_t(getActivations().size()) != count || int64_t(getActivationAlpha().size()) != count ||
      int64_t(getActivationBeta().size()) != count)
    return emitOpError("needs ") << count << " activations, alphas and betas";
  for (Attribute a : getActivations())
    if (!isKnownActivation(cast<StringAttr>(a).getValue()))
      return emitOpError("unknown activation '") << cast<StringAttr>(a).getValue() << "'";
  if (getClip() && !(getClip()->convertToDouble() > 0))
    return emitOpError("clip must be positive");
  Operation *op = getOperation();
  if (failed(checkShape(op, getRecurrentBias(), "recurrent_bias", {dirs, gates * hidden}, et)) ||
      failed(checkShape(op, getInitialH(), "initial_h", {dirs, batch, hidden}, et)) ||
      failed(checkShape(op, getInitialC(), "initial_c", {dirs, batch, hidden}, et)) ||
      failed(checkShape(op, getPeepholes(), "peepholes", {dirs, 3 * hidden}, et)) ||
      failed(checkShape(op, getSequenceLens(), "sequence_lens", {batch}, Type())) ||
      failed(checkShape(op, getY(), "y", {seq, dirs, batch, hidden}, et)) ||
      failed(checkShape(op, getYH(), "y_h", {dirs, batch, hidden}, et)) ||
      failed(checkShape(op, getYC(), "y_c", {dirs, batch, hidden}, et)))
    return failure();
  return success();
}
} // namespace kiln
