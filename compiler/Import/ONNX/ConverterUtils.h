//===- ConverterUtils.h - helpers shared by the ONNX op converters --------===//
#ifndef KILN_COMPILER_IMPORT_ONNX_CONVERTERUTILS_H
#define KILN_COMPILER_IMPORT_ONNX_CONVERTERUTILS_H

#include "compiler/Import/ONNX/ConverterRegistry.h"
#include "compiler/Import/ONNX/NodeContext.h"

namespace kiln::importer {
// The importer is written in MLIR's vocabulary (Value, Type, ArrayRef, ...).
using namespace mlir;

/// Fails unless `a` and `b` have the same element type (ONNX's binary ops require it).
LogicalResult checkSameElementType(NodeContext &node, Value a, Value b);

/// A broadcasting binary kiln op on operands of one element type.
template <typename OpTy> FailureOr<Value> buildBinary(NodeContext &node, Value a, Value b) {
  if (failed(checkSameElementType(node, a, b)))
    return failure();
  return node.create<OpTy>(a, b);
}

/// `b` as the second operand of a binary op: before opset 7, `broadcast = 1` with `axis` aligns
/// b's dims with a's dims from `axis` on (b gets trailing unit dims for numpy broadcasting);
/// otherwise (and from opset 7) b is returned as it is.
FailureOr<Value> legacyBroadcastOperand(NodeContext &node, Value a, Value b);

//===-- Composition: ONNX ops built out of several kiln ops ---------------===//
// Each builder takes operands that may have failed to build and propagates the first failure,
// so a composition checks once, at the end.

/// A unary kiln op of `x`.
template <typename OpTy> FailureOr<Value> unary(NodeContext &node, FailureOr<Value> x) {
  if (failed(x))
    return failure();
  return node.create<OpTy>(*x);
}
/// A broadcasting binary kiln op (same element types).
template <typename OpTy>
FailureOr<Value> binary(NodeContext &node, FailureOr<Value> x, FailureOr<Value> y) {
  if (failed(x) || failed(y))
    return failure();
  return buildBinary<OpTy>(node, *x, *y);
}
/// kiln.where(cond, x, y).
FailureOr<Value> select(NodeContext &node, FailureOr<Value> cond, FailureOr<Value> x,
                        FailureOr<Value> y);
/// A rank-0 constant of `like`'s element type.
FailureOr<Value> scalarLike(NodeContext &node, FailureOr<Value> like, double value);
/// kiln.cast of `x` to `elementType` (same shape).
FailureOr<Value> castTo(NodeContext &node, FailureOr<Value> x, Type elementType);
/// kiln.reduce of `x` over `axes` (sorted, non-negative).
FailureOr<Value> reduce(NodeContext &node, FailureOr<Value> x, kiln::ReduceKind kind,
                        ArrayRef<int64_t> axes, bool keepdims);
/// The most elements a converter materializes as a constant it computes itself (index ranges,
/// diagonal masks): past it the model's dims are refused rather than filled in for minutes.
constexpr uint64_t kMaxBuiltConstantElements = uint64_t(1) << 26;

/// Fails naming `what` when a constant of `dims` would exceed kMaxBuiltConstantElements.
LogicalResult checkBuiltConstant(NodeContext &node, ArrayRef<int64_t> dims, llvm::StringRef what);

/// The constant 0, 1, ..., extent - 1 of `elementType` along dim `axis` of a rank-`rank`
/// tensor whose other dims are 1 (compared against indices, it makes one-hot masks).
FailureOr<Value> iotaAlong(NodeContext &node, int64_t extent, int64_t axis, int64_t rank,
                           Type elementType);

/// The int64 index of the max (`isMax`) or min along `axis` (kept as a unit dim): the first one,
/// or the last with `lastIndex`. The positions holding the extreme value keep their index,
/// the others become a sentinel beyond the range, and a min (max for the last) picks one.
FailureOr<Value> argExtreme(NodeContext &n, Value x, int64_t axis, bool isMax, bool lastIndex);

/// The axes made non-negative, unique and sorted (ONNX reduce/squeeze/unsqueeze rules).
FailureOr<SmallVector<int64_t>> normalizeAxes(NodeContext &node, ArrayRef<int64_t> axes,
                                              int64_t rank);

/// The shape of `type`, which must be static; `what` says what needs it in the error.
FailureOr<SmallVector<int64_t>> requireStaticShape(NodeContext &node, RankedTensorType type,
                                                   llvm::StringRef what);

/// Window geometry of a conv/pool node, pads resolved from `auto_pad` (ONNX pads order: all
/// begins, then all ends).
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads;
};

/// Reads strides/dilations/pads/auto_pad of a conv or pool node over `input` (N, C, spatial...)
/// with the given kernel extents.
FailureOr<Window> readWindow(NodeContext &node, RankedTensorType input, ArrayRef<int64_t> kernel);

/// Splits `total` padding between begin and end: SAME_UPPER puts the extra one at the end.
void splitPadding(int64_t total, bool sameUpper, int64_t &begin, int64_t &end);

/// A kiln.slice of `input` taking [starts[d], ends[d]) with `steps[d]` along every dim.
FailureOr<Value> buildSlice(NodeContext &node, Value input, ArrayRef<int64_t> starts,
                            ArrayRef<int64_t> ends, ArrayRef<int64_t> steps);

} // namespace kiln::importer

#endif // KILN_COMPILER_IMPORT_ONNX_CONVERTERUTILS_H
