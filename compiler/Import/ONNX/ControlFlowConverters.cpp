//===- ControlFlowConverters.cpp - ONNX If and Scan → kiln (inlined subgraphs) -===//
//
// If: a constant condition imports the branch it takes; a run-time condition imports both
// branches (kiln ops are free of side effects) and selects each output with kiln.where, or
// with kiln.choose when the branches' shapes differ (one element type and rank). Scan: the body is
// imported once per element of the (static) scan length, with the states threaded through, and the
// per-iteration outputs are concatenated.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
LogicalResult convertIf(NodeContext &n) {
  const onnx::GraphProto *thenBranch = n.attrGraph("then_branch");
  const onnx::GraphProto *elseBranch = n.attrGraph("else_branch");
  if (!thenBranch || !elseBranch)
    return n.fail("attributes 'then_branch' and 'else_branch' are required");
  RankedTensorType condType = n.inputType(0);
  if (!condType.hasStaticShape() || condType.getNumElements() != 1 ||
      !condType.getElementType().isInteger(1))
    return n.fail("cond must be one bool");
  if (!n.isRunTimeValue(0)) {
    FailureOr<double> cond = n.constantScalar(0, "cond");
    if (failed(cond))
      return failure();
    FailureOr<SmallVector<Value>> taken = n.importSubgraph(*cond ? *thenBranch : *elseBranch, {});
    return failed(taken) ? failure() : n.setResults(*taken);
  }
  // Both branches are imported; one that only works for other inputs (a sample rate's) fails.
  auto hint = [&] {
    return n.fail("with a condition known only at run time both branches are imported; if a "
                  "branch is meant for other inputs, fix the condition's input at compile time "
                  "(kiln-compile --input-value, kiln.compile(input_values=...))");
  };
  FailureOr<SmallVector<Value>> thenValues = n.importSubgraph(*thenBranch, {});
  if (failed(thenValues))
    return hint();
  FailureOr<SmallVector<Value>> elseValues = n.importSubgraph(*elseBranch, {});
  if (failed(elseValues))
    return hint();
  if (thenValues->size() != elseValues->size())
    return n.fail("the branches have different numbers of outputs");
  FailureOr<Value> cond = n.reshape(n.input(0), {});
  if (failed(cond))
    return failure();
  SmallVector<Value> results;
  for (auto [t, e] : llvm::zip(*thenValues, *elseValues)) {
    auto type = cast<RankedTensorType>(t.getType());
    auto elseType = cast<RankedTensorType>(e.getType());
    if (type.getElementType() != elseType.getElementType() || type.getRank() != elseType.getRank())
      return n.fail("with a run-time condition both branches must give outputs of one element "
                    "type and rank");
    FailureOr<Value> picked;
    if (type == elseType && type.hasStaticShape()) {
      picked = n.create<kiln::WhereOp>(*cond, t, e);
    } else {
      // Shapes that differ (an empty result in one branch): the result takes the chosen
      // one's, a dim static only where both agree.
      SmallVector<int64_t> shape;
      for (auto [a, b] : llvm::zip(type.getShape(), elseType.getShape()))
        shape.push_back(a == b ? a : ShapedType::kDynamic);
      // The condition as given (one element, any rank): the kernel's shape function reads it
      // through the ops that compute it, which a reshape would hide.
      picked = n.createTyped<kiln::ChooseOp>(type.clone(shape), n.input(0), t, e);
    }
    if (failed(picked))
      return failure();
    results.push_back(*picked);
  }
  return n.setResults(results);
}

/// Element `i` along `axis` of `x`, without that dim.
FailureOr<Value> elementAlong(NodeContext &n, Value x, int64_t axis, int64_t i) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> starts(type.getRank(), 0), ends(type.getShape()), steps(type.getRank(), 1);
  starts[axis] = i;
  ends[axis] = i + 1;
  FailureOr<Value> slice = buildSlice(n, x, starts, ends, steps);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  if (failed(slice))
    return failure();
  return n.reshape(*slice, shape);
}

/// `parts` (one shape) stacked along a new dim `axis`.
FailureOr<Value> stackAlong(NodeContext &n, ArrayRef<Value> parts, int64_t axis) {
  SmallVector<Value> expanded;
  for (Value p : parts) {
    SmallVector<int64_t> shape(cast<RankedTensorType>(p.getType()).getShape());
    shape.insert(shape.begin() + axis, 1);
    FailureOr<Value> e = n.reshape(p, shape);
    if (failed(e))
      return failure();
    expanded.push_back(*e);
  }
  return n.create<kiln::ConcatOp>(ValueRange(expanded), axis);
}

/// The most body ops a Scan may unroll into (steps x body nodes).
constexpr int64_t kMaxUnrolledScanOps = int64_t(1) << 16;

/// One Scan over `states` and `scans` (no batch dim): the body once per step; returns the
/// final states followed by the stacked scan outputs.
FailureOr<SmallVector<Value>> unrollScan(NodeContext &n, const onnx::GraphProto &body,
                                         SmallVector<Value> states, ArrayRef<Value> scans,
                                         ArrayRef<int64_t> inAxes, ArrayRef<int64_t> inReverse,
                                         ArrayRef<int64_t> outAxes, ArrayRef<int64_t> outReverse) {
  int64_t length = -1;
  for (auto [x, axis] : llvm::zip(scans, inAxes)) {
    int64_t extent = cast<RankedTensorType>(x.getType()).getDimSize(axis);
    if (ShapedType::isDynamic(extent) || (length >= 0 && extent != length))
      return n.fail("the scan inputs must share one static sequence length");
    length = extent;
  }
  // Each step imports the body again: a long scan would take minutes and gigabytes.
  int64_t bodyOps = std::max<int64_t>(body.node_size(), 1);
  if (length > kMaxUnrolledScanOps / bodyOps)
    return n.fail("a scan of " + llvm::Twine(length) + " steps over a body of " +
                  llvm::Twine(bodyOps) + " nodes would be unrolled into more than " +
                  llvm::Twine(kMaxUnrolledScanOps) + " ops; such scans are not supported");
  int64_t numScanOutputs = body.output_size() - (int64_t)states.size();
  SmallVector<SmallVector<Value>> outputs(std::max<int64_t>(numScanOutputs, 0));
  for (int64_t step = 0; step < length; ++step) {
    SmallVector<Value> inputs(states);
    for (auto [i, x] : llvm::enumerate(scans)) {
      int64_t at = inReverse[i] ? length - 1 - step : step;
      FailureOr<Value> element = elementAlong(n, x, inAxes[i], at);
      if (failed(element))
        return failure();
      inputs.push_back(*element);
    }
    FailureOr<SmallVector<Value>> results = n.importSubgraph(body, inputs);
    if (failed(results))
      return failure();
    for (size_t s = 0; s < states.size(); ++s)
      states[s] = (*results)[s];
    for (int64_t k = 0; k < numScanOutputs; ++k)
      outputs[k].push_back((*results)[states.size() + k]);
  }
  SmallVector<Value> results(states);
  for (int64_t k = 0; k < numScanOutputs; ++k) {
    if (outReverse[k])
      std::reverse(outputs[k].begin(), outputs[k].end());
    if (outputs[k].empty())
      return n.fail("an empty scan has no scan outputs to stack");
    FailureOr<Value> stacked = stackAlong(n, outputs[k], outAxes[k]);
    if (failed(stacked))
      return failure();
    results.push_back(*stacked);
  }
  return results;
}

/// Scan-9+: inputs = initial states, then scan inputs; attributes num_scan_inputs,
/// scan_input_axes / directions, scan_output_axes / directions.
LogicalResult convertScan(NodeContext &n) {
  const onnx::GraphProto *body = n.attrGraph("body");
  if (!body)
    return n.fail("attribute 'body' is required");
  int64_t m = n.attrInt("num_scan_inputs", 0), total = n.numInputs(), numStates = total - m;
  if (m <= 0 || numStates < 0)
    return n.fail("num_scan_inputs must be in [1, number of inputs]");
  int64_t numScanOutputs = body->output_size() - numStates;
  SmallVector<int64_t> inAxes = n.attrInts("scan_input_axes", SmallVector<int64_t>(m, 0));
  SmallVector<int64_t> inDirs = n.attrInts("scan_input_directions", SmallVector<int64_t>(m, 0));
  SmallVector<int64_t> outAxes =
      n.attrInts("scan_output_axes", SmallVector<int64_t>(numScanOutputs, 0));
  SmallVector<int64_t> outDirs =
      n.attrInts("scan_output_directions", SmallVector<int64_t>(numScanOutputs, 0));
  if ((int64_t)inAxes.size() != m || (int64_t)inDirs.size() != m ||
      (int64_t)outAxes.size() != numScanOutputs || (int64_t)outDirs.size() != numScanOutputs)
    return n.fail("scan axes / directions do not match the scan inputs and outputs");
  SmallVector<Value> states, scans;
  for (int64_t i = 0; i < total; ++i)
    (i < numStates ? states : scans).push_back(n.input(i));
  for (auto [i, x] : llvm::enumerate(scans)) {
    FailureOr<int64_t> a = n.normalizeAxis(inAxes[i], cast<RankedTensorType>(x.getType()).getRank());
    if (failed(a))
      return failure();
    inAxes[i] = *a;
  }
  for (int64_t k = 0; k < numScanOutputs; ++k)
    if (outAxes[k] < 0) // rank of the stacked output = the body output's rank + 1
      return n.fail("negative scan_output_axes are not supported");
  FailureOr<SmallVector<Value>> results =
      unrollScan(n, *body, states, scans, inAxes, inDirs, outAxes, outDirs);
  return failed(results) ? failure() : n.setResults(*results);
}

/// Scan-8: a batch dim first; inputs = sequence_lens (must be absent), initial states [B, ...],
/// scan inputs [B, T, ...]; attribute `directions`. Each batch element is scanned alone.
LogicalResult convertScan8(NodeContext &n) {
  const onnx::GraphProto *body = n.attrGraph("body");
  if (!body)
    return n.fail("attribute 'body' is required");
  if (n.hasInput(0))
    return n.fail("sequence_lens is not supported (every sequence has the full length)");
  int64_t m = n.attrInt("num_scan_inputs", 0), total = n.numInputs() - 1, numStates = total - m;
  if (m <= 0 || numStates < 0)
    return n.fail("num_scan_inputs must be in [1, number of inputs - 1]");
  SmallVector<int64_t> dirs = n.attrInts("directions", SmallVector<int64_t>(m, 0));
  if ((int64_t)dirs.size() != m)
    return n.fail("directions must have one entry per scan input");
  int64_t numScanOutputs = body->output_size() - numStates;
  int64_t batch = n.inputType(1).getDimSize(0);
  if (ShapedType::isDynamic(batch))
    return n.fail("the batch dim must be static");
  SmallVector<SmallVector<Value>> perBatch(body->output_size());
  for (int64_t b = 0; b < batch; ++b) {
    SmallVector<Value> states, scans;
    for (int64_t i = 0; i < total; ++i) {
      FailureOr<Value> x = elementAlong(n, n.input(i + 1), 0, b);
      if (failed(x))
        return failure();
      (i < numStates ? states : scans).push_back(*x);
    }
    FailureOr<SmallVector<Value>> results =
        unrollScan(n, *body, states, scans, SmallVector<int64_t>(m, 0), dirs,
                   SmallVector<int64_t>(numScanOutputs, 0), SmallVector<int64_t>(numScanOutputs, 0));
    if (failed(results))
      return failure();
    for (auto [k, v] : llvm::enumerate(*results))
      perBatch[k].push_back(v);
  }
  SmallVector<Value> results;
  for (auto &values : perBatch) {
    FailureOr<Value> stacked = stackAlong(n, values, 0);
    if (failed(stacked))
      return failure();
    results.push_back(*stacked);
  }
  return n.setResults(results);
}
} // namespace

void kiln::importer::registerControlFlowConverters(ConverterRegistry &r) {
  const Arity variadic{1, Arity::kUnbounded};
  r.add("If", 1, convertIf, {1, 1});
  r.add("Scan", 8, convertScan8, {0, Arity::kUnbounded}); // input 0 (sequence_lens) may be empty
  r.add("Scan", 9, convertScan, variadic);
}
