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

/// A reduction over axes known only at run time: kiln.reduce_by keeps the reduced dims (as
/// 1); keepdims = 0 drops them with a kiln.reshape_to "squeeze" by the same axes.
LogicalResult buildRunTimeReduce(NodeContext &n, kiln::ReduceKind kind) {
  RankedTensorType in = n.inputType(0), axesType = n.inputType(1);
  if (axesType.getRank() != 1 || axesType.isDynamicDim(0) ||
      !axesType.getElementType().isInteger(64))
    return n.fail("axes (input '" + n.node().input(1) +
                  "') must be a 1-D int64 tensor of static length (it sets the result rank)");
  SmallVector<int64_t> shape;
  for (int64_t d : in.getShape())
    shape.push_back(d == 1 ? 1 : ShapedType::kDynamic);
  FailureOr<Value> reduced = n.createTyped<kiln::ReduceByOp>(in.clone(shape), n.input(0),
                                                             n.input(1), kind);
  if (failed(reduced) || n.attrInt("keepdims", 1) != 0)
    return n.setResult(reduced);
  int64_t rank = in.getRank() - axesType.getDimSize(0);
  if (rank < 0)
    return n.fail("more axes than input dims");
  auto type = RankedTensorType::get(SmallVector<int64_t>(rank, ShapedType::kDynamic),
                                    in.getElementType());
  return n.setResult(n.createTyped<kiln::ReshapeToOp>(type, *reduced, n.input(1),
                                                      n.builder().getStringAttr("squeeze")));
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
  if (n.hasInput(1) && !empty && n.isRunTimeValue(1))
    return buildRunTimeReduce(n, kind);
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
