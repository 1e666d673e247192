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
