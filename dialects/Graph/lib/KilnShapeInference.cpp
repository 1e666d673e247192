//===- KilnShapeInference.cpp - result types of the kiln ops --------------===//
//
// Every op that can compute its result type from operands + attributes does so here
// (InferTypeOpAdaptor), so the importer builds ops without spelling result types and
// malformed shapes are caught where the op is built.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Graph/KilnDialect.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace kiln;

namespace {
using Shape = SmallVector<int64_t>;

LogicalResult emitFailure(std::optional<Location> loc, const Twine &msg) {
  if (loc)
    return emitError(*loc, msg);
  return failure();
}

RankedTensorType tensorOf(Value v) { return cast<RankedTensorType>(v.getType()); }

LogicalResult broadcastShapes(std::optional<Location> loc, ArrayRef<Value> operands,
                              Shape &result) {
  result.assign(tensorOf(operands[0]).getShape().begin(), tensorOf(operands[0]).getShape().end());
  for (Value v : operands.drop_front()) {
    Shape next;
    if (!OpTrait::util::getBroadcastedShape(result, tensorOf(v).getShape(), next))
      return emitFailure(loc, "operand shapes are not broadcast-compatible");
    result = next;
  }
  return success();
}

/// Output extent of a sliding window (conv/pool), ONNX semantics; -1 when the window does not
/// fit, or when the attributes are out of range (stride or dilation < 1) or
/// overflow int64 (a mutated model's 2^62 dilation): checked, never undefined arithmetic.
int64_t windowExtent(int64_t in, int64_t kernel, int64_t stride, int64_t padBegin, int64_t padEnd,
                     int64_t dilation, bool ceilMode) {
  if (stride <= 0 || dilation <= 0)
    return -1;
  if (ShapedType::isDynamic(in))
    return ShapedType::kDynamic;
  int64_t span, padded, num;
  if (__builtin_mul_overflow(dilation, kernel - 1, &span) ||
      __builtin_add_overflow(span, 1, &span) || __builtin_add_overflow(in, padBegin, &padded) ||
      __builtin_add_overflow(padded, padEnd, &padded) || __builtin_sub_overflow(padded, span, &num))
    return -1;
  if (num < 0)
    return -1;
  int64_t out = num / stride + (ceilMode && num % stride != 0) + 1;
  // With ceil_mode the last window must start inside the input or its begin padding.
  int64_t lastStart;
  if (ceilMode &&
      (__builtin_mul_overflow(out - 1, stride, &lastStart) || lastStart >= in + padBegin))
    --out;
  return out;
}

LogicalResult windowShape(std::optional<Location> loc, RankedTensorType input,
                          ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                          ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations, bool ceilMode,
                          Shape &shape) {
  size_t spatial = input.getRank() - 2;
  if (input.getRank() < 3 || kernel.size() != spatial || strides.size() != spatial ||
      dilations.size() != spatial || pads.size() != 2 * spatial)
    return emitFailure(loc, "window attributes do not match the input's " +
                                Twine(spatial) + " spatial dims");
  for (size_t i = 0; i < spatial; ++i) {
    int64_t e = windowExtent(input.getDimSize(i + 2), kernel[i], strides[i], pads[i],
                             pads[i + spatial], dilations[i], ceilMode);
    if (e == -1)
      return emitFailure(loc, "window does not fit spatial dim " + Twine(i) +
                                  " or its extent overflows (kernel " + Twine(kernel[i]) +
                                  ", stride " + Twine(strides[i]) + ", dilation " +
                                  Twine(dilations[i]) + ")");
    shape.push_back(e);
  }
  return success();
}
} // namespace

// Elementwise ops with broadcasting.
#define KILN_BROADCAST_INFER(OP, ELEMENT)                                                      \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,            \
                                     Adaptor adaptor, SmallVectorImpl<Type> &types) {          \
    Shape shape;                                                                               \
    if (failed(broadcastShapes(loc, SmallVector<Value>(adaptor.getOperands()), shape)))        \
      return failure();                                                                        \
    types.push_back(RankedTensorType::get(shape, ELEMENT));                                    \
    return success();                                                                          \
  }
#define KILN_BINARY_INFER(OP) KILN_BROADCAST_INFER(OP, tensorOf(adaptor.getLhs()).getElementType())
#define KILN_COMPARE_INFER(OP) KILN_BROADCAST_INFER(OP, IntegerType::get(ctx, 1))
KILN_BINARY_INFER(AddOp)
KILN_BINARY_INFER(SubOp)
KILN_BINARY_INFER(MulOp)
KILN_BINARY_INFER(DivOp)
KILN_BINARY_INFER(PowOp)
KILN_BINARY_INFER(MinOp)
KILN_BINARY_INFER(MaxOp)
KILN_BINARY_INFER(ModOp)
KILN_BINARY_INFER(BitShiftOp)
KILN_BINARY_INFER(AndOp)
KILN_BINARY_INFER(OrOp)
KILN_BINARY_INFER(XorOp)
KILN_COMPARE_INFER(EqualOp)
KILN_COMPARE_INFER(LessOp)
KILN_COMPARE_INFER(GreaterOp)
KILN_BROADCAST_INFER(WhereOp, tensorOf(adaptor.getX()).getElementType())

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto lhs = tensorOf(adaptor.getLhs()), rhs = tensorOf(adaptor.getRhs());
  Shape a(lhs.getShape()), b(rhs.getShape());
  if (a.empty() || b.empty())
    return emitFailure(loc, "matmul operands must have rank >= 1");
  bool vecA = a.size() == 1, vecB = b.size() == 1;
  if (vecA)
    a.insert(a.begin(), 1);
  if (vecB)
    b.push_back(1);
  int64_t k1 = a.back(), k2 = b[b.size() - 2];
  if (!ShapedType::isDynamic(k1) && !ShapedType::isDynamic(k2) && k1 != k2)
    return emitFailure(loc, "matmul contraction dims differ: " + Twine(k1) + " vs " + Twine(k2));
  Shape batch;
  if (!OpTrait::util::getBroadcastedShape(ArrayRef(a).drop_back(2), ArrayRef(b).drop_back(2),
                                          batch))
    return emitFailure(loc, "matmul batch dims are not broadcast-compatible");
  if (!vecA)
    batch.push_back(a[a.size() - 2]);
  if (!vecB)
    batch.push_back(b.back());
  types.push_back(RankedTensorType::get(batch, lhs.getElementType()));
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = tensorOf(adaptor.getInput()), filter = tensorOf(adaptor.getFilter());
  if (filter.getRank() != input.getRank())
    return emitFailure(loc, "conv filter rank differs from input rank");
  StringRef layout = adaptor.getLayout();
  if (layout != "NCHW" && layout != "NHWC")
    return emitFailure(loc, "conv layout must be NCHW or NHWC");
  if (layout == "NHWC") {
    // Same window arithmetic on the NCHW view of the shapes.
    int64_t rank = input.getRank();
    Shape in{input.getDimSize(0), input.getDimSize(rank - 1)}, window;
    for (int64_t d = 1; d + 1 < rank; ++d) {
      in.push_back(input.getDimSize(d));
      window.push_back(filter.getDimSize(d - 1));
    }
    Shape shape{input.getDimSize(0), filter.getDimSize(rank - 1)};
    if (failed(windowShape(loc, RankedTensorType::get(in, input.getElementType()), window,
                           adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations(), false,
                           shape)))
      return failure();
    std::rotate(shape.begin() + 1, shape.begin() + 2, shape.end());
    types.push_back(RankedTensorType::get(shape, input.getElementType()));
    return success();
  }
  Shape shape{input.getDimSize(0), filter.getDimSize(0)};
  if (failed(windowShape(loc, input, filter.getShape().drop_front(2), adaptor.getStrides(),
                         adaptor.getPads(), adaptor.getDilations(), false, shape)))
    return failure();
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = tensorOf(adaptor.getInput()), filter = tensorOf(adaptor.getFilter());
  size_t spatial = input.getRank() - 2;
  auto strides = adaptor.getStrides(), pads = adaptor.getPads(), dil = adaptor.getDilations(),
       outPad = adaptor.getOutputPadding();
  if (filter.getRank() != input.getRank() || strides.size() != spatial ||
      pads.size() != 2 * spatial || dil.size() != spatial || outPad.size() != spatial)
    return emitFailure(loc, "conv_transpose attributes do not match the input rank");
  Shape shape{input.getDimSize(0), filter.getDimSize(1) * (int64_t)adaptor.getGroup()};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = input.getDimSize(i + 2), k = filter.getDimSize(i + 2);
    shape.push_back(ShapedType::isDynamic(in)
                        ? ShapedType::kDynamic
                        : strides[i] * (in - 1) + outPad[i] + (k - 1) * dil[i] + 1 - pads[i] -
                              pads[i + spatial]);
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

/// Pools infer on the NCHW view of their input; NHWC moves the channel dim last and back.
template <typename Adaptor>
LogicalResult inferPool(std::optional<Location> loc, Adaptor adaptor,
                        SmallVectorImpl<Type> &types) {
  auto input = tensorOf(adaptor.getInput());
  bool nhwc = adaptor.getLayout() == "NHWC";
  if (!nhwc && adaptor.getLayout() != "NCHW")
    return emitFailure(loc, "pool layout must be NCHW or NHWC");
  Shape in(input.getShape());
  if (nhwc && in.size() >= 3)
    std::rotate(in.begin() + 1, in.end() - 1, in.end());
  Shape shape{in[0], in.size() > 1 ? in[1] : 0};
  if (failed(windowShape(loc, RankedTensorType::get(in, input.getElementType()),
                         adaptor.getKernelShape(), adaptor.getStrides(), adaptor.getPads(),
                         adaptor.getDilations(), adaptor.getCeilMode(), shape)))
    return failure();
  if (nhwc)
    std::rotate(shape.begin() + 1, shape.begin() + 2, shape.end());
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

#define KILN_POOL_INFER(OP)                                                                    \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc,               \
                                     Adaptor adaptor, SmallVectorImpl<Type> &types) {          \
    return inferPool(loc, adaptor, types);                                                     \
  }
KILN_POOL_INFER(MaxPoolOp)
KILN_POOL_INFER(AvgPoolOp)

#define KILN_SAME_AS_INPUT_INFER(OP)                                                           \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location>, Adaptor adaptor,  \
                                     SmallVectorImpl<Type> &types) {                           \
    types.push_back(adaptor.getInput().getType());                                             \
    return success();                                                                          \
  }
KILN_SAME_AS_INPUT_INFER(BatchNormOp)
KILN_SAME_AS_INPUT_INFER(LayerNormOp)

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = tensorOf(adaptor.getInput());
  Shape shape;
  for (int64_t d = 0; d < input.getRank(); ++d) {
    if (!llvm::is_contained(adaptor.getAxes(), d))
      shape.push_back(input.getDimSize(d));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = tensorOf(adaptor.getInput());
  auto perm = adaptor.getPerm();
  if ((int64_t)perm.size() != input.getRank())
    return emitFailure(loc, "transpose perm size differs from the input rank");
  Shape shape;
  SmallVector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return emitFailure(loc, "transpose perm is not a permutation");
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult DepthToSpaceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                               Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = tensorOf(adaptor.getInput());
  ArrayRef<int64_t> block = adaptor.getBlock(), crops = adaptor.getCrops();
  if (input.getRank() != 4 || block.size() != 2 || crops.size() != 4)
    return emitFailure(loc, "depth_to_space takes an NHWC input, 2 block sizes and 4 crops");
  int64_t channels = input.getDimSize(3);
  if (block[0] <= 0 || block[1] <= 0 || llvm::any_of(crops, [](int64_t c) { return c < 0; }) ||
      ShapedType::isDynamic(channels) || channels % (block[0] * block[1]) != 0)
    return emitFailure(loc, "depth_to_space needs positive blocks, crops >= 0 and static "
                            "channels divisible by the block area");
  Shape shape{input.getDimSize(0)};
  for (int d = 0; d < 2; ++d) {
    int64_t in = input.getDimSize(d + 1), out = in * block[d] - crops[d] - crops[d + 2];
    if (!ShapedType::isDynamic(in) && out < 0)
      return emitFailure(loc, "depth_to_space crops more than its input has");
    shape.push_back(ShapedType::isDynamic(in) ? ShapedType::kDynamic : out);
  }
  shape.push_back(channels / (block[0] * block[1]));
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  if (adaptor.getInputs().empty())
    return emitFailure(loc, "concat needs at least one input");
  auto first = tensorOf(adaptor.getInputs()[0]);
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return emitFailure(loc, "concat axis out of range");
  Shape shape(first.getShape());
  shape[axis] = 0;
  for (Value v : adaptor.getInputs()) {
    auto t = tensorOf(v);
    if (t.getRank() != first.getRank())
      return emitFailure(loc, "concat inputs differ in rank");
    for (int64_t d = 0; d < t.getRank(); ++d) {
      if (d == axis)
        shape[d] = (ShapedType::isDynamic(shape[d]) || t.isDynamicDim(d))
                       ? ShapedType::kDynamic
                       : shape[d] + t.getDimSize(d);
      else if (!t.isDynamicDim(d) && !ShapedType::isDynamic(shape[d]) &&
               t.getDimSize(d) != shape[d])
        return emitFailure(loc, "concat inputs differ in dim " + Twine(d));
    }
  }
  types.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = tensorOf(adaptor.getInput());
  auto starts = adaptor.getStarts(), ends = adaptor.getEnds(), steps = adaptor.getSteps();
  if ((int64_t)starts.size() != input.getRank() || ends.size() != starts.size() ||
      steps.size() != starts.size())
    return emitFailure(loc, "slice attributes must cover every dim");
  Shape shape;
  for (size_t d = 0; d < starts.size(); ++d) {
    if (steps[d] == 0)
      return emitFailure(loc, "slice step must not be 0");
    if (input.isDynamicDim(d)) { // ONNX-style bounds, resolved at run time
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    // Overflow-free: clamped static bounds lie in [-1, dim].
    int64_t n = steps[d] > 0 ? (ends[d] - starts[d] + steps[d] - 1) / steps[d]
                             : (starts[d] - ends[d] - steps[d] - 1) / -steps[d];
    shape.push_back(std::max<int64_t>(0, n));
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= data.getRank())
    return emitFailure(loc, "gather axis out of range");
  Shape shape(data.getShape().take_front(axis));
  shape.append(indices.getShape().begin(), indices.getShape().end());
  shape.append(data.getShape().begin() + axis + 1, data.getShape().end());
  types.push_back(RankedTensorType::get(shape, data.getElementType()));
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                 Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  int64_t axis = adaptor.getAxis();
  if (indices.getRank() != data.getRank())
    return emitFailure(loc, "gather_elements indices must have the rank of data");
  if (axis < 0 || axis >= data.getRank())
    return emitFailure(loc, "gather_elements axis out of range");
  if (!isa<IntegerType>(indices.getElementType()))
    return emitFailure(loc, "gather_elements indices must be integers");
  types.push_back(RankedTensorType::get(indices.getShape(), data.getElementType()));
  return success();
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  int64_t batch = adaptor.getBatchDims(), q = indices.getRank(), r = data.getRank();
  if (q < 1 || batch < 0 || batch >= std::min(q, r))
    return emitFailure(loc, "gather_nd batch_dims must be below the ranks of data and indices");
  int64_t k = indices.getDimSize(q - 1);
  if (ShapedType::isDynamic(k) || k < 1 || batch + k > r)
    return emitFailure(loc, "gather_nd index tuples must be static and fit the data rank");
  if (!isa<IntegerType>(indices.getElementType()))
    return emitFailure(loc, "gather_nd indices must be integers");
  Shape shape(indices.getShape().drop_back());
  shape.append(data.getShape().begin() + batch + k, data.getShape().end());
  types.push_back(RankedTensorType::get(shape, data.getElementType()));
  return success();
}

/// Checks shared by the scatter ops: integer indices, `updates` of data's element type, a
/// known reduction. The result has data's type.
static LogicalResult inferScatter(std::optional<Location> loc, Value data, Value indices,
                                  Value updates, StringRef reduction,
                                  SmallVectorImpl<Type> &types) {
  if (!isa<IntegerType>(tensorOf(indices).getElementType()))
    return emitFailure(loc, "scatter indices must be integers");
  if (tensorOf(updates).getElementType() != tensorOf(data).getElementType())
    return emitFailure(loc, "scatter updates must have the element type of data");
  if (!llvm::is_contained({"none", "add", "mul", "min", "max"}, reduction))
    return emitFailure(loc, "scatter reduction must be none, add, mul, min or max");
  types.push_back(data.getType());
  return success();
}

LogicalResult ScatterElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &types) {
  auto data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  if (indices.getShape() != tensorOf(adaptor.getUpdates()).getShape() ||
      indices.getRank() != data.getRank())
    return emitFailure(loc, "scatter_elements indices and updates must have one shape of the "
                            "rank of data");
  if (adaptor.getAxis() < 0 || adaptor.getAxis() >= data.getRank())
    return emitFailure(loc, "scatter_elements axis out of range");
  return inferScatter(loc, adaptor.getData(), adaptor.getIndices(), adaptor.getUpdates(),
                      adaptor.getReduction(), types);
}

LogicalResult ScatterNDOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = tensorOf(adaptor.getData()), indices = tensorOf(adaptor.getIndices());
  int64_t q = indices.getRank(), k = q ? indices.getDimSize(q - 1) : 0;
  if (q < 1 || ShapedType::isDynamic(k) || k < 1 || k > data.getRank())
    return emitFailure(loc, "scatter_nd index tuples must be static and fit the data rank");
  Shape expected(indices.getShape().drop_back());
  expected.append(data.getShape().begin() + k, data.getShape().end());
  if (ArrayRef<int64_t>(expected) != tensorOf(adaptor.getUpdates()).getShape())
    return emitFailure(loc, "scatter_nd updates must have shape indices[:-1] + data[k:]");
  return inferScatter(loc, adaptor.getData(), adaptor.getIndices(), adaptor.getUpdates(),
                      adaptor.getReduction(), types);
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = tensorOf(adaptor.getInput());
  auto pads = adaptor.getPads();
  if ((int64_t)pads.size() != 2 * input.getRank())
    return emitFailure(loc, "pad needs 2 * rank pads");
  Shape shape;
  for (int64_t d = 0; d < input.getRank(); ++d)
    shape.push_back(input.isDynamicDim(d) ? ShapedType::kDynamic
                                          : input.getDimSize(d) + pads[d] + pads[d + input.getRank()]);
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ShapeOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location>,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  types.push_back(RankedTensorType::get({tensorOf(adaptor.getInput()).getRank()},
                                        IntegerType::get(ctx, 64)));
  return success();
}
