//===- PermuteConverters.cpp - ONNX ReverseSequence, MaxUnpool → gather/scatter -===//
//
// Ops that move elements to places computed from run-time data, with static output shapes:
// the places become an index tensor (kiln arithmetic on iotas) feeding gather_elements or
// scatter_elements.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// ReverseSequence: along `time_axis`, the first sequence_lens[b] elements of batch b are
/// reversed, the rest kept: out[.., t, ..] = x[.., t < len ? len - 1 - t : t, ..].
LogicalResult convertReverseSequence(NodeContext &n) {
  RankedTensorType type = n.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 2 || !type.hasStaticShape())
    return n.fail("the input must have a static shape of rank >= 2");
  FailureOr<int64_t> timeAxis = n.normalizeAxis(n.attrInt("time_axis", 0), rank, "time_axis");
  FailureOr<int64_t> batchAxis = n.normalizeAxis(n.attrInt("batch_axis", 1), rank, "batch_axis");
  if (failed(timeAxis) || failed(batchAxis))
    return failure();
  if (*timeAxis > 1 || *batchAxis > 1 || *timeAxis == *batchAxis)
    return n.fail("time_axis and batch_axis must be 0 and 1 (in either order)");
  Type i64 = n.builder().getI64Type();
  RankedTensorType lensType = n.inputType(1);
  if (lensType.getRank() != 1 || lensType.getDimSize(0) != type.getDimSize(*batchAxis))
    return n.fail("sequence_lens must be 1-D with one length per batch entry");
  SmallVector<int64_t> lensShape(rank, 1);
  lensShape[*batchAxis] = type.getDimSize(*batchAxis);
  FailureOr<Value> lens = n.reshape(n.input(1), lensShape);
  if (failed(lens))
    return failure();
  if (!cast<RankedTensorType>(lens->getType()).getElementType().isSignlessInteger(64))
    return n.fail("sequence_lens must be int64");
  FailureOr<Value> t = iotaAlong(n, type.getDimSize(*timeAxis), *timeAxis, rank, i64);
  FailureOr<Value> reversed = binary<kiln::SubOp>(
      n, binary<kiln::SubOp>(n, *lens, scalarLike(n, *lens, 1)), t);
  FailureOr<Value> index = select(n, binary<kiln::LessOp>(n, t, *lens), reversed, t);
  if (failed(index))
    return failure();
  FailureOr<Value> full = *index;
  if (index->getType() != type.clone(i64))
    full = n.createTyped<kiln::ExpandOp>(type.clone(i64), *index);
  if (failed(full))
    return failure();
  return n.setResult(n.create<kiln::GatherElementsOp>(n.input(0), *full, *timeAxis));
}

/// MaxUnpool: zeros of the unpooled shape with x written at the flat indices MaxPool gave
/// (indices over the whole N x C x spatial tensor).
LogicalResult convertMaxUnpool(NodeContext &n) {
  RankedTensorType type = n.inputType(0);
  if (!type.hasStaticShape() || type.getRank() < 3 || n.inputType(1) != type.clone(n.builder().getI64Type()))
    return n.fail("x must have a static shape of rank >= 3 and I the same shape in int64");
  size_t spatial = type.getRank() - 2;
  SmallVector<int64_t> kernel = n.attrInts("kernel_shape");
  SmallVector<int64_t> strides = n.attrInts("strides", SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads = n.attrInts("pads", SmallVector<int64_t>(2 * spatial, 0));
  if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial)
    return n.fail("kernel_shape, strides and pads must match the " + llvm::Twine(spatial) +
                  " spatial dims");
  SmallVector<int64_t> shape{type.getDimSize(0), type.getDimSize(1)};
  for (size_t i = 0; i < spatial; ++i)
    shape.push_back((type.getDimSize(i + 2) - 1) * strides[i] - pads[i] - pads[i + spatial] +
                    kernel[i]);
  if (n.hasInput(2)) {
    FailureOr<SmallVector<int64_t>> wanted = n.constantShape(2, "output_shape");
    if (failed(wanted))
      return failure();
    if (*wanted != shape)
      return n.fail("an output_shape other than the default unpooled shape is not supported");
  }
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  auto flatType = RankedTensorType::get({total}, type.getElementType());
  Attribute zero = n.builder().getZeroAttr(type.getElementType());
  Value zeros = n.constant(DenseElementsAttr::get(flatType, zero));
  FailureOr<Value> indices = n.reshape(n.input(1), {type.getNumElements()});
  FailureOr<Value> updates = n.reshape(n.input(0), {type.getNumElements()});
  if (failed(indices) || failed(updates))
    return failure();
  FailureOr<Value> flat = n.create<kiln::ScatterElementsOp>(zeros, *indices, *updates, 0, "none");
  if (failed(flat))
    return failure();
  return n.setResult(n.reshape(*flat, shape));
}
} // namespace

void kiln::importer::registerPermuteConverters(ConverterRegistry &r) {
  r.add("ReverseSequence", 10, convertReverseSequence, {2, 2});
  r.add("MaxUnpool", 9, convertMaxUnpool, {2, 3});
}
