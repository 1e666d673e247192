//===- PoolingConverters.cpp - ONNX MaxPool, AveragePool and global pools → kiln -===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// MaxPool / AveragePool: window from kernel_shape, strides, pads/auto_pad, dilations.
template <typename OpTy, bool isMax> LogicalResult convertPool(NodeContext &n) {
  if (!n.hasAttr("kernel_shape"))
    return n.fail("attribute 'kernel_shape' is required");
  FailureOr<Window> w = readWindow(n, n.inputType(0), n.attrInts("kernel_shape"));
  if (failed(w))
    return failure();
  bool ceilMode = n.attrInt("ceil_mode", 0) != 0;
  bool countIncludePad = !isMax && n.attrInt("count_include_pad", 0) != 0;
  return n.setResult(n.create<OpTy>(n.input(0), w->kernel, w->strides, w->pads, w->dilations,
                                    ceilMode, countIncludePad));
}

/// GlobalAveragePool / GlobalMaxPool: a reduction over every spatial dim, keeping them.
template <kiln::ReduceKind kind> LogicalResult convertGlobalPool(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank();
  if (rank < 3)
    return n.fail("the input must have rank >= 3 (N, C, spatial...)");
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(2, rank));
  return n.setResult(n.create<kiln::ReduceOp>(n.input(0), kind, axes, /*keepdims=*/true));
}
} // namespace

void kiln::importer::registerPoolingConverters(ConverterRegistry &r) {
  r.add("MaxPool", 1, convertPool<kiln::MaxPoolOp, true>);
  r.add("AveragePool", 1, convertPool<kiln::AvgPoolOp, false>);
  r.add("GlobalAveragePool", 1, convertGlobalPool<kiln::ReduceKind::mean>);
  r.add("GlobalMaxPool", 1, convertGlobalPool<kiln::ReduceKind::max>);
}
