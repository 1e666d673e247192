//===- RecurrentConverters.cpp - ONNX RNN, GRU and LSTM → matmul + kiln.recurrent -===//
//
// The input projection X W^T + Wb (+ Rb where it is a plain sum) of every step and direction
// is one kiln.matmul over the whole sequence; kiln.recurrent runs the recurrence over time
// (any sequence length and batch, static or symbolic). layout = 1 (batch first) becomes
// transposes around it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// What the converter reads of the node besides its inputs.
struct Layer {
  kiln::RecurrentCell cell;
  int64_t gates, hidden, dirs;
  bool batchFirst;
  std::string direction;
};

/// An activation's canonical name, whether it takes alpha and beta, and their defaults (the
/// defaults of the ONNX operator of the same name).
struct ActivationInfo {
  StringRef name;
  bool alpha, beta;
  double defaultAlpha, defaultBeta;
};

std::optional<ActivationInfo> activationInfo(StringRef name) {
  std::string lower = name.lower();
  return llvm::StringSwitch<std::optional<ActivationInfo>>(lower)
      .Case("relu", ActivationInfo{"Relu", false, false, 0, 0})
      .Case("tanh", ActivationInfo{"Tanh", false, false, 0, 0})
      .Case("sigmoid", ActivationInfo{"Sigmoid", false, false, 0, 0})
      .Case("affine", ActivationInfo{"Affine", true, true, 1, 0})
      .Case("leakyrelu", ActivationInfo{"LeakyRelu", true, false, 0.01, 0})
      .Case("thresholdedrelu", ActivationInfo{"ThresholdedRelu", true, false, 1, 0})
      .Case("scaledtanh", ActivationInfo{"ScaledTanh", true, true, 1, 1})
      .Case("hardsigmoid", ActivationInfo{"HardSigmoid", true, true, 0.2, 0.5})
      .Case("elu", ActivationInfo{"Elu", true, false, 1, 0})
      .Case("softsign", ActivationInfo{"Softsign", false, false, 0, 0})
      .Case("softplus", ActivationInfo{"Softplus", false, false, 0, 0})
      .Default(std::nullopt);
}

/// The activations per direction with one alpha and beta each. activation_alpha/beta are
/// consumed in order by the functions that take them (as onnxruntime reads them); a function
/// whose value is missing gets its operator's default.
LogicalResult readActivations(NodeContext &n, const Layer &l, SmallVector<Attribute> &names,
                              SmallVector<double> &alphas, SmallVector<double> &betas) {
  int64_t perDir = l.cell == kiln::RecurrentCell::rnn   ? 1
                   : l.cell == kiln::RecurrentCell::gru ? 2
                                                        : 3;
  SmallVector<std::string> given;
  for (const onnx::AttributeProto &a : n.node().attribute())
    if (a.name() == "activations")
      given.assign(a.strings().begin(), a.strings().end());
  SmallVector<std::string> defaults{"Sigmoid", "Tanh", "Tanh"};
  if (l.cell == kiln::RecurrentCell::rnn)
    defaults = {"Tanh"};
  if (!given.empty() && int64_t(given.size()) != perDir * l.dirs)
    return n.fail("activations must name " + llvm::Twine(perDir * l.dirs) + " functions");
  SmallVector<double> alphaList = n.attrFloats("activation_alpha");
  SmallVector<double> betaList = n.attrFloats("activation_beta");
  size_t nextAlpha = 0, nextBeta = 0;
  for (int64_t i = 0; i < perDir * l.dirs; ++i) {
    std::string name = given.empty() ? defaults[i % perDir] : given[i];
    std::optional<ActivationInfo> info = activationInfo(name);
    if (!info)
      return n.fail("activation '" + name + "' is not an ONNX recurrent activation");
    names.push_back(StringAttr::get(n.context(), info->name));
    double alpha = info->defaultAlpha, beta = info->defaultBeta;
    if (info->alpha && nextAlpha < alphaList.size())
      alpha = alphaList[nextAlpha++];
    if (info->beta && nextBeta < betaList.size())
      beta = betaList[nextBeta++];
    alphas.push_back(alpha);
    betas.push_back(beta);
  }
  return success();
}

/// Checks that weight input `i` is a static [D, rows, cols] tensor.
LogicalResult checkWeight(NodeContext &n, unsigned i, StringRef what, const Layer &l, int64_t rows,
                          int64_t cols) {
  RankedTensorType type = n.inputType(i);
  SmallVector<int64_t> expected{l.dirs, rows, cols};
  if (type.getRank() == 2 && rows == 1)
    expected = {l.dirs, cols};
  if (type.getShape() != ArrayRef<int64_t>(expected) || !type.hasStaticShape())
    return n.fail(what + " must be a static tensor of shape [" + llvm::Twine(expected[0]) + ", " +
                  llvm::Twine(expected[1]) +
                  (expected.size() > 2 ? ", " + llvm::Twine(expected[2]) : llvm::Twine()) + "]");
  return success();
}

FailureOr<Value> sliceColumns(NodeContext &n, Value v, int64_t start, int64_t size) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(v.getType()).getShape();
  return buildSlice(n, v, {0, start}, {shape[0], start + size}, {1, 1});
}

/// X W^T + Wb, plus Rb for the gates where it is a plain sum (all but GRU's): [S, B, D*G*H].
/// Sets `recurrentBias` to GRU's Rb [D, G*H] (the reset gate scales part of it).
FailureOr<Value> projectInput(NodeContext &n, const Layer &l, Value x, Value &recurrentBias) {
  int64_t gh = l.gates * l.hidden, input = n.inputType(1).getDimSize(2);
  FailureOr<Value> w = n.create<kiln::TransposeOp>(n.input(1), ArrayRef<int64_t>{2, 0, 1});
  w = failed(w) ? w : n.reshape(*w, {input, l.dirs * gh}); // [I, D*G*H]
  FailureOr<Value> xw = binary<kiln::MatMulOp>(n, x, w);
  if (failed(xw) || !n.hasInput(3))
    return xw;
  FailureOr<Value> wb = sliceColumns(n, n.input(3), 0, gh);
  FailureOr<Value> rb = sliceColumns(n, n.input(3), gh, gh);
  if (failed(wb) || failed(rb))
    return failure();
  FailureOr<Value> bias = wb;
  if (l.cell == kiln::RecurrentCell::gru)
    recurrentBias = *rb;
  else
    bias = binary<kiln::AddOp>(n, wb, rb);
  bias = failed(bias) ? bias : n.reshape(*bias, {l.dirs * gh});
  return binary<kiln::AddOp>(n, xw, bias);
}

/// Optional state input `i` as [D, B, H] (layout 1 gives [B, D, H]).
FailureOr<Value> stateInput(NodeContext &n, const Layer &l, unsigned i) {
  if (!n.hasInput(i))
    return Value();
  if (n.inputType(i).getRank() != 3)
    return n.fail("initial states must be rank 3");
  if (!l.batchFirst)
    return n.input(i);
  return n.create<kiln::TransposeOp>(n.input(i), ArrayRef<int64_t>{1, 0, 2});
}

/// R [D, G*H, H] as R^T in column tiles: [D, G*H/T, H, T] (kiln.recurrent's layout). T is
/// the largest of 64, 32, 16, 8 that divides H (else H): four 16-lane vectors of a tile are
/// the register tile of a step's product.
FailureOr<Value> packRecurrence(NodeContext &n, const Layer &l) {
  int64_t tile = l.hidden;
  for (int64_t t : {64, 32, 16, 8})
    if (l.hidden % t == 0) {
      tile = t;
      break;
    }
  int64_t tiles = l.gates * l.hidden / tile;
  FailureOr<Value> r = n.reshape(n.input(2), {l.dirs, tiles, tile, l.hidden});
  return failed(r) ? r : n.create<kiln::TransposeOp>(*r, ArrayRef<int64_t>{0, 1, 3, 2});
}

FailureOr<Layer> readLayer(NodeContext &n, kiln::RecurrentCell cell) {
  Layer l;
  l.cell = cell;
  l.gates = cell == kiln::RecurrentCell::rnn ? 1 : cell == kiln::RecurrentCell::gru ? 3 : 4;
  l.hidden = n.attrInt("hidden_size", 0);
  l.batchFirst = n.attrInt("layout", 0) != 0;
  l.direction = n.attrString("direction", "forward");
  if (l.direction != "forward" && l.direction != "reverse" && l.direction != "bidirectional")
    return n.fail("unknown direction '" + l.direction + "'");
  l.dirs = l.direction == "bidirectional" ? 2 : 1;
  RankedTensorType x = n.inputType(0);
  if (l.hidden <= 0)
    return n.fail("needs a positive hidden_size");
  if (x.getRank() != 3 || !isa<FloatType>(x.getElementType()) || x.isDynamicDim(2)) {
    std::string type;
    llvm::raw_string_ostream(type) << x;
    return n.fail("needs a 3-D float X with a static input size, got '" + type + "'");
  }
  int64_t gh = l.gates * l.hidden;
  if (failed(checkWeight(n, 1, "W", l, gh, x.getDimSize(2))) ||
      failed(checkWeight(n, 2, "R", l, gh, l.hidden)) ||
      (n.hasInput(3) && failed(checkWeight(n, 3, "B", l, 1, 2 * gh))) ||
      (n.hasInput(7) && failed(checkWeight(n, 7, "P", l, 1, 3 * l.hidden))))
    return failure();
  return l;
}

template <kiln::RecurrentCell cell> LogicalResult convertRecurrent(NodeContext &n) {
  FailureOr<Layer> layer = readLayer(n, cell);
  if (failed(layer))
    return failure();
  const Layer &l = *layer;
  OpBuilder &b = n.builder();
  SmallVector<Attribute> names;
  SmallVector<double> alphas, betas;
  if (failed(readActivations(n, l, names, alphas, betas)))
    return failure();
  FailureOr<Value> x = n.input(0);
  if (l.batchFirst)
    x = n.create<kiln::TransposeOp>(*x, ArrayRef<int64_t>{1, 0, 2}); // [S, B, I]
  Value recurrentBias;
  FailureOr<Value> projected = failed(x) ? x : projectInput(n, l, *x, recurrentBias);
  FailureOr<Value> rT = packRecurrence(n, l);
  FailureOr<Value> h0 = stateInput(n, l, 5), c0 = stateInput(n, l, 6);
  if (failed(projected) || failed(rT) || failed(h0) || failed(c0))
    return failure();
  FailureOr<Value> lens = n.hasInput(4) ? FailureOr<Value>(n.input(4)) : Value();
  bool lstm = cell == kiln::RecurrentCell::lstm;
  if (!lstm && (*c0 || n.hasInput(7)))
    return n.fail("initial_c and P are LSTM inputs");
  ArrayRef<int64_t> ps = cast<RankedTensorType>(projected->getType()).getShape();
  Type et = n.inputType(0).getElementType();
  auto y = RankedTensorType::get({ps[0], l.dirs, ps[1], l.hidden}, et);
  auto state = RankedTensorType::get({l.dirs, ps[1], l.hidden}, et);
  SmallVector<Type> types{y, state};
  if (lstm)
    types.push_back(state);
  std::optional<double> clip;
  if (n.hasAttr("clip"))
    clip = n.attrFloat("clip", 0);
  FailureOr<Operation *> op = n.createMultiResult<kiln::RecurrentOp>(
      types, *projected, *rT, recurrentBias, *h0, *c0, n.input(7), *lens,
      kiln::RecurrentCellAttr::get(n.context(), cell), b.getStringAttr(l.direction),
      b.getArrayAttr(names), b.getDenseF64ArrayAttr(alphas), b.getDenseF64ArrayAttr(betas),
      clip ? b.getF64FloatAttr(*clip) : FloatAttr(),
      b.getBoolAttr(n.attrInt("linear_before_reset", 0) != 0),
      b.getBoolAttr(n.attrInt("input_forget", 0) != 0));
  if (failed(op))
    return failure();
  SmallVector<Value> results((*op)->getResults());
  if (l.batchFirst) {
    for (size_t i = 0; i < results.size(); ++i) {
      SmallVector<int64_t> perm =
          i == 0 ? SmallVector<int64_t>{2, 0, 1, 3} : SmallVector<int64_t>{1, 0, 2};
      FailureOr<Value> t = n.create<kiln::TransposeOp>(results[i], perm);
      if (failed(t))
        return failure();
      results[i] = *t;
    }
  }
  return n.setResults(results);
}
} // namespace

void kiln::importer::registerRecurrentConverters(ConverterRegistry &r) {
  r.add("RNN", 7, convertRecurrent<kiln::RecurrentCell::rnn>, {3, 6});
  r.add("GRU", 7, convertRecurrent<kiln::RecurrentCell::gru>, {3, 6});
  r.add("LSTM", 7, convertRecurrent<kiln::RecurrentCell::lstm>, {3, 8});
}
