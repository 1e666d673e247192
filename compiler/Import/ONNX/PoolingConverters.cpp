//===- PoolingConverters.cpp - ONNX MaxPool, AveragePool and global pools → kiln -===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln::importer;

namespace {
/// MaxPool's Indices output: the flat index (over N, C, spatial; storage_order 1 makes the
/// spatial part column-major) of each window's first max. The taps of every window position
/// are strided slices of the input padded with the lowest value, stacked along a new last dim;
/// the first tap holding the max gives a constant offset from the window's origin.
FailureOr<Value> maxPoolIndices(NodeContext &n, const Window &w, ArrayRef<int64_t> outShape) {
  FailureOr<SmallVector<int64_t>> shape = requireStaticShape(n, n.inputType(0), "MaxPool indices");
  if (failed(shape))
    return failure();
  int64_t rank = shape->size(), spatial = rank - 2;
  bool columnMajor = n.attrInt("storage_order", 0) != 0;
  // Strides of the spatial dims in the flat index.
  SmallVector<int64_t> flat(spatial);
  int64_t size = 1;
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t d = columnMajor ? i : spatial - 1 - i;
    flat[d] = size;
    size *= (*shape)[d + 2];
  }
  // Pad the begins and enough of the ends for the last (ceil_mode) window.
  SmallVector<int64_t> pads(2 * rank, 0);
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t span = (outShape[i + 2] - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1;
    pads[i + 2] = w.pads[i];
    pads[rank + i + 2] = std::max<int64_t>(span - (*shape)[i + 2] - w.pads[i], 0);
  }
  Type et = n.inputType(0).getElementType();
  double lowest = isa<FloatType>(et) ? -INFINITY : (double)std::numeric_limits<int64_t>::min();
  FailureOr<Value> padded = n.input(0);
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
    padded = n.create<kiln::PadOp>(n.input(0), pads, kiln::PadMode::constant, APFloat(lowest));
  if (failed(padded))
    return failure();
  SmallVector<Value> taps;
  SmallVector<int64_t> tapOffsets, offset(spatial, 0);
  SmallVector<int64_t> tapShape(outShape);
  tapShape.push_back(1);
  for (bool more = true; more;) {
    SmallVector<int64_t> starts(rank, 0), ends(outShape), steps(rank, 1);
    ends[0] = (*shape)[0];
    ends[1] = (*shape)[1];
    int64_t delta = 0;
    for (int64_t i = 0; i < spatial; ++i) {
      starts[i + 2] = offset[i] * w.dilations[i];
      ends[i + 2] = starts[i + 2] + (outShape[i + 2] - 1) * w.strides[i] + 1;
      steps[i + 2] = w.strides[i];
      delta += offset[i] * w.dilations[i] * flat[i];
    }
    FailureOr<Value> tap = buildSlice(n, *padded, starts, ends, steps);
    if (succeeded(tap))
      tap = n.reshape(*tap, tapShape);
    if (failed(tap))
      return failure();
    taps.push_back(*tap);
    tapOffsets.push_back(delta);
    more = false; // next kernel offset, last dim fastest (the window's row-major order)
    for (int64_t i = spatial - 1; i >= 0 && !more; --i) {
      more = ++offset[i] < w.kernel[i];
      if (!more)
        offset[i] = 0;
    }
  }
  FailureOr<Value> stacked = n.create<kiln::ConcatOp>(ValueRange(taps), rank);
  if (failed(stacked))
    return failure();
  FailureOr<Value> tap = argExtreme(n, *stacked, rank, /*isMax=*/true, /*lastIndex=*/false);
  if (succeeded(tap))
    tap = n.reshape(*tap, outShape);
  // index = (n C + c) size + sum_i (o_i stride_i - pad_i) flat_i + tapOffsets[tap].
  Type i64 = n.builder().getI64Type();
  auto table = RankedTensorType::get({(int64_t)tapOffsets.size()}, i64);
  FailureOr<Value> index = n.create<kiln::GatherOp>(
      n.constant(DenseElementsAttr::get(table, ArrayRef<int64_t>(tapOffsets))), *tap, 0);
  auto along = [&](int64_t d, int64_t scale, int64_t shift) {
    FailureOr<Value> iota = iotaAlong(n, outShape[d], d, rank, i64);
    return binary<kiln::AddOp>(n, binary<kiln::MulOp>(n, iota, n.scalar(i64, scale)),
                               n.scalar(i64, shift));
  };
  index = binary<kiln::AddOp>(n, index, along(0, (*shape)[1] * size, 0));
  index = binary<kiln::AddOp>(n, index, along(1, size, 0));
  for (int64_t i = 0; i < spatial; ++i)
    index = binary<kiln::AddOp>(n, index,
                                along(i + 2, w.strides[i] * flat[i], -w.pads[i] * flat[i]));
  return index;
}

/// MaxPool / AveragePool: window from kernel_shape, strides, pads/auto_pad, dilations.
template <typename OpTy, bool isMax> LogicalResult convertPool(NodeContext &n) {
  if (!n.hasAttr("kernel_shape"))
    return n.fail("attribute 'kernel_shape' is required");
  FailureOr<Window> w = readWindow(n, n.inputType(0), n.attrInts("kernel_shape"));
  if (failed(w))
    return failure();
  bool ceilMode = n.attrInt("ceil_mode", 0) != 0;
  bool countIncludePad = !isMax && n.attrInt("count_include_pad", 0) != 0;
  FailureOr<Value> pooled = n.create<OpTy>(n.input(0), w->kernel, w->strides, w->pads,
                                           w->dilations, ceilMode, countIncludePad);
  if (failed(pooled) || !isMax || n.node().output_size() < 2 || n.node().output(1).empty())
    return n.setResult(pooled);
  // MaxPool's Indices output (opset 8+).
  FailureOr<SmallVector<int64_t>> outShape =
      requireStaticShape(n, cast<RankedTensorType>(pooled->getType()), "MaxPool indices");
  FailureOr<Value> indices =
      failed(outShape) ? FailureOr<Value>(failure()) : maxPoolIndices(n, *w, *outShape);
  if (failed(indices))
    return failure();
  return n.setResults({*pooled, *indices});
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
