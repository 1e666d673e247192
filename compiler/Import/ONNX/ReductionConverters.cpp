//===- ReductionConverters.cpp - ONNX Reduce* ops → kiln.reduce ------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// A kiln.reduce over `axes` (empty: every axis, or nothing when noop_with_empty_axes).
LogicalResult buildReduce(NodeContext &n, kiln::ReduceKind kind, ArrayRef<int64_t> axes,
                          bool noopWithEmptyAxes) {
  int64_t rank = n.inputType(0).getRank();
  if (axes.empty() && noopWithEmptyAxes)
    return n.setResult(n.input(0));
  SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(n, axes.empty() ? all : axes, rank);
  if (failed(normalized))
    return failure();
  bool keepdims = n.attrInt("keepdims", 1) != 0;
  return n.setResult(n.create<kiln::ReduceOp>(n.input(0), kind, *normalized, keepdims));
}

/// Reduce* with an `axes` attribute (every reduce op before opset 18, ReduceSum before 13).
template <kiln::ReduceKind kind> LogicalResult convertReduceAttr(NodeContext &n) {
  return buildReduce(n, kind, n.attrInts("axes"), /*noopWithEmptyAxes=*/false);
}

/// Reduce* with an optional constant `axes` input and noop_with_empty_axes (ReduceSum-13).
template <kiln::ReduceKind kind> LogicalResult convertReduceInput(NodeContext &n) {
  SmallVector<int64_t> axes;
  RankedTensorType axesType = n.hasInput(1) ? n.inputType(1) : RankedTensorType();
  // An axes input of static length 0 has no values to read: known at import.
  bool empty = axesType && axesType.hasStaticShape() && axesType.getNumElements() == 0;
  if (n.hasInput(1) && !empty) {
    FailureOr<SmallVector<int64_t>> given = n.constantInts(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  return buildReduce(n, kind, axes, n.attrInt("noop_with_empty_axes", 0) != 0);
}
} // namespace

void kiln::importer::registerReductionConverters(ConverterRegistry &r) {
  using K = kiln::ReduceKind;
  r.add("ReduceSum", 1, convertReduceAttr<K::sum>);
  r.add("ReduceSum", 13, convertReduceInput<K::sum>, {1, 2});
  r.add("ReduceMean", 1, convertReduceAttr<K::mean>);
  r.add("ReduceMax", 1, convertReduceAttr<K::max>);
  r.add("ReduceMin", 1, convertReduceAttr<K::min>);
  r.add("ReduceProd", 1, convertReduceAttr<K::prod>);
  r.add("ReduceL1", 1, convertReduceAttr<K::l1>);
  r.add("ReduceL2", 1, convertReduceAttr<K::l2>);
  r.add("ReduceSumSquare", 1, convertReduceAttr<K::sum_square>);
  r.add("ReduceLogSum", 1, convertReduceAttr<K::log_sum>);
  r.add("ReduceLogSumExp", 1, convertReduceAttr<K::log_sum_exp>);
}
