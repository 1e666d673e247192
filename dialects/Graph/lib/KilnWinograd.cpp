//===- KilnWinograd.cpp - Winograd matrices and the winograd op verifiers -===//
#include "kiln/Dialect/Graph/KilnDialect.h"
#include "kiln/Dialect/Graph/Winograd.h"

using namespace mlir;

namespace kiln {
namespace {
// F(2x2, 3x3), points 0, 1, -1, ∞.
constexpr double kBt2[] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};
constexpr double kG2[] = {1, 0, 0, .5, .5, .5, .5, -.5, .5, 0, 0, 1};
constexpr double kAt2[] = {1, 1, 1, 0, 0, 1, -1, -1};
// F(4x4, 3x3), points 0, 1, -1, 2, -2, ∞.
constexpr double kBt4[] = {4, 0,  -5, 0,  1, 0, 0, -4, -4, 1,  1, 0, 0, 4,  -4, -1, 1, 0,
                           0, -2, -1, 2,  1, 0, 0, 2,  -1, -2, 1, 0, 0, 4,  0,  -5, 0, 1};
constexpr double kG4[] = {1. / 4,  0,        0,       -1. / 6, -1. / 6, -1. / 6,
                          -1. / 6, 1. / 6,   -1. / 6, 1. / 24, 1. / 12, 1. / 6,
                          1. / 24, -1. / 12, 1. / 6,  0,       0,       1};
constexpr double kAt4[] = {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0,
                           0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1};
} // namespace

const WinogradMatrices *getWinogradMatrices(int64_t m) {
  static const WinogradMatrices f2{2, 4, kBt2, kG2, kAt2};
  static const WinogradMatrices f4{4, 6, kBt4, kG4, kAt4};
  return m == 2 ? &f2 : m == 4 ? &f4 : nullptr;
}

namespace {
/// Checks `transformed` = [(m+2)^2, N * TH * TW, channels] for an output [N, OH, OW, *].
LogicalResult verifyTiles(Operation *op, int64_t m, RankedTensorType transformed,
                          ArrayRef<int64_t> nhw, int64_t channels, ArrayRef<int64_t> dilations) {
  if (!getWinogradMatrices(m))
    return op->emitOpError("tile must be 2 or 4, not ") << m;
  if (dilations.size() != 2 || llvm::any_of(dilations, [](int64_t d) { return d < 1; }))
    return op->emitOpError("dilations must be 2 values >= 1");
  if (nhw[1] < dilations[0] || nhw[2] < dilations[1])
    return op->emitOpError("every dilation phase needs an output row and column (output ")
           << nhw[1] << "x" << nhw[2] << ", dilations " << dilations[0] << "x" << dilations[1]
           << ")";
  int64_t alpha = m + 2;
  SmallVector<int64_t> expected = {alpha * alpha,
                                   nhw[0] * winogradTiles(nhw[1], m, dilations[0]) *
                                       winogradTiles(nhw[2], m, dilations[1]),
                                   channels};
  if (transformed.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError("transformed tiles must be [")
           << expected[0] << ", " << expected[1] << ", " << expected[2] << "], not "
           << transformed;
  return success();
}

bool isF32(RankedTensorType t, int64_t rank) {
  return t.getRank() == rank && t.getElementType().isF32();
}

/// Symbolic dims: the points, channels and dilation 1 are all that can be checked.
LogicalResult verifyDynamic(Operation *op, int64_t m, RankedTensorType transformed,
                            int64_t channels, ArrayRef<int64_t> dilations) {
  if (!getWinogradMatrices(m))
    return op->emitOpError("tile must be 2 or 4, not ") << m;
  if (llvm::any_of(dilations, [](int64_t d) { return d != 1; }))
    return op->emitOpError("symbolic dims need dilations of 1");
  if (transformed.getDimSize(0) != (m + 2) * (m + 2) || transformed.getDimSize(2) != channels)
    return op->emitOpError("transformed tiles must be [")
           << (m + 2) * (m + 2) << ", ?, " << channels << "], not " << transformed;
  return success();
}
} // namespace

LogicalResult WinogradInputOp::verify() {
  auto input = getInput().getType(), result = getResult().getType();
  auto pads = getPads();
  if (!isF32(input, 4) || !isF32(result, 3) || input.isDynamicDim(3) || result.isDynamicDim(0) ||
      result.isDynamicDim(2))
    return emitOpError("needs an f32 NHWC input with static channels and an f32 rank-3 "
                       "result with static points and channels");
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return emitOpError("pads must be 4 values >= 0 (top, left, bottom, right)");
  auto dilations = getDilations();
  if (dilations.size() != 2)
    return emitOpError("dilations must be 2 values");
  if (!input.hasStaticShape())
    return verifyDynamic(*this, getTile(), result, input.getDimSize(3), dilations);
  int64_t oh = input.getDimSize(1) + pads[0] + pads[2] - 2 * dilations[0];
  int64_t ow = input.getDimSize(2) + pads[1] + pads[3] - 2 * dilations[1];
  if (oh < 1 || ow < 1)
    return emitOpError("the padded input is smaller than the 3x3 window");
  return verifyTiles(*this, getTile(), result, {input.getDimSize(0), oh, ow}, input.getDimSize(3),
                     dilations);
}

LogicalResult WinogradOutputOp::verify() {
  auto input = getInput().getType(), result = getResult().getType();
  if (!isF32(input, 3) || !isF32(result, 4) || result.isDynamicDim(3) || input.isDynamicDim(0) ||
      input.isDynamicDim(2))
    return emitOpError("needs an f32 rank-3 input with static points and channels and an f32 "
                       "NHWC result with static channels");
  int64_t k = result.getDimSize(3);
  if (getBias() && getBias().getType() != RankedTensorType::get({k}, result.getElementType()))
    return emitOpError("bias must be [") << k << "] f32";
  if (getResidual() && getResidual().getType() != result)
    return emitOpError("residual must have the result's type ") << result;
  if (!(getMin().convertToDouble() <= getMax().convertToDouble()))
    return emitOpError("min must not exceed max");
  if (getDilations().size() != 2)
    return emitOpError("dilations must be 2 values");
  if (result.hasStaticShape())
    return verifyTiles(*this, getTile(), input,
                       {result.getDimSize(0), result.getDimSize(1), result.getDimSize(2)}, k,
                       getDilations());
  auto image = getImage() ? cast<RankedTensorType>(getImage().getType()) : RankedTensorType();
  if (!image || image.getRank() != 4 || getPads().size() != 4)
    return emitOpError("a result with symbolic dims needs the convolution's input as `image` "
                       "and its 4 pads");
  return verifyDynamic(*this, getTile(), input, k, getDilations());
}
} // namespace kiln
