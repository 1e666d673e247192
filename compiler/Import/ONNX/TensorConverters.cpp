//===- TensorConverters.cpp - ONNX data movement (Concat, Split, Slice, Gather, Pad, ...) → kiln -===//
#include "compiler/Import/ONNX/ConverterUtils.h"
#include "compiler/Import/ONNX/ShapeValues.h"

#include <algorithm>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace kiln::importer;

namespace {
LogicalResult convertIdentity(NodeContext &n) { return n.setResult(n.input(0)); }

LogicalResult convertConcat(NodeContext &n) {
  // Before opset 4 the axis is optional (default 1).
  if (!n.hasAttr("axis") && n.opset() >= 4)
    return n.fail("attribute 'axis' is required");
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    if (!n.hasInput(i))
      return n.fail("input #" + llvm::Twine(i) + " is empty");
    if (failed(checkSameElementType(n, n.input(0), n.input(i))))
      return failure();
    inputs.push_back(n.input(i));
  }
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.setResult(n.create<kiln::ConcatOp>(ValueRange(inputs), *axis));
}

/// Split into one kiln.slice per output; `sizes` empty = equal parts.
/// The end bound that takes a dynamic dim whole (kiln.slice's ONNX-style bounds).
constexpr int64_t kWholeDim = std::numeric_limits<int64_t>::max();

LogicalResult buildSplit(NodeContext &n, SmallVector<int64_t> sizes) {
  SmallVector<int64_t> shape(n.inputType(0).getShape());
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 0), shape.size());
  if (failed(axis))
    return failure();
  if (ShapedType::isDynamic(shape[*axis]))
    return n.fail("splitting dynamic dim " + llvm::Twine(*axis) + " of " +
                  llvm::Twine(n.node().input(0)) + " is not supported");
  // Other dynamic dims are taken whole by every part.
  for (int64_t &d : shape)
    if (ShapedType::isDynamic(d))
      d = kWholeDim;
  int64_t dim = shape[*axis], parts = n.node().output_size();
  if (sizes.empty()) {
    if (parts == 0 || dim % parts != 0)
      return n.fail("dim " + llvm::Twine(dim) + " does not split into " + llvm::Twine(parts) +
                    " equal parts");
    sizes.assign(parts, dim / parts);
  }
  if ((int64_t)sizes.size() != parts || llvm::any_of(sizes, [](int64_t s) { return s < 0; }) ||
      std::accumulate(sizes.begin(), sizes.end(), int64_t(0)) != dim)
    return n.fail("split sizes must be " + llvm::Twine(parts) + " non-negative values summing to " +
                  llvm::Twine(dim));
  SmallVector<int64_t> starts(shape.size(), 0), ends(shape), steps(shape.size(), 1);
  SmallVector<Value> results;
  for (int64_t size : sizes) {
    ends[*axis] = starts[*axis] + size;
    FailureOr<Value> part = buildSlice(n, n.input(0), starts, ends, steps);
    if (failed(part))
      return failure();
    results.push_back(*part);
    starts[*axis] = ends[*axis];
  }
  return n.setResults(results);
}

LogicalResult convertSplitAttr(NodeContext &n) { return buildSplit(n, n.attrInts("split")); }

/// Split-1: the sizes come from the `split` attribute or a constant second input.
LogicalResult convertSplitAttrOrInput(NodeContext &n) {
  if (!n.hasInput(1))
    return convertSplitAttr(n);
  FailureOr<SmallVector<int64_t>> sizes = n.constantInts(1, "split");
  return failed(sizes) ? failure() : buildSplit(n, *sizes);
}

/// Split by sizes known only at run time: kiln.split_by, every part's size along axis `?`.
LogicalResult buildRunTimeSplit(NodeContext &n) {
  RankedTensorType in = n.inputType(0), split = n.inputType(1);
  if (split.getRank() != 1 || split.isDynamicDim(0) || !split.getElementType().isInteger(64))
    return n.fail("split (input '" + n.node().input(1) +
                  "') must be a 1-D int64 tensor of static length");
  int64_t parts = n.node().output_size();
  if (split.getDimSize(0) != parts)
    return n.fail("split has " + llvm::Twine(split.getDimSize(0)) + " sizes for " +
                  llvm::Twine(parts) + " outputs");
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 0), in.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(in.getShape());
  shape[*axis] = ShapedType::kDynamic;
  SmallVector<Type> types(parts, in.clone(shape));
  FailureOr<Operation *> op =
      n.createMultiResult<kiln::SplitByOp>(types, n.input(0), n.input(1), *axis);
  return failed(op) ? failure() : n.setResults(SmallVector<Value>((*op)->getResults()));
}

LogicalResult convertSplitInput(NodeContext &n) {
  if (n.isRunTimeValue(1))
    return buildRunTimeSplit(n);
  if (!n.hasInput(1))
    return buildSplit(n, {});
  FailureOr<SmallVector<int64_t>> sizes = n.constantInts(1, "split");
  return failed(sizes) ? failure() : buildSplit(n, *sizes);
}

/// ONNX Slice on constant starts/ends/axes/steps, clamped per the ONNX rules.
LogicalResult buildOnnxSlice(NodeContext &n, ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
                             SmallVector<int64_t> axes, SmallVector<int64_t> steps) {
  ArrayRef<int64_t> shape = n.inputType(0).getShape();
  int64_t rank = shape.size(), count = starts.size();
  if (axes.empty())
    axes = llvm::to_vector(llvm::seq<int64_t>(0, count));
  if (steps.empty())
    steps.assign(count, 1);
  if ((int64_t)ends.size() != count || (int64_t)axes.size() != count ||
      (int64_t)steps.size() != count)
    return n.fail("starts, ends, axes and steps must have the same length");
  SmallVector<int64_t> from(rank, 0), to(shape), by(rank, 1);
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(shape[d]))
      to[d] = kWholeDim;
  SmallVector<bool> seen(rank, false);
  for (int64_t i = 0; i < count; ++i) {
    FailureOr<int64_t> axis = n.normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    if (seen[*axis] || steps[i] == 0)
      return n.fail("axes must be unique and steps non-zero");
    seen[*axis] = true;
    int64_t dim = shape[*axis], start = starts[i], end = ends[i], step = steps[i];
    if (ShapedType::isDynamic(dim)) { // ONNX's bounds, clamped at run time
      if (step < 0)
        return n.fail("a negative step on dynamic dim " + llvm::Twine(*axis) +
                      " is not supported");
      from[*axis] = start;
      to[*axis] = end;
      by[*axis] = step;
      continue;
    }
    start = start < 0 ? start + dim : start;
    end = end < 0 ? end + dim : end;
    bool forward = step > 0;
    from[*axis] = std::clamp<int64_t>(start, 0, forward ? dim : std::max<int64_t>(dim - 1, 0));
    to[*axis] = std::clamp<int64_t>(end, forward ? 0 : -1, forward ? dim : dim - 1);
    by[*axis] = step;
  }
  return n.setResult(buildSlice(n, n.input(0), from, to, by));
}

/// Slice before opset 10: starts/ends/axes attributes, unit steps.
LogicalResult convertSliceAttrs(NodeContext &n) {
  return buildOnnxSlice(n, n.attrInts("starts"), n.attrInts("ends"), n.attrInts("axes"), {});
}

/// Slice from opset 10: constant starts, ends, optional axes and steps inputs.
LogicalResult convertSliceInputs(NodeContext &n) {
  if (n.isRunTimeValue(1) || n.isRunTimeValue(2) || n.isRunTimeValue(3) || n.isRunTimeValue(4))
    return convertRunTimeSlice(n);
  FailureOr<SmallVector<int64_t>> starts = n.constantInts(1, "starts");
  FailureOr<SmallVector<int64_t>> ends = n.constantInts(2, "ends");
  if (failed(starts) || failed(ends))
    return failure();
  FailureOr<SmallVector<int64_t>> axes = SmallVector<int64_t>(), steps = SmallVector<int64_t>();
  if (n.hasInput(3))
    axes = n.constantInts(3, "axes");
  if (n.hasInput(4))
    steps = n.constantInts(4, "steps");
  if (failed(axes) || failed(steps))
    return failure();
  return buildOnnxSlice(n, *starts, *ends, *axes, *steps);
}

LogicalResult convertGather(NodeContext &n) {
  if (!isa<IntegerType>(n.inputType(1).getElementType()))
    return n.fail("indices must be integers");
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.setResult(n.create<kiln::GatherOp>(n.input(0), n.input(1), *axis));
}

LogicalResult convertTranspose(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank)));
  perm = n.attrInts("perm", perm);
  return n.setResult(n.create<kiln::TransposeOp>(n.input(0), perm));
}

/// reshape → transpose → reshape, the shape of DepthToSpace, SpaceToDepth and Tile.
LogicalResult reshapeTransposeReshape(NodeContext &n, ArrayRef<int64_t> split,
                                      ArrayRef<int64_t> perm, ArrayRef<int64_t> result) {
  FailureOr<Value> x = n.reshape(n.input(0), split);
  if (succeeded(x))
    x = n.create<kiln::TransposeOp>(*x, perm);
  return failed(x) ? failure() : n.setResult(n.reshape(*x, result));
}

/// DepthToSpace of symbolic N, H or W (static channels): kiln.depth_to_space between NHWC
/// transposes (which cancel with the convs' around it). CRD's channels [C, b, b] first move
/// to DCR's [b, b, C] (views keep N, H and W from the input's dims).
LogicalResult dynamicDepthToSpace(NodeContext &n, int64_t b, StringRef mode) {
  auto type = n.inputType(0);
  if (type.getRank() != 4 || type.isDynamicDim(1) || b <= 0 || type.getDimSize(1) % (b * b))
    return n.fail("needs a 4-D input with static channels that divide by blocksize^2");
  int64_t N = type.getDimSize(0), C = type.getDimSize(1) / (b * b), H = type.getDimSize(2),
          W = type.getDimSize(3);
  FailureOr<Value> x = n.input(0);
  if (mode == "CRD") {
    x = n.reshape(*x, {N, C, b * b, H, W}, {0, -1, -1, 2, 3});
    if (succeeded(x))
      x = n.create<kiln::TransposeOp>(*x, SmallVector<int64_t>{0, 2, 1, 3, 4});
    if (succeeded(x))
      x = n.reshape(*x, {N, C * b * b, H, W}, {0, -1, 3, 4});
  }
  if (succeeded(x))
    x = n.create<kiln::TransposeOp>(*x, SmallVector<int64_t>{0, 2, 3, 1});
  if (succeeded(x))
    x = n.create<kiln::DepthToSpaceOp>(*x, SmallVector<int64_t>{b, b},
                                       SmallVector<int64_t>{0, 0, 0, 0});
  if (succeeded(x))
    x = n.create<kiln::TransposeOp>(*x, SmallVector<int64_t>{0, 3, 1, 2});
  return n.setResult(x);
}

/// DepthToSpace on N, C, H, W: blocks of C move into H and W (mode DCR: depth, column, row;
/// CRD: column, row, depth).
LogicalResult convertDepthToSpace(NodeContext &n) {
  std::string mode = n.attrString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return n.fail("unknown mode '" + mode + "'");
  if (!n.inputType(0).hasStaticShape())
    return dynamicDepthToSpace(n, n.attrInt("blocksize", 0), mode);
  FailureOr<SmallVector<int64_t>> shape = requireStaticShape(n, n.inputType(0), "DepthToSpace");
  if (failed(shape))
    return failure();
  int64_t b = n.attrInt("blocksize", 0);
  if (shape->size() != 4 || b <= 0 || (*shape)[1] % (b * b) != 0)
    return n.fail("needs a 4-D input whose channels divide by blocksize^2");
  int64_t N = (*shape)[0], C = (*shape)[1] / (b * b), H = (*shape)[2], W = (*shape)[3];
  if (mode == "DCR")
    return reshapeTransposeReshape(n, {N, b, b, C, H, W}, {0, 3, 4, 1, 5, 2}, {N, C, H * b, W * b});
  return reshapeTransposeReshape(n, {N, C, b, b, H, W}, {0, 1, 4, 2, 5, 3}, {N, C, H * b, W * b});
}

/// SpaceToDepth on N, C, H, W: blocks of H and W move into the channels.
LogicalResult convertSpaceToDepth(NodeContext &n) {
  FailureOr<SmallVector<int64_t>> shape = requireStaticShape(n, n.inputType(0), "SpaceToDepth");
  if (failed(shape))
    return failure();
  int64_t b = n.attrInt("blocksize", 0);
  if (shape->size() != 4 || b <= 0 || (*shape)[2] % b != 0 || (*shape)[3] % b != 0)
    return n.fail("needs a 4-D input whose H and W divide by blocksize");
  int64_t N = (*shape)[0], C = (*shape)[1], H = (*shape)[2] / b, W = (*shape)[3] / b;
  return reshapeTransposeReshape(n, {N, C, H, b, W, b}, {0, 3, 5, 1, 2, 4}, {N, C * b * b, H, W});
}

/// Tile with constant repeats: x as [1, d0, 1, d1, ...] expanded to [r0, d0, r1, d1, ...] and
/// collapsed to [r0 * d0, r1 * d1, ...].
LogicalResult buildTile(NodeContext &n, ArrayRef<int64_t> repeats) {
  FailureOr<SmallVector<int64_t>> shape = requireStaticShape(n, n.inputType(0), "Tile");
  if (failed(shape))
    return failure();
  if (repeats.size() != shape->size() || llvm::any_of(repeats, [](int64_t r) { return r < 0; }))
    return n.fail("repeats must hold one non-negative value per dim");
  SmallVector<int64_t> interleaved, expanded, result;
  for (auto [d, r] : llvm::zip(*shape, repeats)) {
    interleaved.append({1, d});
    expanded.append({r, d});
    result.push_back(r * d);
  }
  if (llvm::all_of(repeats, [](int64_t r) { return r == 1; }))
    return n.setResult(n.input(0));
  FailureOr<Value> x = n.reshape(n.input(0), interleaved);
  if (succeeded(x))
    x = n.createTyped<kiln::ExpandOp>(n.inputType(0).clone(expanded), *x);
  return failed(x) ? failure() : n.setResult(n.reshape(*x, result));
}

LogicalResult convertTile(NodeContext &n) {
  if (n.isRunTimeValue(1))
    return convertRunTimeTile(n);
  FailureOr<SmallVector<int64_t>> repeats = n.constantInts(1, "repeats");
  return failed(repeats) ? failure() : buildTile(n, *repeats);
}

/// Tile-1: `tiles` copies along `axis`, both inputs.
LogicalResult convertTileAxis(NodeContext &n) {
  FailureOr<SmallVector<int64_t>> tiles = n.constantInts(1, "tiles");
  FailureOr<SmallVector<int64_t>> axis = n.constantInts(2, "axis");
  if (failed(tiles) || failed(axis))
    return failure();
  if (tiles->size() != 1 || axis->size() != 1)
    return n.fail("tiles and axis must be scalars");
  FailureOr<int64_t> a = n.normalizeAxis(axis->front(), n.inputType(0).getRank());
  if (failed(a))
    return failure();
  SmallVector<int64_t> repeats(n.inputType(0).getRank(), 1);
  repeats[*a] = tiles->front();
  return buildTile(n, repeats);
}

/// Pad with non-negative pads, then slice away negative ones (cropping).
LogicalResult buildPad(NodeContext &n, ArrayRef<int64_t> pads, double value) {
  std::string modeName = n.attrString("mode", "constant");
  std::optional<kiln::PadMode> mode = kiln::symbolizePadMode(modeName);
  if (!mode)
    return n.fail("pad mode '" + modeName + "' is not supported (constant, reflect, edge)");
  int64_t rank = n.inputType(0).getRank();
  if ((int64_t)pads.size() != 2 * rank)
    return n.fail("pads must have 2 * rank = " + llvm::Twine(2 * rank) + " values");
  RankedTensorType type = n.inputType(0);
  for (int64_t d = 0; d < rank && *mode != kiln::PadMode::constant; ++d)
    if (!type.isDynamicDim(d) &&
        (type.getDimSize(d) == 0 || (*mode == kiln::PadMode::reflect &&
                                     std::max(pads[d], pads[d + rank]) >= type.getDimSize(d))))
      return n.fail("pad mode '" + modeName + "' cannot pad dim " + llvm::Twine(d) + " of extent " +
                    llvm::Twine(type.getDimSize(d)) + " by that much");
  SmallVector<int64_t> grow =
      llvm::map_to_vector(pads, [](int64_t p) { return std::max<int64_t>(p, 0); });
  FailureOr<Value> padded = n.input(0);
  if (llvm::any_of(grow, [](int64_t p) { return p != 0; }))
    padded = n.create<kiln::PadOp>(n.input(0), grow, *mode, APFloat(value));
  if (failed(padded) || llvm::all_of(pads, [](int64_t p) { return p >= 0; }))
    return n.setResult(padded);
  FailureOr<SmallVector<int64_t>> shape =
      requireStaticShape(n, cast<RankedTensorType>(padded->getType()), "Pad with negative pads");
  if (failed(shape))
    return failure();
  SmallVector<int64_t> starts(rank), ends(rank), steps(rank, 1);
  for (int64_t d = 0; d < rank; ++d) {
    starts[d] = -std::min<int64_t>(pads[d], 0);
    ends[d] = (*shape)[d] + std::min<int64_t>(pads[d + rank], 0);
  }
  return n.setResult(buildSlice(n, *padded, starts, ends, steps));
}

/// Pad before opset 11: `pads` (`paddings` in Pad-1) and `value` attributes.
LogicalResult convertPadAttrs(NodeContext &n) {
  const char *name = n.opset() < 2 ? "paddings" : "pads";
  return buildPad(n, n.attrInts(name), n.attrFloat("value", 0.0));
}

/// Pad from opset 11: constant `pads` and optional `constant_value` inputs.
LogicalResult convertPadInputs(NodeContext &n) {
  if (n.isRunTimeValue(1) || n.isRunTimeValue(2))
    return convertRunTimePad(n);
  FailureOr<SmallVector<int64_t>> pads = n.constantInts(1, "pads");
  FailureOr<double> value = n.hasInput(2) ? n.constantScalar(2, "constant_value") : 0.0;
  if (failed(pads) || failed(value))
    return failure();
  return buildPad(n, *pads, *value);
}
} // namespace

void kiln::importer::registerTensorConverters(ConverterRegistry &r) {
  const Arity variadic{1, Arity::kUnbounded};
  r.add("Identity", 1, convertIdentity);
  r.add("Concat", 1, convertConcat, variadic);
  r.add("Split", 1, convertSplitAttrOrInput, {1, 2});
  r.add("Split", 2, convertSplitAttr);
  r.add("Split", 13, convertSplitInput, {1, 2});
  r.add("Slice", 1, convertSliceAttrs);
  r.add("Slice", 10, convertSliceInputs, {3, 5});
  r.add("Gather", 1, convertGather, {2, 2});
  r.add("Transpose", 1, convertTranspose);
  r.add("DepthToSpace", 1, convertDepthToSpace);
  r.add("SpaceToDepth", 1, convertSpaceToDepth);
  r.add("Tile", 1, convertTileAxis, {3, 3});
  r.add("Tile", 6, convertTile, {2, 2});
  r.add("Pad", 1, convertPadAttrs);
  r.add("Pad", 11, convertPadInputs, {2, 3});
}
