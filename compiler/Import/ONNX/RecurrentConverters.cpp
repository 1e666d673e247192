//===- RecurrentConverters.cpp - ONNX RNN, GRU and LSTM → kiln (unrolled over time) -===//
//
// The sequence length is static, so a recurrent layer unrolls into one step per time index:
// the input projection X W^T + Wb + Rb is one matmul over the whole sequence, each step adds
// H R^T, applies the gates, and the hidden states are concatenated into Y. sequence_lens (a
// run-time tensor) masks the steps past each batch entry's length, as ONNX specifies.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
enum class Cell { RNN, GRU, LSTM };

/// What every recurrent op shares: sizes, attributes and the per-direction weights.
struct Recurrent {
  Cell cell;
  int64_t gates, hidden, seq, batch, dirs;
  bool batchFirst;
  SmallVector<std::string> activations; // per direction, `gates`-dependent count each
  std::optional<double> clip;
  Value x;       // [seq, batch, input]
  Value seqLens; // [batch, 1] or null
};

FailureOr<Value> sliceDim(NodeContext &n, FailureOr<Value> v, int64_t dim, int64_t start,
                          int64_t size) {
  if (failed(v))
    return failure();
  ArrayRef<int64_t> shape = cast<RankedTensorType>(v->getType()).getShape();
  SmallVector<int64_t> starts(shape.size(), 0), ends(shape), steps(shape.size(), 1);
  starts[dim] = start;
  ends[dim] = start + size;
  return buildSlice(n, *v, starts, ends, steps);
}

/// Input `i` for direction `d`, without its leading direction dim.
FailureOr<Value> perDirection(NodeContext &n, unsigned i, int64_t d) {
  RankedTensorType type = n.inputType(i);
  FailureOr<Value> part = sliceDim(n, n.input(i), 0, d, 1);
  return failed(part) ? part : n.reshape(*part, type.getShape().drop_front());
}

FailureOr<Value> transposed(NodeContext &n, FailureOr<Value> v) {
  if (failed(v))
    return failure();
  return n.create<kiln::TransposeOp>(*v, ArrayRef<int64_t>{1, 0});
}

FailureOr<Value> activate(NodeContext &n, const Recurrent &r, llvm::StringRef name,
                          FailureOr<Value> v) {
  if (r.clip && succeeded(v)) {
    OpBuilder &b = n.builder();
    v = n.create<kiln::ClipOp>(*v, b.getF64FloatAttr(-*r.clip), b.getF64FloatAttr(*r.clip));
  }
  if (name.equals_insensitive("sigmoid"))
    return unary<kiln::SigmoidOp>(n, v);
  if (name.equals_insensitive("tanh"))
    return unary<kiln::TanhOp>(n, v);
  if (name.equals_insensitive("relu"))
    return unary<kiln::ReluOp>(n, v);
  return n.fail("activation '" + name + "' is not supported (Sigmoid, Tanh, Relu)");
}

/// One direction: the hidden states of every step ([seq, batch, hidden] in time order) and the
/// final H (and C for LSTM).
struct DirectionResult {
  SmallVector<Value> ys;
  Value h, c;
};

FailureOr<DirectionResult> runDirection(NodeContext &n, const Recurrent &r, int64_t d) {
  int64_t g = r.gates, hs = r.hidden;
  int64_t perDir = r.activations.size() / r.dirs;
  ArrayRef<std::string> act = ArrayRef<std::string>(r.activations).slice(d * perDir, perDir);
  FailureOr<Value> wT = transposed(n, perDirection(n, 1, d)); // [input, g * hs]
  FailureOr<Value> rT = transposed(n, perDirection(n, 2, d)); // [hs, g * hs]
  FailureOr<Value> xw = binary<kiln::MatMulOp>(n, r.x, wT);   // [seq, batch, g * hs]
  FailureOr<Value> wb, rb;
  if (n.hasInput(3)) {
    FailureOr<Value> bias = perDirection(n, 3, d); // [2 * g * hs]
    wb = sliceDim(n, bias, 0, 0, g * hs);
    rb = sliceDim(n, bias, 0, g * hs, g * hs);
    xw = binary<kiln::AddOp>(n, xw, wb);
  }
  Type et = n.inputType(0).getElementType();
  auto zeros = [&](int64_t rows, int64_t cols) -> Value {
    auto type = RankedTensorType::get({rows, cols}, et);
    return n.constant(DenseElementsAttr::get(type, FloatAttr::get(et, 0.0)));
  };
  FailureOr<Value> h = n.hasInput(5) ? perDirection(n, 5, d) : FailureOr<Value>(zeros(r.batch, hs));
  FailureOr<Value> c = r.cell == Cell::LSTM && n.hasInput(6) ? perDirection(n, 6, d)
                                                             : FailureOr<Value>(zeros(r.batch, hs));
  FailureOr<Value> peep =
      r.cell == Cell::LSTM && n.hasInput(7) ? perDirection(n, 7, d) : FailureOr<Value>(Value());
  if (failed(wT) || failed(rT) || failed(xw) || failed(h) || failed(c) || failed(peep))
    return failure();
  bool linearBeforeReset = n.attrInt("linear_before_reset", 0) != 0;
  DirectionResult out;
  bool reverse = d == 1 || n.attrString("direction", "forward") == "reverse";
  out.ys.resize(r.seq);
  for (int64_t step = 0; step < r.seq; ++step) {
    int64_t t = reverse ? r.seq - 1 - step : step;
    FailureOr<Value> xt = sliceDim(n, xw, 0, t, 1);
    xt = failed(xt) ? xt : n.reshape(*xt, {r.batch, g * hs});
    auto gate = [&](FailureOr<Value> v, int64_t k) { return sliceDim(n, v, 1, k * hs, hs); };
    FailureOr<Value> hr = binary<kiln::MatMulOp>(n, h, rT);
    if (succeeded(rb) && *rb)
      hr = binary<kiln::AddOp>(n, hr, rb);
    FailureOr<Value> newH, newC = c;
    if (r.cell == Cell::RNN) {
      newH = activate(n, r, act[0], binary<kiln::AddOp>(n, xt, hr));
    } else if (r.cell == Cell::GRU) {
      FailureOr<Value> z = activate(n, r, act[0], binary<kiln::AddOp>(n, gate(xt, 0), gate(hr, 0)));
      FailureOr<Value> rr =
          activate(n, r, act[0], binary<kiln::AddOp>(n, gate(xt, 1), gate(hr, 1)));
      FailureOr<Value> hh;
      if (linearBeforeReset) {
        hh = binary<kiln::MulOp>(n, rr, gate(hr, 2));
      } else {
        FailureOr<Value> rh = binary<kiln::MatMulOp>(n, binary<kiln::MulOp>(n, rr, h),
                                                     sliceDim(n, rT, 1, 2 * hs, hs));
        hh = succeeded(rb) && *rb ? binary<kiln::AddOp>(n, rh, sliceDim(n, rb, 0, 2 * hs, hs)) : rh;
      }
      hh = activate(n, r, act[1], binary<kiln::AddOp>(n, gate(xt, 2), hh));
      FailureOr<Value> keep = binary<kiln::MulOp>(n, z, h);
      FailureOr<Value> oneMinusZ = binary<kiln::SubOp>(n, scalarLike(n, z, 1), z);
      newH = binary<kiln::AddOp>(n, binary<kiln::MulOp>(n, oneMinusZ, hh), keep);
    } else {
      FailureOr<Value> pre = binary<kiln::AddOp>(n, xt, hr); // gates i, o, f, c
      auto peephole = [&](FailureOr<Value> v, int64_t k, FailureOr<Value> cell) {
        return *peep ? binary<kiln::AddOp>(
                           n, v, binary<kiln::MulOp>(n, sliceDim(n, peep, 0, k * hs, hs), cell))
                     : v;
      };
      FailureOr<Value> i = activate(n, r, act[0], peephole(gate(pre, 0), 0, c));
      FailureOr<Value> f = activate(n, r, act[0], peephole(gate(pre, 2), 2, c));
      FailureOr<Value> cc = activate(n, r, act[1], gate(pre, 3));
      newC = binary<kiln::AddOp>(n, binary<kiln::MulOp>(n, f, c), binary<kiln::MulOp>(n, i, cc));
      FailureOr<Value> o = activate(n, r, act[0], peephole(gate(pre, 1), 1, newC));
      newH = binary<kiln::MulOp>(n, o, activate(n, r, act[2], newC));
    }
    FailureOr<Value> y = newH;
    if (r.seqLens) {
      // Steps at or past a batch entry's length keep its state and output zeros.
      FailureOr<Value> valid =
          binary<kiln::LessOp>(n, scalarLike(n, r.seqLens, (double)t), r.seqLens);
      newH = select(n, valid, newH, h);
      newC = select(n, valid, newC, c);
      y = select(n, valid, y, scalarLike(n, y, 0));
    }
    if (failed(newH) || failed(newC) || failed(y))
      return failure();
    h = newH;
    c = newC;
    out.ys[t] = *y;
  }
  out.h = *h;
  out.c = *c;
  return out;
}

/// Stacks per-direction [batch, hidden] values into [dirs, batch, hidden] (or [batch, dirs,
/// hidden] batch-first).
FailureOr<Value> stackStates(NodeContext &n, const Recurrent &r, ArrayRef<Value> states) {
  SmallVector<Value> parts;
  for (Value s : states) {
    FailureOr<Value> p = n.reshape(s, r.batchFirst ? ArrayRef<int64_t>{r.batch, 1, r.hidden}
                                                   : ArrayRef<int64_t>{1, r.batch, r.hidden});
    if (failed(p))
      return failure();
    parts.push_back(*p);
  }
  return n.create<kiln::ConcatOp>(ValueRange(parts), r.batchFirst ? 1 : 0);
}

/// Y: [seq, dirs, batch, hidden] (batch-first: [batch, seq, dirs, hidden]).
FailureOr<Value> stackOutputs(NodeContext &n, const Recurrent &r,
                              ArrayRef<DirectionResult> results) {
  SmallVector<Value> steps;
  for (int64_t t = 0; t < r.seq; ++t) {
    SmallVector<Value> perDir;
    for (const DirectionResult &res : results) {
      FailureOr<Value> p = n.reshape(res.ys[t], {1, 1, r.batch, r.hidden});
      if (failed(p))
        return failure();
      perDir.push_back(*p);
    }
    FailureOr<Value> step = n.create<kiln::ConcatOp>(ValueRange(perDir), 1);
    if (failed(step))
      return failure();
    steps.push_back(*step);
  }
  FailureOr<Value> y = n.create<kiln::ConcatOp>(ValueRange(steps), 0);
  if (failed(y) || !r.batchFirst)
    return y;
  return n.create<kiln::TransposeOp>(*y, ArrayRef<int64_t>{2, 0, 1, 3});
}

template <Cell cell> LogicalResult convertRecurrent(NodeContext &n) {
  Recurrent r;
  r.cell = cell;
  r.gates = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 3 : 4;
  r.hidden = n.attrInt("hidden_size", 0);
  r.batchFirst = n.attrInt("layout", 0) != 0;
  std::string direction = n.attrString("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return n.fail("unknown direction '" + direction + "'");
  r.dirs = direction == "bidirectional" ? 2 : 1;
  FailureOr<SmallVector<int64_t>> xShape = requireStaticShape(n, n.inputType(0), "the sequence");
  if (failed(xShape))
    return failure();
  if (xShape->size() != 3 || r.hidden <= 0 || !isa<FloatType>(n.inputType(0).getElementType()))
    return n.fail("needs a 3-D float X and a positive hidden_size");
  r.seq = (*xShape)[r.batchFirst ? 1 : 0];
  r.batch = (*xShape)[r.batchFirst ? 0 : 1];
  r.x = n.input(0);
  if (r.batchFirst) {
    FailureOr<Value> x = n.create<kiln::TransposeOp>(n.input(0), ArrayRef<int64_t>{1, 0, 2});
    if (failed(x))
      return failure();
    r.x = *x;
  }
  if (n.attrInt("input_forget", 0) != 0)
    return n.fail("input_forget = 1 is not supported");
  if (n.hasAttr("activation_alpha") || n.hasAttr("activation_beta"))
    return n.fail("activation_alpha/beta are not supported");
  if (n.hasAttr("clip"))
    r.clip = n.attrFloat("clip", 0);
  int64_t perDir = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 2 : 3;
  SmallVector<std::string> defaults = cell == Cell::RNN ? SmallVector<std::string>{"Tanh"}
                                      : cell == Cell::GRU
                                          ? SmallVector<std::string>{"Sigmoid", "Tanh"}
                                          : SmallVector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  const onnx::AttributeProto *acts = nullptr;
  for (const onnx::AttributeProto &a : n.node().attribute())
    if (a.name() == "activations")
      acts = &a;
  for (int64_t d = 0; d < r.dirs; ++d)
    for (int64_t k = 0; k < perDir; ++k)
      r.activations.push_back(acts && acts->strings_size() == perDir * r.dirs
                                  ? acts->strings(d * perDir + k)
                                  : defaults[k]);
  if (acts && acts->strings_size() != perDir * r.dirs)
    return n.fail("activations must name " + llvm::Twine(perDir * r.dirs) + " functions");
  if (r.batchFirst && (n.hasInput(5) || n.hasInput(6)))
    return n.fail("initial states with layout = 1 are not supported");
  if (n.hasInput(4)) {
    FailureOr<Value> lens = n.reshape(n.input(4), {r.batch, 1});
    if (failed(lens))
      return failure();
    r.seqLens = *lens;
  }
  SmallVector<DirectionResult> results;
  for (int64_t d = 0; d < r.dirs; ++d) {
    FailureOr<DirectionResult> res = runDirection(n, r, d);
    if (failed(res))
      return failure();
    results.push_back(*res);
  }
  FailureOr<Value> y = stackOutputs(n, r, results);
  FailureOr<Value> yh = stackStates(
      n, r, llvm::map_to_vector(results, [](const DirectionResult &res) { return res.h; }));
  if (failed(y) || failed(yh))
    return failure();
  if (cell != Cell::LSTM)
    return n.setResults({*y, *yh});
  FailureOr<Value> yc = stackStates(
      n, r, llvm::map_to_vector(results, [](const DirectionResult &res) { return res.c; }));
  return failed(yc) ? failure() : n.setResults({*y, *yh, *yc});
}
} // namespace

void kiln::importer::registerRecurrentConverters(ConverterRegistry &r) {
  r.add("RNN", 7, convertRecurrent<Cell::RNN>, {3, 6});
  r.add("GRU", 7, convertRecurrent<Cell::GRU>, {3, 6});
  r.add("LSTM", 7, convertRecurrent<Cell::LSTM>, {3, 8});
}
