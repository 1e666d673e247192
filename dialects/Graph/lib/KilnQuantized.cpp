//===- KilnQuantized.cpp - the verifier of kiln.matmul_int8 ------------------===//
#include "kiln/Dialect/Graph/Int8Layout.h"
#include "kiln/Dialect/Graph/KilnDialect.h"

using namespace mlir;

LogicalResult kiln::MatMulInt8Op::verify() {
  auto lhs = cast<RankedTensorType>(getLhs().getType());
  auto rhs = cast<RankedTensorType>(getRhs().getType());
  auto result = cast<RankedTensorType>(getResult().getType());
  if (!lhs.getElementType().isUnsignedInteger(8) || !rhs.getElementType().isSignlessInteger(8) ||
      !result.getElementType().isSignlessInteger(32))
    return emitOpError("takes ui8 x i8 operands to an i32 result");
  // The leading dims (the rows: a batch, image or sequence) may be symbolic; K and N not.
  if (lhs.getRank() < 2 || lhs.isDynamicDim(lhs.getRank() - 1) || !rhs.hasStaticShape() ||
      result.isDynamicDim(result.getRank() - 1))
    return emitOpError("needs an lhs of rank >= 2, a static K and N and static packed weights");
  if (result.getRank() != lhs.getRank() ||
      result.getShape().drop_back() != lhs.getShape().drop_back())
    return emitOpError("result must be the lhs shape with its last dim replaced by N");
  int64_t k = lhs.getShape().back(), n = result.getShape().back();
  SmallVector<int64_t> packed{(n + 63) / 64, (k + 3) / 4, 256};
  if (std::optional<ArrayRef<int64_t>> groups = getGroups()) {
    if (groups->size() != 2 || (*groups)[0] < 1 || (*groups)[1] < 1 || (*groups)[1] % 4 != 0)
      return emitOpError("groups must be [G, Cg] with Cg a multiple of 4");
    int64_t g = (*groups)[0], cg = (*groups)[1];
    if (k % (g * cg) != 0 || n % g != 0)
      return emitOpError("K (") << k << ") must be a multiple of G * Cg (" << g * cg << ") and N ("
                                << n << ") of G";
    std::array<int64_t, 3> shape = packedWeightShape(k, n, g, cg);
    packed.assign(shape.begin(), shape.end());
  }
  if (rhs.getShape() != ArrayRef<int64_t>(packed))
    return emitOpError("rhs must be the packed weights [ceil(N/64), ceil(K/4), 256] (per "
                       "group with groups, K a group's) = [")
           << packed[0] << ", " << packed[1] << ", 256]";
  return success();
}
